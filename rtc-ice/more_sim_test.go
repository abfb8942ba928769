package ice

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-turn/turntest"
)

// Both agents behind one NAT: their host candidates reach each other
// directly (hairpinning is not needed), with hairpinning on or off.
func TestSameNAT(t *testing.T) {
	for _, hairpin := range []bool{false, true} {
		pa, pb := newPeers(t, 1, Config{Role: RoleControlling, STUNServers: []netip.AddrPort{stunAddr}}, Config{STUNServers: []netip.AddrPort{stunAddr}})
		sim := netsim.New(netsim.Config{Seed: 1})
		sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
		a, b := ap("192.0.2.10:5000"), ap("192.0.2.11:6000")
		sim.Add(pa, a)
		sim.Add(pb, b)
		sim.Add(&stunServer{addr: stunAddr}, stunAddr)
		sim.AddNAT(netsim.NATConfig{Public: natPubA, Mapping: netsim.AddressAndPortDependent, Filtering: netsim.AddressAndPortDependent, Hairpin: hairpin}, a.Addr(), b.Addr())
		must(t, pa.a.AddLocalAddress(a, shared.UDP))
		pa.a.EndOfLocalAddresses()
		must(t, pb.a.AddLocalAddress(b, shared.UDP))
		pb.a.EndOfLocalAddresses()
		pa.drain()
		pb.drain()
		if err := sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 20000); err != nil {
			t.Fatalf("hairpin=%v: %v", hairpin, err)
		}
		sp, _ := pa.a.SelectedPair()
		if sp.Local.Type != CandidateHost || sp.Remote.Type != CandidateHost {
			t.Fatalf("hairpin=%v: selected %v -> %v", hairpin, sp.Local.Type, sp.Remote.Type)
		}
	}
}

// A NAT mapping that times out after 20 s without outbound traffic stays
// alive through consent checks (RFC 7675, RFC 8445 §11 keepalives) for
// three minutes of virtual time.
func TestKeepalivesHoldNATMapping(t *testing.T) {
	pa, pb := newPeers(t, 3, Config{Role: RoleControlling, STUNServers: []netip.AddrPort{stunAddr}}, Config{STUNServers: []netip.AddrPort{stunAddr}})
	sim := netsim.New(netsim.Config{Seed: 3})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 20 * time.Millisecond})
	sim.Add(pa, hostAddrA)
	sim.Add(pb, hostAddrB)
	sim.Add(&stunServer{addr: stunAddr}, stunAddr)
	nat := sim.AddNAT(netsim.NATConfig{Public: natPubA, Mapping: netsim.EndpointIndependent, Filtering: netsim.AddressAndPortDependent, MappingTimeout: 20 * time.Second}, hostAddrA.Addr())
	must(t, pa.a.AddLocalAddress(hostAddrA, shared.UDP))
	pa.a.EndOfLocalAddresses()
	must(t, pb.a.AddLocalAddress(hostAddrB, shared.UDP))
	pb.a.EndOfLocalAddresses()
	pa.drain()
	pb.drain()
	if err := sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 20000); err != nil {
		t.Fatal(err)
	}
	if err := sim.RunFor(3*time.Minute, 200000); err != nil {
		t.Fatal(err)
	}
	if !pa.connected() || !pb.connected() || contains(pb.states, StateDisconnected) {
		t.Fatalf("lost: A %v B %v", pa.states, pb.states)
	}
	w := &world{sim: sim, pa: pa, pb: pb}
	w.exchange(t, "after 3 minutes")
	t.Logf("NAT stats %+v", nat.Stats())
}

