package tls13

import (
	"crypto/x509"
	"errors"
	"slices"
	"time"
)

// clientStart builds and sends ClientHello1 (RFC 8446 §4.1.2, RFC 9147
// §5.3): key shares for our first group (and x25519 beside the hybrid, as
// browsers do, so a server without ML-KEM needs no HelloRetryRequest).
func (e *Endpoint) clientStart() error {
	groups := e.cfg.groups()
	if len(groups) == 0 {
		return errors.New("tls13: no groups configured")
	}
	first := []Group{groups[0]}
	if groups[0] == GroupX25519MLKEM768 && slices.Contains(groups, GroupX25519) {
		first = append(first, GroupX25519)
	}
	ch := &ClientHello{
		LegacyVersion:      VersionDTLS12,
		SessionID:          []byte{},
		LegacyCookie:       []byte{},
		CipherSuites:       e.cfg.suites(),
		CompressionMethods: []byte{0},
		Ext: Extensions{
			SupportedVersions: []uint16{VersionDTLS13},
			Groups:            groups,
			Schemes:           signatureSchemes,
			SRTPProfiles:      e.cfg.SRTPProfiles,
			SRTPMKI:           []byte{},
			KeyShares:         []KeyShareEntry{},
			RecordSizeLimit:   uint16(e.cfg.recordSizeLimit()),
		},
	}
	if _, err := readFull(e.cfg.rand(), ch.Random[:]); err != nil {
		return err
	}
	shares, err := NewClientKeyShares(e.cfg.rand(), first)
	if err != nil {
		return err
	}
	for _, ks := range shares {
		e.hs.shares = append(e.hs.shares, ks)
		ch.Ext.KeyShares = append(ch.Ext.KeyShares, KeyShareEntry{Group: ks.Group(), KeyExchange: ks.Public()})
	}
	e.offerCID(ch)
	e.hs.chMsg = ch
	body, err := ch.Append(nil)
	if err != nil {
		return err
	}
	e.hs.chBody = body
	e.state = stateWaitSH
	return e.sendFlight(false, msg{0, TypeClientHello, body})
}

func (e *Endpoint) addClientShare(ch *ClientHello, g Group) error {
	ks, err := NewClientKeyShare(e.cfg.rand(), g)
	if err != nil {
		return err
	}
	e.hs.shares = append(e.hs.shares, ks)
	ch.Ext.KeyShares = append(ch.Ext.KeyShares, KeyShareEntry{Group: g, KeyExchange: ks.Public()})
	return nil
}

// ResumeClient makes a client that takes over a handshake another machine
// started: rtc-dtls's 1.2 Conn sends a ClientHello offering both 1.2 and
// 1.3 (chBody, with message_seq chSeq, carrying shares' key shares, its
// records numbered up to w0seq) and hands over when the server answers
// with a 1.3 ServerHello or HelloRetryRequest (AcceptServerHello). started
// is when the handshake began, for HandshakeTimeout.
func ResumeClient(cfg Config, now, started time.Time, chBody []byte, chSeq uint16, shares []*ClientKeyShare, w0seq uint64) (*Endpoint, error) {
	ch, err := ParseClientHello(chBody)
	if err != nil {
		return nil, err
	}
	e := newEndpoint(cfg, now, false)
	if started.Before(now) {
		e.start = started
	}
	e.hs.chMsg, e.hs.chBody, e.hs.shares = ch, chBody, shares
	if ch.Ext.HasConnectionID {
		// The 1.2 machine's ClientHello offered a CID: records to us may
		// carry it from the server's first protected one.
		e.reader.cidLen = len(ch.Ext.ConnectionID)
	}
	e.outSeq, e.w0seq = chSeq+1, w0seq
	e.reasm.next = chSeq
	e.state = stateWaitSH
	return e, nil
}

// AcceptServerHello hands a resumed client the server's ServerHello or
// HelloRetryRequest (body, with message_seq seq).
func (e *Endpoint) AcceptServerHello(now time.Time, seq uint16, body []byte) error {
	e.advance(now)
	if e.state != stateWaitSH {
		return alert(alertUnexpectedMessage, errors.New("tls13: ServerHello out of order"))
	}
	e.reasm.next = seq + 1
	if err := e.clientMessage(0, TypeServerHello, body); err != nil {
		return e.fail(err)
	}
	return nil
}

