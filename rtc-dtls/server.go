package dtls

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
	"io"
	"slices"
)

func hmacEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// serverHandle processes one complete handshake message from the client.
func (c *Conn) serverHandle(p *pendingMessage) error {
	if c.step == stepDone && p.typ == TypeClientHello {
		// RFC 5746 §4.4 / RFC 5246 §7.4.1.2: a new ClientHello after the
		// handshake (protected under the current epoch) asks for
		// renegotiation, which we refuse.
		c.sendAlert(AlertLevelWarning, AlertNoRenegotiation)
		return nil
	}
	if p.typ == TypeFinished {
		if c.step != stepClientFinished {
			return fail(AlertUnexpectedMessage, "unexpected Finished")
		}
	} else if p.epoch != 0 {
		return fail(AlertUnexpectedMessage, "handshake message in the wrong epoch")
	}
	switch c.step {
	case stepClientHello:
		if p.typ == TypeClientHello {
			return c.serverClientHello(p)
		}
	case stepClientCertificate:
		if p.typ == TypeCertificate {
			return c.serverClientCertificate(p)
		}
	case stepClientKeyExchange:
		if p.typ == TypeClientKeyExchange {
			return c.serverClientKeyExchange(p)
		}
	case stepCertificateVerify:
		if p.typ == TypeCertificateVerify {
			return c.serverCertificateVerify(p)
		}
	case stepClientFinished:
		if p.typ == TypeFinished {
			return c.serverFinished(p)
		}
	}
	return fail(AlertUnexpectedMessage, "unexpected "+p.typ.String())
}

// rotateCookieSecret draws a new cookie secret and keeps the previous one
// (RFC 6347 §4.2.1: "the server SHOULD ... change the secret value
// frequently").
func (c *Conn) rotateCookieSecret() error {
	var fresh [32]byte
	if _, err := io.ReadFull(c.cfg.rand(), fresh[:]); err != nil {
		return err
	}
	if c.cookies == nil {
		c.cookies = new(cookieState)
	}
	k := c.cookies
	k.secrets[1], k.secrets[0] = k.secrets[0], fresh
	k.rotate = c.clock.Now().Add(c.cfg.cookieLifetime())
	return nil
}

// cookie computes Cookie = HMAC(Secret, Client-IP, Client-Parameters)
// (RFC 6347 §4.2.1) over the ClientHello without its cookie; Client-IP is
// the address and port the ClientHello came from.
func (c *Conn) cookie(secret []byte, ch *clientHelloMsg) []byte {
	m := hmac.New(sha256.New, secret)
	addr, _ := c.inTr.Peer.MarshalBinary()
	m.Write(addr)
	m.Write(ch.preCookie)
	m.Write(ch.postCookie)
	return m.Sum(nil)
}

func (c *Conn) serverClientHello(p *pendingMessage) error {
	if switched, err := c.switchTo13(p); switched {
		return err
	}
	c.reasm.clear()
	ch, err := parseClientHello(p.body)
	if err != nil {
		return c.refuseHello(failErr(AlertDecodeError, err))
	}
	c.stats.UnknownExtSeen += uint64(ch.Extensions.Unknown)
	cookieOK := false
	if c.cfg.HelloVerify {
		if cookieOK = c.cookieValid(ch); !cookieOK {
			return c.sendHelloVerify(ch, p.seq)
		}
	}
	if err := c.acceptHello(ch); err != nil {
		return c.refuseHello(err)
	}
	c.bind(cookieOK)
	c.hs.clientRandom = ch.Random
	c.hsDeadline = c.clock.Now().Add(c.cfg.handshakeTimeout())
	if c.cfg.HelloVerify && c.inRecordSeq > c.writeSeq[0] {
		// RFC 6347 §4.2.1: "the server MUST use the record sequence
		// number in the ClientHello as the record sequence number in its
		// initial ServerHello".
		c.writeSeq[0] = c.inRecordSeq
	}
	c.recvSeq = p.seq + 1
	c.sendSeq = p.seq
	c.transcript = appendMessage(c.transcript[:0], p.typ, p.seq, p.body)
	return c.serverFlight4(ch)
}

// cookieValid checks a ClientHello's cookie against the current and the
// previous secret.
func (c *Conn) cookieValid(ch *clientHelloMsg) bool {
	return c.cookies != nil && len(ch.Cookie) > 0 && (hmacEqual(ch.Cookie, c.cookie(c.cookies.secrets[0][:], ch)) ||
		hmacEqual(ch.Cookie, c.cookie(c.cookies.secrets[1][:], ch)))
}

