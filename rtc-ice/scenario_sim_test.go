package ice

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

var open = natKind{name: "open", none: true}

func TestRoleConflict(t *testing.T) {
	for _, both := range []Role{RoleControlling, RoleControlled} {
		for seed := uint64(1); seed <= 5; seed++ {
			name := fmt.Sprintf("both-%v/seed%d", both, seed)
			w := build(t, scenario{seed: seed, natA: open, natB: open, link: netsim.LinkConfig{Delay: 10 * time.Millisecond}},
				Config{Role: both}, Config{Role: both})
			if both == RoleControlled {
				// build() makes A controlling when both are controlled; undo it.
				w.pa.a.SetRole(RoleControlled)
			}
			w.connect(t, name, 10*time.Second)
			if w.pa.a.Role() == w.pb.a.Role() {
				t.Fatalf("%s: roles still equal: %v", name, w.pa.a.Role())
			}
			if w.pa.a.Stats().RoleConflicts+w.pb.a.Stats().RoleConflicts == 0 {
				t.Fatalf("%s: no conflict seen", name)
			}
			w.exchange(t, name)
		}
	}
}

func TestLossAndDelay(t *testing.T) {
	link := netsim.LinkConfig{Delay: 60 * time.Millisecond, Jitter: 30 * time.Millisecond, Loss: 0.25}
	for seed := uint64(1); seed <= 5*seeds(); seed++ {
		name := fmt.Sprintf("lossy/seed%d", seed)
		w := build(t, scenario{seed: seed, natA: natKinds[2], natB: natKinds[3], link: link}, Config{Role: RoleControlling}, Config{})
		w.connect(t, name, 30*time.Second)
		w.exchange(t, name)
	}
}