// clientMessage handles one server handshake message (RFC 8446 §A.1).
func (e *Endpoint) clientMessage(epoch uint64, typ HandshakeType, body []byte) error {
	switch {
	case e.state == stateWaitSH && typ == TypeServerHello && epoch == 0:
		sh, err := ParseServerHello(body)
		if err != nil {
			return err
		}
		if sh.IsHelloRetryRequest() {
			return e.clientHelloRetry(sh, body)
		}
		return e.clientServerHello(sh, body)
	case e.state == stateWaitEE && typ == TypeEncryptedExtensions && epoch == 2:
		ee, err := ParseEncryptedExtensions(body)
		if err != nil {
			return err
		}
		if err := e.clientCheckSRTP(ee); err != nil {
			return err
		}
		if err := e.clientRecordSizeLimit(ee); err != nil {
			return err
		}
		if err := e.clientCID(ee); err != nil {
			return err
		}
		e.writeTranscript(typ, body)
		e.state = stateWaitCR
	case e.state == stateWaitCR && typ == TypeCertificateRequest && epoch == 2:
		cr, err := ParseCertificateRequest(body)
		if err != nil {
			return err
		}
		e.certRequested, e.hs.certReqContext = true, slices.Clone(cr.Context)
		e.writeTranscript(typ, body)
		e.state = stateWaitCert
	case (e.state == stateWaitCR || e.state == stateWaitCert) && typ == TypeCertificate && epoch == 2:
		if err := e.peerCertificate(body); err != nil {
			return err
		}
		e.writeTranscript(typ, body)
		e.hs.certHash = e.transcriptHash()
		e.state = stateWaitCV
	case e.state == stateWaitCV && typ == TypeCertificateVerify && epoch == 2:
		if err := e.peerCertificateVerify(body, true); err != nil {
			return err
		}
		e.writeTranscript(typ, body)
		e.state = stateWaitFin
	case e.state == stateWaitFin && typ == TypeFinished && epoch == 2:
		return e.clientServerFinished(body)
	default:
		return alert(alertUnexpectedMessage, errors.New("tls13: unexpected "+typ.String()+" in "+e.state.String()))
	}
	return nil
}

// checkServerHelloCommon applies the checks shared by ServerHello and
// HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4).
func (e *Endpoint) checkServerHelloCommon(sh *ServerHello) error {
	if sh.Ext.SelectedVersion == 0 {
		// No supported_versions: the server negotiated 1.2. RFC 8446
		// §4.1.3: a 1.3 client checks the downgrade sentinel.
		if err := CheckDowngrade(sh.Random, true, sh.LegacyVersion); err != nil {
			return alert(AlertIllegalParameter, err)
		}
		return ErrNeedDTLS12
	}
	if sh.Ext.SelectedVersion != VersionDTLS13 || sh.LegacyVersion != VersionDTLS12 {
		return alert(AlertIllegalParameter, errors.New("tls13: ServerHello version"))
	}
	if !slices.Contains(e.hs.chMsg.CipherSuites, sh.CipherSuite) || !sh.CipherSuite.Supported() ||
		len(sh.SessionIDEcho) != 0 || sh.CompressionMeth != 0 {
		return alert(AlertIllegalParameter, errors.New("tls13: ServerHello fields"))
	}
	return nil
}

// clientHelloRetry answers a HelloRetryRequest with ClientHello2 (RFC 8446
// §4.1.4): the transcript restarts from message_hash(ClientHello1).
func (e *Endpoint) clientHelloRetry(hrr *ServerHello, body []byte) error {
	if e.hrr {
		return alert(alertUnexpectedMessage, errors.New("tls13: second HelloRetryRequest"))
	}
	if err := e.checkServerHelloCommon(hrr); err != nil {
		return err
	}
	g := hrr.Ext.SelectedGroup
	if g != 0 {
		sent := false
		for _, ks := range e.hs.shares {
			sent = sent || ks.Group() == g
		}
		// RFC 8446 §4.1.4: the group must be one we offered and not one
		// we already sent a share for.
		if sent || !slices.Contains(e.cfg.groups(), g) {
			return alert(AlertIllegalParameter, errors.New("tls13: HelloRetryRequest group"))
		}
	}
	if g == 0 && len(hrr.Ext.Cookie) == 0 {
		return alert(AlertIllegalParameter, errors.New("tls13: HelloRetryRequest changes nothing"))
	}
	e.hrr = true
	e.suite = hrr.CipherSuite
	h := e.suite.Hash()
	ch1 := h()
	ch1.Write(AppendTranscript(nil, TypeClientHello, e.hs.chBody))
	e.hs.transcript = h()
	e.hs.transcript.Write(MessageHash(ch1.Sum(nil)))
	e.writeTranscript(TypeServerHello, body)

	ch := *e.hs.chMsg
	ch.Ext.Cookie = slices.Clone(hrr.Ext.Cookie)
	if g != 0 {
		e.hs.shares = e.hs.shares[:0]
		ch.Ext.KeyShares = []KeyShareEntry{}
		if err := e.addClientShare(&ch, g); err != nil {
			return err
		}
	}
	e.hs.chMsg = &ch
	ch2, err := ch.Append(nil)
	if err != nil {
		return err
	}
	e.hs.chBody = ch2
	e.writeTranscript(TypeClientHello, ch2)
	return e.sendFlight(false, msg{0, TypeClientHello, ch2})
}

