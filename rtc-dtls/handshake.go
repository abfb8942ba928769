package dtls

import (
	"errors"

	"github.com/sansrtc/rtc/rtc-shared"
)

// handshakeHeaderLen is the DTLS handshake header size (RFC 6347 §4.2.2):
// msg_type, length, message_seq, fragment_offset, fragment_length.
const handshakeHeaderLen = 12

// handshakeHeader is the header in front of every handshake fragment
// (RFC 6347 §4.2.2).
type handshakeHeader struct {
	Type           HandshakeType
	Length         uint32 // 24 bits: the whole message body
	MessageSeq     uint16
	FragmentOffset uint32 // 24 bits
	FragmentLength uint32 // 24 bits
}

var (
	errFragmentBounds = errors.New("fragment beyond message length")
	errDecode         = errors.New("malformed message")
)

// parseHandshakeFragment reads one handshake fragment from the start of b:
// the header, the fragment body (aliasing b) and what follows it. A record
// may hold several fragments.
func parseHandshakeFragment(b []byte) (h handshakeHeader, body, rest []byte, err error) {
	c := shared.NewCursor(b)
	var typ uint8
	if !c.ReadUint8(&typ) || !c.ReadUint24(&h.Length) || !c.ReadUint16(&h.MessageSeq) ||
		!c.ReadUint24(&h.FragmentOffset) || !c.ReadUint24(&h.FragmentLength) {
		return handshakeHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "handshake header", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	h.Type = HandshakeType(typ)
	if h.FragmentOffset+h.FragmentLength > h.Length {
		return handshakeHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "handshake header", Offset: 6, Err: errFragmentBounds}
	}
	if !c.ReadBytes(&body, int(h.FragmentLength)) {
		return handshakeHeader{}, nil, nil, &shared.ParseError{Layer: "dtls", Type: "handshake fragment", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	return h, body, c.Rest(), nil
}

// AppendTo appends the 12-byte header to b.
func (h *handshakeHeader) AppendTo(b []byte) []byte {
	b = append(b, byte(h.Type), byte(h.Length>>16), byte(h.Length>>8), byte(h.Length))
	b = append(b, byte(h.MessageSeq>>8), byte(h.MessageSeq))
	b = append(b, byte(h.FragmentOffset>>16), byte(h.FragmentOffset>>8), byte(h.FragmentOffset))
	return append(b, byte(h.FragmentLength>>16), byte(h.FragmentLength>>8), byte(h.FragmentLength))
}

// appendMessage appends a whole (unfragmented) handshake message: header
// with offset 0 and fragment_length = length, then the body. This is also
// the form hashed into the transcript (RFC 6347 §4.2.6).
func appendMessage(b []byte, typ HandshakeType, seq uint16, body []byte) []byte {
	h := handshakeHeader{Type: typ, Length: uint32(len(body)), MessageSeq: seq, FragmentLength: uint32(len(body))}
	b = h.AppendTo(b)
	return append(b, body...)
}

func parseErr(typ string, c *shared.Cursor, err error) error {
	return &shared.ParseError{Layer: "dtls", Type: typ, Offset: c.Offset(), Err: err}
}

// clientHelloMsg is the DTLS ClientHello (RFC 6347 §4.2.1, RFC 5246 §7.4.1.2).
// A parsed value aliases the input.
type clientHelloMsg struct {
	Version      uint16
	Random       [32]byte
	SessionID    []byte
	Cookie       []byte
	CipherSuites []uint16
	Compression  []byte
	Extensions   helloExtensions
	// raw is the body from version up to (excluding) the cookie and the
	// rest after it, for cookie computation.
	preCookie, postCookie []byte
}

// parseClientHello parses a ClientHello body.
func parseClientHello(b []byte) (*clientHelloMsg, error) {
	const typ = "ClientHello"
	m := &clientHelloMsg{}
	c := shared.NewCursor(b)
	var sid, cookie, cs, comp shared.Cursor
	if !c.ReadUint16(&m.Version) || !c.CopyBytes(m.Random[:]) || !c.ReadUint8LengthPrefixed(&sid) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	m.preCookie = b[:c.Offset()]
	if !c.ReadUint8LengthPrefixed(&cookie) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	m.postCookie = c.Rest()
	if !c.ReadUint16LengthPrefixed(&cs) || !c.ReadUint8LengthPrefixed(&comp) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	if sid.Len() > 32 || cs.Len()%2 != 0 || cs.Len() == 0 || comp.Len() == 0 {
		return nil, parseErr(typ, &c, errDecode)
	}
	m.SessionID = sid.Rest()
	m.Cookie = cookie.Rest()
	m.Compression = comp.Rest()
	m.CipherSuites = appendUint16s(make([]uint16, 0, cs.Len()/2), cs)
	if !c.Empty() {
		if err := m.Extensions.parse(&c, typ); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Append appends the ClientHello body to b.
func (m *clientHelloMsg) Append(b []byte) []byte {
	w := shared.NewBuilder(b)
	w.AddUint16(m.Version)
	w.AddBytes(m.Random[:])
	l := w.BeginUint8Length()
	w.AddBytes(m.SessionID)
	w.EndUint8Length(l)
	l = w.BeginUint8Length()
	w.AddBytes(m.Cookie)
	w.EndUint8Length(l)
	l = w.BeginUint16Length()
	for _, s := range m.CipherSuites {
		w.AddUint16(s)
	}
	w.EndUint16Length(l)
	l = w.BeginUint8Length()
	w.AddBytes(m.Compression)
	w.EndUint8Length(l)
	m.Extensions.append(&w)
	out, _ := w.Bytes()
	return out
}

// helloVerifyRequestMsg carries the server's cookie (RFC 6347 §4.2.1).
type helloVerifyRequestMsg struct {
	Version uint16
	Cookie  []byte
}

// parseHelloVerifyRequest parses a HelloVerifyRequest body.
func parseHelloVerifyRequest(b []byte) (*helloVerifyRequestMsg, error) {
	m := &helloVerifyRequestMsg{}
	c := shared.NewCursor(b)
	var cookie shared.Cursor
	if !c.ReadUint16(&m.Version) || !c.ReadUint8LengthPrefixed(&cookie) {
		return nil, parseErr("HelloVerifyRequest", &c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return nil, parseErr("HelloVerifyRequest", &c, shared.ErrTrailingBytes)
	}
	// RFC 6347 §4.2.1: "DTLS 1.2 server implementations SHOULD use DTLS
	// version 1.0 regardless of the version of TLS that is expected to be
	// negotiated"; the cookie is at most 255 bytes.
	m.Cookie = cookie.Rest()
	return m, nil
}

// Append appends the HelloVerifyRequest body to b.
func (m *helloVerifyRequestMsg) Append(b []byte) []byte {
	b = append(b, byte(m.Version>>8), byte(m.Version), byte(len(m.Cookie)))
	return append(b, m.Cookie...)
}

// serverHelloMsg is the ServerHello (RFC 5246 §7.4.1.3). A parsed value
// aliases the input.
type serverHelloMsg struct {
	Version     uint16
	Random      [32]byte
	SessionID   []byte
	CipherSuite CipherSuite
	Compression uint8
	Extensions  helloExtensions
}

// parseServerHello parses a ServerHello body.
func parseServerHello(b []byte) (*serverHelloMsg, error) {
	const typ = "ServerHello"
	m := &serverHelloMsg{}
	c := shared.NewCursor(b)
	var sid shared.Cursor
	var cs uint16
	if !c.ReadUint16(&m.Version) || !c.CopyBytes(m.Random[:]) || !c.ReadUint8LengthPrefixed(&sid) ||
		!c.ReadUint16(&cs) || !c.ReadUint8(&m.Compression) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	if sid.Len() > 32 {
		return nil, parseErr(typ, &c, errDecode)
	}
	m.SessionID = sid.Rest()
	m.CipherSuite = CipherSuite(cs)
	if !c.Empty() {
		if err := m.Extensions.parse(&c, typ); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Append appends the ServerHello body to b.
func (m *serverHelloMsg) Append(b []byte) []byte {
	w := shared.NewBuilder(b)
	w.AddUint16(m.Version)
	w.AddBytes(m.Random[:])
	l := w.BeginUint8Length()
	w.AddBytes(m.SessionID)
	w.EndUint8Length(l)
	w.AddUint16(uint16(m.CipherSuite))
	w.AddUint8(m.Compression)
	m.Extensions.append(&w)
	out, _ := w.Bytes()
	return out
}

// parseCertificate parses a Certificate body (RFC 5246 §7.4.2) into its
// DER certificates, aliasing b. maxChain limits the total size.
func parseCertificate(b []byte, maxCerts int) ([][]byte, error) {
	const typ = "Certificate"
	c := shared.NewCursor(b)
	var list shared.Cursor
	if !c.ReadUint24LengthPrefixed(&list) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return nil, parseErr(typ, &c, shared.ErrTrailingBytes)
	}
	var certs [][]byte
	for !list.Empty() {
		var cert shared.Cursor
		if !list.ReadUint24LengthPrefixed(&cert) || cert.Len() == 0 {
			return nil, parseErr(typ, &list, errDecode)
		}
		if len(certs) >= maxCerts {
			return nil, parseErr(typ, &list, ErrLimit)
		}
		certs = append(certs, cert.Rest())
	}
	return certs, nil
}

func appendCertificate(b []byte, certs [][]byte) []byte {
	w := shared.NewBuilder(b)
	l := w.BeginUint24Length()
	for _, cert := range certs {
		l2 := w.BeginUint24Length()
		w.AddBytes(cert)
		w.EndUint24Length(l2)
	}
	w.EndUint24Length(l)
	out, _ := w.Bytes()
	return out
}

// serverKeyExchangeMsg is the ECDHE ServerKeyExchange (RFC 8422 §5.4). A
// parsed value aliases the input.
type serverKeyExchangeMsg struct {
	Group     Group
	PublicKey []byte
	Scheme    SignatureScheme
	Signature []byte
	params    []byte // ServerECDHParams as sent, for the signature
}

// parseServerKeyExchange parses an ECDHE ServerKeyExchange body.
func parseServerKeyExchange(b []byte) (*serverKeyExchangeMsg, error) {
	const typ = "ServerKeyExchange"
	m := &serverKeyExchangeMsg{}
	c := shared.NewCursor(b)
	var ct uint8
	var g, s uint16
	var pub, sig shared.Cursor
	if !c.ReadUint8(&ct) || !c.ReadUint16(&g) || !c.ReadUint8LengthPrefixed(&pub) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	if ct != curveTypeNamed || pub.Len() == 0 {
		return nil, parseErr(typ, &c, errDecode)
	}
	m.params = b[:c.Offset()]
	if !c.ReadUint16(&s) || !c.ReadUint16LengthPrefixed(&sig) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return nil, parseErr(typ, &c, shared.ErrTrailingBytes)
	}
	m.Group, m.PublicKey, m.Scheme, m.Signature = Group(g), pub.Rest(), SignatureScheme(s), sig.Rest()
	return m, nil
}

// ecdhParams returns the ServerECDHParams bytes.
func ecdhParams(g Group, pub []byte) []byte {
	b := make([]byte, 0, 4+len(pub))
	b = append(b, curveTypeNamed, byte(g>>8), byte(g), byte(len(pub)))
	return append(b, pub...)
}

// Append appends the ServerKeyExchange body to b.
func (m *serverKeyExchangeMsg) Append(b []byte) []byte {
	b = append(b, ecdhParams(m.Group, m.PublicKey)...)
	b = append(b, byte(m.Scheme>>8), byte(m.Scheme), byte(len(m.Signature)>>8), byte(len(m.Signature)))
	return append(b, m.Signature...)
}

// certificateRequestMsg is the TLS 1.2 CertificateRequest (RFC 5246 §7.4.4).
type certificateRequestMsg struct {
	CertificateTypes []byte
	Schemes          []SignatureScheme
	Authorities      []byte // raw DistinguishedName list, not interpreted
}

// parseCertificateRequest parses a CertificateRequest body.
func parseCertificateRequest(b []byte) (*certificateRequestMsg, error) {
	const typ = "CertificateRequest"
	m := &certificateRequestMsg{}
	c := shared.NewCursor(b)
	var types, algs, cas shared.Cursor
	if !c.ReadUint8LengthPrefixed(&types) || !c.ReadUint16LengthPrefixed(&algs) || !c.ReadUint16LengthPrefixed(&cas) {
		return nil, parseErr(typ, &c, shared.ErrTruncated)
	}
	if !c.Empty() || algs.Len()%2 != 0 {
		return nil, parseErr(typ, &c, errDecode)
	}
	m.CertificateTypes = types.Rest()
	m.Authorities = cas.Rest()
	for !algs.Empty() {
		var v uint16
		algs.ReadUint16(&v)
		m.Schemes = append(m.Schemes, SignatureScheme(v))
	}
	return m, nil
}

// Append appends the CertificateRequest body to b.
func (m *certificateRequestMsg) Append(b []byte) []byte {
	w := shared.NewBuilder(b)
	l := w.BeginUint8Length()
	w.AddBytes(m.CertificateTypes)
	w.EndUint8Length(l)
	l = w.BeginUint16Length()
	for _, s := range m.Schemes {
		w.AddUint16(uint16(s))
	}
	w.EndUint16Length(l)
	l = w.BeginUint16Length()
	w.AddBytes(m.Authorities)
	w.EndUint16Length(l)
	out, _ := w.Bytes()
	return out
}

// parseClientKeyExchange parses an ECDHE ClientKeyExchange body (RFC 8422
// §5.7) and returns the client's public value, aliasing b.
func parseClientKeyExchange(b []byte) ([]byte, error) {
	c := shared.NewCursor(b)
	var pub shared.Cursor
	if !c.ReadUint8LengthPrefixed(&pub) {
		return nil, parseErr("ClientKeyExchange", &c, shared.ErrTruncated)
	}
	if !c.Empty() || pub.Len() == 0 {
		return nil, parseErr("ClientKeyExchange", &c, errDecode)
	}
	return pub.Rest(), nil
}

// digitallySigned is a TLS 1.2 signature with its scheme, as in
// CertificateVerify (RFC 5246 §4.7, §7.4.8).
type digitallySigned struct {
	Scheme    SignatureScheme
	Signature []byte
}

// parseCertificateVerify parses a CertificateVerify body.
func parseCertificateVerify(b []byte) (*digitallySigned, error) {
	c := shared.NewCursor(b)
	var s uint16
	var sig shared.Cursor
	if !c.ReadUint16(&s) || !c.ReadUint16LengthPrefixed(&sig) {
		return nil, parseErr("CertificateVerify", &c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return nil, parseErr("CertificateVerify", &c, shared.ErrTrailingBytes)
	}
	return &digitallySigned{Scheme: SignatureScheme(s), Signature: sig.Rest()}, nil
}

// Append appends the body to b.
func (m *digitallySigned) Append(b []byte) []byte {
	b = append(b, byte(m.Scheme>>8), byte(m.Scheme), byte(len(m.Signature)>>8), byte(len(m.Signature)))
	return append(b, m.Signature...)
}

// parseFinished checks a Finished body: 12 bytes of verify_data
// (RFC 5246 §7.4.9).
func parseFinished(b []byte) ([]byte, error) {
	if len(b) != 12 {
		c := shared.NewCursor(b)
		return nil, parseErr("Finished", &c, errDecode)
	}
	return b, nil
}
