package netsim_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

var (
	natPublic = netip.MustParseAddr("203.0.113.1")
	hostA     = netip.MustParseAddrPort("10.0.0.1:5000")
	hostB     = netip.MustParseAddrPort("10.0.0.2:5000")
	srv1      = netip.MustParseAddrPort("198.51.100.1:3478") // server 1, port 1
	srv1b     = netip.MustParseAddrPort("198.51.100.1:3479") // same IP, another port
	srv2      = netip.MustParseAddrPort("198.51.100.2:3478") // another IP
)

// natWorld is hosts A and B behind one NAT and three public addresses (two
// servers, one with two ports), on 5 ms links.
type natWorld struct {
	sim               *netsim.Sim
	nat               *netsim.NAT
	a, b, s1, s1b, s2 *sink
}

func newNATWorld(t *testing.T, seed uint64, cfg netsim.NATConfig) *natWorld {
	t.Helper()
	w := &natWorld{sim: netsim.New(netsim.Config{Seed: seed}), a: &sink{}, b: &sink{}, s1: &sink{}, s1b: &sink{}, s2: &sink{}}
	w.sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	w.sim.Add(w.a, hostA)
	w.sim.Add(w.b, hostB)
	w.sim.Add(w.s1, srv1)
	w.sim.Add(w.s1b, srv1b)
	w.sim.Add(w.s2, srv2)
	cfg.Public = natPublic
	w.nat = w.sim.AddNAT(cfg, hostA.Addr(), hostB.Addr())
	return w
}

func (w *natWorld) run(t *testing.T) {
	t.Helper()
	if err := w.sim.Run(nil, 1000); err != nil {
		t.Fatal(err)
	}
}

// observed returns the source address the last datagram to s came from.
func observed(t *testing.T, s *sink) netip.AddrPort {
	t.Helper()
	if len(s.got) == 0 {
		t.Fatal("nothing received")
	}
	return s.got[len(s.got)-1].from
}

// TestNATMapping checks RFC 4787 §4.1: which destinations share a mapping.
func TestNATMapping(t *testing.T) {
	for _, tc := range []struct {
		mapping             netsim.Behavior
		sameAsS1b, sameAsS2 bool
	}{
		{netsim.EndpointIndependent, true, true},
		{netsim.AddressDependent, true, false},
		{netsim.AddressAndPortDependent, false, false},
	} {
		t.Run(tc.mapping.String(), func(t *testing.T) {
			w := newNATWorld(t, 1, netsim.NATConfig{Mapping: tc.mapping})
			w.a.send(hostA, srv1, "1")
			w.a.send(hostA, srv1b, "1b")
			w.a.send(hostA, srv2, "2")
			w.run(t)
			m1, m1b, m2 := observed(t, w.s1), observed(t, w.s1b), observed(t, w.s2)
			if m1.Addr() != natPublic || m1b.Addr() != natPublic || m2.Addr() != natPublic {
				t.Fatalf("sources not translated: %v %v %v", m1, m1b, m2)
			}
			if (m1 == m1b) != tc.sameAsS1b || (m1 == m2) != tc.sameAsS2 {
				t.Fatalf("mappings %v %v %v", m1, m1b, m2)
			}
			// Replies through each mapping reach A (the filter admits
			// the hosts A sent to, whatever the behaviour).
			w.s1.send(srv1, m1, "r1")
			w.s1b.send(srv1b, m1b, "r1b")
			w.s2.send(srv2, m2, "r2")
			w.run(t)
			if len(w.a.got) != 3 {
				t.Fatalf("A received %d replies, want 3\n%s", len(w.a.got), w.sim.TraceString())
			}
			for _, g := range w.a.got {
				if g.to != hostA {
					t.Fatalf("delivered to %v, want %v", g.to, hostA)
				}
			}
			if lm, ok := w.nat.Lookup(hostA, srv2); !ok || lm != m2 {
				t.Fatalf("Lookup = %v %v, want %v", lm, ok, m2)
			}
		})
	}
}