// clientServerHello runs the key exchange and installs the handshake keys.
func (e *Endpoint) clientServerHello(sh *ServerHello, body []byte) error {
	if err := e.checkServerHelloCommon(sh); err != nil {
		return err
	}
	if e.hrr && sh.CipherSuite != e.suite {
		return alert(AlertIllegalParameter, errors.New("tls13: ServerHello suite differs from the HelloRetryRequest"))
	}
	if len(sh.Ext.KeyShares) != 1 {
		return alert(alertMissingExtension, errors.New("tls13: ServerHello without key_share"))
	}
	ks := sh.Ext.KeyShares[0]
	var mine *ClientKeyShare
	for _, s := range e.hs.shares {
		if s.Group() == ks.Group {
			mine = s
		}
	}
	if mine == nil {
		return alert(AlertIllegalParameter, errors.New("tls13: ServerHello group we did not offer a share for"))
	}
	secret, err := mine.SharedSecret(ks.KeyExchange)
	if err != nil {
		return alert(AlertIllegalParameter, err)
	}
	e.suite, e.group = sh.CipherSuite, ks.Group
	if !e.hrr {
		e.hs.transcript = e.suite.Hash()()
		e.writeTranscript(TypeClientHello, e.hs.chBody)
	}
	e.writeTranscript(TypeServerHello, body)
	e.hs.shares, e.hs.chBody = nil, nil
	// The server's flight acknowledges our ClientHello (RFC 9147 §7.2).
	e.fl.reset()
	return e.enterHandshakeKeys(secret)
}

// enterHandshakeKeys derives the handshake traffic secrets from the shared
// secret and Transcript-Hash(ClientHello..ServerHello), and installs epoch 2
// both ways (RFC 9147 §6.1).
func (e *Endpoint) enterHandshakeKeys(secret []byte) error {
	e.sched = NewSchedule(e.suite.Hash(), PrefixDTLS13)
	e.sched.SetSharedSecret(secret)
	c, s, err := e.sched.HandshakeTrafficSecrets(e.transcriptHash())
	if err != nil {
		return err
	}
	e.hs.cHS, e.hs.sHS = c, s
	mine, peer := c, s
	if e.server {
		mine, peer = s, c
	}
	if err := e.addReader(2, peer); err != nil {
		return err
	}
	if err := e.addWriter(2, mine); err != nil {
		return err
	}
	if !e.server {
		e.state = stateWaitEE
	}
	return nil
}

// clientCheckSRTP: the server's use_srtp answer must name one profile we
// offered (RFC 5764 §4.1.1).
func (e *Endpoint) clientCheckSRTP(ee *EncryptedExtensions) error {
	if !ee.Ext.Has(ExtUseSRTP) {
		return nil
	}
	p := ee.Ext.SRTPProfiles
	if len(p) != 1 || !slices.Contains(e.cfg.SRTPProfiles, p[0]) {
		return alert(AlertIllegalParameter, errors.New("tls13: use_srtp answer"))
	}
	e.srtpProfile = p[0]
	return nil
}

// clientRecordSizeLimit applies the server's record_size_limit answer
// (RFC 8449 §4). A server may send it only when our ClientHello carried
// one (RFC 8446 §4.2: an unsolicited extension is an unsupported_extension
// alert). The ClientHello is the one sent, also when a 1.2-and-1.3 offer was
// handed over (ResumeClient), so what we advertised is read back from it.
func (e *Endpoint) clientRecordSizeLimit(ee *EncryptedExtensions) error {
	if !ee.Ext.Has(ExtRecordSizeLimit) {
		return nil
	}
	ours := int(e.hs.chMsg.Ext.RecordSizeLimit)
	if ours == 0 {
		return alert(alertUnsupportedExtension, errors.New("tls13: record_size_limit we did not offer"))
	}
	e.negotiateRecordSizeLimit(int(ee.Ext.RecordSizeLimit), ours)
	return nil
}

