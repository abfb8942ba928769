package rtp

import (
	"encoding/binary"
	"slices"
)

// RFC 3550 §5.1 fixed header constants.
const (
	// Version is the only RTP version (RFC 3550 §5.1).
	Version = 2
	// FixedHeaderSize is the size of the fixed RTP header, without CSRCs or
	// extensions.
	FixedHeaderSize = 12
	// MaxCSRC is the largest CSRC count the 4-bit CC field can carry.
	MaxCSRC = 15
	// MaxExtensions is how many RFC 8285 extension elements a Header holds.
	// The elements live in a fixed array so that parsing never allocates;
	// a packet with more elements is rejected with ErrTooManyExtensions.
	MaxExtensions = 16
)

// RFC 8285 header extension profiles ("defined by profile" field).
const (
	// ExtensionProfileOneByte is the 0xBEDE profile of the one-byte form
	// (RFC 8285 §4.2).
	ExtensionProfileOneByte uint16 = 0xBEDE
	// ExtensionProfileTwoByte is the 0x100 profile of the two-byte form
	// (RFC 8285 §4.3); the low four "appbits" are zero when sending and
	// ignored when receiving.
	ExtensionProfileTwoByte uint16 = 0x1000
)

// Extension is one RFC 8285 header extension element. Payload aliases either
// the parsed packet or the slice handed to SetExtension.
type Extension struct {
	ID      uint8
	Payload []byte
}

// Header is an RTP fixed header (RFC 3550 §5.1) with its CSRC list and
// header extension (RFC 3550 §5.3.1, RFC 8285).
//
// CSRCs and extension elements are stored in fixed arrays inside the
// Header, so parsing and marshalling never allocate. A Header filled by
// Unmarshal aliases the input (extension payloads point into it); use Clone
// to keep it past the life of the buffer.
type Header struct {
	// Version is the RTP version; Unmarshal rejects anything but 2 and
	// marshalling always writes 2.
	Version uint8
	// Padding is the P bit as received. When marshalling a Packet it is
	// recomputed from Packet.PaddingSize.
	Padding bool
	// Extension is the X bit as received. When marshalling it is set when
	// the header has extension elements or raw extension data.
	Extension      bool
	Marker         bool
	PayloadType    uint8
	SequenceNumber uint16
	Timestamp      uint32
	SSRC           uint32

	// ExtensionProfile is the 16-bit "defined by profile" value of the
	// extension block: ExtensionProfileOneByte, ExtensionProfileTwoByte (the
	// appbits are kept as received), or another value whose opaque data is
	// in RawExtension. Zero means no extension block.
	ExtensionProfile uint16
	// RawExtension holds the extension data of a profile other than the two
	// RFC 8285 forms (RFC 3550 §5.3.1), without the 4-byte block header; its
	// length must be a multiple of 4. It aliases the input after Unmarshal.
	RawExtension []byte

	csrcCount uint8
	extCount  uint8
	csrc      [MaxCSRC]uint32
	// Extension elements are references: parsed ones point into extBase
	// (the received element block) by offset, so parsing stores no
	// pointers; elements set by the caller keep their slice in user.
	extBase []byte
	refs    [MaxExtensions]extRef
	user    [MaxExtensions][]byte
}

// extRef locates one extension element's payload.
type extRef struct {
	id     uint8
	isUser bool  // payload is Header.user[i]
	n      uint8 // payload length when parsed
	off    uint32
}

// lenAt returns the payload length of element i.
func (h *Header) lenAt(i int) int {
	if h.refs[i].isUser {
		return len(h.user[i])
	}
	return int(h.refs[i].n)
}

// payloadAt returns the payload of element i.
func (h *Header) payloadAt(i int) []byte {
	r := &h.refs[i]
	if r.isUser {
		return h.user[i]
	}
	end := int(r.off) + int(r.n)
	return h.extBase[r.off:end:end]
}

// CSRCs returns the contributing sources. The slice aliases the Header.
func (h *Header) CSRCs() []uint32 { return h.csrc[:h.csrcCount] }

