package rtp

import (
	"math/rand/v2"
	"testing"
)

// TestSeqHalfWay: RFC 1982 leaves the order of two sequence numbers
// exactly 2^15 apart undefined. rtc-rtp answers explicitly: neither is
// less than the other, SeqDiff is -32768, and the Unwrapper (so the
// SequenceTracker and the FrameAssembler) places the later one in the
// past, so a jump of exactly half the space never advances the extended
// highest sequence number. A jump of 2^15-1 does.
func TestSeqHalfWay(t *testing.T) {
	for _, a := range []uint16{0, 1, 0x7fff, 0x8000, 0xffff} {
		b := a + 0x8000
		if SeqLess(a, b) || SeqLess(b, a) || SeqDiff(a, b) != -32768 {
			t.Errorf("%d vs %d: less %v/%v diff %d", a, b, SeqLess(a, b), SeqLess(b, a), SeqDiff(a, b))
		}
		if !SeqLess(a, b-1) || SeqDiff(a, b-1) != 32767 {
			t.Errorf("%d vs %d: not ahead", a, b-1)
		}
	}
	var tr SequenceTracker
	tr.Update(100)
	if ext := tr.Update(100 + 0x8000); ext != 100-0x8000 || tr.ExtendedHighest() != 100 {
		t.Errorf("half-way jump: ext %d highest %d", ext, tr.ExtendedHighest())
	}
	if ext := tr.Update(100 + 0x7fff); ext != 100+0x7fff || tr.ExtendedHighest() != 100+0x7fff {
		t.Errorf("2^15-1 jump: ext %d highest %d", ext, tr.ExtendedHighest())
	}
}

// TestSeqWrapTracker: 65535 -> 0 across many cycles keeps counting, and
// the RFC 3550 §6.4.1 report fields derive from it: the low 32 bits of the
// extended highest sequence number carry the cycle count in the high 16.
func TestSeqWrapTracker(t *testing.T) {
	var tr SequenceTracker
	seq := uint16(65000)
	n := 3*65536 + 10
	for i := 0; i < n; i++ {
		if i%1000 != 999 { // lose one packet in a thousand
			tr.Update(seq)
		}
		seq++
	}
	hi := tr.ExtendedHighest()
	if hi != 65000+int64(n)-1 || uint16(hi) != seq-1 || uint32(hi)>>16 != 3 {
		t.Fatalf("highest %d (cycles %d)", hi, uint32(hi)>>16)
	}
	if tr.Expected() != uint64(n) || tr.Lost() != int64(n/1000) {
		t.Fatalf("expected %d lost %d", tr.Expected(), tr.Lost())
	}
}

// TestAssemblerAcrossWrap: frames whose packets straddle 65535 -> 0 are
// assembled whole, and a packet from before the wrap arriving after it is
// a late packet, not a loss of 65535 packets.
func TestAssemblerAcrossWrap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	frame := randBytes(r, 3000)
	frame[0] &^= 1 // keyframe bit clear: VP8 "key frame" is 0
	pl := &VP8Payloader{EnablePictureID: true}
	seq := uint16(65533)
	f1 := packetize(t, pl, 1000, frame, &seq, 100)
	f2 := packetize(t, pl, 1000, frame, &seq, 200)
	a := NewFrameAssembler(&VP8Depayloader{}, Config{})
	var frames int
	for _, p := range append(f1, f2...) {
		_, ok, err := a.Push(&p)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			frames++
		}
	}
	if _, ok, err := a.Push(&f1[0]); ok || err != nil {
		t.Fatalf("late packet: ok %v err %v", ok, err)
	}
	st := a.Stats()
	if frames != 2 || st.LostPackets != 0 || st.Reordered != 1 {
		t.Fatalf("frames %d stats %+v", frames, st)
	}
}

// TestExtensionIDBounds: RFC 8285 ids at 0, 1, 14, 15, 16, 255 for the
// one-byte (§4.2: 1-14; 15 reserved) and two-byte (§4.3: 1-255) forms.
func TestExtensionIDBounds(t *testing.T) {
	one := []byte{1}
	for _, c := range []struct {
		id      uint8
		profile uint16 // the form chosen with no block yet; 0 for an error
	}{{0, 0}, {1, ExtensionProfileOneByte}, {14, ExtensionProfileOneByte}, {15, ExtensionProfileTwoByte},
		{16, ExtensionProfileTwoByte}, {255, ExtensionProfileTwoByte}} {
		var h Header
		err := h.SetExtension(c.id, one)
		if (err == nil) != (c.profile != 0) || err == nil && h.ExtensionProfile != c.profile {
			t.Errorf("id %d: err %v profile %#x, want %#x", c.id, err, h.ExtensionProfile, c.profile)
		}
	}
	var h Header
	if err := h.SetExtension(1, one); err != nil {
		t.Fatal(err)
	}
	if err := h.SetExtension(15, one); err != ErrExtensionID {
		t.Errorf("id 15 in a one-byte block: %v", err)
	}
	if err := h.SetExtensionMixed(255, one); err != nil || h.ExtensionProfile != ExtensionProfileTwoByte {
		t.Errorf("mixed 255: %v %#x", err, h.ExtensionProfile)
	}
	var m ExtensionIDs
	for id, ok := range map[int]bool{-1: false, 0: false, 1: true, 255: true, 256: false} {
		if m.Set(URIMID, id) != ok {
			t.Errorf("ExtensionIDs.Set(%d) != %v", id, ok)
		}
	}
}