// TestNATFiltering checks RFC 4787 §5: who may send through a mapping A
// opened toward server 1 only.
func TestNATFiltering(t *testing.T) {
	for _, tc := range []struct {
		filtering       netsim.Behavior
		fromS1b, fromS2 bool
	}{
		{netsim.EndpointIndependent, true, true},
		{netsim.AddressDependent, true, false},
		{netsim.AddressAndPortDependent, false, false},
	} {
		t.Run(tc.filtering.String(), func(t *testing.T) {
			w := newNATWorld(t, 2, netsim.NATConfig{Filtering: tc.filtering})
			w.a.send(hostA, srv1, "open")
			w.run(t)
			m := observed(t, w.s1)
			w.s1.send(srv1, m, "from s1")
			w.run(t)
			if w.a.last() != "from s1" {
				t.Fatal("the host A sent to was filtered")
			}
			w.s1b.send(srv1b, m, "from s1b")
			w.run(t)
			if got := w.a.last() == "from s1b"; got != tc.fromS1b {
				t.Errorf("same IP, other port admitted = %v, want %v", got, tc.fromS1b)
			}
			w.s2.send(srv2, m, "from s2")
			w.run(t)
			if got := w.a.last() == "from s2"; got != tc.fromS2 {
				t.Errorf("other IP admitted = %v, want %v", got, tc.fromS2)
			}
			st := w.nat.Stats()
			wantFiltered := 0
			for _, ok := range []bool{tc.fromS1b, tc.fromS2} {
				if !ok {
					wantFiltered++
				}
			}
			if st.Filtered != uint64(wantFiltered) || w.sim.Stats().NATDropped != uint64(wantFiltered) {
				t.Errorf("filtered %d (sim %d), want %d", st.Filtered, w.sim.Stats().NATDropped, wantFiltered)
			}
			// A port with no mapping at all admits nobody.
			w.s1.send(srv1, netip.AddrPortFrom(natPublic, m.Port()+1), "stray")
			w.run(t)
			if w.a.last() == "stray" || w.nat.Stats().NoMapping != 1 {
				t.Errorf("unmapped port: last %q, NoMapping %d", w.a.last(), w.nat.Stats().NoMapping)
			}
		})
	}
}

// TestNATHairpin checks RFC 4787 §6: A reaches B through B's public
// mapping only when hairpinning is on, and B sees A's public mapping as
// the source (REQ-9).
func TestNATHairpin(t *testing.T) {
	for _, hairpin := range []bool{true, false} {
		w := newNATWorld(t, 3, netsim.NATConfig{Hairpin: hairpin})
		w.b.send(hostB, srv1, "b")
		w.a.send(hostA, srv1, "a")
		w.run(t)
		ma, mb := w.s1.got[0].from, w.s1.got[1].from // A drains first: added first
		if string(w.s1.got[0].payload) != "a" {
			t.Fatal("drain order is not Add order")
		}
		w.a.send(hostA, mb, "hairpin")
		w.run(t)
		if !hairpin {
			if len(w.b.got) != 0 || w.nat.Stats().HairpinDenied != 1 {
				t.Fatalf("hairpin off: B got %d, denied %d", len(w.b.got), w.nat.Stats().HairpinDenied)
			}
			if tr := w.sim.Trace(); tr[len(tr)-1].Fate != netsim.HairpinDenied {
				t.Fatalf("trace:\n%s", w.sim.TraceString())
			}
			continue
		}
		if w.b.last() != "hairpin" {
			t.Fatalf("hairpin on: B did not receive\n%s", w.sim.TraceString())
		}
		if got := w.b.got[0].from; got != ma {
			t.Fatalf("B saw source %v, want A's mapping %v", got, ma)
		}
		if w.nat.Stats().Hairpinned != 1 {
			t.Fatalf("Hairpinned = %d", w.nat.Stats().Hairpinned)
		}
		// Hosts behind the same NAT talk directly on private addresses.
		w.a.send(hostA, hostB, "direct")
		w.run(t)
		if w.b.last() != "direct" || w.b.got[1].from != hostA {
			t.Fatalf("direct: %+v", w.b.got)
		}
	}
}

