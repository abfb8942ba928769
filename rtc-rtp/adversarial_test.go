package rtp

import (
	"encoding/binary"
	"errors"
	"testing"
)

// TestLengthFieldsAtBounds: every length field of the RTP header (RFC 3550
// §5.1 CSRC count and padding count, §5.3.1 extension length; RFC 8285
// one-byte and two-byte element lengths) at 0, 1, max and past the
// packet, through both parsers (Packet.Unmarshal and ParseHeaderView).
// Well-formed cases parse identically; malformed ones are refused.
func TestLengthFieldsAtBounds(t *testing.T) {
	hdr := func(b0 byte, tail ...byte) []byte {
		return append([]byte{b0, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, tail...)
	}
	ext := func(profile uint16, words uint16, data ...byte) []byte {
		b := hdr(0x90)
		b = binary.BigEndian.AppendUint16(b, profile)
		b = binary.BigEndian.AppendUint16(b, words)
		return append(b, data...)
	}
	cases := []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"bare header", hdr(0x80), true},
		{"11 bytes", hdr(0x80)[:11], false},
		{"CSRC count 1, present", hdr(0x81, 0, 0, 0, 9), true},
		{"CSRC count 1, cut", hdr(0x81, 0, 0, 9), false},
		{"CSRC count 15, none", hdr(0x8f), false},
		{"padding count 0", hdr(0xa0, 1, 2, 0), false},
		{"padding count 1", hdr(0xa0, 1, 2, 1), true},
		{"padding = whole payload", hdr(0xa0, 1, 2, 3), true},
		{"padding past the payload", hdr(0xa0, 1, 2, 4), false},
		{"padding 255 in 1 byte", hdr(0xa0, 255), false},
		{"extension length 0", ext(0xbede, 0), true},
		{"extension length 1, present", ext(0xbede, 1, 0x10, 0xaa, 0, 0), true},
		{"extension length 1, cut", ext(0xbede, 1, 0x10, 0xaa), false},
		{"extension length 0xffff", ext(0xbede, 0xffff, 0x10, 0xaa, 0, 0), false},
		{"one-byte element longer than the block", ext(0xbede, 1, 0x1f, 0xaa, 0, 0), false},
		{"two-byte element length 255 in 4 bytes", ext(0x1000, 1, 1, 255, 0, 0), false},
		{"two-byte element length 0", ext(0x1000, 1, 1, 0, 0, 0), true},
		{"extension header cut", hdr(0x90, 0xbe, 0xde, 0), false},
	}
	for _, c := range cases {
		var p Packet
		err := p.Unmarshal(c.b)
		if (err == nil) != c.ok {
			t.Errorf("%s: Unmarshal %v, want ok=%v", c.name, err, c.ok)
		}
		v, verr := ParseHeaderView(c.b)
		if c.ok && verr != nil {
			t.Errorf("%s: ParseHeaderView %v", c.name, verr)
		}
		if c.ok && verr == nil && v.SequenceNumber != p.SequenceNumber {
			t.Errorf("%s: parsers disagree", c.name)
		}
	}
}

// TestExtensionElementFlood: a header extension block of the largest size
// a packet can carry, full of 1-byte elements, is bounded by
// MaxExtensions: Packet.Unmarshal refuses it rather than growing.
func TestExtensionElementFlood(t *testing.T) {
	words := uint16(300)
	b := []byte{0x90, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde}
	b = binary.BigEndian.AppendUint16(b, words)
	for i := 0; i < int(words)*4; i += 2 {
		b = append(b, byte(1+i/2%14)<<4, 0xaa) // id 1-14, one byte of data
	}
	var p Packet
	if err := p.Unmarshal(b); !errors.Is(err, ErrTooManyExtensions) {
		t.Fatalf("Unmarshal: %v, want ErrTooManyExtensions (%d kept)", err, p.extCount)
	}
	// The forwarding view does not decode elements (it keeps nothing per
	// element, so there is nothing to bound): it accepts the block and a
	// lookup scans it in place.
	v, err := ParseHeaderView(b)
	if err != nil || v.HeaderSize != len(b) {
		t.Fatalf("ParseHeaderView: %v, header %d of %d", err, v.HeaderSize, len(b))
	}
}
