package dtls

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
	"io"
	"slices"
	"time"
)

// clientStart builds and sends flight 1: the ClientHello (RFC 6347 §4.2.4,
// Figure 1).
func (c *Conn) clientStart() error {
	if _, err := io.ReadFull(c.cfg.rand(), c.hs.clientRandom[:]); err != nil {
		return err
	}
	c.step = stepServerHello
	return c.sendClientHello()
}

func (c *Conn) sendClientHello() error {
	ch := &clientHelloMsg{
		Version:     versionDTLS12,
		Random:      c.hs.clientRandom,
		Cookie:      c.hs.cookie,
		Compression: []byte{0},
	}
	for _, s := range c.cfg.cipherSuites() {
		ch.CipherSuites = append(ch.CipherSuites, uint16(s))
	}
	e := &ch.Extensions
	// RFC 5746 §3.4: an initial ClientHello carries an empty
	// renegotiation_info (or the SCSV).
	e.RenegotiationInfo = true
	e.ExtendedMasterSecret = true
	if h := c.cfg.hooks; h != nil {
		e.ExtendedMasterSecret = !h.noEMS
		e.extra = h.extraExtensions
	}
	e.Groups = c.cfg.groups()
	e.PointFormats = []byte{0} // uncompressed (RFC 8422 §5.1.2)
	e.Schemes = c.cfg.schemes()
	if p := c.cfg.srtpProfiles(); len(p) > 0 {
		e.UseSRTP = true
		e.SRTPProfiles = p
		e.SRTPMKI = c.cfg.SRTPMKI
	}
	e.ALPN = c.cfg.ALPN
	if v := c.cfg.RecordSizeLimit; v != 0 {
		// RFC 8449 §4: at most the protocol's maximum, 2^14 in DTLS 1.2
		// and 2^14+1 in 1.3 (a client offering both may send the 1.3
		// value; a 1.2 server caps it).
		if !c.offers13() {
			v = min(v, maxPlaintext)
		}
		e.HasRecordSizeLimit, e.RecordSizeLimit = true, uint16(v)
	}
	if c.wantsCID() {
		// RFC 9146 §3; with 1.3 offered too, the same extension is the
		// 1.3 offer (RFC 9147 §9), which the 1.3 machine takes over.
		id, err := c.ourCID()
		if err != nil {
			return err
		}
		e.HasConnectionID, e.ConnectionID = true, id
		c.cid.offered = true
	}
	if c.offers13() {
		if err := c.addOffer13(ch); err != nil {
			return err
		}
	}
	body := ch.Append(nil)
	seq := c.sendSeq
	c.hs.clientHello = appendMessage(nil, TypeClientHello, seq, body)
	msgs := c.addMessage(nil, TypeClientHello, body, 0, false)
	return c.startFlight(msgs, false)
}

// clientHandle processes one complete handshake message from the server.
func (c *Conn) clientHandle(p *pendingMessage) error {
	if p.typ == TypeHelloRequest {
		// RFC 5746 §4.5 / RFC 5246 §7.4.1.1: renegotiation is refused
		// with a no_renegotiation warning.
		c.sendAlert(AlertLevelWarning, AlertNoRenegotiation)
		return nil
	}
	if p.typ == TypeFinished {
		if c.step != stepServerFinished {
			return fail(AlertUnexpectedMessage, "unexpected Finished")
		}
	} else if p.epoch != 0 {
		return fail(AlertUnexpectedMessage, "handshake message in the wrong epoch")
	}
	switch c.step {
	case stepServerHello:
		switch p.typ {
		case TypeHelloVerifyRequest:
			return c.clientHelloVerify(p)
		case TypeServerHello:
			return c.clientServerHello(p)
		}
	case stepServerCertificate:
		if p.typ == TypeCertificate {
			return c.clientCertificate(p)
		}
	case stepServerKeyExchange:
		if p.typ == TypeServerKeyExchange {
			return c.clientKeyExchange(p)
		}
	case stepCertReqOrDone, stepServerHelloDone:
		if p.typ == TypeCertificateRequest && c.step == stepCertReqOrDone {
			m, err := parseCertificateRequest(p.body)
			if err != nil {
				return failErr(AlertDecodeError, err)
			}
			c.hashMessage(p)
			c.hs.certRequested = true
			c.hs.peerSchemes = m.Schemes
			c.step = stepServerHelloDone
			return nil
		}
		if p.typ == TypeServerHelloDone {
			if len(p.body) != 0 {
				return fail(AlertDecodeError, "ServerHelloDone with a body")
			}
			c.hashMessage(p)
			return c.clientFlight5()
		}
	case stepServerFinished:
		if p.typ == TypeFinished {
			return c.clientFinished(p)
		}
	}
	return fail(AlertUnexpectedMessage, "unexpected "+p.typ.String())
}