// TestNATMappingTimeout: a mapping lapses MappingTimeout after the last
// outbound datagram; inbound traffic does not refresh it, outbound does
// (RFC 4787 REQ-6).
func TestNATMappingTimeout(t *testing.T) {
	w := newNATWorld(t, 4, netsim.NATConfig{MappingTimeout: 30 * time.Second})
	w.a.send(hostA, srv1, "open") // mapping until ~30s
	w.run(t)
	m := observed(t, w.s1)
	mustRunFor := func(d time.Duration) {
		t.Helper()
		if err := w.sim.RunFor(d, 1000); err != nil {
			t.Fatal(err)
		}
	}
	mustRunFor(20 * time.Second)
	w.s1.send(srv1, m, "inbound at 20s") // admitted, but refreshes nothing
	mustRunFor(20 * time.Second)
	if w.a.last() != "inbound at 20s" {
		t.Fatal("reply within the timeout was dropped")
	}
	w.s1.send(srv1, m, "inbound at 40s")
	w.run(t)
	if w.a.last() == "inbound at 40s" || w.nat.Stats().NoMapping != 1 || w.nat.Stats().Expired != 1 {
		t.Fatalf("expired mapping still admitted: %+v", w.nat.Stats())
	}
	if len(w.nat.Mappings()) != 0 {
		t.Fatalf("mappings %v", w.nat.Mappings())
	}

	// Outbound keep-alives every 20 s keep it open.
	w.a.send(hostA, srv1, "reopen")
	w.run(t)
	m2 := observed(t, w.s1)
	for i := range 5 {
		mustRunFor(20 * time.Second)
		w.a.send(hostA, srv1, "keepalive")
		w.run(t)
		if got := observed(t, w.s1); got != m2 {
			t.Fatalf("keep-alive %d changed the mapping: %v -> %v", i, m2, got)
		}
	}
	mustRunFor(20 * time.Second)
	w.s1.send(srv1, m2, "still open")
	w.run(t)
	if w.a.last() != "still open" {
		t.Fatal("refreshed mapping expired")
	}
	if ms := w.nat.Mappings(); len(ms) != 1 || ms[0].Internal != hostA || ms[0].External != m2 {
		t.Fatalf("mappings %+v", ms)
	}
}

// TestNATPortsFromSeed: external ports are chosen from the seed: the same
// seed gives the same ports, another seed others; PortPreservation keeps
// the internal port when it is free.
func TestNATPortsFromSeed(t *testing.T) {
	ports := func(seed uint64, cfg netsim.NATConfig) []netip.AddrPort {
		cfg.Mapping = netsim.AddressAndPortDependent
		w := newNATWorld(t, seed, cfg)
		w.a.send(hostA, srv1, "x")
		w.a.send(hostA, srv1b, "x")
		w.b.send(hostB, srv2, "x")
		w.run(t)
		return []netip.AddrPort{observed(t, w.s1), observed(t, w.s1b), observed(t, w.s2)}
	}
	p1, p1again, p2 := ports(10, netsim.NATConfig{}), ports(10, netsim.NATConfig{}), ports(11, netsim.NATConfig{})
	if p1[0] != p1again[0] || p1[1] != p1again[1] || p1[2] != p1again[2] {
		t.Fatalf("seed 10 gave %v then %v", p1, p1again)
	}
	if p1[0] == p2[0] && p1[1] == p2[1] {
		t.Fatalf("seeds 10 and 11 gave the same ports %v", p1)
	}
	for _, p := range p1 {
		if p.Port() < 1024 {
			t.Fatalf("port %v below 1024", p)
		}
	}
	pp := ports(10, netsim.NATConfig{PortPreservation: true})
	if out := ports(10, netsim.NATConfig{PortPreservation: true, MinPort: 6000}); out[0].Port() == 5000 {
		t.Fatal("preserved a port outside the range")
	}
	// A's first mapping keeps port 5000; A's second cannot (taken); B's
	// mapping cannot either (A holds 5000).
	if pp[0].Port() != 5000 || pp[1].Port() == 5000 || pp[2].Port() == 5000 {
		t.Fatalf("port preservation: %v", pp)
	}
}