// peerCertificate stores the peer's chain and leaf key.
func (e *Endpoint) peerCertificate(body []byte) error {
	c, err := ParseCertificate(body)
	if err != nil {
		return err
	}
	if len(c.Entries) == 0 {
		// RFC 8446 §4.4.2.4; WebRTC needs the peer's certificate for the
		// fingerprint check (RFC 8827 §6.5).
		return alert(alertCertificateRequired, errors.New("tls13: empty Certificate"))
	}
	leaf, err := x509.ParseCertificate(c.Entries[0].Data)
	if err != nil {
		return alert(alertBadCertificate, err)
	}
	e.peerCerts = e.peerCerts[:0]
	for _, ent := range c.Entries {
		e.peerCerts = append(e.peerCerts, slices.Clone(ent.Data))
	}
	e.hs.peerKey = leaf.PublicKey
	if e.cfg.VerifyPeer != nil {
		if err := e.cfg.VerifyPeer(e.peerCerts); err != nil {
			return alert(alertBadCertificate, err)
		}
	}
	return nil
}

func (e *Endpoint) peerCertificateVerify(body []byte, server bool) error {
	cv, err := ParseCertificateVerify(body)
	if err != nil {
		return err
	}
	if !slices.Contains(signatureSchemes, cv.Scheme) {
		return alert(AlertIllegalParameter, ErrSchemeMismatch)
	}
	if err := VerifyCertificateVerify(e.hs.peerKey, cv, server, e.hs.certHash); err != nil {
		return alert(alertDecryptError, err)
	}
	return nil
}

// clientServerFinished verifies the server Finished, derives the application
// secrets and sends our last flight (RFC 8446 §4.4.4, RFC 9147 §5.8).
func (e *Endpoint) clientServerFinished(body []byte) error {
	if _, err := ParseFinished(body, e.sched.HashSize()); err != nil {
		return err
	}
	if !e.sched.VerifyFinished(e.hs.sHS, e.transcriptHash(), body) {
		return alert(alertDecryptError, errors.New("tls13: server Finished"))
	}
	e.writeTranscript(TypeFinished, body)
	if err := e.enterAppSecrets(); err != nil {
		return err
	}
	var msgs []msg
	if e.certRequested {
		cert, cv, err := e.ownCertificate(false)
		if err != nil {
			return err
		}
		msgs = append(msgs, msg{2, TypeCertificate, cert}, msg{2, TypeCertificateVerify, cv})
	}
	fin := e.sched.FinishedMAC(e.hs.cHS, e.transcriptHash())
	e.writeTranscript(TypeFinished, fin)
	msgs = append(msgs, msg{2, TypeFinished, fin})
	if err := e.addReader(3, e.peerApp); err != nil {
		return err
	}
	if err := e.addWriter(3, e.myApp); err != nil {
		return err
	}
	e.appEpoch, e.peerEpoch = 3, 3
	e.state, e.sentSinceUpdate, e.completed = stateConnected, true, true
	if err := e.sendFlight(true, msgs...); err != nil {
		return err
	}
	e.handshakeDone()
	return nil
}

// enterAppSecrets derives the application secrets and exporter from
// Transcript-Hash(ClientHello..server Finished).
func (e *Endpoint) enterAppSecrets() error {
	c, s, exp, err := e.sched.ApplicationTrafficSecrets(e.transcriptHash())
	if err != nil {
		return err
	}
	e.exporter = exp
	e.myApp, e.peerApp = c, s
	if e.server {
		e.myApp, e.peerApp = s, c
	}
	return nil
}

// ownCertificate builds our Certificate and CertificateVerify, adding both
// to the transcript.
func (e *Endpoint) ownCertificate(server bool) (cert, cv []byte, err error) {
	if len(e.cfg.Certificate) == 0 || e.cfg.PrivateKey == nil {
		return nil, nil, alert(alertInternalError, errors.New("tls13: no certificate configured"))
	}
	m := &Certificate{Context: e.hs.certReqContext}
	for _, c := range e.cfg.Certificate {
		m.Entries = append(m.Entries, CertificateEntry{Data: c})
	}
	cert, err = m.Append(nil)
	if err != nil {
		return nil, nil, err
	}
	e.writeTranscript(TypeCertificate, cert)
	scheme, ok := SchemeForKey(e.cfg.PrivateKey.Public())
	if !ok {
		return nil, nil, alert(alertInternalError, ErrSchemeMismatch)
	}
	sig, err := SignCertificateVerify(e.cfg.rand(), e.cfg.PrivateKey, scheme, server, e.transcriptHash())
	if err != nil {
		return nil, nil, alert(alertInternalError, err)
	}
	cvm := &CertificateVerify{Scheme: scheme, Signature: sig}
	cv, err = cvm.Append(nil)
	if err != nil {
		return nil, nil, err
	}
	e.writeTranscript(TypeCertificateVerify, cv)
	return cert, cv, nil
}