// maxHelloVerifies bounds how many HelloVerifyRequests restart the
// ClientHello (a server re-issues one when its cookie secret rotated while
// the ClientHello was in flight).
const maxHelloVerifies = 16

func (c *Conn) clientHelloVerify(p *pendingMessage) error {
	m, err := parseHelloVerifyRequest(p.body)
	if err != nil {
		return failErr(AlertDecodeError, err)
	}
	c.stats.HelloVerifies++
	c.hs.hvrCount++
	if c.hs.hvrCount > maxHelloVerifies {
		// HelloVerifyRequests are unauthenticated: failing on a count would
		// let a few forged ones kill the handshake. Beyond the bound they
		// are ignored and the handshake timeout decides.
		c.stats.BadHandshake++
		return nil
	}
	// RFC 6347 §4.2.1: resend the ClientHello with the cookie, with the
	// same parameters; the first ClientHello and the HelloVerifyRequest
	// are not part of the handshake hash (§4.2.6).
	c.hs.cookie = append([]byte(nil), m.Cookie...)
	c.transcript = c.transcript[:0]
	return c.sendClientHello()
}

func (c *Conn) clientServerHello(p *pendingMessage) error {
	if c.offers13() {
		if handed, err := c.handover13(p); handed {
			return err
		}
	}
	m, err := parseServerHello(p.body)
	if err != nil {
		return failErr(AlertDecodeError, err)
	}
	if c.offers13() {
		// RFC 8446 §4.1.3: we offered 1.3 and got 1.2; a 1.3-capable
		// server says so in its random, and then someone removed our
		// offer on the way.
		if err := tls13.CheckDowngrade(m.Random, true, uint16(VersionDTLS12)); err != nil {
			return failErr(AlertIllegalParameter, err)
		}
	}
	if m.Version != versionDTLS12 {
		return fail(AlertProtocolVersion, "server did not select DTLS 1.2")
	}
	if m.Compression != 0 {
		return fail(AlertIllegalParameter, "server selected compression")
	}
	suite := suiteParams(m.CipherSuite)
	if !slices.Contains(c.cfg.cipherSuites(), m.CipherSuite) || suite == nil {
		return fail(AlertIllegalParameter, "server selected a suite we did not offer")
	}
	e := &m.Extensions
	if e.Unknown > 0 || len(e.Groups) > 0 || len(e.Schemes) > 0 {
		// RFC 5246 §7.4.1.4: a server must not send extensions the client
		// did not offer.
		return fail(AlertUnsupportedExtension, "server sent an extension we did not offer")
	}
	if err := c.clientRecordSizeLimit(e); err != nil {
		return err
	}
	if e.HasConnectionID {
		if !c.cid.offered {
			return fail(AlertUnsupportedExtension, "server sent connection_id we did not offer")
		}
		// RFC 9146 §3: the server's CID is what we send with.
		c.cid.on = true
		c.cid.peer = append([]byte(nil), e.ConnectionID...)
	}
	c.hs.suite = suite
	c.hs.serverRandom = m.Random
	c.hs.ems = e.ExtendedMasterSecret
	if !c.hs.ems && !c.cfg.InsecureAllowNoEMS {
		// RFC 7627 §5.3: a client that requires EMS aborts.
		return fail(AlertHandshakeFailure, "server did not negotiate extended_master_secret")
	}
	if e.RenegotiationInfo {
		if len(e.RenegotiatedConnInfo) != 0 {
			return fail(AlertHandshakeFailure, "non-empty renegotiation_info")
		}
		c.hs.secureReneg = true
	}
	if e.UseSRTP {
		// RFC 5764 §4.1.1: exactly one profile, one the client offered, and
		// the MKI the client sent (or none).
		if len(e.SRTPProfiles) != 1 {
			return fail(AlertIllegalParameter, "use_srtp response must hold one profile")
		}
		ok := false
		for _, pr := range c.cfg.srtpProfiles() {
			if pr == e.SRTPProfiles[0] {
				ok = true
			}
		}
		if !ok {
			return fail(AlertIllegalParameter, "server selected an SRTP profile we did not offer")
		}
		if len(e.SRTPMKI) > 0 && string(e.SRTPMKI) != string(c.cfg.SRTPMKI) {
			return fail(AlertIllegalParameter, "server sent a different SRTP MKI")
		}
		c.hs.srtpProfile = e.SRTPProfiles[0]
		c.hs.srtpMKI = append([]byte(nil), e.SRTPMKI...)
	}
	if len(e.ALPN) > 0 {
		if len(e.ALPN) != 1 || !slices.Contains(c.cfg.ALPN, e.ALPN[0]) {
			return fail(AlertIllegalParameter, "server selected an ALPN protocol we did not offer")
		}
		c.hs.alpn = e.ALPN[0]
	}
	c.transcript = append(c.transcript[:0], c.hs.clientHello...)
	c.hashMessage(p)
	c.step = stepServerCertificate
	return nil
}