func TestConsentLossAfterPeerVanishes(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		name := fmt.Sprintf("consent/seed%d", seed)
		w := build(t, scenario{seed: seed, natA: open, natB: natKinds[1], link: netsim.LinkConfig{Delay: 20 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
		w.connect(t, name, 10*time.Second)
		// Keep consent alive for a while first.
		if err := w.sim.RunFor(40*time.Second, 100000); err != nil {
			t.Fatal(err)
		}
		if !w.pa.connected() || contains(w.pa.states, StateDisconnected) || contains(w.pb.states, StateDisconnected) {
			t.Fatalf("%s: lost the connection while the peer was there: %v / %v", name, w.pa.states, w.pb.states)
		}
		w.sim.Remove(w.pb)
		gone := w.sim.Elapsed()
		err := w.sim.Run(func() bool { return w.pa.a.ConnectionState() == StateFailed }, 100000)
		if err != nil {
			t.Fatalf("%s: %v, states %v", name, err, w.pa.states)
		}
		took := w.sim.Elapsed() - gone
		if took > 30*time.Second {
			t.Fatalf("%s: consent loss took %v", name, took)
		}
		if !contains(w.pa.states, StateDisconnected) {
			t.Fatalf("%s: never disconnected: %v", name, w.pa.states)
		}
		if err := w.pa.a.HandleWrite([]byte("x")); !errors.Is(err, ErrConsentExpired) {
			t.Fatalf("%s: write after consent loss: %v", name, err)
		}
		if seed == 1 {
			t.Logf("consent lost %v after the peer vanished; states %v", took, w.pa.states)
		}
	}
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestRestartKeepsDataFlowing(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		name := fmt.Sprintf("restart/seed%d", seed)
		w := build(t, scenario{seed: seed, natA: natKinds[1], natB: natKinds[2], link: netsim.LinkConfig{Delay: 20 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
		w.connect(t, name, 10*time.Second)
		oldU, _ := w.pa.a.LocalCredentials()
		nSel := len(w.pa.selected)
		if err := w.pa.a.Restart(); err != nil {
			t.Fatal(err)
		}
		if err := w.pb.a.Restart(); err != nil {
			t.Fatal(err)
		}
		ua, pa := w.pa.a.LocalCredentials()
		ub, pb := w.pb.a.LocalCredentials()
		if ua == oldU {
			t.Fatal("restart kept the ufrag")
		}
		// Data keeps flowing on the old pair before the new credentials arrive.
		w.exchange(t, name+"/during")
		must(t, w.pa.a.SetRemoteCredentials(ub, pb))
		must(t, w.pb.a.SetRemoteCredentials(ua, pa))
		w.pa.drain()
		w.pb.drain()
		err := w.sim.Run(func() bool { return len(w.pa.selected) > nSel && w.pa.nominated() && w.pb.nominated() }, 100000)
		if err != nil {
			t.Fatalf("%s: no new pair after restart: %v (A %v)", name, err, w.pa.states)
		}
		w.exchange(t, name+"/after")
	}
}

func TestLiteAgent(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		name := fmt.Sprintf("lite/seed%d", seed)
		w := build(t, scenario{seed: seed, natA: natKinds[3], natB: open, link: netsim.LinkConfig{Delay: 10 * time.Millisecond}},
			Config{Role: RoleControlling}, Config{Lite: true, Role: RoleControlling})
		if w.pb.a.Role() != RoleControlled {
			t.Fatal("lite agent must be controlled")
		}
		w.connect(t, name, 10*time.Second)
		w.exchange(t, name)
		if w.pb.a.Stats().ChecksSent != 0 {
			t.Fatalf("%s: lite agent sent checks", name)
		}
		must(t, w.sim.RunFor(time.Minute, 100000))
		if k := w.pb.a.Stats().Keepalives; k < 3 {
			t.Fatalf("%s: %d keepalives in a minute", name, k)
		}
		if !w.pa.connected() {
			t.Fatalf("%s: full agent lost the lite one: %v", name, w.pa.states)
		}
		if w.pb.a.ConnectionState() != StateCompleted {
			t.Fatalf("%s: lite agent %v", name, w.pb.states)
		}
	}
}

func TestRemoteMDNSCandidate(t *testing.T) {
	// B's candidates are hidden behind an mDNS name.
	sc := scenario{seed: 2, natA: open, natB: open, link: netsim.LinkConfig{Delay: 10 * time.Millisecond}}
	pa, pb := newPeers(t, sc.seed, Config{Role: RoleControlling}, Config{})
	pb.noSignal = true
	sim := netsim.New(netsim.Config{Seed: 2})
	sim.SetDefaultLink(sc.link)
	sim.Add(pa, hostAddrA)
	sim.Add(pb, hostAddrB)
	must(t, pa.a.AddLocalAddress(hostAddrA, 0))
	pa.a.EndOfLocalAddresses()
	must(t, pb.a.AddLocalAddress(hostAddrB, 0))
	pb.a.EndOfLocalAddresses()
	pa.drain()
	pb.drain()
	c := pb.a.LocalCandidates()[0]
	c.Hostname = "0b5e7c1d-5e1b-4a2c-9a8b-2f1e3d4c5b6a.local"
	s := c.String()
	if err := pa.a.AddRemoteCandidateString(s); err != nil {
		t.Fatal(err)
	}
	ev, ok := pa.a.PollEvent()
	for ok && ev.Kind != EventResolveHostname {
		ev, ok = pa.a.PollEvent()
	}
	if !ok || ev.Hostname != c.Hostname {
		t.Fatalf("no resolution request for %q", s)
	}
	if err := pa.a.ResolveHostname(ev.Hostname, hostAddrB.Addr()); err != nil {
		t.Fatal(err)
	}
	pa.a.EndOfRemoteCandidates()
	err := sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 10000)
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := pa.a.SelectedPair()
	if sp.Remote.Type != CandidateHost || sp.Remote.Address != hostAddrB {
		t.Fatalf("selected %+v", sp.Remote)
	}
}
