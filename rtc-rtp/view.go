package rtp

import "encoding/binary"

// HeaderView is the result of a header-only parse for forwarding (an SFU
// path): the fixed fields, where the payload starts and ends, and the raw
// extension block, without decoding the extension elements. It aliases the
// parsed buffer.
type HeaderView struct {
	Marker         bool
	PayloadType    uint8
	SequenceNumber uint16
	Timestamp      uint32
	SSRC           uint32
	CSRCCount      int
	// HeaderSize is the offset of the payload.
	HeaderSize int
	// PayloadEnd is the offset where the padding starts (the packet length
	// when there is no padding).
	PayloadEnd int
	// ExtensionProfile is the extension block's profile, or zero.
	ExtensionProfile uint16
	// ExtensionData is the extension block without its 4-byte header; it
	// aliases the input.
	ExtensionData []byte
}

// ParseHeaderView checks and reads the fixed header, skips CSRCs and the
// extension block, and validates padding. It does less work than
// Packet.Unmarshal and never allocates. The view aliases b.
func ParseHeaderView(b []byte) (HeaderView, error) {
	var v HeaderView
	err := v.Unmarshal(b)
	return v, err
}

// Unmarshal is ParseHeaderView into an existing view (cheaper in a loop: no
// struct copy). On error the view is left partly filled and must not be
// used.
func (v *HeaderView) Unmarshal(b []byte) error {
	if len(b) < FixedHeaderSize {
		return ErrTruncated
	}
	b0 := b[0]
	if b0&0xC0 != Version<<6 {
		return ErrBadVersion
	}
	v.Marker = b[1]&0x80 != 0
	v.PayloadType = b[1] & 0x7F
	v.SequenceNumber = binary.BigEndian.Uint16(b[2:4])
	v.Timestamp = binary.BigEndian.Uint32(b[4:8])
	v.SSRC = binary.BigEndian.Uint32(b[8:12])
	cc := int(b0 & 0x0F)
	v.CSRCCount = cc
	n := FixedHeaderSize + 4*cc
	v.ExtensionProfile = 0
	v.ExtensionData = nil
	if b0&0x10 != 0 {
		if len(b) < n+4 {
			return ErrTruncated
		}
		v.ExtensionProfile = binary.BigEndian.Uint16(b[n:])
		end := n + 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
		if len(b) < end {
			return ErrTruncated
		}
		v.ExtensionData = b[n+4 : end : end]
		n = end
	}
	if len(b) < n {
		return ErrTruncated
	}
	v.HeaderSize = n
	v.PayloadEnd = len(b)
	if b0&0x20 != 0 {
		pad := int(b[len(b)-1])
		if len(b) <= n || pad == 0 || pad > len(b)-n {
			return ErrBadPadding
		}
		v.PayloadEnd -= pad
	}
	return nil
}

// Extension finds the RFC 8285 element id in the view's extension block
// and returns its payload (aliasing the packet), or nil. It walks the block
// each call; for many lookups use Header.Unmarshal.
func (v *HeaderView) Extension(id uint8) []byte {
	off, l := v.findExtension(id)
	if off < 0 {
		return nil
	}
	return v.ExtensionData[off : off+l : off+l]
}

func (v *HeaderView) findExtension(id uint8) (int, int) {
	d := v.ExtensionData
	switch {
	case v.ExtensionProfile == ExtensionProfileOneByte:
		for i := 0; i < len(d); {
			eid := d[i] >> 4
			if eid == 0 {
				i++
				continue
			}
			if eid == 15 {
				return -1, 0
			}
			l := int(d[i]&0x0F) + 1
			i++
			if i+l > len(d) {
				return -1, 0
			}
			if eid == id {
				return i, l
			}
			i += l
		}
	case v.ExtensionProfile&0xFFF0 == ExtensionProfileTwoByte:
		for i := 0; i < len(d); {
			if d[i] == 0 {
				i++
				continue
			}
			if i+2 > len(d) {
				return -1, 0
			}
			eid, l := d[i], int(d[i+1])
			i += 2
			if i+l > len(d) {
				return -1, 0
			}
			if eid == id {
				return i, l
			}
			i += l
		}
	}
	return -1, 0
}

// RewriteExtension overwrites, in place, the payload of element id with
// value of the same length (an SFU rewriting abs-send-time or the
// transport-wide sequence number). It reports whether it did.
func (v *HeaderView) RewriteExtension(id uint8, value []byte) bool {
	off, l := v.findExtension(id)
	if off < 0 || l != len(value) {
		return false
	}
	copy(v.ExtensionData[off:], value)
	return true
}

// In-place rewriting of a marshalled packet's fixed header fields, for
// forwarding. Each reports false when b is shorter than the fixed header.

// SetSequenceNumber rewrites the sequence number of the packet in b.
func SetSequenceNumber(b []byte, seq uint16) bool {
	if len(b) < FixedHeaderSize {
		return false
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	return true
}

// SetTimestamp rewrites the timestamp of the packet in b.
func SetTimestamp(b []byte, ts uint32) bool {
	if len(b) < FixedHeaderSize {
		return false
	}
	binary.BigEndian.PutUint32(b[4:], ts)
	return true
}

// SetSSRC rewrites the SSRC of the packet in b.
func SetSSRC(b []byte, ssrc uint32) bool {
	if len(b) < FixedHeaderSize {
		return false
	}
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return true
}

// SetPayloadType rewrites the payload type of the packet in b, keeping the
// marker bit.
func SetPayloadType(b []byte, pt uint8) bool {
	if len(b) < FixedHeaderSize {
		return false
	}
	b[1] = b[1]&0x80 | pt&0x7F
	return true
}

// SetMarker rewrites the marker bit of the packet in b.
func SetMarker(b []byte, m bool) bool {
	if len(b) < FixedHeaderSize {
		return false
	}
	if m {
		b[1] |= 0x80
	} else {
		b[1] &^= 0x80
	}
	return true
}

// IsRTCP reports whether a datagram on an rtcp-mux session is RTCP rather
// than RTP (RFC 5761 §4): RTCP packet types 192-223 occupy the octet that
// holds the marker bit and payload type in RTP, and payload types 64-95
// must not be used with rtcp-mux so that the two never collide.
func IsRTCP(b []byte) bool {
	return len(b) >= 2 && b[0]>>6 == Version && b[1] >= 192 && b[1] <= 223
}