// verifyPeer checks the peer's chain: parse the leaf, then the SDP
// fingerprints (RFC 8122 §5, RFC 8827 §6.5), then the callback.
func (c *Conn) verifyPeer(p *pendingMessage) error {
	if len(p.body) > c.cfg.maxCertificateChain() {
		return failErr(AlertBadCertificate, ErrLimit)
	}
	certs, err := parseCertificate(p.body, 16)
	if err != nil {
		return failErr(AlertDecodeError, err)
	}
	if len(certs) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(certs[0])
	if err != nil {
		return failErr(AlertBadCertificate, err)
	}
	if len(c.cfg.PeerFingerprints) > 0 {
		ok := false
		for _, f := range c.cfg.PeerFingerprints {
			if f.Matches(certs[0]) {
				ok = true
				break
			}
		}
		if !ok {
			return failErr(AlertBadCertificate, ErrFingerprintMismatch)
		}
	}
	kept := make([][]byte, len(certs))
	for i, cert := range certs {
		kept[i] = append([]byte(nil), cert...)
	}
	if c.cfg.VerifyPeerCertificate != nil {
		if err := c.cfg.VerifyPeerCertificate(kept); err != nil {
			return failErr(AlertBadCertificate, err)
		}
	}
	c.hs.peerCerts = kept
	c.hs.peerLeaf = leaf
	return nil
}

func (c *Conn) clientCertificate(p *pendingMessage) error {
	if err := c.verifyPeer(p); err != nil {
		return err
	}
	if c.hs.peerLeaf == nil {
		return fail(AlertHandshakeFailure, "server sent no certificate")
	}
	switch c.hs.peerLeaf.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if !c.hs.suite.ecdsa {
			return fail(AlertUnsupportedCertificate, "ECDSA certificate for an RSA suite")
		}
	case *rsa.PublicKey:
		if c.hs.suite.ecdsa {
			return fail(AlertUnsupportedCertificate, "RSA certificate for an ECDSA suite")
		}
	default:
		return fail(AlertUnsupportedCertificate, "unsupported certificate key")
	}
	c.hashMessage(p)
	c.step = stepServerKeyExchange
	return nil
}

func (c *Conn) clientKeyExchange(p *pendingMessage) error {
	m, err := parseServerKeyExchange(p.body)
	if err != nil {
		return failErr(AlertDecodeError, err)
	}
	if !slices.Contains(c.cfg.groups(), m.Group) {
		return fail(AlertIllegalParameter, "server selected a group we did not offer")
	}
	if !slices.Contains(c.cfg.schemes(), m.Scheme) {
		return fail(AlertIllegalParameter, "server signed with a scheme we did not offer")
	}
	// RFC 8422 §5.4: the signature covers ClientHello.random +
	// ServerHello.random + ServerECDHParams.
	signed := make([]byte, 0, 64+len(m.params))
	signed = append(signed, c.hs.clientRandom[:]...)
	signed = append(signed, c.hs.serverRandom[:]...)
	signed = append(signed, m.params...)
	if err := verifyMessage(c.hs.peerLeaf.PublicKey, m.Scheme, signed, m.Signature); err != nil {
		return failErr(AlertDecryptError, err)
	}
	c.hs.group = m.Group
	c.hs.peerPub = append([]byte(nil), m.PublicKey...)
	c.hashMessage(p)
	c.step = stepCertReqOrDone
	return nil
}

