package tls13

import (
	"errors"
	"slices"
	"time"
)

// serverMessage handles one client handshake message (RFC 8446 §A.2).
func (e *Endpoint) serverMessage(epoch uint64, typ HandshakeType, body []byte) error {
	switch {
	case e.state == stateWaitCH && typ == TypeClientHello && epoch == 0:
		return e.serverClientHello(body)
	case e.state == stateWaitClientCert && typ == TypeCertificate && epoch == 2:
		// The client's flight acknowledges ours: it needed our Finished.
		e.fl.reset()
		if err := e.peerCertificate(body); err != nil {
			return err
		}
		e.writeTranscript(typ, body)
		e.hs.certHash = e.transcriptHash()
		e.state = stateWaitClientCV
	case e.state == stateWaitClientCV && typ == TypeCertificateVerify && epoch == 2:
		if err := e.peerCertificateVerify(body, false); err != nil {
			return err
		}
		e.writeTranscript(typ, body)
		e.state = stateWaitClientFin
	case e.state == stateWaitClientFin && typ == TypeFinished && epoch == 2:
		if _, err := ParseFinished(body, e.sched.HashSize()); err != nil {
			return err
		}
		if !e.sched.VerifyFinished(e.hs.cHS, e.transcriptHash(), body) {
			return alert(alertDecryptError, errors.New("tls13: client Finished"))
		}
		if err := e.addReader(3, e.peerApp); err != nil {
			return err
		}
		e.appEpoch, e.peerEpoch = 3, 3
		e.state, e.sentSinceUpdate, e.completed = stateConnected, true, true
		e.fl.reset() // the client's flight acknowledges ours
		// RFC 9147 §5.8.3: the client's last flight is acknowledged by an
		// ACK, at once.
		e.sendACK()
		e.handshakeDone()
		e.serverConfirmed()
	case e.state == stateWaitClientCert && typ == TypeClientHello:
		// A retransmitted ClientHello: our flight was lost; resend it now.
		e.fl.deadline = e.now
	default:
		return alert(alertUnexpectedMessage, errors.New("tls13: unexpected "+typ.String()+" in "+e.state.String()))
	}
	return nil
}

// AcceptClientHello hands a server a ClientHello that another machine
// reassembled (rtc-dtls's 1.2 Conn, which reads the first flight before the
// version is known): body is the message body, seq its message_seq.
func (e *Endpoint) AcceptClientHello(now time.Time, seq uint16, body []byte) error {
	e.advance(now)
	if e.state != stateWaitCH {
		return alert(alertUnexpectedMessage, errors.New("tls13: ClientHello after the first"))
	}
	e.reasm.next = seq + 1
	if err := e.serverClientHello(body); err != nil {
		return e.fail(err)
	}
	return nil
}

// serverChoose picks the suite and group (RFC 8446 §4.1.1): ours in order
// of our preference. share is the client's key share for group, nil when a
// HelloRetryRequest must ask for one.
func (e *Endpoint) serverChoose(ch *ClientHello) (CipherSuite, Group, []byte, error) {
	var suite CipherSuite
	for _, s := range e.cfg.suites() {
		if slices.Contains(ch.CipherSuites, s) {
			suite = s
			break
		}
	}
	if suite == 0 {
		return 0, 0, nil, alert(alertHandshakeFailure, errors.New("tls13: no common cipher suite"))
	}
	groups := e.cfg.groups()
	for _, g := range groups {
		for _, ks := range ch.Ext.KeyShares {
			if ks.Group == g && slices.Contains(ch.Ext.Groups, g) {
				return suite, g, ks.KeyExchange, nil
			}
		}
	}
	for _, g := range groups {
		if slices.Contains(ch.Ext.Groups, g) {
			return suite, g, nil, nil
		}
	}
	return 0, 0, nil, alert(alertHandshakeFailure, errors.New("tls13: no common group"))
}

// serverClientHello answers a ClientHello: a stateless HelloRetryRequest, or
// the whole server flight.
func (e *Endpoint) serverClientHello(body []byte) error {
	ch, err := ParseClientHello(body)
	if err != nil {
		return err
	}
	if !ch.OffersVersion(VersionDTLS13) {
		return ErrNeedDTLS12
	}
	// RFC 9147 §5.3: legacy_cookie "MUST be set to a zero-length vector".
	if len(ch.LegacyCookie) != 0 || !slices.Contains(ch.CompressionMethods, 0) || len(ch.CompressionMethods) != 1 {
		return alert(AlertIllegalParameter, errors.New("tls13: legacy ClientHello fields"))
	}
	if len(ch.Ext.Schemes) == 0 || !ch.Ext.Has(ExtSupportedGroups) || !ch.Ext.Has(ExtKeyShare) {
		return alert(alertMissingExtension, errors.New("tls13: ClientHello lacks a required extension"))
	}
	suite, group, share, err := e.serverChoose(ch)
	if err != nil {
		return err
	}
	var ch1Hash []byte
	if len(ch.Ext.Cookie) > 0 {
		cs, cg, h, ok := openCookie(e.hs.cookieKey, e.now, e.cfg.cookieLifetime(), ch.Ext.Cookie)
		if !ok || cs != suite || (cg != 0 && cg != group) {
			return alert(AlertIllegalParameter, errors.New("tls13: bad cookie"))
		}
		if share == nil {
			return alert(AlertIllegalParameter, errors.New("tls13: ClientHello2 without the requested share"))
		}
		ch1Hash = h
		// Rebuild the HelloRetryRequest we sent, from the cookie alone.
		hrr := e.helloRetry(ch, suite, cg, ch.Ext.Cookie)
		hb, err := hrr.Append(nil)
		if err != nil {
			return err
		}
		e.hs.transcript = suite.Hash()()
		e.hs.transcript.Write(MessageHash(ch1Hash))
		e.writeTranscript(TypeServerHello, hb)
		e.hrr = true
	} else if share == nil || e.cfg.RequireCookie {
		return e.sendHelloRetry(ch, body, suite, group, share == nil)
	}
	if e.hs.transcript == nil {
		e.hs.transcript = suite.Hash()()
	}
	e.writeTranscript(TypeClientHello, body)
	e.suite, e.group = suite, group
	// RFC 9147 §5.2: after a stateless HelloRetryRequest the ServerHello
	// carries the message_seq of ClientHello2 (the client expects the one
	// after the HelloRetryRequest's).
	e.outSeq = e.reasm.next - 1
	return e.serverFlight(ch, share)
}

