package sctp

import (
	"testing"
	"time"
)

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

// RFC 9260 §7.2.1: "When the endpoint does not transmit data on a given
// transport address, the cwnd of the transport address SHOULD be adjusted
// to max(cwnd/2, 4*MTU) per RTO."
func TestCwndDecaysWhenIdle(t *testing.T) {
	p := newEstablished(t, Config{MTU: 1200})
	a := p.a
	s := &a.snd
	mtu := a.mtu
	must(t, a.HandleWrite(Message{Stream: 1, PPID: 53, Data: make([]byte, 100)}))
	p.out()
	ack := sackChunk{cumTSN: s.cumAck + 1, rwnd: 1 << 20}
	must(t, p.send(a.myTag, ack.appendTo(nil)))
	if s.flight != 0 {
		t.Fatalf("flight %d after the ack", s.flight)
	}
	s.cwnd = 40 * mtu
	p.advance(3*s.rto + s.rto/2) // idle for three RTOs and a half
	must(t, a.HandleWrite(Message{Stream: 1, PPID: 53, Data: make([]byte, 100)}))
	p.out()
	if s.cwnd != 5*mtu {
		t.Fatalf("cwnd %d after three idle RTOs, want %d", s.cwnd, 5*mtu)
	}
	ack.cumTSN++
	must(t, p.send(a.myTag, ack.appendTo(nil)))
	s.cwnd = 40 * mtu
	p.advance(time.Hour)
	must(t, a.HandleWrite(Message{Stream: 1, PPID: 53, Data: make([]byte, 100)}))
	p.out()
	if s.cwnd != 4*mtu {
		t.Fatalf("cwnd %d after an idle hour, want the floor %d", s.cwnd, 4*mtu)
	}
}
