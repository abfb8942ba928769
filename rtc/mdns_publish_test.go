package rtc

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	"github.com/sansrtc/rtc/rtc-ice/mdns"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// newMDNSPeer is newPeer with MDNSHostCandidates and extra local
// addresses (which netsim does not route: only addr carries packets).
func newMDNSPeer(t *testing.T, sim *netsim.Sim, seed uint64, name string, addr netip.AddrPort, extra ...netip.AddrPort) *peer {
	t.Helper()
	pc, err := NewPeerConnection(Configuration{Rand: netsim.NewRand(seed, name), Now: sim.Now(),
		LocalAddresses: append([]netip.AddrPort{addr}, extra...), MDNSHostCandidates: true})
	if err != nil {
		t.Fatal(err)
	}
	p := wrapPeer(t, name, pc)
	sim.Add(p, addr)
	return p
}

// offerMDNS sets a's offer and returns it with all candidates gathered.
func offerMDNS(t *testing.T, a *peer) SessionDescription {
	t.Helper()
	if _, err := a.pc.CreateDataChannel("m", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := a.pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	a.Drain()
	return a.pc.LocalDescription()
}

// With MDNSHostCandidates no local IP address appears in what we signal
// (description and trickled candidates); each IP address has one name
// (two ports on one address share it), announced before the first
// candidate carrying it; and two PeerConnections on the same address get
// different names (draft-ietf-mmusic-mdns-ice-candidates §3.1.1).
func TestMDNSHostCandidatesHideAddresses(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 3})
	second := netip.MustParseAddrPort("192.0.2.1:5001") // same IP, another port
	other := netip.MustParseAddrPort("[2001:db8::7]:5002")
	a := newMDNSPeer(t, sim, 3, "a", addrA, second, other)
	a2 := newMDNSPeer(t, sim, 4, "a2", netip.MustParseAddrPort("192.0.2.1:5003"))
	desc := offerMDNS(t, a)
	desc2 := offerMDNS(t, a2)
	for _, d := range []string{desc.SDP, desc2.SDP} {
		for _, ip := range []string{"192.0.2.1", "2001:db8::7"} {
			if strings.Contains(d, ip) {
				t.Fatalf("the description has %s:\n%s", ip, d)
			}
		}
	}
	names := map[string]netip.Addr{}
	published := map[string]bool{}
	candidates := 0
	for _, e := range a.Events {
		switch e.Kind {
		case EventPublishHostname:
			if !mdns.IsICEName(e.Hostname) {
				t.Errorf("published %q, not a <uuid>.local name", e.Hostname)
			}
			if _, dup := names[e.Hostname]; dup {
				t.Errorf("%s published twice", e.Hostname)
			}
			names[e.Hostname] = e.Addr
			published[e.Hostname] = true
		case EventICECandidate:
			if e.Candidate.Candidate == "" {
				continue
			}
			candidates++
			c, err := ice.ParseCandidate(e.Candidate.Candidate)
			if err != nil {
				t.Fatal(err)
			}
			if c.Hostname == "" || c.Resolved() {
				t.Errorf("candidate with an address: %s", e.Candidate.Candidate)
			}
			if !published[c.Hostname] {
				t.Errorf("candidate %s before its EventPublishHostname", e.Candidate.Candidate)
			}
			if !strings.Contains(desc.SDP, e.Candidate.Candidate) {
				t.Errorf("trickled %s is not in the description", e.Candidate.Candidate)
			}
		}
	}
	if candidates != 3 {
		t.Fatalf("%d candidates, want 3", candidates)
	}
	if len(names) != 2 || names[mustName(t, a, addrA.Addr())] != addrA.Addr() || names[mustName(t, a, other.Addr())] != other.Addr() {
		t.Fatalf("names %v, want one per IP address", names)
	}
	got := a.pc.PublishedHostnames()
	if len(got) != 2 || got[0].Addr != addrA.Addr() || got[1].Addr != other.Addr() {
		t.Fatalf("PublishedHostnames %v", got)
	}
	if mustName(t, a2, addrA.Addr()) == mustName(t, a, addrA.Addr()) {
		t.Fatalf("two PeerConnections share the name of %s", addrA.Addr())
	}
	// An ICE restart keeps the names: they belong to the PeerConnection.
	if err := a.pc.RestartICE(); err != nil {
		t.Fatal(err)
	}
	o, err := a.pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	a.Drain()
	if n := len(a.pc.PublishedHostnames()); n != 2 {
		t.Fatalf("%d names after an ICE restart, want 2", n)
	}
	if d := a.pc.LocalDescription().SDP; !strings.Contains(d, got[0].Hostname) || strings.Contains(d, "192.0.2.1") {
		t.Fatalf("after an ICE restart:\n%s", d)
	}
}

