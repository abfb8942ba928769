package turninterop

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	turn "github.com/sansrtc/rtc/rtc-turn"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// turnEP wraps our TURN client for the runner.
type turnEP struct {
	peers.Endpoint
	c      *turn.Client
	events []turn.Event
	reads  []turn.Datagram
}

func (e *turnEP) drain() {
	for {
		ev, ok := e.c.PollEvent()
		if !ok {
			break
		}
		e.events = append(e.events, ev)
	}
	for {
		d, ok := e.c.PollRead()
		if !ok {
			break
		}
		e.reads = append(e.reads, d)
	}
}
func (e *turnEP) has(k turn.EventKind) (turn.Event, bool) {
	for _, ev := range e.events {
		if ev.Kind == k {
			return ev, true
		}
	}
	return turn.Event{}, false
}

// echoPeer is a plain UDP socket on loopback that echoes what it gets.
func echoPeer(t *testing.T) netip.AddrPort {
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := u.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			u.WriteToUDPAddrPort(append([]byte("echo:"), buf[:n]...), from)
		}
	}()
	return u.LocalAddr().(*net.UDPAddr).AddrPort()
}

func testClient(t *testing.T, proto shared.TransportProtocol) {
	testClientWith(t, peers.StartCoturn(t), proto)
}

