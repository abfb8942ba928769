package mdns

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// icePeer is one browser-like peer on the LAN: an ICE agent on its host
// address, and a Querier and a Responder on its mDNS socket. It publishes
// its host candidate as "<uuid>.local" and signals end-of-candidates, as
// stock Firefox does, and resolves the peer's names with the Querier: the
// wiring a PeerConnection will do, in a few lines (pump).
type icePeer struct {
	t          *testing.T
	agent      *ice.Agent
	mdns       *host
	other      *icePeer
	signalled  []string // candidate lines sent to the other peer
	hostnames  int      // EventResolveHostname seen
	iceAddr    netip.AddrPort
	connected  bool
	failedName bool
}

func newICEPeer(t *testing.T, ip string, role ice.Role, seed uint64) *icePeer {
	t.Helper()
	iceAddr := netip.AddrPortFrom(netip.MustParseAddr(ip), 50000)
	a, err := ice.NewAgent(ice.Config{Role: role, Rand: netsim.NewRand(seed, ip+"/ice")})
	if err != nil {
		t.Fatal(err)
	}
	return &icePeer{t: t, agent: a, mdns: newHost(t, netip.AddrPortFrom(iceAddr.Addr(), Port), seed), iceAddr: iceAddr}
}

// pump carries events between the agent, the mDNS machines and the other
// peer (signalling is instant here).
func (p *icePeer) pump() {
	p.t.Helper()
	for {
		ev, ok := p.agent.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case ice.EventLocalCandidate:
			c := ev.Candidate
			if c.Type == ice.CandidateHost {
				name, err := p.mdns.r.Publish(c.Address.Addr())
				if err != nil {
					p.t.Fatal(err)
				}
				c.Hostname = name
			}
			p.signal(c.String())
		case ice.EventGatheringState:
			if ev.GatheringState == ice.GatheringComplete {
				p.signal("") // end-of-candidates
			}
		case ice.EventResolveHostname:
			p.hostnames++
			if err := p.mdns.q.Resolve(ev.Hostname); err != nil {
				p.t.Fatal(err)
			}
		case ice.EventConnectionState:
			p.connected = ev.ConnectionState == ice.StateConnected || ev.ConnectionState == ice.StateCompleted
		}
	}
	p.mdns.drainEvents()
	for _, ev := range p.mdns.events {
		switch ev.Kind {
		case EventResolved, EventFailed:
			p.failedName = p.failedName || ev.Kind == EventFailed
			if err := p.agent.ResolveHostname(ev.Name, ev.Addr); err != nil {
				p.t.Fatal(err)
			}
		}
	}
	p.mdns.events = p.mdns.events[:0]
}

func (p *icePeer) signal(line string) {
	p.signalled = append(p.signalled, line)
	if err := p.other.agent.AddRemoteCandidateString(line); err != nil {
		p.t.Fatalf("signalling %q: %v", line, err)
	}
	p.other.pump()
}

func (p *icePeer) HandleRead(m shared.TaggedBytes) error {
	var err error
	if m.Transport.Local.Port() == Port {
		err = p.mdns.HandleRead(m)
	} else {
		err = p.agent.HandleRead(m)
	}
	p.pump()
	return err
}

func (p *icePeer) PollWrite() (shared.TaggedBytes, bool) {
	if m, ok := p.agent.PollWrite(); ok {
		return m, true
	}
	return p.mdns.PollWrite()
}

func (p *icePeer) HandleTimeout(now time.Time) error {
	err := p.agent.HandleTimeout(now)
	if err2 := p.mdns.HandleTimeout(now); err == nil {
		err = err2
	}
	p.pump()
	return err
}

func (p *icePeer) PollTimeout() (time.Time, bool) {
	a, aok := p.agent.PollTimeout()
	b, bok := p.mdns.PollTimeout()
	switch {
	case !aok:
		return b, bok
	case !bok:
		return a, aok
	}
	return shared.Earliest(a, b), true
}

// Two agents that signal only mDNS host candidates and end-of-candidates
// (stock Firefox on both sides) connect over the simulated LAN, each
// resolving the other's name with its Querier.
func TestICEOverMDNS(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		sim := netsim.New(netsim.Config{Seed: seed, AllowSpoofing: true})
		sim.SetDefaultLink(netsim.LinkConfig{Delay: time.Millisecond})
		alice := newICEPeer(t, "192.168.77.2", ice.RoleControlling, seed)
		bob := newICEPeer(t, "192.168.77.3", ice.RoleControlled, seed)
		alice.other, bob.other = bob, alice
		sim.Add(&hub{members: []netip.AddrPort{netip.AddrPortFrom(alice.iceAddr.Addr(), Port), netip.AddrPortFrom(bob.iceAddr.Addr(), Port)}}, GroupIPv4)
		sim.Add(alice, alice.iceAddr, netip.AddrPortFrom(alice.iceAddr.Addr(), Port))
		sim.Add(bob, bob.iceAddr, netip.AddrPortFrom(bob.iceAddr.Addr(), Port))
		for _, p := range []*icePeer{alice, bob} {
			if err := p.HandleTimeout(sim.Now()); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []*icePeer{alice, bob} {
			au, ap := p.agent.LocalCredentials()
			if err := p.other.agent.SetRemoteCredentials(au, ap); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []*icePeer{alice, bob} {
			if err := p.agent.AddLocalAddress(p.iceAddr, shared.UDP); err != nil {
				t.Fatal(err)
			}
			p.agent.EndOfLocalAddresses()
			p.pump()
		}
		if err := sim.Run(func() bool { return alice.connected && bob.connected }, 100_000); err != nil {
			t.Fatalf("seed %d: %v (alice %v, bob %v)\n%s", seed, err, alice.agent.ConnectionState(), bob.agent.ConnectionState(), sim.TraceString())
		}
		t.Logf("seed %d: both connected after %v", seed, sim.Elapsed())
		if err := sim.RunFor(100*time.Millisecond, 100_000); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*icePeer{alice, bob} {
			if p.hostnames != 1 || p.failedName || p.mdns.q.Stats().Resolved != 1 {
				t.Fatalf("seed %d: %d names to resolve, failed %v", seed, p.hostnames, p.failedName)
			}
			for _, line := range p.signalled {
				if line != "" && !strings.Contains(line, ".local ") {
					t.Fatalf("seed %d: signalled %q: a LAN address left in the signalling", seed, line)
				}
			}
			pair, ok := p.agent.SelectedPair()
			if !ok || pair.Transport.Peer != p.other.iceAddr {
				t.Fatalf("seed %d: selected %+v %v", seed, pair.Transport, ok)
			}
		}
	}
}