func mustName(t *testing.T, p *peer, addr netip.Addr) string {
	t.Helper()
	for _, h := range p.pc.PublishedHostnames() {
		if h.Addr == addr {
			return h.Hostname
		}
	}
	t.Fatalf("%s: no name for %s", p.name, addr)
	return ""
}

// Off by default: candidates carry IP addresses and nothing is published.
func TestMDNSHostCandidatesOff(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 5})
	a := newPeer(t, sim, 5, "a", addrA)
	d := offerMDNS(t, a)
	if !strings.Contains(d.SDP, "192.0.2.1 5000 typ host") || a.saw(EventPublishHostname) || len(a.pc.PublishedHostnames()) != 0 {
		t.Fatalf("published with MDNSHostCandidates off:\n%s", d.SDP)
	}
}

// Two peers that both publish connect when each resolves the other's
// names (the answers an mDNS querier would give), and the selected pair
// is host to host on both sides. When only one side resolves, the other
// pairs with a peer-reflexive candidate its checks create (RFC 8445
// §7.3.1.3): the agent matches the real addresses, never the names.
func TestMDNSHostCandidatesPair(t *testing.T) {
	for _, tc := range []struct {
		name     string
		resolveB bool // b answers a's names (a always answers b's)
		bRemote  ice.CandidateType
	}{
		{"both-resolve", true, ice.CandidateHost},
		{"one-resolves", false, ice.CandidatePeerReflexive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := netsim.New(netsim.Config{Seed: 9})
			sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
			a := newMDNSPeer(t, sim, 9, "a", addrA)
			b := newMDNSPeer(t, sim, 9, "b", addrB)
			dc, err := a.pc.CreateDataChannel("m", DataChannelInit{})
			if err != nil {
				t.Fatal(err)
			}
			negotiate(t, a, b, nil)
			// rtc takes only candidates with IP addresses from descriptions:
			// hostname candidates come by trickle (as rtc/driver does).
			trickleAll(t, a, b)
			a.Drain()
			b.Drain()
			resolve(t, a, b)
			if tc.resolveB {
				resolve(t, b, a)
			}
			if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 20000); err != nil {
				t.Fatalf("not open: %v", err)
			}
			pa, ok := a.pc.tr.ice.SelectedPair()
			pb, ok2 := b.pc.tr.ice.SelectedPair()
			if !ok || !ok2 {
				t.Fatal("no selected pair")
			}
			if pa.Remote.Type != ice.CandidateHost || pa.Remote.Address != addrB {
				t.Errorf("a's remote: %v %v", pa.Remote.Type, pa.Remote.Address)
			}
			if pb.Remote.Type != tc.bRemote || pb.Remote.Address != addrA {
				t.Errorf("b's remote: %v %v, want %v", pb.Remote.Type, pb.Remote.Address, tc.bRemote)
			}
			if len(a.errs)+len(b.errs) > 0 {
				t.Errorf("errors: a=%v b=%v", a.errs, b.errs)
			}
		})
	}
}