func testClientWith(t *testing.T, server netip.AddrPort, proto shared.TransportProtocol) {
	peer := echoPeer(t)
	r := peers.NewRunner(t)
	ep := &turnEP{}
	var local netip.AddrPort
	if proto == shared.TCP {
		local = r.DialTCP(ep, server)
	} else {
		local = r.ListenUDP(ep)
	}
	c, err := turn.NewClient(turn.Config{Server: server, Local: local, Protocol: proto, Username: "test", Password: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ep.c = c
	ep.Endpoint = peers.Endpoint{Machine: c, Drain: ep.drain}
	if err := c.Allocate(); err != nil {
		t.Fatal(err)
	}
	if err := r.Run("allocate", 5*time.Second, func() bool {
		_, ok1 := ep.has(turn.EventAllocated)
		_, ok2 := ep.has(turn.EventAllocateFailed)
		return ok1 || ok2
	}); err != nil {
		t.Fatal(err)
	}
	ev, ok := ep.has(turn.EventAllocated)
	if !ok {
		t.Fatalf("allocation failed: %+v", ep.events)
	}
	t.Logf("%v: relayed %v mapped %v lifetime %v", proto, ev.Relayed, ev.Mapped, ev.Lifetime)
	// Both directions, first through Send/Data indications and then, once
	// the channel is bound, through ChannelData.
	for round := 0; round < 2; round++ {
		start := len(ep.reads)
		for i := 0; i < 5; i++ {
			if err := c.HandleWrite(turn.Datagram{Peer: peer, Data: []byte(fmt.Sprintf("r%d-%d", round, i))}); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Run("relay", 5*time.Second, func() bool { return len(ep.reads) >= start+5 }); err != nil {
			t.Fatalf("%v (events %+v)", err, ep.events)
		}
		for _, d := range ep.reads[start:] {
			if d.Peer != peer || !bytes.HasPrefix(d.Data, []byte("echo:r")) {
				t.Fatalf("unexpected %+v", d)
			}
		}
		if round == 0 {
			if err := r.Run("channel", 5*time.Second, func() bool { _, ok := ep.has(turn.EventChannelBound); return ok }); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := c.Stats()
	if st.ChannelDataOut == 0 || st.ChannelDataIn == 0 {
		t.Fatalf("ChannelData not used: %+v", st)
	}
	t.Logf("%v: stats %+v", proto, st)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Run("deallocate", 5*time.Second, func() bool { done, _ := c.Deallocated(); return done }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deallocated(); err != nil {
		t.Fatalf("deallocate: %v", err)
	}
}

func TestCoturnClientUDP(t *testing.T) { testClient(t, shared.UDP) }
func TestCoturnClientTCP(t *testing.T) { testClient(t, shared.TCP) }

// iceEP wraps an ICE agent for the runner and trickles to its peer.
type iceEP struct {
	peers.Endpoint
	t     *testing.T
	a     *ice.Agent
	other *iceEP
	reads [][]byte
}

func (e *iceEP) drain() {
	for {
		ev, ok := e.a.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case ice.EventLocalCandidate:
			if err := e.other.a.AddRemoteCandidateString(ev.Candidate.String()); err != nil {
				e.t.Errorf("trickle: %v", err)
			}
		case ice.EventGatheringState:
			if ev.GatheringState == ice.GatheringComplete {
				e.other.a.EndOfRemoteCandidates()
			}
		}
	}
	for {
		m, ok := e.a.PollRead()
		if !ok {
			break
		}
		e.reads = append(e.reads, m.Message)
	}
}
func (e *iceEP) nominated() bool {
	sp, ok := e.a.SelectedPair()
	return ok && sp.Nominated
}

func TestCoturnICERelayOnly(t *testing.T)    { testICERelay(t, shared.UDP) }
func TestCoturnICERelayOnlyTCP(t *testing.T) { testICERelay(t, shared.TCP) }

func testICERelay(t *testing.T, proto shared.TransportProtocol) {
	server := peers.StartCoturn(t)
	r := peers.NewRunner(t)
	cfg := func(role ice.Role) ice.Config {
		return ice.Config{Role: role, RelayOnly: true,
			TURNServers: []ice.TURNServer{{Address: server, Protocol: proto, Username: "test", Password: "test"}}}
	}
	a, err := ice.NewAgent(cfg(ice.RoleControlling))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ice.NewAgent(cfg(ice.RoleControlled))
	if err != nil {
		t.Fatal(err)
	}
	ea, eb := &iceEP{t: t, a: a}, &iceEP{t: t, a: b}
	ea.other, eb.other = eb, ea
	ea.Endpoint = peers.Endpoint{Machine: a, Drain: ea.drain}
	eb.Endpoint = peers.Endpoint{Machine: b, Drain: eb.drain}
	u, p := b.LocalCredentials()
	must(t, a.SetRemoteCredentials(u, p))
	u, p = a.LocalCredentials()
	must(t, b.SetRemoteCredentials(u, p))
	now := time.Now()
	must(t, a.HandleTimeout(now))
	must(t, b.HandleTimeout(now))
	must(t, a.AddLocalAddress(r.ListenUDP(ea), shared.UDP))
	a.EndOfLocalAddresses()
	must(t, b.AddLocalAddress(r.ListenUDP(eb), shared.UDP))
	b.EndOfLocalAddresses()
	ea.drain()
	eb.drain()
	if err := r.Run("connect", 10*time.Second, func() bool { return ea.nominated() && eb.nominated() }); err != nil {
		t.Fatalf("%v: A %v B %v", err, a.ConnectionState(), b.ConnectionState())
	}
	sa, _ := a.SelectedPair()
	if sa.Local.Type != ice.CandidateRelay || sa.Remote.Type != ice.CandidateRelay {
		t.Fatalf("selected %v -> %v", sa.Local, sa.Remote)
	}
	t.Logf("selected %s -> %s via %v", sa.Local.Address, sa.Remote.Address, sa.Transport)
	for i := 0; i < 3; i++ {
		must(t, a.HandleWrite([]byte("ping")))
		must(t, b.HandleWrite([]byte("pong")))
	}
	if err := r.Run("data", 5*time.Second, func() bool { return len(ea.reads) > 0 && len(eb.reads) > 0 }); err != nil {
		t.Fatal(err)
	}
	if string(ea.reads[0]) != "pong" || string(eb.reads[0]) != "ping" {
		t.Fatalf("got %q / %q", ea.reads[0], eb.reads[0])
	}
}