// SetCSRCs replaces the contributing sources (at most 15).
func (h *Header) SetCSRCs(csrc []uint32) error {
	if len(csrc) > MaxCSRC {
		return ErrTooManyCSRC
	}
	h.csrcCount = uint8(copy(h.csrc[:], csrc))
	return nil
}

// AppendExtensions appends the RFC 8285 extension elements, in wire order,
// to dst. The payloads alias the parsed packet or the caller's slices.
func (h *Header) AppendExtensions(dst []Extension) []Extension {
	for i := range int(h.extCount) {
		dst = append(dst, Extension{ID: h.refs[i].id, Payload: h.payloadAt(i)})
	}
	return dst
}

// ExtensionCount returns the number of RFC 8285 extension elements.
func (h *Header) ExtensionCount() int { return int(h.extCount) }

// ExtensionAt returns element i (0 <= i < ExtensionCount) in wire order;
// the payload aliases the parsed packet or the caller's slice.
func (h *Header) ExtensionAt(i int) Extension {
	return Extension{ID: h.refs[i].id, Payload: h.payloadAt(i)}
}

// GetExtension returns the payload of the first element with the given id,
// or nil. The result aliases the parsed packet.
func (h *Header) GetExtension(id uint8) []byte {
	for i := 0; i < int(h.extCount); i++ {
		if h.refs[i].id == id {
			return h.payloadAt(i)
		}
	}
	return nil
}

// HasExtension reports whether an element with id is present (a two-byte
// element may have an empty payload).
func (h *Header) HasExtension(id uint8) bool {
	for i := 0; i < int(h.extCount); i++ {
		if h.refs[i].id == id {
			return true
		}
	}
	return false
}

// fitsOneByte reports whether an element can use the one-byte form (RFC 8285
// §4.2): IDs 1-14 and 1-16 bytes of data.
func fitsOneByte(id uint8, n int) bool { return id >= 1 && id <= 14 && n >= 1 && n <= 16 }

// fitsTwoByte reports whether an element can use the two-byte form (RFC 8285
// §4.3): IDs 1-255 and 0-255 bytes of data.
func fitsTwoByte(id uint8, n int) bool { return id >= 1 && n <= 255 }

// SetExtension adds the element id or replaces its payload. The Header keeps
// payload (no copy) until it is marshalled.
//
// With no extension block yet, the one-byte form is chosen when the element
// fits it and the two-byte form otherwise. With the one-byte form in use, an
// element that does not fit it is rejected with ErrExtensionID or
// ErrExtensionSize; use SetExtensionMixed when the session negotiated
// a=extmap-allow-mixed (RFC 8285 §6).
func (h *Header) SetExtension(id uint8, payload []byte) error {
	return h.setExtension(id, payload, false)
}

// SetExtensionMixed is SetExtension for sessions that negotiated
// a=extmap-allow-mixed (RFC 8285 §6): when the element does not fit the
// one-byte form the whole block switches to the two-byte form, which may
// carry IDs 1-255 and payloads of 0-255 bytes.
func (h *Header) SetExtensionMixed(id uint8, payload []byte) error {
	return h.setExtension(id, payload, true)
}

func (h *Header) setExtension(id uint8, payload []byte, mixed bool) error {
	if !fitsTwoByte(id, len(payload)) {
		if id == 0 {
			return ErrExtensionID
		}
		return ErrExtensionSize
	}
	switch {
	case h.ExtensionProfile != ExtensionProfileOneByte && !h.isTwoByte():
		// No block yet, or an opaque non-RFC 8285 block being replaced.
		h.RawExtension = nil
		if fitsOneByte(id, len(payload)) {
			h.ExtensionProfile = ExtensionProfileOneByte
		} else {
			h.ExtensionProfile = ExtensionProfileTwoByte
		}
	case h.ExtensionProfile == ExtensionProfileOneByte && !fitsOneByte(id, len(payload)):
		if !mixed {
			if id > 14 {
				return ErrExtensionID
			}
			return ErrExtensionSize
		}
		h.ExtensionProfile = ExtensionProfileTwoByte
	}
	for i := 0; i < int(h.extCount); i++ {
		if h.refs[i].id == id {
			h.refs[i] = extRef{id: id, isUser: true}
			h.user[i] = payload
			h.Extension = true
			return nil
		}
	}
	if int(h.extCount) >= MaxExtensions {
		return ErrTooManyExtensions
	}
	h.refs[h.extCount] = extRef{id: id, isUser: true}
	h.user[h.extCount] = payload
	h.extCount++
	h.Extension = true
	return nil
}

