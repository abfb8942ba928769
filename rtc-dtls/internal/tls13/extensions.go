package tls13

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ExtensionType is a TLS extension code point.
type ExtensionType uint16

// The extensions DTLS 1.3 for WebRTC uses.
const (
	ExtServerName           ExtensionType = 0  // RFC 6066
	ExtSupportedGroups      ExtensionType = 10 // RFC 8446 §4.2.7
	ExtSignatureAlgorithms  ExtensionType = 13 // RFC 8446 §4.2.3
	ExtUseSRTP              ExtensionType = 14 // RFC 5764 §4.1.1
	ExtExtendedMasterSecret ExtensionType = 23 // RFC 7627 (1.2 only)
	ExtRecordSizeLimit      ExtensionType = 28 // RFC 8449
	ExtSupportedVersions    ExtensionType = 43 // RFC 8446 §4.2.1
	ExtCookie               ExtensionType = 44 // RFC 8446 §4.2.2
	ExtPSKKeyExchangeModes  ExtensionType = 45 // RFC 8446 §4.2.9
	ExtKeyShare             ExtensionType = 51 // RFC 8446 §4.2.8
	ExtConnectionID         ExtensionType = 54 // RFC 9146 §3
	ExtRenegotiationInfo    ExtensionType = 0xff01
)

// SignatureScheme is a TLS 1.3 signature scheme (RFC 8446 §4.2.3).
type SignatureScheme uint16

// The schemes this package signs and verifies with.
const (
	ECDSAWithP256AndSHA256 SignatureScheme = 0x0403
	ECDSAWithP384AndSHA384 SignatureScheme = 0x0503
	PSSWithSHA256          SignatureScheme = 0x0804 // rsa_pss_rsae_sha256
	PSSWithSHA384          SignatureScheme = 0x0805
	Ed25519                SignatureScheme = 0x0807
	PKCS1WithSHA256        SignatureScheme = 0x0401 // certificates only in 1.3
)

// KeyShareEntry is one key share (RFC 8446 §4.2.8). KeyExchange aliases the
// input when parsed.
type KeyShareEntry struct {
	Group       Group
	KeyExchange []byte
}

// Extensions holds the extensions of one message, decoded where this package
// understands them. Values alias the input. Which fields a message may carry
// is the message parser's business (RFC 8446 §4.2, table).
type Extensions struct {
	// Present lists every extension type in wire order, known or not.
	Present []ExtensionType

	SupportedVersions []uint16        // ClientHello: the list
	SelectedVersion   uint16          // ServerHello/HRR: the one
	KeyShares         []KeyShareEntry // ClientHello: client_shares; ServerHello: one entry
	SelectedGroup     Group           // HelloRetryRequest: selected_group
	Cookie            []byte
	Groups            []Group
	Schemes           []SignatureScheme
	SRTPProfiles      []uint16
	SRTPMKI           []byte
	PSKModes          []uint8
	RecordSizeLimit   uint16 // 0 when absent
	ConnectionID      []byte // present when HasConnectionID
	HasConnectionID   bool
	// Raw holds the extensions this package does not decode, in wire
	// order, so a ClientHello2 repeats them (RFC 8446 §4.1.2); Append
	// writes them after the others.
	Raw []RawExtension
}

// RawExtension is an extension kept as bytes (aliasing the input).
type RawExtension struct {
	Type ExtensionType
	Data []byte
}

// Has reports whether t was present.
func (e *Extensions) Has(t ExtensionType) bool {
	for _, p := range e.Present {
		if p == t {
			return true
		}
	}
	return false
}

// maxExtensions bounds the extensions of one message, so the duplicate check
// stays cheap; browsers send about 20.
const maxExtensions = 64

// extContext says which message an extension block belongs to: some
// extensions have a different body in ClientHello, ServerHello and
// HelloRetryRequest (RFC 8446 §4.2.1, §4.2.8).
type extContext uint8

const (
	ctxClientHello extContext = iota
	ctxServerHello
	ctxHelloRetryRequest
	ctxEncryptedExtensions
	ctxCertificateRequest
)

var (
	errDuplicateExt = errors.New("duplicate extension")
	errTooManyExt   = errors.New("too many extensions")
	errBadExt       = errors.New("malformed extension")
)

