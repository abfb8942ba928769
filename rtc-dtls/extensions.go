package dtls

import (
	"errors"

	"github.com/sansrtc/rtc/rtc-shared"
)

// helloExtensions holds the hello extensions this package understands (RFC 5246
// §7.4.1.4). Unknown extensions are counted and ignored, so a DTLS
// 1.3-capable ClientHello (supported_versions, key_share, ...) negotiates
// 1.2 cleanly. A parsed value aliases the input.
type helloExtensions struct {
	Groups       []Group           // supported_groups (RFC 8422 §5.1.1)
	PointFormats []byte            // ec_point_formats (RFC 8422 §5.1.2)
	Schemes      []SignatureScheme // signature_algorithms (RFC 5246 §7.4.1.4.1)

	UseSRTP      bool     // use_srtp present (RFC 5764 §4.1.1)
	SRTPProfiles []uint16 // profile ids, in the sender's order of preference
	SRTPMKI      []byte

	ALPN []string // application_layer_protocol_negotiation (RFC 7301)

	ExtendedMasterSecret bool // extended_master_secret (RFC 7627 §5.1)

	RenegotiationInfo    bool   // renegotiation_info present (RFC 5746 §3.2)
	RenegotiatedConnInfo []byte // its content (empty on an initial handshake)

	HasRecordSizeLimit bool   // record_size_limit present (RFC 8449 §4)
	RecordSizeLimit    uint16 // its value (checked by the negotiation, not here)

	HasConnectionID bool   // connection_id present (RFC 9146 §3)
	ConnectionID    []byte // the CID the sender wants to receive (may be empty)

	Unknown int // how many extensions were not understood

	extra []rawExtension // sent verbatim after the others (tests)
}

// rawExtension is an extension sent as is.
type rawExtension struct {
	typ  uint16
	data []byte
}

var errDuplicateExt = errors.New("duplicate extension")