// TestNATRouting: private addresses are unreachable from outside and from
// behind another NAT; two hosts behind two NATs punch a hole by sending to
// each other's mappings at the same time.
func TestNATRouting(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 5})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	pub2 := netip.MustParseAddr("203.0.113.2")
	hostC := netip.MustParseAddrPort("10.1.0.1:6000")
	a, c, s := &sink{}, &sink{}, &sink{}
	sim.Add(a, hostA)
	sim.Add(c, hostC)
	sim.Add(s, srv1)
	strict := netsim.NATConfig{Mapping: netsim.EndpointIndependent, Filtering: netsim.AddressAndPortDependent}
	strict.Public = natPublic
	sim.AddNAT(strict, hostA.Addr())
	strict.Public = pub2
	sim.AddNAT(strict, hostC.Addr())

	s.send(srv1, hostA, "to a private address")
	a.send(hostA, hostC, "to a private address behind another NAT")
	if err := sim.Run(nil, 100); err != nil {
		t.Fatal(err)
	}
	if sim.Stats().NoRoute != 2 || len(a.got)+len(c.got) != 0 {
		t.Fatalf("private addresses routed: %+v\n%s", sim.Stats(), sim.TraceString())
	}

	// Both learn their mapping from the server (EIM: it is the same toward
	// everyone), then send to each other at once: the first datagrams
	// open each side's filter, so later ones get through.
	a.send(hostA, srv1, "who am i")
	c.send(hostC, srv1, "who am i")
	if err := sim.Run(nil, 100); err != nil {
		t.Fatal(err)
	}
	ma, mc := s.got[0].from, s.got[1].from
	for range 3 {
		a.send(hostA, mc, "a->c")
		c.send(hostC, ma, "c->a")
		if err := sim.RunFor(50*time.Millisecond, 100); err != nil {
			t.Fatal(err)
		}
	}
	if a.last() != "c->a" || c.last() != "a->c" {
		t.Fatalf("hole punching failed\n%s", sim.TraceString())
	}
	if a.got[0].from != mc || a.got[0].to != hostA {
		t.Fatalf("A saw %v -> %v", a.got[0].from, a.got[0].to)
	}
}

// TestNATLinksUsePublicAddress: links toward and from a host behind a NAT
// are keyed by the NAT's public address.
func TestNATLinksUsePublicAddress(t *testing.T) {
	w := newNATWorld(t, 6, netsim.NATConfig{})
	w.sim.SetLink(natPublic, srv1.Addr(), netsim.LinkConfig{Delay: 100 * time.Millisecond})
	w.a.send(hostA, srv1, "x")
	w.run(t)
	if d := w.s1.got[0].at.Sub(w.sim.Start()); d != 100*time.Millisecond {
		t.Fatalf("delay %v, want 100ms", d)
	}
	if ls := w.sim.LinkStats(natPublic, srv1.Addr()); ls.Delivered != 1 {
		t.Fatalf("link stats %+v", ls)
	}
}

