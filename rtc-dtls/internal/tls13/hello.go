package tls13

import (
	"bytes"
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ClientHello is the DTLS ClientHello (RFC 9147 §5.3), the same wire form
// for DTLS 1.2 and 1.3 so one parse serves version negotiation:
//
//	struct {
//	    ProtocolVersion legacy_version = {254,253}; // DTLSv1.2
//	    Random random;
//	    opaque legacy_session_id<0..32>;
//	    opaque legacy_cookie<0..2^8-1>;
//	    CipherSuite cipher_suites<2..2^16-2>;
//	    opaque legacy_compression_methods<1..2^8-1>;
//	    Extension extensions<8..2^16-1>;
//	} ClientHello;
//
// A parsed ClientHello aliases the input.
type ClientHello struct {
	LegacyVersion      uint16
	Random             [32]byte
	SessionID          []byte
	LegacyCookie       []byte // DTLS 1.2 HelloVerifyRequest cookie; empty in 1.3
	CipherSuites       []CipherSuite
	CompressionMethods []byte
	Ext                Extensions
}

// ParseClientHello parses a ClientHello body.
func ParseClientHello(b []byte) (*ClientHello, error) {
	const typ = "ClientHello"
	ch := &ClientHello{}
	c := shared.NewCursor(b)
	var sid, cookie, suites, comp shared.Cursor
	if !c.ReadUint16(&ch.LegacyVersion) || !c.CopyBytes(ch.Random[:]) ||
		!c.ReadUint8LengthPrefixed(&sid) || !c.ReadUint8LengthPrefixed(&cookie) ||
		!c.ReadUint16LengthPrefixed(&suites) || !c.ReadUint8LengthPrefixed(&comp) {
		return nil, decodeErr(typ, &c, shared.ErrTruncated)
	}
	if sid.Len() > 32 || suites.Len() < 2 || suites.Len()%2 != 0 || comp.Empty() {
		return nil, decodeErr(typ, &c, errors.New("field length out of range"))
	}
	ch.SessionID, ch.LegacyCookie = sid.Rest(), cookie.Rest()
	ch.CipherSuites = readUint16s[CipherSuite](nil, suites)
	ch.CompressionMethods = comp.Rest()
	if c.Empty() {
		return ch, nil // RFC 5246 §7.4.1.2: extensions may be absent (1.2 only)
	}
	ext, err := parseExtensions(&c, ctxClientHello, typ)
	if err != nil {
		return nil, err
	}
	if !c.Empty() {
		return nil, decodeErr(typ, &c, shared.ErrTrailingBytes)
	}
	ch.Ext = ext
	return ch, nil
}

// Append appends the ClientHello body.
func (ch *ClientHello) Append(dst []byte) ([]byte, error) {
	b := shared.NewBuilder(dst)
	b.AddUint16(ch.LegacyVersion)
	b.AddBytes(ch.Random[:])
	l := b.BeginUint8Length()
	b.AddBytes(ch.SessionID)
	b.EndUint8Length(l)
	l = b.BeginUint8Length()
	b.AddBytes(ch.LegacyCookie)
	b.EndUint8Length(l)
	l = b.BeginUint16Length()
	for _, s := range ch.CipherSuites {
		b.AddUint16(uint16(s))
	}
	b.EndUint16Length(l)
	l = b.BeginUint8Length()
	comp := ch.CompressionMethods
	if len(comp) == 0 {
		comp = []byte{0}
	}
	b.AddBytes(comp)
	b.EndUint8Length(l)
	appendExtensions(&b, &ch.Ext, ctxClientHello)
	return b.Bytes()
}

// OffersVersion reports whether the ClientHello offers v: in
// supported_versions when present, else through legacy_version (RFC 8446
// §4.2.1: without the extension the client negotiates 1.2 or below).
func (ch *ClientHello) OffersVersion(v uint16) bool {
	if ch.Ext.Has(ExtSupportedVersions) {
		for _, o := range ch.Ext.SupportedVersions {
			if o == v {
				return true
			}
		}
		return false
	}
	return v == VersionDTLS12 && ch.LegacyVersion == VersionDTLS12
}

// helloRetryRandom is the special ServerHello.random of a HelloRetryRequest
// (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest").
var helloRetryRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// HelloRetryRandom returns the HelloRetryRequest random.
func HelloRetryRandom() [32]byte { return helloRetryRandom }

// ServerHello is the DTLS 1.3 ServerHello or HelloRetryRequest (RFC 8446
// §4.1.3, RFC 9147 §5.4); the two share a wire form and differ by Random.
//
//	struct {
//	    ProtocolVersion legacy_version = {254,253}; // DTLSv1.2
//	    Random random;
//	    opaque legacy_session_id_echo<0..32>;
//	    CipherSuite cipher_suite;
//	    uint8 legacy_compression_method = 0;
//	    Extension extensions<6..2^16-1>;
//	} ServerHello;
type ServerHello struct {
	LegacyVersion   uint16
	Random          [32]byte
	SessionIDEcho   []byte
	CipherSuite     CipherSuite
	CompressionMeth uint8
	Ext             Extensions
}

// IsHelloRetryRequest reports whether sh is a HelloRetryRequest.
func (sh *ServerHello) IsHelloRetryRequest() bool { return sh.Random == helloRetryRandom }

// ParseServerHello parses a ServerHello or HelloRetryRequest body. The
// extension bodies are read in the form the random selects.
func ParseServerHello(b []byte) (*ServerHello, error) {
	const typ = "ServerHello"
	sh := &ServerHello{}
	c := shared.NewCursor(b)
	var sid shared.Cursor
	var suite uint16
	if !c.ReadUint16(&sh.LegacyVersion) || !c.CopyBytes(sh.Random[:]) ||
		!c.ReadUint8LengthPrefixed(&sid) || !c.ReadUint16(&suite) || !c.ReadUint8(&sh.CompressionMeth) {
		return nil, decodeErr(typ, &c, shared.ErrTruncated)
	}
	if sid.Len() > 32 {
		return nil, decodeErr(typ, &c, errors.New("session id over 32 bytes"))
	}
	sh.SessionIDEcho, sh.CipherSuite = sid.Rest(), CipherSuite(suite)
	if c.Empty() {
		return sh, nil // a DTLS 1.2 ServerHello may have no extensions
	}
	ctx := ctxServerHello
	if sh.IsHelloRetryRequest() {
		ctx = ctxHelloRetryRequest
	}
	ext, err := parseExtensions(&c, ctx, typ)
	if err != nil {
		return nil, err
	}
	if !c.Empty() {
		return nil, decodeErr(typ, &c, shared.ErrTrailingBytes)
	}
	sh.Ext = ext
	return sh, nil
}

// Append appends the ServerHello body.
func (sh *ServerHello) Append(dst []byte) ([]byte, error) {
	b := shared.NewBuilder(dst)
	b.AddUint16(sh.LegacyVersion)
	b.AddBytes(sh.Random[:])
	l := b.BeginUint8Length()
	b.AddBytes(sh.SessionIDEcho)
	b.EndUint8Length(l)
	b.AddUint16(uint16(sh.CipherSuite))
	b.AddUint8(sh.CompressionMeth)
	ctx := ctxServerHello
	if sh.IsHelloRetryRequest() {
		ctx = ctxHelloRetryRequest
	}
	appendExtensions(&b, &sh.Ext, ctx)
	return b.Bytes()
}

// Downgrade sentinels, the last eight bytes of ServerHello.random (RFC 8446
// §4.1.3), which RFC 9147 §5.3 keeps for DTLS: a DTLS 1.3 server that
// negotiates DTLS 1.2 writes downgradeTLS12, DTLS 1.0 downgradeTLS11.
var (
	downgradeTLS12 = []byte{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01}
	downgradeTLS11 = []byte{0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00}
)

// SetDowngradeSentinel writes the sentinel into a server random when a
// server able to do DTLS 1.3 negotiates the lower version v.
func SetDowngradeSentinel(random *[32]byte, v uint16) {
	switch v {
	case VersionDTLS12:
		copy(random[24:], downgradeTLS12)
	case VersionDTLS10:
		copy(random[24:], downgradeTLS11)
	}
}

// ErrDowngrade is the client's verdict on a ServerHello that negotiated
// below 1.3 while carrying a sentinel: an illegal_parameter alert (RFC 8446
// §4.1.3: "MUST check ... If a match is found, the client MUST abort the
// handshake with an 'illegal_parameter' alert").
var ErrDowngrade = errors.New("tls13: downgrade sentinel in ServerHello.random")

// CheckDowngrade is the client-side check: a client that offered DTLS 1.3
// and got version negotiated < 1.3 aborts when the random carries a sentinel.
func CheckDowngrade(random [32]byte, offered13 bool, negotiated uint16) error {
	if !offered13 || negotiated == VersionDTLS13 {
		return nil
	}
	tail := random[24:]
	if bytes.Equal(tail, downgradeTLS12) || bytes.Equal(tail, downgradeTLS11) {
		return ErrDowngrade
	}
	return nil
}

// SelectVersion is the server's choice (RFC 8446 §4.2.1): the highest
// version in [min, max] the client offers. DTLS versions count down
// (0xFEFC is 1.3, 0xFEFD 1.2), so "highest" is the smallest code. It returns
// 0 when there is none (protocol_version alert).
func SelectVersion(ch *ClientHello, min, max uint16) uint16 {
	for _, v := range []uint16{VersionDTLS13, VersionDTLS12} {
		// DTLS: a lower code is a newer version.
		if v < max || v > min {
			continue
		}
		if ch.OffersVersion(v) {
			return v
		}
	}
	return 0
}
