package srtp

import (
	"errors"
	"testing"
)

// TestEstimateROCBoundaries: RFC 3711 Appendix A at the exact half-way
// point and on both sides of it, for s_l in each half, at ROC 0 and at the
// last ROC. The comparison is strict (">"), so a distance of exactly
// 2^15 keeps the current ROC: the safe answer, never a guess of a new
// cycle.
func TestEstimateROCBoundaries(t *testing.T) {
	const max = ^uint32(0)
	cases := []struct {
		roc     uint32
		sl, seq uint16
		want    uint32
	}{
		// s_l < 2^15: ROC-1 only when SEQ - s_l > 2^15.
		{5, 0, 0x8000, 5},      // exactly half-way: same cycle
		{5, 0, 0x8001, 4},      // just past: previous cycle
		{5, 0x7fff, 0xffff, 5}, // exactly half-way
		{5, 0x7fff, 0, 5},
		{5, 0, 0xffff, 4},
		{0, 0, 0xffff, 0}, // no cycle before 0
		// s_l >= 2^15: ROC+1 only when s_l - 2^15 > SEQ.
		{5, 0x8000, 0, 5},      // s_l - 2^15 = 0, not > 0
		{5, 0x8001, 0, 6},      // just past
		{5, 0xffff, 0x7fff, 5}, // exactly half-way
		{5, 0xffff, 0x7ffe, 6},
		{5, 0xffff, 0, 6}, // 65535 -> 0: the wrap
		{max, 0xffff, 0x8000, max},
		{max, 0xffff, 0, 0}, // would wrap the 48-bit index; callers refuse it
		{max, 0, 0xffff, max - 1},
	}
	for _, c := range cases {
		s := &stream{roc: c.roc, lastSeq: c.sl, started: true}
		if got := s.estimateROC(c.seq); got != c.want {
			t.Errorf("ROC %d s_l %#x seq %#x: v %d, want %d", c.roc, c.sl, c.seq, got, c.want)
		}
	}
}

// TestUpdateAtROCPlusMinusOne: ROC and s_l move only forward (RFC 3711
// §3.3.1): a packet of the previous cycle changes nothing, one of the next
// cycle moves both, and the counter never wraps to 0.
func TestUpdateAtROCPlusMinusOne(t *testing.T) {
	s := stream{roc: 7, lastSeq: 100, started: true}
	s.update(6, 65000)
	if s.roc != 7 || s.lastSeq != 100 {
		t.Fatalf("ROC-1 moved the state: %+v", s)
	}
	s.update(7, 50)
	if s.lastSeq != 100 {
		t.Fatalf("an older seq moved s_l: %+v", s)
	}
	s.update(8, 3)
	if s.roc != 8 || s.lastSeq != 3 {
		t.Fatalf("ROC+1 did not move the state: %+v", s)
	}
	s = stream{roc: ^uint32(0), lastSeq: 65535, started: true}
	s.update(0, 0)
	if s.roc != ^uint32(0) || s.lastSeq != 65535 {
		t.Fatalf("the ROC wrapped: %+v", s)
	}
}

// TestReceiverRefusesIndexWrap: a receiver at the last ROC must not accept
// a packet whose index would wrap past 2^48 (RFC 3711 §3.3.1: the key must
// be changed before; reusing index 0 reuses keystream). Before the fix a
// peer that wraps its ROC (with replay protection off) got the packet
// accepted with ROC 0.
func TestReceiverRefusesIndexWrap(t *testing.T) {
	for _, replay := range []bool{true, false} {
		cfg := Config{Profile: AES128CMHMACSHA1_80, DisableReplayProtection: !replay}
		tx, rx := newPair(t, cfg)
		const ssrc = 77
		for _, c := range []*Context{tx} {
			if err := c.SetSenderROC(ssrc, ^uint32(0)); err != nil {
				t.Fatal(err)
			}
		}
		if err := rx.SetReceiverROC(ssrc, ^uint32(0)); err != nil {
			t.Fatal(err)
		}
		last, err := tx.AppendProtectRTP(nil, rtpPacket(65535, ssrc, 10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx.AppendUnprotectRTP(nil, last); err != nil {
			t.Fatal(err)
		}
		// A sender that wrapped its ROC to 0 (another implementation).
		wrapped, _ := newPair(t, cfg)
		if err := wrapped.SetSenderROC(ssrc, 0); err != nil {
			t.Fatal(err)
		}
		pkt, err := wrapped.AppendProtectRTP(nil, rtpPacket(0, ssrc, 10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx.AppendUnprotectRTP(nil, pkt); !errors.Is(err, ErrIndexExhausted) {
			t.Errorf("replay=%v: wrapped index: %v, want ErrIndexExhausted", replay, err)
		}
		st, _ := rx.ReceiverState(ssrc)
		if st.ROC != ^uint32(0) || st.HighestSeq != 65535 {
			t.Errorf("replay=%v: state moved: %+v", replay, st)
		}
		if rx.Stats().IndexExhausted != 1 {
			t.Errorf("replay=%v: not counted: %+v", replay, rx.Stats())
		}
	}
}

// TestSeqWrapRoundTrip: a sender crossing 65535 -> 0 and a receiver that
// sees the packets around the wrap reordered by up to half the space.
func TestSeqWrapRoundTrip(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AEADAES128GCM})
	var pkts [][]byte
	for i := 0; i < 8; i++ {
		seq := uint16(65532 + i) // 65532..65535, 0..3
		p, err := tx.AppendProtectRTP(nil, rtpPacket(seq, 5, 4))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	for _, i := range []int{0, 4, 1, 5, 2, 3, 7, 6} {
		if _, err := rx.AppendUnprotectRTP(nil, pkts[i]); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	if st, _ := rx.ReceiverState(5); st.ROC != 1 || st.HighestSeq != 3 {
		t.Fatalf("state %+v", st)
	}
}

// TestSRTCPIndexBoundaries: the 31-bit SRTCP index (RFC 3711 §3.4) at 0,
// 1, 2^31-1; the E flag is not part of the index; a receiver never moves
// its window on a packet that did not authenticate.
func TestSRTCPIndexBoundaries(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_80})
	first, err := tx.AppendProtectRTCP(nil, rtcpPacket(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rx.AppendUnprotectRTCP(nil, first); err != nil {
		t.Fatal(err)
	}
	if st, _ := rx.ReceiverState(1); st.SRTCPIndex != 0 {
		t.Fatalf("index %d", st.SRTCPIndex)
	}
	// A forged packet claiming index 2^31-1 does not move the window.
	forged := append([]byte(nil), first...)
	n := len(forged) - 10 - 4
	forged[n], forged[n+1], forged[n+2], forged[n+3] = 0xff, 0xff, 0xff, 0xff
	if _, err := rx.AppendUnprotectRTCP(nil, forged); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("forged: %v", err)
	}
	if st, _ := rx.ReceiverState(1); st.SRTCPIndex != 0 {
		t.Fatalf("forged packet moved the window to %d", st.SRTCPIndex)
	}
	// The real one at index 1 is still accepted.
	second, err := tx.AppendProtectRTCP(nil, rtcpPacket(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rx.AppendUnprotectRTCP(nil, second); err != nil {
		t.Fatal(err)
	}
}
