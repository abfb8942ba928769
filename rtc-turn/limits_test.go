package turn_test

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	turn "github.com/sansrtc/rtc/rtc-turn"
	"github.com/sansrtc/rtc/rtc-turn/turntest"
)

func TestLimits(t *testing.T) {
	s := newSetup(t, 11, turn.Config{MaxPermissions: 1, MaxChannels: 1, MaxPending: 2}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s.allocate(t)
	c := s.ep.c
	// MaxPending: two datagrams wait for the permission, the third is refused.
	for i := 0; i < 2; i++ {
		if err := c.HandleWrite(turn.Datagram{Peer: peerAddr, Data: []byte{1}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.HandleWrite(turn.Datagram{Peer: peerAddr, Data: []byte{1}}); !errors.Is(err, turn.ErrLimit) {
		t.Fatalf("pending limit: %v", err)
	}
	// MaxPermissions: a second peer IP is refused.
	other := netip.MustParseAddrPort("198.51.100.77:7000")
	if err := c.HandleWrite(turn.Datagram{Peer: other, Data: []byte{1}}); !errors.Is(err, turn.ErrLimit) {
		t.Fatalf("permission limit: %v", err)
	}
	// MaxChannels: a second channel is refused.
	if err := c.BindChannel(netip.MustParseAddrPort("198.51.100.9:7001")); !errors.Is(err, turn.ErrLimit) {
		t.Fatalf("channel limit: %v", err)
	}
	s.run(t, "queued data", func() bool { return len(s.ep.reads) >= 2 })
}

func TestServerSilentTimesOut(t *testing.T) {
	s := newSetup(t, 12, turn.Config{}, turntest.Config{}, netsim.LinkConfig{Loss: 1})
	turn.Must(t, s.ep.c.Allocate())
	s.run(t, "timeout", func() bool { return s.ep.has(turn.EventAllocateFailed) })
	for _, ev := range s.ep.events {
		if ev.Kind == turn.EventAllocateFailed && !errors.Is(ev.Err, turn.ErrTimeout) {
			t.Fatalf("want ErrTimeout, got %v", ev.Err)
		}
	}
	// RFC 8489 §6.2.1: 7 transmissions over 39.5 s.
	if e := s.sim.Elapsed(); e < 39*time.Second || e > 41*time.Second {
		t.Fatalf("gave up after %v", e)
	}
}

func TestGarbageFromServer(t *testing.T) {
	for _, proto := range []shared.TransportProtocol{shared.UDP, shared.TCP} {
		s := newSetup(t, 13, turn.Config{Protocol: proto}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
		s.allocate(t)
		r := rand.New(rand.NewPCG(5, 6))
		tr := shared.TransportContext{Local: clientAddr, Peer: serverAddr, Protocol: proto}
		for i := 0; i < 2000; i++ {
			b := make([]byte, r.IntN(64))
			for j := range b {
				b[j] = byte(r.IntN(256))
			}
			turn.WantDropped(t, s.ep.c.HandleRead(shared.TaggedBytes{Now: s.sim.Now(), Transport: tr, Message: b}))
		}
		if s.ep.c.Stats().Dropped == 0 {
			t.Fatalf("%v: garbage not counted", proto)
		}
		if proto == shared.UDP {
			// The allocation still works.
			s.roundTrip(t, 2)
		}
	}
}

// The relayed data path allocates nothing once buffers are handed back.
func TestDataPathZeroAllocs(t *testing.T) {
	s := newSetup(t, 14, turn.Config{}, turntest.Config{}, netsim.LinkConfig{Delay: time.Millisecond})
	s.allocate(t)
	turn.Must(t, s.ep.c.HandleWrite(turn.Datagram{Peer: peerAddr, Data: []byte{1}}))
	s.run(t, "channel", func() bool { return s.ep.has(turn.EventChannelBound) })
	c := s.ep.c
	payload := make([]byte, 1200)
	in := shared.TaggedBytes{Transport: shared.TransportContext{Local: clientAddr, Peer: serverAddr}, Message: turn.AppendChannelData(nil, turn.MinChannel, payload, false)}
	step := func() {
		turn.Must(t, c.HandleWrite(turn.Datagram{Peer: peerAddr, Data: payload}))
		m, _ := c.PollWrite()
		c.ReleaseWrite(m.Message)
		turn.Must(t, c.HandleRead(in))
		d, _ := c.PollRead()
		c.ReleaseRead(d.Data)
	}
	for i := 0; i < 10; i++ {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// An idle allocation behind a NAT that forgets bindings after 30 s
// survives: keepalives hold the binding, so refreshes come from the same
// address (otherwise the server answers 437 and the allocation is lost).
func TestKeepaliveHoldsNATBinding(t *testing.T) {
	s := newSetup(t, 15, turn.Config{Lifetime: 120 * time.Second}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s.sim.AddNAT(netsim.NATConfig{Public: netip.MustParseAddr("203.0.113.50"), Mapping: netsim.AddressAndPortDependent,
		Filtering: netsim.AddressAndPortDependent, MappingTimeout: 30 * time.Second}, clientAddr.Addr())
	s.allocate(t)
	if err := s.sim.RunFor(10*time.Minute, 100000); err != nil {
		t.Fatal(err)
	}
	if s.ep.has(turn.EventAllocationLost) || s.srv.Allocations() != 1 || s.ep.c.Stats().Keepalives == 0 {
		t.Fatalf("events %v, allocations %d, stats %+v", s.ep.events, s.srv.Allocations(), s.ep.c.Stats())
	}
	// Without keepalives the binding lapses and the refresh is refused.
	s2 := newSetup(t, 16, turn.Config{Lifetime: 120 * time.Second, KeepaliveInterval: -1}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s2.sim.AddNAT(netsim.NATConfig{Public: netip.MustParseAddr("203.0.113.50"), Mapping: netsim.AddressAndPortDependent,
		Filtering: netsim.AddressAndPortDependent, MappingTimeout: 30 * time.Second}, clientAddr.Addr())
	s2.allocate(t)
	turn.Must(t, s2.sim.RunFor(10*time.Minute, 100000))
	if !s2.ep.has(turn.EventAllocationLost) {
		t.Fatal("allocation survived without keepalives: the test proves nothing")
	}
}
