package turn_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
	"github.com/sansrtc/rtc/rtc-turn/turntest"
)

var (
	clientAddr = netip.MustParseAddrPort("192.0.2.1:5000")
	serverAddr = netip.MustParseAddrPort("203.0.113.200:3478")
	peerAddr   = netip.MustParseAddrPort("198.51.100.9:7000")
)

// clientEP wraps a Client as a netsim endpoint and collects its output,
// including a copy of every datagram it sends.
type clientEP struct {
	c      *turn.Client
	reads  []turn.Datagram
	events []turn.Event
	sent   [][]byte
}

func (e *clientEP) drain() {
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

func (e *clientEP) HandleRead(m shared.TaggedBytes) error {
	err := e.c.HandleRead(m)
	e.drain()
	return err
}
func (e *clientEP) HandleTimeout(now time.Time) error {
	err := e.c.HandleTimeout(now)
	e.drain()
	return err
}
func (e *clientEP) PollWrite() (shared.TaggedBytes, bool) {
	m, ok := e.c.PollWrite()
	if ok {
		e.sent = append(e.sent, append([]byte(nil), m.Message...))
	}
	return m, ok
}
func (e *clientEP) PollTimeout() (time.Time, bool) { return e.c.PollTimeout() }

func (e *clientEP) has(k turn.EventKind) bool {
	for _, ev := range e.events {
		if ev.Kind == k {
			return true
		}
	}
	return false
}

// echoPeer echoes every datagram back to its source.
type echoPeer struct {
	out []shared.TaggedBytes
	got int
}

func (p *echoPeer) HandleRead(m shared.TaggedBytes) error {
	p.got++
	p.out = append(p.out, shared.TaggedBytes{Transport: m.Transport, Message: append([]byte("echo:"), m.Message...)})
	return nil
}
func (p *echoPeer) PollWrite() (shared.TaggedBytes, bool) {
	if len(p.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	m := p.out[0]
	p.out = p.out[1:]
	return m, true
}
func (p *echoPeer) HandleTimeout(time.Time) error  { return nil }
func (p *echoPeer) PollTimeout() (time.Time, bool) { return time.Time{}, false }

type setup struct {
	sim  *netsim.Sim
	srv  *turntest.Server
	ep   *clientEP
	peer *echoPeer
}

func newSetup(t testing.TB, seed uint64, ccfg turn.Config, scfg turntest.Config, link netsim.LinkConfig) *setup {
	t.Helper()
	ccfg.Server, ccfg.Local = serverAddr, clientAddr
	if ccfg.Username == "" {
		ccfg.Username, ccfg.Password = "test", "test"
	}
	ccfg.Rand = netsim.NewRand(seed, "turn")
	scfg.Addr = serverAddr
	if scfg.Users == nil {
		scfg.Users = map[string]string{"test": "test"}
	}
	c, err := turn.NewClient(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &setup{sim: netsim.New(netsim.Config{Seed: seed}), srv: turntest.New(scfg), ep: &clientEP{c: c}, peer: &echoPeer{}}
	s.sim.SetDefaultLink(link)
	s.sim.Add(s.ep, clientAddr)
	s.sim.Add(s.srv, s.srv.Addrs()...)
	s.sim.Add(s.peer, peerAddr)
	return s
}

func (s *setup) run(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if err := s.sim.Run(cond, 100000); err != nil {
		t.Fatalf("%s: %v; %d events, last %+v", what, err, len(s.ep.events), s.ep.events[max(0, len(s.ep.events)-3):])
	}
}

func (s *setup) allocate(t testing.TB) {
	t.Helper()
	if err := s.ep.c.Allocate(); err != nil {
		t.Fatal(err)
	}
	s.run(t, "allocate", func() bool { return s.ep.has(turn.EventAllocated) || s.ep.has(turn.EventAllocateFailed) })
	if !s.ep.has(turn.EventAllocated) {
		t.Fatalf("allocation failed: %+v", s.ep.events)
	}
}

// roundTrip sends n datagrams to the echo peer, again every 200 ms of
// virtual time while echoes are missing (the relay is not reliable), and
// checks what comes back.
func (s *setup) roundTrip(t *testing.T, n int) {
	t.Helper()
	start := len(s.ep.reads)
	for round := 0; len(s.ep.reads) < start+n; round++ {
		if round == 50 {
			t.Fatalf("only %d of %d echoes; events %v", len(s.ep.reads)-start, n, s.ep.events)
		}
		for i := 0; i < n; i++ {
			if err := s.ep.c.HandleWrite(turn.Datagram{Peer: peerAddr, Data: []byte{byte(i), 1, 2}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.sim.RunFor(200*time.Millisecond, 100000); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range s.ep.reads[start:] {
		if d.Peer != peerAddr || string(d.Data[:5]) != "echo:" {
			t.Fatalf("bad relayed datagram %+v", d)
		}
	}
}

func TestAllocateRelayUDP(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		s := newSetup(t, seed, turn.Config{}, turntest.Config{}, netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.1})
		s.allocate(t)
		relayed, ok := s.ep.c.RelayedAddress()
		if !ok || relayed.Addr() != serverAddr.Addr() {
			t.Fatalf("relayed %v %v", relayed, ok)
		}
		if mapped, ok := s.ep.c.MappedAddress(); !ok || mapped != clientAddr {
			t.Fatalf("mapped %v", mapped)
		}
		s.roundTrip(t, 3)
		s.run(t, "channel", func() bool { return s.ep.has(turn.EventChannelBound) })
		s.roundTrip(t, 5)
		if s.ep.c.Stats().ChannelDataOut == 0 || s.ep.c.Stats().ChannelDataIn == 0 {
			t.Fatalf("seed %d: no ChannelData used: %+v", seed, s.ep.c.Stats())
		}
	}
}

func TestSendIndicationsOnly(t *testing.T) {
	s := newSetup(t, 1, turn.Config{NoChannels: true}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s.allocate(t)
	s.roundTrip(t, 4)
	if st := s.ep.c.Stats(); st.ChannelDataOut != 0 || st.DataSent < 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAllocateTCPFraming(t *testing.T) {
	s := newSetup(t, 2, turn.Config{Protocol: shared.TCP}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s.allocate(t)
	s.roundTrip(t, 3)
	s.run(t, "channel", func() bool { return s.ep.has(turn.EventChannelBound) })
	s.roundTrip(t, 3)
}

func TestSHA256PasswordAlgorithm(t *testing.T) {
	s := newSetup(t, 3, turn.Config{}, turntest.Config{SHA256: true}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s.allocate(t)
	s.roundTrip(t, 2)
	// RFC 8489 §9.2.4: the server offered SHA-256, so every authenticated
	// request names it and carries MESSAGE-INTEGRITY-SHA256 only.
	authed := 0
	for _, b := range s.ep.sent {
		var m stun.Message
		if stun.Parse(b, &m) != nil || m.Type.Class != stun.ClassRequest || !m.HasIntegrity() {
			continue
		}
		authed++
		alg, err := m.PasswordAlgorithm()
		if err != nil || alg != stun.PasswordAlgorithmSHA256 {
			t.Fatalf("%v: PASSWORD-ALGORITHM %v %v", m.Type, alg, err)
		}
		if _, ok := m.Get(stun.AttrMessageIntegrity); ok {
			t.Fatalf("%v: carries MESSAGE-INTEGRITY too", m.Type)
		}
		if _, ok := m.Get(stun.AttrMessageIntegritySHA256); !ok {
			t.Fatalf("%v: no MESSAGE-INTEGRITY-SHA256", m.Type)
		}
	}
	if authed == 0 {
		t.Fatal("no authenticated request sent")
	}
}

func TestWrongCredentials(t *testing.T) {
	s := newSetup(t, 4, turn.Config{Username: "test", Password: "nope"}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	turn.Must(t, s.ep.c.Allocate())
	s.run(t, "allocate", func() bool { return s.ep.has(turn.EventAllocateFailed) })
	var te *turn.Error
	for _, ev := range s.ep.events {
		if ev.Kind == turn.EventAllocateFailed && errors.As(ev.Err, &te) && te.Code == stun.CodeUnauthorized {
			return
		}
	}
	t.Fatalf("want a typed 401, got %+v", s.ep.events)
}

func TestRefreshAndStaleNonce(t *testing.T) {
	s := newSetup(t, 5, turn.Config{Lifetime: 60 * time.Second}, turntest.Config{NonceLifetime: 20 * time.Second}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s.allocate(t)
	s.roundTrip(t, 1)
	// Keep traffic going for ten minutes of virtual time: the allocation
	// (60 s), permissions (300 s) and channels (600 s) must be refreshed,
	// through stale nonces.
	for i := 0; i < 20; i++ {
		if err := s.sim.RunFor(30*time.Second, 100000); err != nil {
			t.Fatal(err)
		}
		s.roundTrip(t, 1)
	}
	if s.srv.Stats.StaleNonces == 0 || s.srv.Stats.Refreshes < 5 {
		t.Fatalf("server stats %+v", s.srv.Stats)
	}
	if s.ep.has(turn.EventAllocationLost) {
		t.Fatal("allocation lost")
	}
}

func TestDeallocate(t *testing.T) {
	s := newSetup(t, 6, turn.Config{}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
	s.allocate(t)
	turn.Must(t, s.ep.c.Close())
	s.ep.drain()
	if !s.ep.has(turn.EventDeallocated) {
		t.Fatal("no EventDeallocated from Close")
	}
	s.run(t, "deallocate", func() bool { done, _ := s.ep.c.Deallocated(); return done })
	if _, err := s.ep.c.Deallocated(); err != nil {
		t.Fatalf("deallocation: %v", err)
	}
	if s.srv.Allocations() != 0 {
		t.Fatal("server still has the allocation")
	}
}

func TestIPv6Relay(t *testing.T) {
	s := newSetup(t, 7, turn.Config{Family: turn.FamilyIPv6}, turntest.Config{RelayIP6: netip.MustParseAddr("2001:db8::200")}, netsim.LinkConfig{})
	s.allocate(t)
	r, ok := s.ep.c.RelayedAddress()
	if !ok || !r.Addr().Is6() {
		t.Fatalf("relayed %v", r)
	}
	s2 := newSetup(t, 8, turn.Config{Family: turn.FamilyIPv6}, turntest.Config{}, netsim.LinkConfig{})
	turn.Must(t, s2.ep.c.Allocate())
	s2.run(t, "allocate", func() bool { return s2.ep.has(turn.EventAllocateFailed) })
}

// A seeded run replays exactly: refreshing several permissions and channels
// at once sends the same bytes every time (no map iteration order leaks
// into the output).
func TestRefreshesReplayExactly(t *testing.T) {
	run := func() [][]byte {
		s := newSetup(t, 9, turn.Config{}, turntest.Config{}, netsim.LinkConfig{Delay: 5 * time.Millisecond})
		s.allocate(t)
		for i := 1; i <= 6; i++ {
			p := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 7000)
			if err := s.ep.c.CreatePermission(p); err != nil {
				t.Fatal(err)
			}
			if err := s.ep.c.BindChannel(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.sim.RunFor(11*time.Minute, 100000); err != nil {
			t.Fatal(err)
		}
		return s.ep.sent
	}
	want := run()
	for i := 0; i < 4; i++ {
		got := run()
		if len(got) != len(want) {
			t.Fatalf("run %d: %d datagrams, want %d", i, len(got), len(want))
		}
		for j := range want {
			if string(got[j]) != string(want[j]) {
				t.Fatalf("run %d: datagram %d differs", i, j)
			}
		}
	}
}