// parseExtensions reads an extension block (16-bit length and list) from c.
func parseExtensions(c *shared.Cursor, ctx extContext, msg string) (Extensions, error) {
	var e Extensions
	var list shared.Cursor
	if !c.ReadUint16LengthPrefixed(&list) {
		return e, decodeErr(msg, c, shared.ErrTruncated)
	}
	for !list.Empty() {
		var t uint16
		var body shared.Cursor
		if !list.ReadUint16(&t) || !list.ReadUint16LengthPrefixed(&body) {
			return e, decodeErr(msg, &list, shared.ErrTruncated)
		}
		// RFC 8446 §4.2: "There MUST NOT be more than one extension of the
		// same type in a given extension block."
		if e.Has(ExtensionType(t)) {
			return e, illegal(msg, &list, errDuplicateExt)
		}
		if len(e.Present) == maxExtensions {
			return e, decodeErr(msg, &list, errTooManyExt)
		}
		e.Present = append(e.Present, ExtensionType(t))
		if !e.parseOne(ExtensionType(t), body, ctx) {
			return e, decodeErr(msg+" extension "+itoa(int(t)), &list, errBadExt)
		}
	}
	return e, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [8]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// parseOne decodes one extension body; false means malformed.
func (e *Extensions) parseOne(t ExtensionType, b shared.Cursor, ctx extContext) bool {
	switch t {
	case ExtSupportedVersions:
		if ctx == ctxClientHello {
			// ProtocolVersion versions<2..254>;
			var l shared.Cursor
			if !b.ReadUint8LengthPrefixed(&l) || l.Len() < 2 || l.Len()%2 != 0 {
				return false
			}
			e.SupportedVersions = readUint16s(e.SupportedVersions[:0], l)
		} else if !b.ReadUint16(&e.SelectedVersion) {
			return false
		}
	case ExtKeyShare:
		switch ctx {
		case ctxClientHello:
			// KeyShareEntry client_shares<0..2^16-1>;
			var l shared.Cursor
			if !b.ReadUint16LengthPrefixed(&l) {
				return false
			}
			for !l.Empty() {
				var ks KeyShareEntry
				if !readKeyShare(&l, &ks) {
					return false
				}
				e.KeyShares = append(e.KeyShares, ks)
			}
		case ctxServerHello:
			var ks KeyShareEntry
			if !readKeyShare(&b, &ks) {
				return false
			}
			e.KeyShares = append(e.KeyShares, ks)
		case ctxHelloRetryRequest:
			var g uint16
			if !b.ReadUint16(&g) {
				return false
			}
			e.SelectedGroup = Group(g)
		default:
			return false
		}
	case ExtCookie:
		// opaque cookie<1..2^16-1>;
		var l shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || l.Empty() {
			return false
		}
		e.Cookie = l.Rest()
	case ExtSupportedGroups:
		var l shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || l.Len() < 2 || l.Len()%2 != 0 {
			return false
		}
		e.Groups = readUint16s(e.Groups[:0], l)
	case ExtSignatureAlgorithms:
		var l shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || l.Len() < 2 || l.Len()%2 != 0 {
			return false
		}
		e.Schemes = readUint16s(e.Schemes[:0], l)
	case ExtUseSRTP:
		// RFC 5764 §4.1.1: SRTPProtectionProfiles <2..2^16-1>; opaque srtp_mki<0..255>;
		var l, mki shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || l.Len() < 2 || l.Len()%2 != 0 || !b.ReadUint8LengthPrefixed(&mki) {
			return false
		}
		e.SRTPProfiles = readUint16s(e.SRTPProfiles[:0], l)
		e.SRTPMKI = mki.Rest()
	case ExtPSKKeyExchangeModes:
		var l shared.Cursor
		if !b.ReadUint8LengthPrefixed(&l) || l.Empty() {
			return false
		}
		e.PSKModes = l.Rest()
	case ExtRecordSizeLimit:
		// RFC 8449 §4: "Endpoints MUST NOT send a value smaller than 64.
		// An endpoint MUST treat receipt of a smaller value as a fatal
		// error and generate an illegal_parameter alert." (Reported as a
		// malformed extension here; the caller maps it.)
		if !b.ReadUint16(&e.RecordSizeLimit) || e.RecordSizeLimit < 64 {
			return false
		}
	case ExtConnectionID:
		// RFC 9146 §3: opaque cid<0..2^8-1>;
		var l shared.Cursor
		if !b.ReadUint8LengthPrefixed(&l) {
			return false
		}
		e.ConnectionID, e.HasConnectionID = l.Rest(), true
	default:
		// Unknown: ignored (RFC 8446 §4.1.2), kept for re-encoding.
		e.Raw = append(e.Raw, RawExtension{Type: t, Data: b.Rest()})
		return true
	}
	return b.Empty()
}

func readKeyShare(c *shared.Cursor, ks *KeyShareEntry) bool {
	var g uint16
	var kx shared.Cursor
	// opaque key_exchange<1..2^16-1>;
	if !c.ReadUint16(&g) || !c.ReadUint16LengthPrefixed(&kx) || kx.Empty() {
		return false
	}
	ks.Group, ks.KeyExchange = Group(g), kx.Rest()
	return true
}

func readUint16s[T ~uint16](dst []T, l shared.Cursor) []T {
	for !l.Empty() {
		var v uint16
		l.ReadUint16(&v)
		dst = append(dst, T(v))
	}
	return dst
}

// extBuilder appends extensions inside an open 16-bit length.
type extBuilder struct{ b *shared.Builder }

func (x extBuilder) begin(t ExtensionType) shared.LengthMark {
	x.b.AddUint16(uint16(t))
	return x.b.BeginUint16Length()
}

// appendExtensions writes the fields of e that are set, for context ctx, in
// a fixed order. Unknown extensions cannot be written (Present is ignored).
func appendExtensions(b *shared.Builder, e *Extensions, ctx extContext) {
	outer := b.BeginUint16Length()
	x := extBuilder{b}
	if ctx == ctxClientHello && len(e.SupportedVersions) > 0 {
		m := x.begin(ExtSupportedVersions)
		l := b.BeginUint8Length()
		for _, v := range e.SupportedVersions {
			b.AddUint16(v)
		}
		b.EndUint8Length(l)
		b.EndUint16Length(m)
	}
	if ctx != ctxClientHello && e.SelectedVersion != 0 {
		m := x.begin(ExtSupportedVersions)
		b.AddUint16(e.SelectedVersion)
		b.EndUint16Length(m)
	}
	if len(e.Groups) > 0 {
		m := x.begin(ExtSupportedGroups)
		l := b.BeginUint16Length()
		for _, g := range e.Groups {
			b.AddUint16(uint16(g))
		}
		b.EndUint16Length(l)
		b.EndUint16Length(m)
	}
	if len(e.Schemes) > 0 {
		m := x.begin(ExtSignatureAlgorithms)
		l := b.BeginUint16Length()
		for _, s := range e.Schemes {
			b.AddUint16(uint16(s))
		}
		b.EndUint16Length(l)
		b.EndUint16Length(m)
	}
	if len(e.SRTPProfiles) > 0 {
		m := x.begin(ExtUseSRTP)
		l := b.BeginUint16Length()
		for _, p := range e.SRTPProfiles {
			b.AddUint16(p)
		}
		b.EndUint16Length(l)
		l = b.BeginUint8Length()
		b.AddBytes(e.SRTPMKI)
		b.EndUint8Length(l)
		b.EndUint16Length(m)
	}
	if e.RecordSizeLimit != 0 {
		m := x.begin(ExtRecordSizeLimit)
		b.AddUint16(e.RecordSizeLimit)
		b.EndUint16Length(m)
	}
	if e.HasConnectionID {
		m := x.begin(ExtConnectionID)
		l := b.BeginUint8Length()
		b.AddBytes(e.ConnectionID)
		b.EndUint8Length(l)
		b.EndUint16Length(m)
	}
	if len(e.Cookie) > 0 {
		m := x.begin(ExtCookie)
		l := b.BeginUint16Length()
		b.AddBytes(e.Cookie)
		b.EndUint16Length(l)
		b.EndUint16Length(m)
	}
	if len(e.PSKModes) > 0 {
		m := x.begin(ExtPSKKeyExchangeModes)
		l := b.BeginUint8Length()
		b.AddBytes(e.PSKModes)
		b.EndUint8Length(l)
		b.EndUint16Length(m)
	}
	switch {
	case ctx == ctxHelloRetryRequest && e.SelectedGroup != 0:
		m := x.begin(ExtKeyShare)
		b.AddUint16(uint16(e.SelectedGroup))
		b.EndUint16Length(m)
	case ctx == ctxClientHello && e.KeyShares != nil:
		m := x.begin(ExtKeyShare)
		l := b.BeginUint16Length()
		for _, ks := range e.KeyShares {
			appendKeyShare(b, ks)
		}
		b.EndUint16Length(l)
		b.EndUint16Length(m)
	case ctx == ctxServerHello && len(e.KeyShares) == 1:
		m := x.begin(ExtKeyShare)
		appendKeyShare(b, e.KeyShares[0])
		b.EndUint16Length(m)
	}
	for _, r := range e.Raw {
		m := x.begin(r.Type)
		b.AddBytes(r.Data)
		b.EndUint16Length(m)
	}
	b.EndUint16Length(outer)
}

func appendKeyShare(b *shared.Builder, ks KeyShareEntry) {
	b.AddUint16(uint16(ks.Group))
	l := b.BeginUint16Length()
	b.AddBytes(ks.KeyExchange)
	b.EndUint16Length(l)
}