// sendHelloVerify answers a ClientHello without a valid cookie statelessly
// (RFC 6347 §4.2.1), back to where it came from. The HelloVerifyRequest
// uses the ClientHello's message_seq and version 1.0.
func (c *Conn) sendHelloVerify(ch *clientHelloMsg, seq uint16) error {
	if c.hvrSent {
		// One answer per datagram: a client sends one ClientHello per
		// datagram, and a datagram packed with hundreds must neither fill
		// the outbox (and fail the Conn) nor multiply our output.
		c.stats.BadHandshake++
		return dropped(errors.New("more than one ClientHello in a datagram"))
	}
	c.hvrSent = true
	if err := c.ensureCookieSecrets(); err != nil {
		return err
	}
	hvr := (&helloVerifyRequestMsg{Version: versionDTLS10, Cookie: c.cookie(c.cookies.secrets[0][:], ch)}).Append(nil)
	payload := appendMessage(nil, TypeHelloVerifyRequest, seq, hvr)
	// RFC 6347 §4.2.1: "the server MUST use the record sequence number in
	// the ClientHello as the record sequence number in the
	// HelloVerifyRequest", so a stateless server never repeats one.
	h := RecordHeader{Type: ContentHandshake, Version: versionDTLS12, Seq: c.inRecordSeq, Length: uint16(len(payload))}
	dg := append(h.AppendTo(nil), payload...)
	c.stats.RecordsOut++
	c.stats.HelloVerifies++
	if len(ch.Cookie) > 0 {
		c.stats.BadHandshake++
	}
	if err := c.replyDatagram(dg); err != nil {
		return dropped(err) // stateless: the client asks again
	}
	return nil
}

// acceptHello checks the ClientHello's version and compression and
// negotiates the parameters.
func (c *Conn) acceptHello(ch *clientHelloMsg) error {
	// RFC 6347 §4.2.1: DTLS 1.2 is 0xfefd; a client that offers less
	// (numerically more) cannot be served.
	if ch.Version > versionDTLS12 {
		return fail(AlertProtocolVersion, "client does not offer DTLS 1.2")
	}
	if !slices.Contains(ch.Compression, 0) {
		return fail(AlertIllegalParameter, "client does not offer null compression")
	}
	return c.negotiate(ch)
}