// DelExtension removes the element id and reports whether it was present.
// Removing the last element removes the extension block.
func (h *Header) DelExtension(id uint8) bool {
	for i := 0; i < int(h.extCount); i++ {
		if h.refs[i].id == id {
			copy(h.refs[i:h.extCount], h.refs[i+1:h.extCount])
			copy(h.user[i:h.extCount], h.user[i+1:h.extCount])
			h.extCount--
			h.refs[h.extCount] = extRef{}
			h.user[h.extCount] = nil
			if h.extCount == 0 && len(h.RawExtension) == 0 {
				h.ExtensionProfile = 0
				h.Extension = false
			}
			return true
		}
	}
	return false
}

// ClearExtensions removes every extension element and any raw block.
func (h *Header) ClearExtensions() {
	for i := range h.extCount {
		h.user[i] = nil
	}
	h.extCount = 0
	h.extBase = nil
	h.ExtensionProfile = 0
	h.RawExtension = nil
	h.Extension = false
}

func (h *Header) isTwoByte() bool { return h.ExtensionProfile&0xFFF0 == ExtensionProfileTwoByte }

// Unmarshal parses the header at the start of b and returns its size (the
// offset of the payload). The Header aliases b: extension payloads and
// RawExtension point into it, so copy it (Clone) to keep it past the reuse
// of b. Unmarshal never allocates.
func (h *Header) Unmarshal(b []byte) (int, error) {
	if len(b) < FixedHeaderSize {
		return 0, ErrTruncated
	}
	// RFC 3550 §5.1:
	//  0                   1                   2                   3
	//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
	// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
	b0, b1 := b[0], b[1]
	if b0&0xC0 != Version<<6 {
		return 0, ErrBadVersion
	}
	h.Version = Version
	h.Padding = b0&0x20 != 0
	h.Extension = b0&0x10 != 0
	h.Marker = b1&0x80 != 0
	h.PayloadType = b1 & 0x7F
	h.SequenceNumber = binary.BigEndian.Uint16(b[2:4])
	h.Timestamp = binary.BigEndian.Uint32(b[4:8])
	h.SSRC = binary.BigEndian.Uint32(b[8:12])
	cc := int(b0 & 0x0F)
	n := FixedHeaderSize
	if cc > 0 {
		n += 4 * cc
		if len(b) < n {
			return 0, ErrTruncated
		}
		for i := range cc {
			h.csrc[i] = binary.BigEndian.Uint32(b[FixedHeaderSize+4*i:])
		}
	}
	h.csrcCount = uint8(cc)
	h.extCount = 0
	if b0&0x10 == 0 {
		h.ExtensionProfile = 0
		h.RawExtension = nil
		return n, nil
	}
	// RFC 3550 §5.3.1: a 16-bit profile value, a 16-bit length in 32-bit
	// words (excluding the four-octet extension header), then the data.
	if len(b) < n+4 {
		return 0, ErrTruncated
	}
	profile := binary.BigEndian.Uint16(b[n:])
	end := n + 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
	if len(b) < end {
		return 0, ErrTruncated
	}
	data := b[n+4 : end : end]
	h.ExtensionProfile = profile
	h.RawExtension = nil
	h.extBase = data
	if profile != ExtensionProfileOneByte {
		if profile&0xFFF0 != ExtensionProfileTwoByte {
			h.RawExtension = data
		} else if err := h.parseTwoByte(data); err != nil {
			// As for the one-byte form: no size and no elements on error.
			h.extCount = 0
			return 0, err
		}
		return end, nil
	}
	// RFC 8285 §4.2 one-byte elements, inlined as the common case:
	//
	//	 0 1 2 3 4 5 6 7
	//	+-+-+-+-+-+-+-+-+
	//	|  ID   |  len  |  followed by len+1 bytes of data
	//	+-+-+-+-+-+-+-+-+
	c := 0
	for i := 0; i < len(data); {
		x := data[i]
		id := x >> 4
		i++
		if id == 0 {
			// RFC 8285 §4.2: "The local identifier value 0 is reserved for
			// padding"; padding bytes are single zero octets.
			continue
		}
		if id == 15 {
			// RFC 8285 §4.2: "If the ID value 15 is encountered, its length
			// field should be ignored, processing of the entire extension
			// should terminate at that point".
			break
		}
		j := i + int(x&0x0F) + 1
		if j > len(data) {
			return 0, ErrBadExtension
		}
		if c >= MaxExtensions {
			return 0, ErrTooManyExtensions
		}
		h.refs[c] = extRef{id: id, n: uint8(j - i), off: uint32(i)}
		c++
		i = j
	}
	h.extCount = uint8(c)
	return end, nil
}