// clientFlight5 sends Certificate*, ClientKeyExchange, CertificateVerify*,
// ChangeCipherSpec and Finished (RFC 5246 §7.3).
func (c *Conn) clientFlight5() error {
	var msgs []flightMsg
	cert := c.cfg.Certificate
	if c.hs.certRequested {
		msgs = c.addMessage(msgs, TypeCertificate, appendCertificate(nil, cert.Certificate), 0, true)
	}
	key, err := newKeyShare(c.cfg.rand(), c.hs.group)
	if err != nil {
		return err
	}
	pms, err := sharedSecret(key, c.hs.peerPub)
	if err != nil {
		return failErr(AlertIllegalParameter, err)
	}
	pub := key.Public()
	cke := append([]byte{byte(len(pub))}, pub...)
	msgs = c.addMessage(msgs, TypeClientKeyExchange, cke, 0, true)
	if err := c.deriveKeys(pms); err != nil {
		return err
	}
	if c.hs.certRequested {
		scheme, ok := chooseScheme(cert.PrivateKey.Public(), c.hs.peerSchemes, defaultSchemes)
		if !ok {
			return fail(AlertHandshakeFailure, "no signature scheme in common for CertificateVerify")
		}
		// RFC 5246 §7.4.8: the signature covers handshake_messages, every
		// message so far.
		sig, err := signMessage(c.cfg.rand(), cert.PrivateKey, scheme, c.transcript)
		if err != nil {
			return err
		}
		cv := (&digitallySigned{Scheme: scheme, Signature: sig}).Append(nil)
		msgs = c.addMessage(msgs, TypeCertificateVerify, cv, 0, true)
	}
	msgs = append(msgs, flightMsg{ccs: true, epoch: 0})
	h := c.hs.suite.prfHash()
	fin := finishedData(h, c.hs.masterSecret, true, c.transcript)
	msgs = c.addMessage(msgs, TypeFinished, fin, 1, true)
	c.hs.expectFinished = finishedData(h, c.hs.masterSecret, false, c.transcript)
	c.writeEpoch = 1
	c.step = stepServerFinished
	return c.startFlight(msgs, false)
}

// deriveKeys computes the master secret (with EMS over the transcript so
// far, which ends with the ClientKeyExchange) and both epoch-1 ciphers.
func (c *Conn) deriveKeys(pms []byte) error {
	h := c.hs.suite.prfHash()
	var sessionHash []byte
	if c.hs.ems {
		// RFC 7627 §3: session_hash = Hash(handshake_messages) up to and
		// including the ClientKeyExchange.
		d := h()
		d.Write(c.transcript)
		sessionHash = d.Sum(nil)
	}
	c.hs.masterSecret = masterSecret(h, pms, c.hs.clientRandom[:], c.hs.serverRandom[:], sessionHash)
	s := c.hs.suite
	kb := s.splitKeyBlock(keyExpansion(h, c.hs.masterSecret, c.hs.clientRandom[:], c.hs.serverRandom[:], s.keyBlockLen()))
	cw, err := s.newCipher(kb.clientMAC, kb.clientKey, kb.clientIV)
	if err != nil {
		return err
	}
	sw, err := s.newCipher(kb.serverMAC, kb.serverKey, kb.serverIV)
	if err != nil {
		return err
	}
	if c.isClient {
		c.writeCipher, c.readCipher = cw, sw
	} else {
		c.writeCipher, c.readCipher = sw, cw
	}
	return nil
}

func (c *Conn) clientFinished(p *pendingMessage) error {
	if err := c.verifyFinished(p); err != nil {
		return err
	}
	c.rtxDeadline = time.Time{}
	c.complete()
	return nil
}

// verifyFinished checks the peer's Finished (RFC 5246 §7.4.9), which must
// come protected (epoch 1), against the expected verify_data, and adds it to
// the transcript.
func (c *Conn) verifyFinished(p *pendingMessage) error {
	if p.epoch != 1 {
		return fail(AlertUnexpectedMessage, "Finished outside epoch 1")
	}
	got, err := parseFinished(p.body)
	if err != nil {
		return failErr(AlertDecodeError, err)
	}
	if !hmacEqual(got, c.hs.expectFinished) {
		return fail(AlertDecryptError, "peer Finished does not verify")
	}
	c.hashMessage(p)
	return nil
}

var errNoCommon = errors.New("no parameters in common")

// clientRecordSizeLimit applies the server's record_size_limit (RFC 8449
// §4) in DTLS 1.2: only an answer to ours, at least 64 and, for 1.2, at
// most 2^14 ("A client MAY abort the handshake with an illegal_parameter
// alert if the record_size_limit extension includes a value greater than
// the maximum record size permitted by the negotiated protocol version").
func (c *Conn) clientRecordSizeLimit(e *helloExtensions) error {
	if !e.HasRecordSizeLimit {
		return nil
	}
	if c.cfg.RecordSizeLimit == 0 {
		return fail(AlertUnsupportedExtension, "server sent record_size_limit we did not offer")
	}
	if e.RecordSizeLimit < minRecordSizeLimit || e.RecordSizeLimit > maxPlaintext {
		return fail(AlertIllegalParameter, "record_size_limit out of range")
	}
	c.peerRecordLimit = int(e.RecordSizeLimit)
	c.ourRecordLimit = min(c.cfg.RecordSizeLimit, maxPlaintext)
	return nil
}
