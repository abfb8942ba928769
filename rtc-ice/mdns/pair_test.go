package mdns

import (
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// hub models the link's multicast group on netsim, which routes only
// unicast: it is the endpoint at 224.0.0.251:5353 and hands a copy of
// every datagram sent to the group to every member, the sender included
// (IP_MULTICAST_LOOP), from the original sender's address.
type hub struct {
	members []netip.AddrPort
	out     []shared.TaggedBytes
}

func (h *hub) HandleRead(m shared.TaggedBytes) error {
	for _, to := range h.members {
		h.out = append(h.out, shared.TaggedBytes{Now: m.Now, Transport: shared.TransportContext{Local: m.Transport.Peer, Peer: to}, Message: append([]byte(nil), m.Message...)})
	}
	return nil
}

func (h *hub) PollWrite() (shared.TaggedBytes, bool) {
	if len(h.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	m := h.out[0]
	h.out = h.out[1:]
	return m, true
}

func (h *hub) HandleTimeout(time.Time) error  { return nil }
func (h *hub) PollTimeout() (time.Time, bool) { return time.Time{}, false }

// host is what a driver does with one mDNS socket: every datagram goes to
// both machines, their writes share the socket, and the next deadline is
// the earlier of theirs. It collects the events.
type host struct {
	q      *Querier
	r      *Responder
	events []Event
}

func newHost(t *testing.T, addr netip.AddrPort, seed uint64) *host {
	t.Helper()
	cfg := Config{Locals: []netip.AddrPort{addr}, Networks: []netip.Prefix{lanNet}, Rand: netsim.NewRand(seed, addr.String())}
	q, err := NewQuerier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResponder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &host{q: q, r: r}
}

func (h *host) HandleRead(m shared.TaggedBytes) error {
	err1 := h.q.HandleRead(m)
	err2 := h.r.HandleRead(m)
	h.drainEvents()
	if err1 != nil {
		return err1
	}
	return err2
}

func (h *host) drainEvents() {
	for {
		e, ok := h.q.PollEvent()
		if !ok {
			break
		}
		h.events = append(h.events, e)
	}
	for {
		e, ok := h.r.PollEvent()
		if !ok {
			break
		}
		h.events = append(h.events, e)
	}
}

func (h *host) PollWrite() (shared.TaggedBytes, bool) {
	if m, ok := h.q.PollWrite(); ok {
		return m, true
	}
	return h.r.PollWrite()
}

func (h *host) HandleTimeout(now time.Time) error {
	err1 := h.q.HandleTimeout(now)
	err2 := h.r.HandleTimeout(now)
	h.drainEvents()
	if err1 != nil {
		return err1
	}
	return err2
}

func (h *host) PollTimeout() (time.Time, bool) {
	a, aok := h.q.PollTimeout()
	b, bok := h.r.PollTimeout()
	switch {
	case !aok:
		return b, bok
	case !bok:
		return a, aok
	}
	return shared.Earliest(a, b), true
}

func (h *host) resolved() (Event, bool) {
	for _, e := range h.events {
		if e.Kind == EventResolved || e.Kind == EventFailed {
			return e, true
		}
	}
	return Event{}, false
}

// Alice publishes her host candidate's address; Bob resolves the name over
// the simulated LAN, through loss, with retransmissions. The seed is in
// the failure message.
func TestPairOverNetsim(t *testing.T) {
	aliceAddr := netip.MustParseAddrPort("192.168.77.2:5353")
	bobAddr := netip.MustParseAddrPort("192.168.77.3:5353")
	for _, tc := range []struct {
		loss    float64
		seeds   int
		maxTime time.Duration
	}{{0, 1, 50 * time.Millisecond}, {0.15, 50, 5 * time.Second}} {
		resolved := 0
		for seed := uint64(1); seed <= uint64(tc.seeds); seed++ {
			sim := netsim.New(netsim.Config{Seed: seed, AllowSpoofing: true})
			sim.SetDefaultLink(netsim.LinkConfig{Delay: 2 * time.Millisecond, Loss: tc.loss})
			alice, bob := newHost(t, aliceAddr, seed), newHost(t, bobAddr, seed)
			sim.Add(&hub{members: []netip.AddrPort{aliceAddr, bobAddr}}, GroupIPv4)
			sim.Add(alice, aliceAddr)
			sim.Add(bob, bobAddr)
			for _, h := range []*host{alice, bob} {
				if err := h.HandleTimeout(sim.Now()); err != nil {
					t.Fatal(err)
				}
			}
			name, err := alice.r.Publish(aliceAddr.Addr())
			if err != nil {
				t.Fatal(err)
			}
			// Bob learns the name from signaling after the announcements (a
			// query within a second of one waits for the rate limit).
			if err := sim.RunFor(2500*time.Millisecond, 10_000); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			start := sim.Now()
			if err := bob.q.Resolve(name); err != nil {
				t.Fatal(err)
			}
			if err := sim.Run(func() bool { _, ok := bob.resolved(); return ok }, 10_000); err != nil {
				t.Fatalf("loss %v seed %d: %v\n%s", tc.loss, seed, err, sim.TraceString())
			}
			ev, _ := bob.resolved()
			took := sim.Now().Sub(start)
			switch {
			case ev.Kind == EventResolved && ev.Addr == aliceAddr.Addr() && took <= tc.maxTime:
				resolved++
			case tc.loss == 0:
				t.Fatalf("seed %d: %+v after %v, want %v resolved within %v", seed, ev, took, aliceAddr.Addr(), tc.maxTime)
			case ev.Kind == EventResolved:
				t.Fatalf("loss %v seed %d: resolved to %v after %v", tc.loss, seed, ev.Addr, took)
			}
			// Without loss: one query, one answer after the two
			// announcements, nothing more.
			if tc.loss == 0 && (bob.q.Stats().QueriesSent != 1 || alice.r.Stats().ResponsesSent != 3) {
				t.Fatalf("seed %d: %d queries and %d responses, want 1 and 3\n%s", seed, bob.q.Stats().QueriesSent, alice.r.Stats().ResponsesSent, sim.TraceString())
			}
			if sim.LastError() != nil {
				t.Fatalf("seed %d: an endpoint returned %v", seed, sim.LastError())
			}
		}
		// Each datagram crosses two links (to the group, from the group):
		// with 15% loss per link a query and its answer get through with
		// probability 0.85^4 = 0.52, and three tries fail for about 11%
		// of seeds.
		if tc.loss > 0 && resolved < tc.seeds*3/4 {
			t.Fatalf("loss %v: %d of %d seeds resolved", tc.loss, resolved, tc.seeds)
		}
		t.Logf("loss %v: %d of %d seeds resolved", tc.loss, resolved, tc.seeds)
	}
}

// An off-link host that answers for the name Bob asks is ignored: Bob
// resolves to Alice's address, and the spoofed answers are counted.
func TestPairSpoofedAnswer(t *testing.T) {
	aliceAddr := netip.MustParseAddrPort("192.168.77.2:5353")
	bobAddr := netip.MustParseAddrPort("192.168.77.3:5353")
	evil := netip.MustParseAddrPort("203.0.113.66:5353")
	sim := netsim.New(netsim.Config{Seed: 7, AllowSpoofing: true})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 2 * time.Millisecond})
	alice, bob := newHost(t, aliceAddr, 7), newHost(t, bobAddr, 7)
	sim.Add(&hub{members: []netip.AddrPort{aliceAddr, bobAddr}}, GroupIPv4)
	sim.Add(alice, aliceAddr)
	sim.Add(bob, bobAddr)
	for _, h := range []*host{alice, bob} {
		if err := h.HandleTimeout(sim.Now()); err != nil {
			t.Fatal(err)
		}
	}
	name, err := alice.r.Publish(aliceAddr.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.q.Resolve(name); err != nil {
		t.Fatal(err)
	}
	// The spoofer's answer arrives first (it was sent before the query).
	spoof := Message{Flags: FlagResponse | FlagAuthoritative, Answers: []Record{AddressRecord(name, evil.Addr(), 120, true)}}
	b, err := spoof.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	sim.Inject(evil, bobAddr, b)
	if err := sim.Run(func() bool { _, ok := bob.resolved(); return ok }, 10_000); err != nil {
		t.Fatal(err)
	}
	if ev, _ := bob.resolved(); ev.Addr != aliceAddr.Addr() {
		t.Fatalf("resolved %+v", ev)
	}
	if s := bob.q.Stats(); s.OffLink != 1 {
		t.Fatalf("stats %+v", s)
	}
}