func (e *Endpoint) helloRetry(ch *ClientHello, suite CipherSuite, group Group, cookie []byte) *ServerHello {
	return &ServerHello{
		LegacyVersion: VersionDTLS12,
		Random:        helloRetryRandom,
		SessionIDEcho: ch.SessionID,
		CipherSuite:   suite,
		Ext:           Extensions{SelectedVersion: VersionDTLS13, SelectedGroup: group, Cookie: cookie},
	}
}

// sendHelloRetry sends a HelloRetryRequest and keeps no state (RFC 9147
// §5.1): what ClientHello2 needs is in the cookie. The next ClientHello may
// use any message_seq.
func (e *Endpoint) sendHelloRetry(ch *ClientHello, body []byte, suite CipherSuite, group Group, needShare bool) error {
	h := suite.Hash()()
	h.Write(AppendTranscript(nil, TypeClientHello, body))
	sel := Group(0)
	if needShare {
		sel = group
	}
	cookie := makeCookie(e.hs.cookieKey, e.now, suite, sel, h.Sum(nil))
	hb, err := e.helloRetry(ch, suite, sel, cookie).Append(nil)
	if err != nil {
		return err
	}
	e.stats.HelloRetries++
	e.frag = AppendHandshakeHeader(e.frag[:0], HandshakeHeader{Type: TypeServerHello, Length: uint32(len(hb)),
		MessageSeq: e.reasm.next - 1, FragmentLength: uint32(len(hb))})
	e.frag = append(e.frag, hb...)
	e.pushDatagram(AppendPlaintext(e.newDatagram(), PlaintextHeader{Type: ContentHandshake, Version: VersionDTLS12}, e.frag))
	e.ackList = e.ackList[:0]
	e.ackDue = timeZero
	return nil
}

// serverFlight sends ServerHello (epoch 0) and EncryptedExtensions,
// CertificateRequest, Certificate, CertificateVerify, Finished (epoch 2):
// one flight (RFC 9147 §5.8, Figure 6).
func (e *Endpoint) serverFlight(ch *ClientHello, clientShare []byte) error {
	share, secret, err := ServerKeyShare(e.cfg.rand(), e.group, clientShare)
	if err != nil {
		return alert(AlertIllegalParameter, err)
	}
	sh := &ServerHello{LegacyVersion: VersionDTLS12, SessionIDEcho: ch.SessionID, CipherSuite: e.suite,
		Ext: Extensions{SelectedVersion: VersionDTLS13, KeyShares: []KeyShareEntry{{Group: e.group, KeyExchange: share}}}}
	if _, err := readFull(e.cfg.rand(), sh.Random[:]); err != nil {
		return err
	}
	shb, err := sh.Append(nil)
	if err != nil {
		return err
	}
	e.writeTranscript(TypeServerHello, shb)
	if err := e.enterHandshakeKeys(secret); err != nil {
		return err
	}
	ee := &EncryptedExtensions{}
	if ch.Ext.RecordSizeLimit != 0 {
		// RFC 8449 §4: the peer's limit bounds every protected record we
		// send from here on (EncryptedExtensions included), and ours is
		// announced in EncryptedExtensions.
		ours := e.cfg.recordSizeLimit()
		ee.Ext.RecordSizeLimit = uint16(orDefault(ours, MaxRecordSizeLimit))
		e.negotiateRecordSizeLimit(int(ch.Ext.RecordSizeLimit), ours)
	}
	e.serverCID(ch, ee)
	for _, p := range e.cfg.SRTPProfiles {
		if slices.Contains(ch.Ext.SRTPProfiles, p) {
			ee.Ext.SRTPProfiles, ee.Ext.SRTPMKI = []uint16{p}, []byte{}
			e.srtpProfile = p
			break
		}
	}
	eeb, err := ee.Append(nil)
	if err != nil {
		return err
	}
	e.writeTranscript(TypeEncryptedExtensions, eeb)
	cr := &CertificateRequest{Context: []byte{}, Ext: Extensions{Schemes: signatureSchemes}}
	crb, err := cr.Append(nil)
	if err != nil {
		return err
	}
	e.writeTranscript(TypeCertificateRequest, crb)
	e.hs.certReqContext = nil
	cert, cv, err := e.ownCertificate(true)
	if err != nil {
		return err
	}
	fin := e.sched.FinishedMAC(e.hs.sHS, e.transcriptHash())
	e.writeTranscript(TypeFinished, fin)
	if err := e.enterAppSecrets(); err != nil {
		return err
	}
	if err := e.addWriter(3, e.myApp); err != nil {
		return err
	}
	e.state = stateWaitClientCert
	return e.sendFlight(false,
		msg{0, TypeServerHello, shb}, msg{2, TypeEncryptedExtensions, eeb}, msg{2, TypeCertificateRequest, crb},
		msg{2, TypeCertificate, cert}, msg{2, TypeCertificateVerify, cv}, msg{2, TypeFinished, fin})
}
