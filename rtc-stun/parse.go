package stun

import (
	"encoding/binary"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Slots of Message.known: the attribute types whose getters sit on the ICE
// and TURN hot paths. Slot 0 is scratch: types without a slot may land in
// it, and nothing reads it.
const (
	slotScratch = iota
	slotUsername
	slotPriority
	slotUseCandidate
	slotICEControlled
	slotICEControlling
	slotXORMappedAddress
	slotErrorCode
	numSlots

	// The integrity and fingerprint attributes end the fast walk of
	// ParseWithLimits; they have no slot in known.
	slotMI     = numSlots
	slotMI256  = numSlots + 1
	slotFP     = numSlots + 2
	slotUnused = 0xFFFF // slotType of slots that slotOf never returns
)

// slotKey folds a type into 7 bits: its low six bits and the
// comprehension-optional bit. The types with a slot have distinct keys; a
// key is confirmed by comparing slotType.
func slotKey(t uint16) uint8 { return uint8(t&0x3F) | uint8(t>>9)&0x40 }

// slotType is the type each slot holds.
var slotType = [16]uint16{
	slotScratch:          slotUnused,
	slotUsername:         uint16(AttrUsername),
	slotPriority:         uint16(AttrPriority),
	slotUseCandidate:     uint16(AttrUseCandidate),
	slotICEControlled:    uint16(AttrICEControlled),
	slotICEControlling:   uint16(AttrICEControlling),
	slotXORMappedAddress: uint16(AttrXORMappedAddress),
	slotErrorCode:        uint16(AttrErrorCode),
	slotMI:               uint16(AttrMessageIntegrity),
	slotMI256:            uint16(AttrMessageIntegritySHA256),
	slotFP:               uint16(AttrFingerprint),
	11:                   slotUnused,
	12:                   slotUnused,
	13:                   slotUnused,
	14:                   slotUnused,
	15:                   slotUnused,
}

// slotOf maps slotKey(t) to the slot of t, when t has one.
var slotOf = func() (tab [128]uint8) {
	for s, t := range slotType {
		if t != slotUnused {
			tab[slotKey(t)] = uint8(s)
		}
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
	if len(b) <= lim.maxMessageSize() && m.parseFast(b, lim.maxAttributes()) {
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
func (m *Message) parseFast(b []byte, maxAttrs int) bool {
	if len(b) < HeaderSize {
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
	attrs := m.attrs[:min(cap(m.attrs), maxAttrs)]
	i := 0
	// Bits 0-7 of seen mark the slots of m.known filled; the trailer bits
	// above them the integrity and fingerprint attributes met.
	const (
		seenMI    = 1 << (numSlots + iota)
		seenMI256 // MESSAGE-INTEGRITY-SHA256
		seenFP    // FINGERPRINT
	)
	var seen uint16
	m.miOff, m.mi256Off, m.fpOff = -1, -1, -1
	// The header length is a multiple of four and so is every padded
	// attribute, so off < len(b) means at least a header is left.
	off := HeaderSize
	for off < len(b) {
		hdr := binary.BigEndian.Uint32(b[off:])
		// RFC 8489 §14: the value is padded to a multiple of four.
		end := off + (int(hdr&0xFFFF)+attrHeaderSize+3)&^3
		if end > len(b) || i >= len(attrs) {
			return false
		}
		ref := attrRef{hdr: hdr, off: int32(off + attrHeaderSize)}
		typ := uint16(hdr >> 16)
		if seen >= seenMI && typ != uint16(AttrMessageIntegritySHA256) && typ != uint16(AttrFingerprint) {
			// An attribute RFC 8489 §14.5 says to ignore after
			// MESSAGE-INTEGRITY.
			return false
		}
		switch typ {
		case uint16(AttrUsername):
			if seen&(1<<slotUsername) == 0 {
				seen |= 1 << slotUsername
				m.known[slotUsername] = ref
			}
		case uint16(AttrPriority):
			if seen&(1<<slotPriority) == 0 {
				seen |= 1 << slotPriority
				m.known[slotPriority] = ref
			}
		case uint16(AttrUseCandidate):
			if seen&(1<<slotUseCandidate) == 0 {
				seen |= 1 << slotUseCandidate
				m.known[slotUseCandidate] = ref
			}
		case uint16(AttrICEControlled):
			if seen&(1<<slotICEControlled) == 0 {
				seen |= 1 << slotICEControlled
				m.known[slotICEControlled] = ref
			}
		case uint16(AttrICEControlling):
			if seen&(1<<slotICEControlling) == 0 {
				seen |= 1 << slotICEControlling
				m.known[slotICEControlling] = ref
			}
		case uint16(AttrXORMappedAddress):
			if seen&(1<<slotXORMappedAddress) == 0 {
				seen |= 1 << slotXORMappedAddress
				m.known[slotXORMappedAddress] = ref
			}
		case uint16(AttrErrorCode):
			if seen&(1<<slotErrorCode) == 0 {
				seen |= 1 << slotErrorCode
				m.known[slotErrorCode] = ref
			}
		// RFC 8489 §14.5-14.7: MESSAGE-INTEGRITY,
		// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT come last, in that
		// order. A repeated one, or anything after FINGERPRINT, is left
		// to parseSlow.
		case uint16(AttrMessageIntegrity):
			// seen < seenMI here.
			seen |= seenMI
			m.miOff = off
		case uint16(AttrMessageIntegritySHA256):
			if seen&(seenMI256|seenFP) != 0 {
				return false
			}
			seen |= seenMI256
			m.mi256Off = off
		case uint16(AttrFingerprint):
			if end != len(b) {
				return false
			}
			m.fpOff = off
		}
		attrs[i] = ref
		i++
		off = advance(off, end-off)
	}
	m.attrs = attrs[:i]
	m.seen = uint8(seen)
	m.Raw = b
	return true
}

// advance returns off+size. Each attribute's offset depends on the length
// read from the previous one, a chain of loads that bounds the walk; for
// the sizes ICE and TURN attributes usually have, the branch turns that
// data dependency into a control dependency the CPU predicts, so it can
// start on the next attribute before the length has loaded.
func advance(off, size int) int {
	switch size {
	case 4: // USE-CANDIDATE, DONT-FRAGMENT
		return off + 4
	case 8: // PRIORITY, FINGERPRINT, LIFETIME, CHANNEL-NUMBER
		return off + 8
	case 12: // ICE-CONTROLLING, ICE-CONTROLLED, XOR-*-ADDRESS (IPv4)
		return off + 12
	case 24: // MESSAGE-INTEGRITY, XOR-*-ADDRESS (IPv6)
		return off + 24
	}
	return off + size
}

func parseErr(off int, what string, err error) error {
	return &shared.ParseError{Layer: "stun", Type: what, Offset: off, Err: err}
}

// parseSlow is the reference walk: ParseWithLimits for any input, with the
// precise error for malformed ones.
func (m *Message) parseSlow(b []byte, lim Limits) error {
	m.attrs = m.attrs[:0]
	m.seen = 0
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
		ref := attrRef{hdr: uint32(typ)<<16 | uint32(l), off: int32(vOff)}
		if s := slotOf[slotKey(typ)&127]; slotType[s&15] == typ && s < slotMI && m.seen&(1<<(s&7)) == 0 {
			m.seen |= 1 << (s & 7)
			m.known[s&7] = ref
		}
		attrs = append(attrs, ref)
		off = end
	}
	m.attrs = attrs
	m.miOff, m.mi256Off, m.fpOff = miOff, mi256Off, fpOff
	m.Raw = b
	return nil
}
