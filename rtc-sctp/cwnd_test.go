package sctp

import "testing"

// RFC 9260 §7.2.2: "When partial_bytes_acked is greater than cwnd and
// before the arrival of the SACK chunk the sender had less than cwnd bytes
// of data outstanding ..., reset partial_bytes_acked to cwnd." Bytes acked
// while the window was not in use must not be banked for later growth:
// cwnd grows by at most one MTU per cwnd of bytes acked while it is full.
func TestCongestionAvoidanceBytesAckedCapped(t *testing.T) {
	p := newEstablished(t, Config{MTU: 1200})
	s := &p.a.snd
	mtu := p.a.mtu
	s.cwnd, s.ssthresh, s.pba = 10*mtu, 5*mtu, 0
	// An application-limited period: little in flight, much acked.
	s.flight = mtu
	s.growCwnd(mtu, &sackResult{acked: 3 * s.cwnd, advanced: true})
	if s.cwnd != 10*mtu {
		t.Fatalf("cwnd grew to %d while not in use", s.cwnd)
	}
	if s.pba > s.cwnd {
		t.Fatalf("partial_bytes_acked %d above cwnd %d", s.pba, s.cwnd)
	}
	// The window is full again: two SACKs of one MTU each.
	s.flight = s.cwnd
	s.growCwnd(s.cwnd, &sackResult{acked: mtu, advanced: true})
	s.growCwnd(s.cwnd, &sackResult{acked: mtu, advanced: true})
	if s.cwnd != 11*mtu {
		t.Fatalf("cwnd %d after two MTUs acked, want %d", s.cwnd, 11*mtu)
	}
}