// TestNATPortExhaustion: when every port of the NAT's range holds a live
// mapping, a new mapping fails and the datagram is dropped; once mappings
// expire their ports are reused. The full range (1024..65535) takes the
// same path with more ports.
func TestNATPortExhaustion(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 9})
	srv := &sink{}
	sim.Add(&sink{}, hostA)
	sim.Add(srv, netip.AddrPortFrom(srv1.Addr(), 0)) // every port of the server
	nat := sim.AddNAT(netsim.NATConfig{Public: natPublic, Mapping: netsim.AddressAndPortDependent,
		MappingTimeout: time.Minute, MinPort: 40000, MaxPort: 40099}, hostA.Addr())
	const ports = 100
	for p := range ports + 1 {
		sim.Inject(hostA, netip.AddrPortFrom(srv1.Addr(), uint16(p+1)), nil)
	}
	if err := sim.Run(nil, 2*ports); err != nil {
		t.Fatal(err)
	}
	st := nat.Stats()
	if st.Mappings != ports || st.PortsExhausted != 1 || len(srv.got) != ports {
		t.Fatalf("stats %+v, delivered %d", st, len(srv.got))
	}
	ms := nat.Mappings()
	if len(ms) != ports || ms[0].External.Port() != 40000 || ms[ports-1].External.Port() != 40099 {
		t.Fatalf("%d live mappings", len(ms))
	}
	if tr := sim.Trace(); tr[len(tr)-1].Fate != netsim.NATNoMapping {
		t.Fatalf("last datagram: %v", tr[len(tr)-1])
	}
	// A minute later they have all lapsed: new mappings reuse the ports.
	if err := sim.RunFor(time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	sim.Inject(hostA, srv1, nil)
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	if nat.Stats().Mappings != ports+1 || len(srv.got) != ports+1 {
		t.Fatalf("after expiry: %+v", nat.Stats())
	}
}

// TestSetupMistakesPanic: invalid topologies are test bugs and panic.
func TestSetupMistakesPanic(t *testing.T) {
	mustPanic := func(name string, f func(sim *netsim.Sim)) {
		t.Helper()
		sim := netsim.New(netsim.Config{})
		sim.Add(&sink{}, srv1)
		sim.AddNAT(netsim.NATConfig{Public: natPublic}, hostA.Addr())
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f(sim)
	}
	mustPanic("no addresses", func(s *netsim.Sim) { s.Add(&sink{}) })
	mustPanic("invalid address", func(s *netsim.Sim) { s.Add(&sink{}, netip.AddrPort{}) })
	mustPanic("address taken", func(s *netsim.Sim) { s.Add(&sink{}, srv1) })
	mustPanic("NAT public address", func(s *netsim.Sim) { s.Add(&sink{}, netip.AddrPortFrom(natPublic, 1)) })
	mustPanic("NAT invalid public", func(s *netsim.Sim) { s.AddNAT(netsim.NATConfig{}) })
	mustPanic("NAT public reused", func(s *netsim.Sim) { s.AddNAT(netsim.NATConfig{Public: natPublic}) })
	mustPanic("NAT public is an endpoint", func(s *netsim.Sim) { s.AddNAT(netsim.NATConfig{Public: srv1.Addr()}) })
	mustPanic("host behind two NATs", func(s *netsim.Sim) {
		s.AddNAT(netsim.NATConfig{Public: netip.MustParseAddr("203.0.113.9")}, hostA.Addr())
	})
}

func TestNATAccessors(t *testing.T) {
	w := newNATWorld(t, 1, netsim.NATConfig{Hairpin: true})
	if w.nat.Public() != natPublic || !w.nat.Config().Hairpin {
		t.Fatal("accessors")
	}
	if _, ok := w.nat.Lookup(hostA, srv1); ok {
		t.Fatal("Lookup before any traffic")
	}
	w.a.send(hostA, srv1, "x")
	w.run(t)
	// The default mapping timeout is RFC 4787's two minutes.
	if m := w.nat.Mappings(); len(m) != 1 || m[0].Expires.Sub(w.sim.Start()) != 2*time.Minute {
		t.Fatalf("mappings %+v", m)
	}
	if err := w.sim.RunFor(2*time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.nat.Lookup(hostA, srv1); ok || len(w.nat.Mappings()) != 0 {
		t.Fatal("mapping outlived its timeout")
	}
}
