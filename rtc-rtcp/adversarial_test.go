package rtcp

import (
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
)

// TestHeaderLengthAtBounds: the RTCP length field (RFC 3550 §6.4.1, 32-bit
// words minus one) at 0, 1, exactly the buffer, max (0xffff) and one word
// past the buffer; the count field at 0 and 31 against a body that does
// not hold it; padding (§6.4.1 P bit) with a pad count of 0 and past the
// packet. Every malformed case stops the Decoder with an error and is
// counted; none reads past the buffer.
func TestHeaderLengthAtBounds(t *testing.T) {
	rr := func(count byte, length uint16, body int) []byte {
		b := make([]byte, 4+body)
		b[0], b[1] = 0x80|count, byte(TypeRR)
		binary.BigEndian.PutUint16(b[2:], length)
		return b
	}
	cases := []struct {
		name string
		b    []byte
		ok   bool // the Decoder accepts it
	}{
		{"length 1, RR without blocks", rr(0, 1, 4), true},
		{"length 0: shorter than an RR", rr(0, 0, 0), false},
		{"length one word past the buffer", rr(0, 2, 4), false},
		{"length 0xffff", rr(0, 0xffff, 4), false},
		{"count 1, no block", rr(1, 1, 4), false},
		{"count 31, no blocks", rr(31, 1, 4), false},
		{"count 1, exactly one block", rr(1, 7, 28), true},
		{"padding count 0", func() []byte { b := rr(0, 2, 8); b[0] |= 0x20; return b }(), false},
		{"padding past the packet", func() []byte { b := rr(0, 2, 8); b[0] |= 0x20; b[11] = 12; return b }(), false},
		{"empty", nil, false},
		{"3 bytes", []byte{0x80, 201, 0}, false},
		{"version 1", func() []byte { b := rr(0, 1, 4); b[0] = 0x40; return b }(), false},
	}
	for _, name := range []string{"length one word past the buffer", "length 0xffff", "empty", "3 bytes", "version 1"} {
		for _, c := range cases {
			if c.name == name && Validate(c.b, false) == nil {
				t.Errorf("%s: Validate accepts it", name)
			}
		}
	}
	d := NewDecoder(Config{})
	for _, c := range cases {
		d.Reset(c.b)
		n := 0
		for _, ok := d.Next(); ok; _, ok = d.Next() {
			n++
		}
		if ok := d.Err() == nil && n > 0; ok != c.ok {
			t.Errorf("%s: decoded %d packets, err %v; want ok=%v", c.name, n, d.Err(), c.ok)
		}
		// Validate checks framing only (lengths, version); a packet the
		// Decoder accepts is always well framed.
		if err := Validate(c.b, false); c.ok && err != nil {
			t.Errorf("%s: Validate %v", c.name, err)
		}
	}
}

// TestFloodCompoundPackets: a peer floods the largest compound packets it
// can build from the message that allocates most per byte (Generic NACK
// items and transport-cc chunks). The Decoder reuses its state, so the heap
// stays flat over 20,000 packets, and the packet-count limit holds.
func TestFloodCompoundPackets(t *testing.T) {
	rr := &ReceiverReport{SSRC: 1}
	nack := &NACK{SenderSSRC: 1, MediaSSRC: 2, Pairs: make([]NACKPair, 300)}
	pkt, err := Marshal(rr, nack)
	if err != nil {
		t.Fatal(err)
	}
	var tw TransportCC
	arr := make([]TWCCArrival, 0, 1000)
	for i := range 1000 {
		arr = append(arr, TWCCArrival{Sequence: uint16(3 * i), At: 0})
	}
	if err := BuildTransportCC(&tw, 1, 2, 0, arr); err != nil {
		t.Fatal(err)
	}
	twPkt, err := Marshal(rr, &tw)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(Config{})
	var pkts []TWCCPacket
	drain := func(b []byte) {
		d.Reset(b)
		for p, ok := d.Next(); ok; p, ok = d.Next() {
			if x, isTW := p.(*TransportCC); isTW {
				pkts = x.Packets(pkts)
			}
		}
		if d.Err() != nil {
			t.Fatal(d.Err())
		}
	}
	drain(pkt)
	drain(twPkt)
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	for i := 0; i < 10_000; i++ {
		drain(pkt)
		drain(twPkt)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	if grew := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc); grew > 64<<10 {
		t.Errorf("heap grew %d bytes", grew)
	}
	// 65 packets in one compound: the 65th stops the Decoder (DefaultMaxPackets).
	var many []Packet
	for range DefaultMaxPackets + 1 {
		many = append(many, &ReceiverReport{SSRC: 1})
	}
	b, err := Marshal(many...)
	if err != nil {
		t.Fatal(err)
	}
	d.Reset(b)
	for _, ok := d.Next(); ok; _, ok = d.Next() {
	}
	if !errors.Is(d.Err(), ErrTooMany) {
		t.Fatalf("65 packets: %v", d.Err())
	}
}