// parse reads the extensions block (a 16-bit length and the list) from c,
// which must then be empty.
func (e *helloExtensions) parse(c *shared.Cursor, typ string) error {
	var list shared.Cursor
	if !c.ReadUint16LengthPrefixed(&list) {
		return parseErr(typ, c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return parseErr(typ, c, shared.ErrTrailingBytes)
	}
	var seen [64]uint16
	nseen := 0
	for !list.Empty() {
		var t uint16
		var body shared.Cursor
		if !list.ReadUint16(&t) || !list.ReadUint16LengthPrefixed(&body) {
			return parseErr(typ, &list, shared.ErrTruncated)
		}
		// RFC 5246 §7.4.1.4: "There MUST NOT be more than one extension of
		// the same type."
		for _, s := range seen[:nseen] {
			if s == t {
				return parseErr(typ, &list, errDuplicateExt)
			}
		}
		if nseen < len(seen) {
			seen[nseen] = t
			nseen++
		}
		if !e.parseOne(t, body) {
			return parseErr(typ+" extension", &list, errDecode)
		}
	}
	return nil
}

// appendUint16s appends the 16-bit code points of a list whose even length
// the caller has checked (supported_groups, signature_algorithms, use_srtp).
func appendUint16s[T ~uint16](dst []T, l shared.Cursor) []T {
	var v uint16
	for l.ReadUint16(&v) {
		dst = append(dst, T(v))
	}
	return dst
}

func (e *helloExtensions) parseOne(t uint16, b shared.Cursor) bool {
	switch t {
	case extSupportedGroups:
		var l shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || !b.Empty() || l.Len()%2 != 0 {
			return false
		}
		e.Groups = appendUint16s(e.Groups, l)
	case extECPointFormats:
		var l shared.Cursor
		if !b.ReadUint8LengthPrefixed(&l) || !b.Empty() {
			return false
		}
		e.PointFormats = l.Rest()
	case extSignatureAlgorithms:
		var l shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || !b.Empty() || l.Len()%2 != 0 {
			return false
		}
		e.Schemes = appendUint16s(e.Schemes, l)
	case extUseSRTP:
		// RFC 5764 §4.1.1: SRTPProtectionProfiles profiles<2..2^16-1>;
		// opaque srtp_mki<0..255>.
		var l, mki shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || !b.ReadUint8LengthPrefixed(&mki) || !b.Empty() || l.Len()%2 != 0 {
			return false
		}
		e.UseSRTP = true
		e.SRTPProfiles = appendUint16s(e.SRTPProfiles, l)
		e.SRTPMKI = mki.Rest()
	case extALPN:
		var l shared.Cursor
		if !b.ReadUint16LengthPrefixed(&l) || !b.Empty() || l.Empty() {
			return false
		}
		for !l.Empty() {
			var p shared.Cursor
			if !l.ReadUint8LengthPrefixed(&p) || p.Empty() {
				return false
			}
			e.ALPN = append(e.ALPN, string(p.Rest()))
		}
	case extExtendedMasterSecret:
		// RFC 7627 §5.1: "The "extension_data" field of this extension
		// is empty."
		if !b.Empty() {
			return false
		}
		e.ExtendedMasterSecret = true
	case extRenegotiationInfo:
		var l shared.Cursor
		if !b.ReadUint8LengthPrefixed(&l) || !b.Empty() {
			return false
		}
		e.RenegotiationInfo = true
		e.RenegotiatedConnInfo = l.Rest()
	case extRecordSizeLimit:
		// RFC 8449 §4: uint16 RecordSizeLimit. Its range (at least 64) is
		// the negotiation's business: a value out of range is an
		// illegal_parameter, not a decode_error.
		if !b.ReadUint16(&e.RecordSizeLimit) || !b.Empty() {
			return false
		}
		e.HasRecordSizeLimit = true
	case extConnectionID:
		// RFC 9146 §3: opaque cid<0..2^8-1>.
		var l shared.Cursor
		if !b.ReadUint8LengthPrefixed(&l) || !b.Empty() {
			return false
		}
		e.HasConnectionID = true
		e.ConnectionID = l.Rest()
	default:
		e.Unknown++
	}
	return true
}

// append writes the extensions block; nothing at all when there are none.
func (e *helloExtensions) append(w *shared.Builder) {
	if len(e.Groups) == 0 && len(e.PointFormats) == 0 && len(e.Schemes) == 0 && !e.UseSRTP &&
		len(e.ALPN) == 0 && !e.ExtendedMasterSecret && !e.RenegotiationInfo && len(e.extra) == 0 &&
		!e.HasRecordSizeLimit && !e.HasConnectionID {
		return
	}
	outer := w.BeginUint16Length()
	if e.RenegotiationInfo {
		w.AddUint16(extRenegotiationInfo)
		l := w.BeginUint16Length()
		l2 := w.BeginUint8Length()
		w.AddBytes(e.RenegotiatedConnInfo)
		w.EndUint8Length(l2)
		w.EndUint16Length(l)
	}
	if e.ExtendedMasterSecret {
		w.AddUint16(extExtendedMasterSecret)
		w.AddUint16(0)
	}
	if len(e.Groups) > 0 {
		w.AddUint16(extSupportedGroups)
		l := w.BeginUint16Length()
		l2 := w.BeginUint16Length()
		for _, g := range e.Groups {
			w.AddUint16(uint16(g))
		}
		w.EndUint16Length(l2)
		w.EndUint16Length(l)
	}
	if len(e.PointFormats) > 0 {
		w.AddUint16(extECPointFormats)
		l := w.BeginUint16Length()
		l2 := w.BeginUint8Length()
		w.AddBytes(e.PointFormats)
		w.EndUint8Length(l2)
		w.EndUint16Length(l)
	}
	if len(e.Schemes) > 0 {
		w.AddUint16(extSignatureAlgorithms)
		l := w.BeginUint16Length()
		l2 := w.BeginUint16Length()
		for _, s := range e.Schemes {
			w.AddUint16(uint16(s))
		}
		w.EndUint16Length(l2)
		w.EndUint16Length(l)
	}
	if e.UseSRTP {
		w.AddUint16(extUseSRTP)
		l := w.BeginUint16Length()
		l2 := w.BeginUint16Length()
		for _, p := range e.SRTPProfiles {
			w.AddUint16(uint16(p))
		}
		w.EndUint16Length(l2)
		l3 := w.BeginUint8Length()
		w.AddBytes(e.SRTPMKI)
		w.EndUint8Length(l3)
		w.EndUint16Length(l)
	}
	if len(e.ALPN) > 0 {
		w.AddUint16(extALPN)
		l := w.BeginUint16Length()
		l2 := w.BeginUint16Length()
		for _, p := range e.ALPN {
			l3 := w.BeginUint8Length()
			w.AddString(p)
			w.EndUint8Length(l3)
		}
		w.EndUint16Length(l2)
		w.EndUint16Length(l)
	}
	if e.HasRecordSizeLimit {
		w.AddUint16(extRecordSizeLimit)
		w.AddUint16(2)
		w.AddUint16(e.RecordSizeLimit)
	}
	if e.HasConnectionID {
		w.AddUint16(extConnectionID)
		l := w.BeginUint16Length()
		l2 := w.BeginUint8Length()
		w.AddBytes(e.ConnectionID)
		w.EndUint8Length(l2)
		w.EndUint16Length(l)
	}
	for _, x := range e.extra {
		w.AddUint16(x.typ)
		l := w.BeginUint16Length()
		w.AddBytes(x.data)
		w.EndUint16Length(l)
	}
	w.EndUint16Length(outer)
}