// Consent checks are spaced 4-6 s apart (RFC 7675 §5.1).
func TestConsentInterval(t *testing.T) {
	w := build(t, scenario{seed: 4, natA: open, natB: open, link: netsim.LinkConfig{Delay: 5 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
	w.connect(t, "consent", 5*time.Second)
	var sent []time.Time
	for i := 0; i < 4000; i++ {
		before := len(w.pa.a.txs)
		var had bool
		for _, t := range w.pa.a.txs {
			had = had || t.kind == txConsent
		}
		if _, err := w.sim.Step(); err != nil {
			t.Fatal(err)
		}
		for _, tx := range w.pa.a.txs {
			if tx.kind == txConsent && tx.sent && !had && len(w.pa.a.txs) >= before {
				sent = append(sent, w.sim.Now())
			}
		}
		if len(sent) >= 12 {
			break
		}
	}
	if len(sent) < 6 {
		t.Fatalf("only %d consent checks", len(sent))
	}
	for i := 2; i < len(sent); i++ {
		gap := sent[i].Sub(sent[i-1])
		if gap < 4*time.Second || gap > 6*time.Second {
			t.Fatalf("consent gap %v", gap)
		}
	}
}

// RFC 8445 §8.1.1: "Once the controlling agent has successfully nominated
// a candidate pair, the agent MUST NOT nominate another pair". A
// higher-priority pair that succeeds after the nomination of a worse one
// is not nominated; both sides stay on the nominated pair, and agree.
func TestNominationIsFinal(t *testing.T) {
	pa, pb := newPeers(t, 5, Config{Role: RoleControlling}, Config{})
	sim := netsim.New(netsim.Config{Seed: 5})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	good, slow := ap("198.51.100.20:6000"), ap("198.51.100.21:6001")
	sim.Add(pa, hostAddrA)
	sim.Add(pb, good, slow)
	// The path to B's preferred address is slow: its checks succeed late.
	sim.SetLinkBoth(hostAddrA.Addr(), good.Addr(), netsim.LinkConfig{Delay: 600 * time.Millisecond})
	must(t, pa.a.AddLocalAddress(hostAddrA, shared.UDP))
	pa.a.EndOfLocalAddresses()
	must(t, pb.a.AddLocalAddress(good, shared.UDP)) // first = preferred (RFC 8421)
	must(t, pb.a.AddLocalAddress(slow, shared.UDP))
	pb.a.EndOfLocalAddresses()
	pa.drain()
	pb.drain()
	goodValid := func() bool {
		for _, p := range pa.a.pairs {
			if p.remote.Address == good && p.valid {
				return true
			}
		}
		return false
	}
	// Run until the better pair is valid too, then some more.
	must(t, sim.Run(func() bool { return pa.nominated() && pb.nominated() && goodValid() }, 50000))
	must(t, sim.RunFor(5*time.Second, 50000))
	sa, _ := pa.a.SelectedPair()
	sb, _ := pb.a.SelectedPair()
	if sa.Remote.Address != slow || sb.Local.Address != slow || !sa.Nominated || !sb.Nominated {
		t.Fatalf("A %v -> %v, B %v -> %v: want both on the nominated (slow-path) pair", sa.Local.Address, sa.Remote.Address, sb.Local.Address, sb.Remote.Address)
	}
	if len(pa.selected) != 1 || len(pb.selected) != 1 {
		t.Fatalf("selected pair changed: A %d times, B %d times", len(pa.selected), len(pb.selected))
	}
}

// Candidates and credentials that arrive late (trickle, RFC 8838): B's
// checks reach A before A knows B's credentials or candidates; A answers,
// learns B as peer-reflexive, and checks it once the credentials arrive.
func TestLateTrickle(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		pa, pb := newPeers(t, seed, Config{Role: RoleControlling}, Config{})
		pa.a.remote = credentials{} // A learns B's credentials late
		pb.noSignal = true          // B's candidates are never trickled
		sim := netsim.New(netsim.Config{Seed: seed})
		sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
		sim.Add(pa, hostAddrA)
		sim.Add(pb, hostAddrB)
		must(t, pa.a.AddLocalAddress(hostAddrA, shared.UDP))
		pa.a.EndOfLocalAddresses()
		must(t, pb.a.AddLocalAddress(hostAddrB, shared.UDP))
		pb.a.EndOfLocalAddresses()
		pa.drain()
		pb.drain()
		if err := sim.RunFor(time.Second, 10000); err != nil {
			t.Fatal(err)
		}
		if pa.a.stats.RequestsReceived == 0 {
			t.Fatal("A got no checks")
		}
		u, p := pb.a.LocalCredentials()
		must(t, pa.a.SetRemoteCredentials(u, p))
		if err := sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 20000); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		sp, _ := pa.a.SelectedPair()
		if sp.Remote.Type != CandidatePeerReflexive {
			t.Fatalf("remote %v", sp.Remote.Type)
		}
	}
}

// Only one side restarts (the peer's new ufrag arrives without a local
// Restart); the agent keeps its credentials and reconnects.
func TestPeerRestart(t *testing.T) {
	w := build(t, scenario{seed: 6, natA: open, natB: natKinds[1], link: netsim.LinkConfig{Delay: 10 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
	w.connect(t, "before", 10*time.Second)
	n := len(w.pa.selected)
	must(t, w.pb.a.Restart())
	u, p := w.pb.a.LocalCredentials()
	must(t, w.pa.a.SetRemoteCredentials(u, p))
	ua, pwa := w.pa.a.LocalCredentials()
	must(t, w.pb.a.SetRemoteCredentials(ua, pwa))
	w.pb.drain()
	for _, c := range w.pa.a.LocalCandidates() {
		must(t, w.pb.a.AddRemoteCandidate(c))
	}
	w.pb.a.EndOfRemoteCandidates()
	w.pa.drain()
	if err := w.sim.Run(func() bool { return len(w.pa.selected) > n && w.pa.nominated() && w.pb.nominated() }, 50000); err != nil {
		t.Fatal(err)
	}
	w.exchange(t, "after")
}

// TURN over TCP inside ICE: the agent's relay allocations use a TCP
// connection to the server (framed by rtc-turn).
func TestRelayOverTCP(t *testing.T) {
	sc := scenario{seed: 7, natA: natKinds[4], natB: natKinds[4], link: netsim.LinkConfig{Delay: 10 * time.Millisecond}}
	ca := Config{Role: RoleControlling, TURNServers: []TURNServer{{Address: turnAddr, Protocol: shared.TCP, Username: "alice", Password: "secret"}}}
	cb := Config{TURNServers: []TURNServer{{Address: turnAddr, Protocol: shared.TCP, Username: "bob", Password: "secret"}}}
	pa, pb := newPeers(t, sc.seed, ca, cb)
	sim := netsim.New(netsim.Config{Seed: sc.seed})
	sim.SetDefaultLink(sc.link)
	sim.Add(pa, hostAddrA)
	sim.Add(pb, hostAddrB)
	srv := turntest.New(turntest.Config{Addr: turnAddr, Users: map[string]string{"alice": "secret", "bob": "secret"}})
	sim.Add(srv, srv.Addrs()...)
	sim.AddNAT(netsim.NATConfig{Public: natPubA, Mapping: netsim.AddressAndPortDependent, Filtering: netsim.AddressAndPortDependent}, hostAddrA.Addr())
	sim.AddNAT(netsim.NATConfig{Public: natPubB, Mapping: netsim.AddressAndPortDependent, Filtering: netsim.AddressAndPortDependent}, hostAddrB.Addr())
	w := &world{sim: sim, pa: pa, pb: pb}
	w.start()
	w.connect(t, "relay over tcp", 20*time.Second)
	w.exchange(t, "relay over tcp")
	sa, _ := pa.a.SelectedPair()
	sb, _ := pb.a.SelectedPair()
	viaTCP := func(p PairInfo) bool { return p.Transport.Protocol == shared.TCP && p.Transport.Peer == turnAddr }
	if !viaTCP(sa) && !viaTCP(sb) {
		t.Fatalf("selected paths %v / %v", sa.Transport, sb.Transport)
	}
}

// Dual stack on netsim: IPv6 pairs are preferred (RFC 8421).
func TestDualStack(t *testing.T) {
	pa, pb := newPeers(t, 8, Config{Role: RoleControlling}, Config{})
	sim := netsim.New(netsim.Config{Seed: 8})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	a4, a6 := ap("192.0.2.10:5000"), ap("[2001:db8::10]:5000")
	b4, b6 := ap("198.51.100.20:6000"), ap("[2001:db8:1::20]:6000")
	sim.Add(pa, a4, a6)
	sim.Add(pb, b4, b6)
	for _, x := range []struct {
		p    *peer
		addr []netip.AddrPort
	}{{pa, []netip.AddrPort{a4, a6}}, {pb, []netip.AddrPort{b4, b6}}} {
		for _, ad := range x.addr {
			must(t, x.p.a.AddLocalAddress(ad, shared.UDP))
		}
		x.p.a.EndOfLocalAddresses()
	}
	pa.drain()
	pb.drain()
	if err := sim.Run(func() bool {
		return pa.a.ConnectionState() == StateCompleted && pb.a.ConnectionState() == StateCompleted
	}, 20000); err != nil {
		t.Fatal(err)
	}
	sp, _ := pa.a.SelectedPair()
	if !sp.Local.Address.Addr().Is6() {
		t.Fatalf("selected %v", sp.Transport)
	}
	t.Log(fmt.Sprint(sp.Transport))
}

// A relayed connection lasts: the agent drives its TURN clients' refreshes
// (allocation, permissions, channels) for 25 minutes of virtual time.
func TestRelayedConnectionLasts(t *testing.T) {
	w := build(t, scenario{seed: 11, natA: natKinds[4], natB: natKinds[4], turn: true, link: netsim.LinkConfig{Delay: 10 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
	w.connect(t, "relay", 20*time.Second)
	for i := 0; i < 5; i++ {
		if err := w.sim.RunFor(5*time.Minute, 500000); err != nil {
			t.Fatal(err)
		}
		w.exchange(t, fmt.Sprintf("after %d min", 5*(i+1)))
	}
	if contains(w.pa.states, StateDisconnected) || contains(w.pb.states, StateDisconnected) {
		t.Fatalf("disconnected: %v / %v", w.pa.states, w.pb.states)
	}
	if w.turn.Stats.Refreshes == 0 || w.turn.Allocations() != 2 {
		t.Fatalf("server %+v, %d allocations", w.turn.Stats, w.turn.Allocations())
	}
}