// negotiate picks the suite, group, SRTP profile and ALPN protocol.
func (c *Conn) negotiate(ch *clientHelloMsg) error {
	e := &ch.Extensions
	// What an earlier, refused ClientHello negotiated does not carry over.
	c.peerRecordLimit, c.ourRecordLimit = 0, 0
	c.cid.offered, c.cid.on, c.cid.peer = false, false, nil
	// RFC 7627 §5.3: a server that requires EMS aborts without it.
	c.hs.ems = e.ExtendedMasterSecret && (c.cfg.hooks == nil || !c.cfg.hooks.noEMS)
	if !c.hs.ems && !c.cfg.InsecureAllowNoEMS {
		return fail(AlertHandshakeFailure, "client did not offer extended_master_secret")
	}
	// RFC 5746 §3.6: the SCSV or an empty renegotiation_info.
	for _, s := range ch.CipherSuites {
		if s == scsvRenegotiation {
			c.hs.secureReneg = true
		}
	}
	if e.RenegotiationInfo {
		if len(e.RenegotiatedConnInfo) != 0 {
			return fail(AlertHandshakeFailure, "non-empty renegotiation_info in an initial handshake")
		}
		c.hs.secureReneg = true
	}
	// Group: ours in order of preference, among the client's. RFC 8422
	// §4: a client without supported_groups is taken to support them all.
	for _, g := range c.cfg.groups() {
		if len(e.Groups) == 0 || slices.Contains(e.Groups, g) {
			c.hs.group = g
			break
		}
	}
	if c.hs.group == 0 {
		return fail(AlertHandshakeFailure, "no ECDHE group in common")
	}
	if len(e.PointFormats) > 0 && !slices.Contains(e.PointFormats, 0) {
		return fail(AlertIllegalParameter, "client does not accept uncompressed points")
	}
	_, ecdsaKey := c.cfg.Certificate.PrivateKey.Public().(*ecdsa.PublicKey)
	_, rsaKey := c.cfg.Certificate.PrivateKey.Public().(*rsa.PublicKey)
	for _, s := range c.cfg.cipherSuites() {
		info := suiteParams(s)
		if info == nil || (info.ecdsa && !ecdsaKey) || (!info.ecdsa && !rsaKey) {
			continue
		}
		for _, cs := range ch.CipherSuites {
			if CipherSuite(cs) == s {
				c.hs.suite = info
				break
			}
		}
		if c.hs.suite != nil {
			break
		}
	}
	if c.hs.suite == nil {
		return fail(AlertHandshakeFailure, "no cipher suite in common")
	}
	c.hs.peerSchemes = e.Schemes
	if e.HasRecordSizeLimit {
		// RFC 8449 §4: "Endpoints MUST NOT send a "record_size_limit"
		// extension with a value smaller than 64. An endpoint MUST treat
		// receipt of a smaller value as a fatal error and generate an
		// "illegal_parameter" alert." A larger value than 2^14 is not an
		// error for a server ("A server MUST NOT enforce this
		// restriction"): it counts as 2^14, the 1.2 maximum.
		if e.RecordSizeLimit < minRecordSizeLimit {
			return fail(AlertIllegalParameter, "record_size_limit below 64")
		}
		c.peerRecordLimit = min(int(e.RecordSizeLimit), maxPlaintext)
		c.ourRecordLimit = min(orDefault(c.cfg.RecordSizeLimit, maxPlaintext), maxPlaintext)
	}
	if e.HasConnectionID && c.wantsCID() {
		// RFC 9146 §3: answer with the CID we want (empty: send-only);
		// the client's is what we send with.
		if _, err := c.ourCID(); err != nil {
			return err
		}
		c.cid.offered, c.cid.on = true, true
		c.cid.peer = append([]byte(nil), e.ConnectionID...)
	}
	// RFC 5764 §4.1.1: pick a profile from the client's list (in the
	// client's order of preference) that the server supports; without one
	// in common, do not answer use_srtp.
	if e.UseSRTP {
		ours := c.cfg.srtpProfiles()
		for _, p := range e.SRTPProfiles {
			if slices.Contains(ours, p) {
				c.hs.srtpProfile = p
				c.hs.srtpMKI = append([]byte(nil), e.SRTPMKI...)
				break
			}
		}
	}
	// RFC 7301 §3.2: the server's preference among the client's
	// protocols; none in common is a no_application_protocol alert.
	if len(e.ALPN) > 0 && len(c.cfg.ALPN) > 0 {
		for _, p := range c.cfg.ALPN {
			if slices.Contains(e.ALPN, p) {
				c.hs.alpn = p
				break
			}
		}
		if c.hs.alpn == "" {
			return fail(AlertNoApplicationProtocol, "no ALPN protocol in common")
		}
	}
	return nil
}

// serverFlight4 sends ServerHello, Certificate, ServerKeyExchange,
// CertificateRequest and ServerHelloDone (RFC 5246 §7.3).
func (c *Conn) serverFlight4(ch *clientHelloMsg) error {
	if _, err := io.ReadFull(c.cfg.rand(), c.hs.serverRandom[:]); err != nil {
		return err
	}
	if c.cfg.maxVersion() == VersionDTLS13 {
		// RFC 8446 §4.1.3 (kept by RFC 9147 §5.3): a server able to
		// negotiate 1.3 that negotiates 1.2 says so in its random, so a
		// 1.3 client detects a downgrade.
		tls13.SetDowngradeSentinel(&c.hs.serverRandom, uint16(VersionDTLS12))
	}
	sh := &serverHelloMsg{Version: versionDTLS12, Random: c.hs.serverRandom, CipherSuite: c.hs.suite.id}
	e := &sh.Extensions
	e.RenegotiationInfo = c.hs.secureReneg
	e.ExtendedMasterSecret = c.hs.ems
	if ch.Extensions.PointFormats != nil {
		e.PointFormats = []byte{0}
	}
	if c.hs.srtpProfile != 0 {
		e.UseSRTP = true
		e.SRTPProfiles = []uint16{c.hs.srtpProfile}
		e.SRTPMKI = c.hs.srtpMKI
	}
	if c.hs.alpn != "" {
		e.ALPN = []string{c.hs.alpn}
	}
	if c.ourRecordLimit > 0 {
		// RFC 8449 §4: in TLS 1.2 the server's limit goes in ServerHello.
		e.HasRecordSizeLimit, e.RecordSizeLimit = true, uint16(c.ourRecordLimit)
	}
	if c.cid.on {
		e.HasConnectionID, e.ConnectionID = true, c.cid.ours
	}
	var msgs []flightMsg
	msgs = c.addMessage(msgs, TypeServerHello, sh.Append(nil), 0, true)
	cert := c.cfg.Certificate
	msgs = c.addMessage(msgs, TypeCertificate, appendCertificate(nil, cert.Certificate), 0, true)

	key, err := newKeyShare(c.cfg.rand(), c.hs.group)
	if err != nil {
		return err
	}
	c.hs.ecdhKey = key
	scheme, ok := chooseScheme(cert.PrivateKey.Public(), c.hs.peerSchemes, defaultSchemes)
	if !ok {
		return fail(AlertHandshakeFailure, "no signature scheme in common")
	}
	pub := key.Public()
	params := ecdhParams(c.hs.group, pub)
	signed := make([]byte, 0, 64+len(params))
	signed = append(signed, c.hs.clientRandom[:]...)
	signed = append(signed, c.hs.serverRandom[:]...)
	signed = append(signed, params...)
	sig, err := signMessage(c.cfg.rand(), cert.PrivateKey, scheme, signed)
	if err != nil {
		return err
	}
	ske := &serverKeyExchangeMsg{Group: c.hs.group, PublicKey: pub, Scheme: scheme, Signature: sig}
	msgs = c.addMessage(msgs, TypeServerKeyExchange, ske.Append(nil), 0, true)

	c.step = stepClientKeyExchange
	if c.cfg.ClientAuth != NoClientCert {
		cr := &certificateRequestMsg{CertificateTypes: []byte{certTypeECDSASign, certTypeRSASign}, Schemes: c.cfg.schemes()}
		msgs = c.addMessage(msgs, TypeCertificateRequest, cr.Append(nil), 0, true)
		c.hs.certRequested = true
		c.step = stepClientCertificate
	}
	msgs = c.addMessage(msgs, TypeServerHelloDone, nil, 0, true)
	return c.startFlight(msgs, false)
}