// resolve answers each EventResolveHostname of p with q's published
// address for the name, as an mDNS querier that heard q's responder would.
func resolve(t *testing.T, p, q *peer) {
	t.Helper()
	asked := 0
	for _, e := range p.Events {
		if e.Kind != EventResolveHostname {
			continue
		}
		for _, h := range q.pc.PublishedHostnames() {
			if h.Hostname == e.Hostname {
				asked++
				if err := p.pc.ResolveHostname(h.Hostname, h.Addr); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if asked == 0 {
		t.Fatalf("%s asked for none of %s's names", p.name, q.name)
	}
	p.Drain()
}

// A PeerConnection publishes at most maxHostnames names: a host candidate
// on one more address is not signalled at all (never with its IP) and is
// reported; the others keep their names.
func TestMDNSHostCandidatesLimit(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 11})
	var extra []netip.AddrPort
	for i := range maxHostnames + 8 {
		extra = append(extra, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i / 200), byte(1 + i%200)}), 7000))
	}
	a := newMDNSPeer(t, sim, 11, "a", addrA, extra...)
	desc := offerMDNS(t, a)
	if n := len(a.pc.PublishedHostnames()); n != maxHostnames {
		t.Fatalf("%d names, want %d", n, maxHostnames)
	}
	refused, signalled := 0, 0
	for _, e := range a.Events {
		switch {
		case e.Kind == EventICECandidateError && errors.Is(e.Err, ErrLimit):
			refused++
		case e.Kind == EventICECandidate && e.Candidate.Candidate != "":
			signalled++
		}
	}
	if signalled != maxHostnames || refused != len(extra)+1-maxHostnames {
		t.Fatalf("signalled %d, refused %d of %d addresses", signalled, refused, len(extra)+1)
	}
	if strings.Contains(desc.SDP, "10.1.") || strings.Contains(desc.SDP, "192.0.2.1") {
		t.Fatalf("an address in the description:\n%s", desc.SDP)
	}
}

// Server-reflexive and relayed candidates keep their own (public)
// address but hide the related address, the host address they were
// learned from (raddr 0.0.0.0 or ::, rport 0, as Chromium signals them);
// with MDNSHostCandidates off they are untouched.
func TestMDNSHostCandidatesRelated(t *testing.T) {
	out := &sink{events: shared.NewEventQueue[Event](16)}
	tr := &transport{rand: netsim.NewRand(1, "x")}
	srflx := ice.Candidate{Foundation: "1", Component: 1, Priority: 1, Type: ice.CandidateServerReflexive,
		Address: netip.MustParseAddrPort("203.0.113.5:4000"), Related: netip.MustParseAddrPort("192.168.1.20:5000")}
	relay := srflx
	relay.Type, relay.Address, relay.Related = ice.CandidateRelay, netip.MustParseAddrPort("[2001:db8::9]:3478"), netip.MustParseAddrPort("[2001:db8::20]:5000")
	if c, ok := tr.conceal(srflx, out); !ok || c.Related != srflx.Related {
		t.Fatalf("off: %v %v", c, ok)
	}
	tr.hostnames.on = true
	for _, tc := range []struct {
		in   ice.Candidate
		want string
	}{
		{srflx, "203.0.113.5 4000 typ srflx raddr 0.0.0.0 rport 0"},
		{relay, "2001:db8::9 3478 typ relay raddr :: rport 0"},
	} {
		c, ok := tr.conceal(tc.in, out)
		if s := c.String(); !ok || !strings.Contains(s, tc.want) || strings.Contains(s, "192.168.1.20") || strings.Contains(s, "2001:db8::20") {
			t.Errorf("%s, want %q", s, tc.want)
		}
	}
	if out.events.Len() != 0 || len(tr.hostnames.names) != 0 {
		t.Errorf("names drawn for srflx/relay candidates: %v", tr.hostnames.names)
	}
}