// parseTwoByte parses RFC 8285 §4.3 elements: an 8-bit ID, an 8-bit length
// and that many bytes of data (possibly none). Zero octets are padding.
func (h *Header) parseTwoByte(data []byte) error {
	for i := 0; i < len(data); {
		id := data[i]
		if id == 0 {
			i++
			continue
		}
		if i+2 > len(data) {
			return ErrBadExtension
		}
		l := int(data[i+1])
		i += 2
		if i+l > len(data) {
			return ErrBadExtension
		}
		if int(h.extCount) >= MaxExtensions {
			return ErrTooManyExtensions
		}
		h.refs[h.extCount] = extRef{id: id, n: uint8(l), off: uint32(i)}
		h.extCount++
		i += l
	}
	return nil
}

// extensionDataSize returns the size of the extension data (elements plus
// padding to a 32-bit boundary), without the 4-byte block header, and the
// profile to write.
func (h *Header) extensionDataSize() (int, uint16) {
	if h.extCount == 0 {
		if len(h.RawExtension) > 0 || (h.Extension && h.ExtensionProfile != 0) {
			return (len(h.RawExtension) + 3) &^ 3, h.ExtensionProfile
		}
		return -1, 0
	}
	profile := h.ExtensionProfile
	if profile != ExtensionProfileOneByte && !h.isTwoByte() {
		profile = ExtensionProfileOneByte
	}
	if profile == ExtensionProfileOneByte {
		n := 0
		for i := 0; i < int(h.extCount); i++ {
			l := h.lenAt(i)
			if !fitsOneByte(h.refs[i].id, l) {
				profile = ExtensionProfileTwoByte
				break
			}
			n += 1 + l
		}
		if profile == ExtensionProfileOneByte {
			return (n + 3) &^ 3, profile
		}
	}
	n := 0
	for i := 0; i < int(h.extCount); i++ {
		n += 2 + h.lenAt(i)
	}
	return (n + 3) &^ 3, profile
}

// MarshalSize returns the number of bytes AppendTo writes.
func (h *Header) MarshalSize() int {
	n := FixedHeaderSize + 4*int(h.csrcCount)
	if e, _ := h.extensionDataSize(); e >= 0 {
		n += 4 + e
	}
	return n
}

// AppendTo appends the marshalled header to b and returns the extended
// slice. It allocates only when b lacks the capacity (see MarshalSize).
// The P bit is written as h.Padding; Packet.AppendTo sets it from the
// padding size.
func (h *Header) AppendTo(b []byte) ([]byte, error) {
	ext, profile := h.extensionDataSize()
	if ext > 4*0xFFFF {
		return b, ErrHeaderTooLarge
	}
	return h.appendTo(b, h.Padding, ext, profile), nil
}

