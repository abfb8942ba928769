package sidebyside

import (
	"context"
	"testing"
	"time"
)

// TestOursOnce runs each sansrtc rig briefly so none rots: the SFU with
// two viewers gets every packet to both, the forwarding step reads and
// writes one packet per datagram, and nothing returns an error.
func TestOursOnce(t *testing.T) {
	s, err := newOurSFU(2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	before := s.delivered()
	for range 300 {
		s.publish(time.Second/fanoutRate, 90000/fanoutRate)
	}
	if got := s.delivered() - before; got != 600 {
		t.Errorf("viewers read %d packets, want 600", got)
	}
	if s.forwarded != 600 {
		t.Errorf("SFU forwarded %d packets, want 600", s.forwarded)
	}
	if n, last := s.errs(); n > 0 {
		t.Errorf("%d errors, last: %v", n, last)
	}

	f, err := newForwardOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer f.s.close()
	if err := f.fill(100); err != nil {
		t.Fatal(err)
	}
	for _, dg := range f.ring {
		if err := f.forward(dg); err != nil {
			t.Fatal(err)
		}
	}
}

// TestForwardAllocs: once warm (the chain's retransmission history of 1024
// packets filled, pools at size), forwarding a packet through the SFU's
// two PeerConnections allocates nothing (issue 13's target).
func TestForwardAllocs(t *testing.T) {
	f, err := newForwardOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer f.s.close()
	if err := f.fill(1400); err != nil {
		t.Fatal(err)
	}
	for _, dg := range f.ring[:1200] {
		if err := f.forward(dg); err != nil {
			t.Fatal(err)
		}
	}
	i := 1200
	var ferr error
	allocs := testing.AllocsPerRun(100, func() {
		if err := f.forward(f.ring[i]); err != nil && ferr == nil {
			ferr = err
		}
		i++
	})
	if ferr != nil {
		t.Fatal(ferr)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per forwarded packet, want 0", allocs)
	}
}

// TestPionOnce runs Pion's SFU with two viewers on 127.0.0.1 for a few
// packets: every viewer reads them.
func TestPionOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("Pion on loopback sockets")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := newPionSFU(ctx, pionAPI(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	base := s.viewers.get()
	for range 50 {
		if err := s.publish(3000); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.viewers.atLeast(ctx, base+100, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestDriverOnce runs the sansrtc link on rtc/driver (127.0.0.1 sockets)
// for a few packets: the receiver reads them all.
func TestDriverOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := newDriverLink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	base := l.got.get()
	for range 50 {
		if err := l.send(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if err := l.got.atLeast(ctx, base+50, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}
