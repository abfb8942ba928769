package stun

import (
	"encoding/binary"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// isTrailer is 1 at the low byte of MESSAGE-INTEGRITY,
// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, the attributes RFC 8489
// §14.5-14.7 put last. Other types share those bytes (0x0108, 0xC028 ...):
// they only send a message to parseSlow.
var isTrailer = func() (tab [256]uint8) {
	for _, t := range []AttrType{AttrMessageIntegrity, AttrMessageIntegritySHA256, AttrFingerprint} {
		tab[uint8(t)] = 1
	}
	return tab
}()

// ParseWithLimits decodes b into m, enforcing lim. It checks the header and
// the framing of every attribute but not integrity or fingerprint: call
// CheckFingerprint and an Integrity's Check for that.
//
// RFC 8489 §14.5, §14.6: attributes after MESSAGE-INTEGRITY other than
// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and after
// MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are ignored: they are
// skipped and not indexed. An attribute after FINGERPRINT is an error.
func ParseWithLimits(b []byte, m *Message, lim Limits) error {
	if m.parseFast(b, lim) {
		return nil
	}
	return m.parseSlow(b, lim)
}

// parseFast decodes the messages ICE and TURN send: well formed, at most
// min(maxAttrs, cap(m.attrs)) attributes, ending with at most one each of
// MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, in that
// order. It reports false for anything else, valid or not, and leaves it
// to parseSlow, the reference walk, which reports the precise error (and
// grows m.attrs, so the next message of that size takes the fast path).
// FuzzParseFastSlow checks that both agree.
func (m *Message) parseFast(b []byte, lim Limits) bool {
	if len(b) < HeaderSize || len(b) > lim.maxMessageSize() {
		return false
	}
	h := binary.BigEndian.Uint64(b)
	// RFC 8489 §6.3: the two top bits are zero, the magic cookie is there,
	// and the length (bytes 2-3) is a multiple of four that covers the
	// rest of b.
	if h&0xC000_0003_FFFF_FFFF != uint64(MagicCookie) || HeaderSize+int(h>>32&0xFFFF) != len(b) {
		return false
	}
	m.Type = typeFromValue(uint16(h >> 48))
	m.TransactionID = TransactionID(b[8:HeaderSize])
	attrs := m.attrs[:min(cap(m.attrs), lim.maxAttributes())]
	i := 0
	// trailers counts the attributes whose trailerKey is that of an
	// integrity or fingerprint attribute, without a branch.
	trailers := 0
	// The header length is a multiple of four and so is every padded
	// attribute, so off < len(b) means at least a header is left, and
	// rounding off plus the value length pads the value (RFC 8489 §14).
	for off := HeaderSize; off < len(b); {
		hdr := binary.BigEndian.Uint32(b[off : off+attrHeaderSize])
		end := (off + int(hdr&0xFFFF) + attrHeaderSize + 3) &^ 3
		if end > len(b) || i >= len(attrs) {
			return false
		}
		attrs[i] = attrRef{hdr: hdr, off: int32(off + attrHeaderSize)}
		trailers += int(isTrailer[uint8(hdr>>16)])
		i++
		off = end
	}
	attrs = attrs[:i]
	// RFC 8489 §14.5-14.7: MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256
	// and FINGERPRINT come last, in that order. Find them from the end;
	// if any attribute before them counted as one (an attribute after
	// MESSAGE-INTEGRITY, one repeated or out of order, one after
	// FINGERPRINT, or merely a type sharing the key), parseSlow decides.
	k := len(attrs)
	m.miOff, m.mi256Off, m.fpOff = -1, -1, -1
	if k > 0 && attrs[k-1].typ() == uint16(AttrFingerprint) {
		k--
		m.fpOff = int(attrs[k].off) - attrHeaderSize
	}
	if k > 0 && attrs[k-1].typ() == uint16(AttrMessageIntegritySHA256) {
		k--
		m.mi256Off = int(attrs[k].off) - attrHeaderSize
	}
	if k > 0 && attrs[k-1].typ() == uint16(AttrMessageIntegrity) {
		k--
		m.miOff = int(attrs[k].off) - attrHeaderSize
	}
	if trailers != len(attrs)-k {
		return false
	}
	m.attrs = attrs
	m.Raw = b
	return true
}

func parseErr(off int, what string, err error) error {
	return &shared.ParseError{Layer: "stun", Type: what, Offset: off, Err: err}
}

// parseSlow is the reference walk: ParseWithLimits for any input, with the
// precise error for malformed ones.
func (m *Message) parseSlow(b []byte, lim Limits) error {
	m.attrs = m.attrs[:0]
	m.miOff, m.mi256Off, m.fpOff = -1, -1, -1
	m.Raw = nil
	if len(b) > lim.maxMessageSize() {
		return parseErr(0, "header", ErrMessageTooLarge)
	}
	if len(b) < HeaderSize {
		return parseErr(len(b), "header", shared.ErrTruncated)
	}
	if b[0]&0xC0 != 0 || binary.BigEndian.Uint32(b[4:8]) != MagicCookie {
		return parseErr(0, "header", ErrNotSTUN)
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n&3 != 0 {
		return parseErr(2, "header", ErrNotSTUN)
	}
	if HeaderSize+n != len(b) {
		return parseErr(2, "header", ErrBadLength)
	}
	m.Type = typeFromValue(binary.BigEndian.Uint16(b[0:2]))
	copy(m.TransactionID[:], b[8:HeaderSize])
	maxAttrs := lim.maxAttributes()
	attrs := m.attrs[:0]
	miOff, mi256Off, fpOff := -1, -1, -1
	off := HeaderSize
	for off < len(b) {
		if len(b)-off < attrHeaderSize {
			m.attrs = attrs
			return parseErr(off, "attribute header", shared.ErrTruncated)
		}
		h := b[off : off+attrHeaderSize : off+attrHeaderSize]
		typ := uint16(h[0])<<8 | uint16(h[1])
		l := int(uint16(h[2])<<8 | uint16(h[3]))
		vOff := off + attrHeaderSize
		end := off + (l+attrHeaderSize+3)&^3 // header plus padded value
		if end > len(b) {
			m.attrs = attrs
			return parseErr(off, AttrType(typ).String(), ErrBadLength)
		}
		if fpOff >= 0 {
			m.attrs = attrs
			return parseErr(off, AttrType(typ).String(), ErrFingerprintNotLast)
		}
		switch AttrType(typ) {
		case AttrFingerprint:
			fpOff = off
		case AttrMessageIntegritySHA256:
			if mi256Off >= 0 {
				off = end
				continue // a second one is ignored
			}
			mi256Off = off
		case AttrMessageIntegrity:
			if miOff >= 0 || mi256Off >= 0 {
				off = end
				continue // ignored after MESSAGE-INTEGRITY(-SHA256)
			}
			miOff = off
		default:
			if miOff >= 0 || mi256Off >= 0 {
				off = end
				continue // ignored after MESSAGE-INTEGRITY(-SHA256)
			}
		}
		if len(attrs) >= maxAttrs {
			m.attrs = attrs
			return parseErr(off, "message", ErrTooManyAttributes)
		}
		attrs = append(attrs, attrRef{hdr: uint32(typ)<<16 | uint32(l), off: int32(vOff)})
		off = end
	}
	m.attrs = attrs
	m.miOff, m.mi256Off, m.fpOff = miOff, mi256Off, fpOff
	m.Raw = b
	return nil
}