// MarshalTo writes the header into buf and returns the number of bytes
// written, or ErrShortBuffer when buf is too small.
func (h *Header) MarshalTo(buf []byte) (int, error) {
	ext, profile := h.extensionDataSize()
	if ext > 4*0xFFFF {
		return 0, ErrHeaderTooLarge
	}
	n := FixedHeaderSize + 4*int(h.csrcCount)
	if ext >= 0 {
		n += 4 + ext
	}
	if len(buf) < n {
		return 0, ErrShortBuffer
	}
	h.appendTo(buf[:0], h.Padding, ext, profile)
	return n, nil
}

// appendTo writes the header; ext is the extension data size from
// extensionDataSize (-1 for none).
func (h *Header) appendTo(b []byte, padding bool, ext int, profile uint16) []byte {
	size := FixedHeaderSize + 4*int(h.csrcCount)
	if ext >= 0 {
		size += 4 + ext
	}
	start := len(b)
	b = grow(b, size)
	out := b[start : start+size]
	b0 := byte(Version<<6) | h.csrcCount
	if padding {
		b0 |= 0x20
	}
	if ext >= 0 {
		b0 |= 0x10
	}
	b1 := h.PayloadType & 0x7F
	if h.Marker {
		b1 |= 0x80
	}
	out[0], out[1] = b0, b1
	binary.BigEndian.PutUint16(out[2:], h.SequenceNumber)
	binary.BigEndian.PutUint32(out[4:], h.Timestamp)
	binary.BigEndian.PutUint32(out[8:], h.SSRC)
	o := FixedHeaderSize
	for i := 0; i < int(h.csrcCount); i++ {
		binary.BigEndian.PutUint32(out[o:], h.csrc[i])
		o += 4
	}
	if ext < 0 {
		return b
	}
	binary.BigEndian.PutUint16(out[o:], profile)
	binary.BigEndian.PutUint16(out[o+2:], uint16(ext/4))
	o += 4
	end := o + ext
	switch {
	case h.extCount == 0:
		o += copy(out[o:end], h.RawExtension)
	case profile == ExtensionProfileOneByte:
		for i := 0; i < int(h.extCount); i++ {
			pl := h.payloadAt(i)
			out[o] = h.refs[i].id<<4 | byte(len(pl)-1)
			o++
			// One-byte elements hold at most 16 bytes: a byte loop beats
			// a memmove call.
			dst := out[o : o+len(pl)]
			for k := range dst {
				dst[k] = pl[k]
			}
			o += len(pl)
		}
	default:
		for i := 0; i < int(h.extCount); i++ {
			pl := h.payloadAt(i)
			out[o] = h.refs[i].id
			out[o+1] = byte(len(pl))
			o += 2
			o += copy(out[o:], pl)
		}
	}
	// Padding to the 32-bit boundary (RFC 8285 §4.1: zero octets).
	for ; o < end; o++ {
		out[o] = 0
	}
	return b
}

// grow extends b by n bytes, reallocating only when its capacity is short.
// The new bytes are not cleared.
func grow(b []byte, n int) []byte { return slices.Grow(b, n)[:len(b)+n] }

// Clone returns a deep copy of h whose extension payloads and raw extension
// live in one fresh allocation, independent of any input buffer.
func (h *Header) Clone() Header {
	c := *h
	c.extBase = nil
	n := len(h.RawExtension)
	for i := 0; i < int(h.extCount); i++ {
		n += len(h.payloadAt(i))
	}
	buf := make([]byte, 0, n)
	if h.RawExtension != nil {
		o := len(buf)
		buf = append(buf, h.RawExtension...)
		c.RawExtension = buf[o:len(buf):len(buf)]
	}
	for i := 0; i < int(h.extCount); i++ {
		o := len(buf)
		buf = append(buf, h.payloadAt(i)...)
		c.refs[i] = extRef{id: h.refs[i].id, isUser: true}
		c.user[i] = buf[o:len(buf):len(buf)]
	}
	return c
}