func (c *Conn) serverClientCertificate(p *pendingMessage) error {
	if err := c.verifyPeer(p); err != nil {
		return err
	}
	if c.hs.peerLeaf == nil {
		// RFC 5246 §7.4.6: the server may abort when the client sends no
		// certificate and one is required.
		if c.cfg.ClientAuth == RequireClientCert || len(c.cfg.PeerFingerprints) > 0 {
			return fail(AlertHandshakeFailure, "client sent no certificate")
		}
	}
	c.hashMessage(p)
	c.step = stepClientKeyExchange
	return nil
}

func (c *Conn) serverClientKeyExchange(p *pendingMessage) error {
	pub, err := parseClientKeyExchange(p.body)
	if err != nil {
		return failErr(AlertDecodeError, err)
	}
	pms, err := sharedSecret(c.hs.ecdhKey, pub)
	if err != nil {
		return failErr(AlertIllegalParameter, err)
	}
	c.hashMessage(p)
	if err := c.deriveKeys(pms); err != nil {
		return err
	}
	if c.hs.peerLeaf != nil {
		c.step = stepCertificateVerify
	} else {
		c.step = stepClientFinished
		c.hs.expectFinished = finishedData(c.hs.suite.prfHash(), c.hs.masterSecret, true, c.transcript)
	}
	return nil
}

func (c *Conn) serverCertificateVerify(p *pendingMessage) error {
	m, err := parseCertificateVerify(p.body)
	if err != nil {
		return failErr(AlertDecodeError, err)
	}
	if !slices.Contains(c.cfg.schemes(), m.Scheme) {
		return fail(AlertIllegalParameter, "CertificateVerify with a scheme we did not request")
	}
	// RFC 5246 §7.4.8: the signature covers every handshake message up to
	// this one.
	if err := verifyMessage(c.hs.peerLeaf.PublicKey, m.Scheme, c.transcript, m.Signature); err != nil {
		return failErr(AlertDecryptError, err)
	}
	c.hashMessage(p)
	c.step = stepClientFinished
	c.hs.expectFinished = finishedData(c.hs.suite.prfHash(), c.hs.masterSecret, true, c.transcript)
	return nil
}

func (c *Conn) serverFinished(p *pendingMessage) error {
	if err := c.verifyFinished(p); err != nil {
		return err
	}
	fin := finishedData(c.hs.suite.prfHash(), c.hs.masterSecret, false, c.transcript)
	msgs := []flightMsg{{ccs: true, epoch: 0}}
	msgs = c.addMessage(msgs, TypeFinished, fin, 1, true)
	c.writeEpoch = 1
	if err := c.startFlight(msgs, true); err != nil {
		return err
	}
	c.complete()
	return nil
}
