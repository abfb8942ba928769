package rtcp

import (
	"encoding/binary"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// PacketType is the RTCP packet type (RFC 3550 §12.1, RFC 4585 §6.1, RFC
// 3611 §2).
type PacketType uint8

// RTCP packet types.
const (
	TypeSR    PacketType = 200 // sender report, RFC 3550 §6.4.1
	TypeRR    PacketType = 201 // receiver report, RFC 3550 §6.4.2
	TypeSDES  PacketType = 202 // source description, RFC 3550 §6.5
	TypeBYE   PacketType = 203 // goodbye, RFC 3550 §6.6
	TypeAPP   PacketType = 204 // application-defined, RFC 3550 §6.7
	TypeRTPFB PacketType = 205 // transport layer feedback, RFC 4585 §6.2
	TypePSFB  PacketType = 206 // payload-specific feedback, RFC 4585 §6.3
	TypeXR    PacketType = 207 // extended report, RFC 3611
)

// String returns the RFC abbreviation.
func (t PacketType) String() string {
	switch t {
	case TypeSR:
		return "SR"
	case TypeRR:
		return "RR"
	case TypeSDES:
		return "SDES"
	case TypeBYE:
		return "BYE"
	case TypeAPP:
		return "APP"
	case TypeRTPFB:
		return "RTPFB"
	case TypePSFB:
		return "PSFB"
	case TypeXR:
		return "XR"
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Feedback message types (the FMT field of RTPFB and PSFB packets).
const (
	FormatNACK  uint8 = 1  // RTPFB Generic NACK, RFC 4585 §6.2.1
	FormatTMMBR uint8 = 3  // RTPFB TMMBR, RFC 5104 §4.2.1
	FormatTMMBN uint8 = 4  // RTPFB TMMBN, RFC 5104 §4.2.2
	FormatCCFB  uint8 = 11 // RTPFB congestion control feedback, RFC 8888 §3.1
	FormatTWCC  uint8 = 15 // RTPFB transport-wide CC, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1

	FormatPLI  uint8 = 1  // PSFB picture loss indication, RFC 4585 §6.3.1
	FormatSLI  uint8 = 2  // PSFB slice loss indication, RFC 4585 §6.3.2
	FormatRPSI uint8 = 3  // PSFB reference picture selection indication, RFC 4585 §6.3.3
	FormatFIR  uint8 = 4  // PSFB full intra request, RFC 5104 §4.3.1
	FormatAFB  uint8 = 15 // PSFB application layer feedback (REMB), RFC 4585 §6.4
	headerSize       = 4
)

// Header is the common RTCP header (RFC 3550 §6.4.1):
//
//	V=2 | P | count/FMT (5) | PT (8) | length (16, in 32-bit words minus one)
type Header struct {
	Padding bool       // the P bit
	Count   uint8      // RC, SC, subtype or FMT, by packet type (5 bits)
	Type    PacketType // PT
	Length  uint16     // the packet length in 32-bit words minus one
}

// Size returns the packet length in octets that Length announces.
func (h Header) Size() int { return 4 * (int(h.Length) + 1) }

// ParseHeader reads the header at the start of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < headerSize {
		return Header{}, parseErr("header", 0, shared.ErrTruncated)
	}
	if b[0]>>6 != 2 {
		return Header{}, parseErr("header", 0, ErrBadVersion)
	}
	return Header{
		Padding: b[0]&0x20 != 0,
		Count:   b[0] & 0x1f,
		Type:    PacketType(b[1]),
		Length:  binary.BigEndian.Uint16(b[2:4]),
	}, nil
}

// AppendTo appends the four header octets.
func (h Header) AppendTo(b []byte) []byte {
	v := byte(2<<6) | h.Count&0x1f
	if h.Padding {
		v |= 0x20
	}
	return append(b, v, byte(h.Type), byte(h.Length>>8), byte(h.Length))
}

// body checks one packet's header against its bytes and returns the header
// and the body after the header, with any padding removed (RFC 3550 §6.4.1:
// the last octet of the padding is the count of padding octets).
func body(b []byte, name string, t PacketType) (Header, []byte, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, nil, err
	}
	if t != 0 && h.Type != t {
		return h, nil, parseErr(name, 1, ErrWrongType)
	}
	if h.Size() != len(b) {
		return h, nil, parseErr(name, 2, ErrBadLength)
	}
	end := len(b)
	if h.Padding {
		pad := int(b[end-1])
		if pad == 0 || pad > end-headerSize {
			return h, nil, parseErr(name, end-1, ErrBadPadding)
		}
		end -= pad
	}
	return h, b[headerSize:end], nil
}

// appendHeader appends a header for a packet of size octets (a multiple of
// four) after the header.
func appendHeader(b []byte, count uint8, t PacketType, size int) []byte {
	return Header{Count: count, Type: t, Length: uint16(size/4 - 1)}.AppendTo(b)
}

func pad4(n int) int { return (n + 3) &^ 3 }

// maxPacketSize is the largest packet the header can describe: the length
// field counts 32-bit words minus one in 16 bits (RFC 3550 §6.4.1). Every
// AppendTo checks its MarshalSize against it, so that an oversized value
// is ErrTooMany rather than a silently truncated length.
const maxPacketSize = 4 * 0x10000

// Packet is one RTCP packet of any type. Unmarshal parses exactly one packet
// (as returned by Reader.Next); slices inside the value alias the input and
// slices the value already holds are reused, so decoding into the same value
// again allocates nothing. AppendTo appends the wire form.
type Packet interface {
	// MarshalSize returns the length of the wire form in octets.
	MarshalSize() int
	// AppendTo appends the wire form to b.
	AppendTo(b []byte) ([]byte, error)
	// Unmarshal parses one packet, header included.
	Unmarshal(b []byte) error
}

// Marshal returns the wire form of a compound packet made of pkts.
func Marshal(pkts ...Packet) ([]byte, error) {
	n := 0
	for _, p := range pkts {
		n += p.MarshalSize()
	}
	return AppendCompound(make([]byte, 0, n), pkts...)
}

// AppendCompound appends the packets one after the other.
func AppendCompound(b []byte, pkts ...Packet) ([]byte, error) {
	start := len(b)
	for _, p := range pkts {
		var err error
		if b, err = p.AppendTo(b); err != nil {
			return b[:start], err
		}
	}
	return b, nil
}

// appendU32 and friends keep the codecs short.
func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func u16(b []byte) uint16                 { return binary.BigEndian.Uint16(b) }
func u32(b []byte) uint32                 { return binary.BigEndian.Uint32(b) }

// String formats the header for logs, e.g. "RTPFB fmt=15 len=5".
func (h Header) String() string {
	s := h.Type.String() + " count=" + strconv.Itoa(int(h.Count)) + " len=" + strconv.Itoa(int(h.Length))
	if h.Padding {
		s += " padded"
	}
	return s
}
