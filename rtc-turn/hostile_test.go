package turn_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
)

// Adversarial tests: a scripted TURN server that lies. See README "Threat
// model".

var scriptStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// scripted drives a Client against a server written by hand.
type scripted struct {
	t      *testing.T
	c      *turn.Client
	now    time.Time
	events []turn.Event
	reads  []turn.Datagram
	sent   []stun.Message // requests the client sent, in order
}

func newScripted(t *testing.T, cfg turn.Config) *scripted {
	t.Helper()
	cfg.Server, cfg.Local = serverAddr, clientAddr
	cfg.Username, cfg.Password = "user", "pass"
	if cfg.Rand == nil {
		cfg.Rand = netsim.NewRand(1, "scripted")
	}
	c, err := turn.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &scripted{t: t, c: c, now: scriptStart}
	if err := c.HandleTimeout(s.now); err != nil {
		t.Fatal(err)
	}
	return s
}

// drain collects events and reads, and parses every request sent.
func (s *scripted) drain() {
	for m, ok := s.c.PollWrite(); ok; m, ok = s.c.PollWrite() {
		var msg stun.Message
		if turn.IsChannelData(m.Message) {
			continue
		}
		if err := stun.Parse(append([]byte(nil), m.Message...), &msg); err != nil {
			s.t.Fatalf("client sent an unparsable datagram: %v", err)
		}
		if msg.Type.Class == stun.ClassRequest {
			s.sent = append(s.sent, msg)
		}
	}
	for ev, ok := s.c.PollEvent(); ok; ev, ok = s.c.PollEvent() {
		s.events = append(s.events, ev)
	}
	for d, ok := s.c.PollRead(); ok; d, ok = s.c.PollRead() {
		s.reads = append(s.reads, d)
	}
}

// last returns the last request of method m the client sent.
func (s *scripted) last(m stun.Method) stun.Message {
	s.t.Helper()
	s.drain()
	for i := len(s.sent) - 1; i >= 0; i-- {
		if s.sent[i].Type.Method == m {
			return s.sent[i]
		}
	}
	s.t.Fatalf("no %v request sent", m)
	return stun.Message{}
}

func (s *scripted) count(m stun.Method) int {
	s.drain()
	n := 0
	for _, r := range s.sent {
		if r.Type.Method == m {
			n++
		}
	}
	return n
}

// feed hands the client a datagram from the server; the error is returned.
func (s *scripted) feed(b []byte) error {
	err := s.c.HandleRead(shared.TaggedBytes{Now: s.now, Transport: shared.TransportContext{Local: clientAddr, Peer: serverAddr}, Message: b})
	s.drain()
	return err
}

// respond answers req with a success built by add (no integrity: the
// first Allocate goes without credentials).
func (s *scripted) respond(req stun.Message, add func(b *stun.Builder)) error {
	b := stun.NewBuilder(nil, stun.MessageType{Method: req.Type.Method, Class: stun.ClassSuccess}, req.TransactionID)
	add(&b)
	b.AddFingerprint()
	m, err := b.Bytes()
	if err != nil {
		s.t.Fatal(err)
	}
	return s.feed(m)
}

func (s *scripted) has(k turn.EventKind) bool {
	for _, e := range s.events {
		if e.Kind == k {
			return true
		}
	}
	return false
}

// advance runs the client's timers up to d later.
func (s *scripted) advance(d time.Duration, each func()) {
	end := s.now.Add(d)
	for i := 0; i < 100000; i++ {
		next, ok := s.c.PollTimeout()
		if !ok || next.After(end) {
			break
		}
		s.now = next
		if err := s.c.HandleTimeout(s.now); err != nil {
			s.t.Fatal(err)
		}
		s.drain()
		if each != nil {
			each()
		}
	}
	s.now = end
}

// allocate answers the first Allocate with relayed and a LIFETIME.
func (s *scripted) allocate(relayed netip.AddrPort, lifetime uint32) error {
	if err := s.c.Allocate(); err != nil {
		s.t.Fatal(err)
	}
	return s.respond(s.last(stun.MethodAllocate), func(b *stun.Builder) {
		b.AddXORRelayedAddress(relayed)
		b.AddXORMappedAddress(netip.MustParseAddrPort("203.0.113.5:40000"))
		b.AddLifetime(lifetime)
	})
}

var goodRelayed = netip.MustParseAddrPort("203.0.113.200:50000")

// RFC 8656 §7.3: a LIFETIME of 0 (or 1 s) in an Allocate success must not
// make the client refresh after every answer. Lifetimes are clamped, so a
// server answering every Refresh with LIFETIME 1 gets a bounded number of
// them (before: one Refresh per answer, ~750 in 10 minutes).
func TestTinyLifetimesDoNotStormRefreshes(t *testing.T) {
	s := newScripted(t, turn.Config{})
	if err := s.allocate(goodRelayed, 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.c.RelayedAddress(); !ok {
		t.Fatalf("not allocated: %v", s.events)
	}
	answered := 0
	s.advance(10*time.Minute, func() {
		for s.count(stun.MethodRefresh) > answered {
			req := s.sent[len(s.sent)-1]
			answered++
			if err := s.respond(req, func(b *stun.Builder) { b.AddLifetime(1) }); err != nil {
				t.Fatal(err)
			}
		}
	})
	if n := s.count(stun.MethodRefresh); n == 0 || n > 25 {
		t.Fatalf("%d Refresh requests in 10 minutes (want 1..25)", n)
	}
}

// RFC 8656 §8: a Refresh success whose LIFETIME is 0 (we asked for more)
// means the allocation is gone: report it, stop refreshing.
func TestRefreshLifetimeZeroEndsAllocation(t *testing.T) {
	s := newScripted(t, turn.Config{})
	if err := s.allocate(goodRelayed, 600); err != nil {
		t.Fatal(err)
	}
	s.advance(541*time.Second, nil) // the refresh is due a minute early
	req := s.last(stun.MethodRefresh)
	if err := s.respond(req, func(b *stun.Builder) { b.AddLifetime(0) }); err != nil {
		t.Fatal(err)
	}
	if !s.has(turn.EventAllocationLost) {
		t.Fatalf("no EventAllocationLost: %v", s.events)
	}
	if _, ok := s.c.RelayedAddress(); ok {
		t.Fatal("still allocated")
	}
	before := s.count(stun.MethodRefresh)
	s.advance(time.Hour, nil)
	if n := s.count(stun.MethodRefresh); n != before {
		t.Fatalf("%d more Refresh requests after the allocation ended", n-before)
	}
}

// RFC 8656 §7.3: the relayed address must be usable: of the family asked
// for, specified, with a port. Anything else fails the Allocate.
func TestAllocateBadRelayedAddressRejected(t *testing.T) {
	for _, tc := range []struct {
		fam     turn.Family
		relayed string
	}{
		{0, "[2001:db8::1]:50000"},
		{0, "0.0.0.0:0"},
		{0, "0.0.0.0:50000"},
		{0, "203.0.113.200:0"},
		{turn.FamilyIPv6, "203.0.113.200:50000"},
		{turn.FamilyIPv6, "[::]:0"},
		{0, "224.0.0.1:50000"},
		{0, "255.255.255.255:50000"},
	} {
		s := newScripted(t, turn.Config{Family: tc.fam})
		if err := s.allocate(netip.MustParseAddrPort(tc.relayed), 600); err == nil && !s.has(turn.EventAllocateFailed) {
			t.Errorf("%v/%s: no error and no EventAllocateFailed", tc.fam, tc.relayed)
		}
		if a, ok := s.c.RelayedAddress(); ok || a.IsValid() {
			t.Errorf("%v/%s: relayed address %v %v", tc.fam, tc.relayed, a, ok)
		}
		if s.has(turn.EventAllocated) {
			t.Errorf("%v/%s: EventAllocated", tc.fam, tc.relayed)
		}
	}
}

func dataIndication(peer netip.AddrPort, data []byte) []byte {
	b := stun.NewBuilder(nil, stun.MessageType{Method: stun.MethodData, Class: stun.ClassIndication}, stun.TransactionID{7})
	b.AddXORPeerAddress(peer)
	b.AddData(data)
	b.AddFingerprint()
	m, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	return m
}

// RFC 8656 §10.4: a Data indication is discarded unless the allocation
// exists and its peer has a permission; ChannelData likewise needs a bound
// channel of a live allocation (§12.4). Both are counted.
func TestDataWithoutAllocationOrPermissionDiscarded(t *testing.T) {
	s := newScripted(t, turn.Config{})
	dropped := func() uint64 { return s.c.Stats().Dropped }
	d0 := dropped()
	// Before any allocation.
	if err := s.feed(dataIndication(peerAddr, []byte("early"))); err == nil {
		t.Error("Data indication before the allocation accepted")
	}
	if err := s.feed(turn.AppendChannelData(nil, turn.MinChannel, []byte("early"), false)); err == nil {
		t.Error("ChannelData before the allocation accepted")
	}
	if err := s.allocate(goodRelayed, 600); err != nil {
		t.Fatal(err)
	}
	// Allocated, but the peer has no permission.
	if err := s.feed(dataIndication(peerAddr, []byte("noperm"))); err == nil {
		t.Error("Data indication without permission accepted")
	}
	if len(s.reads) != 0 {
		t.Fatalf("delivered %d datagrams", len(s.reads))
	}
	if got := dropped() - d0; got != 3 {
		t.Fatalf("dropped %d, want 3", got)
	}
	// With a permission, the same indication is delivered.
	if err := s.c.CreatePermission(peerAddr); err != nil {
		t.Fatal(err)
	}
	if err := s.respond(s.last(stun.MethodCreatePermission), func(*stun.Builder) {}); err != nil {
		t.Fatal(err)
	}
	if err := s.feed(dataIndication(peerAddr, []byte("ok"))); err != nil {
		t.Fatal(err)
	}
	if len(s.reads) != 1 || string(s.reads[0].Data) != "ok" {
		t.Fatalf("reads %v", s.reads)
	}
}

// Responses whose transaction ID the client never sent change nothing.
func TestUnknownTransactionResponseIgnored(t *testing.T) {
	s := newScripted(t, turn.Config{})
	if err := s.c.Allocate(); err != nil {
		t.Fatal(err)
	}
	req := s.last(stun.MethodAllocate)
	req.TransactionID[0] ^= 0xFF
	if err := s.respond(req, func(b *stun.Builder) { b.AddXORRelayedAddress(goodRelayed) }); err == nil {
		t.Fatal("unmatched response accepted")
	}
	if _, ok := s.c.RelayedAddress(); ok || len(s.events) != 0 {
		t.Fatalf("unmatched response had an effect: %v", s.events)
	}
	if s.c.Stats().Dropped == 0 {
		t.Fatal("not counted")
	}
}

// Channel numbers stay in 0x4000-0x4FFF (RFC 8656 §12): the 4097th binding
// is refused, nothing wraps.
func TestChannelNumbersNeverWrap(t *testing.T) {
	s := newScripted(t, turn.Config{MaxChannels: 5000})
	if err := s.allocate(goodRelayed, 600); err != nil {
		t.Fatal(err)
	}
	bound := 0
	for i := 0; i < 5000; i++ {
		peer := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}), 7000)
		err := s.c.BindChannel(peer)
		if errors.Is(err, turn.ErrLimit) {
			break
		}
		if err != nil && !errors.Is(err, stun.ErrTooManyTransactions) {
			t.Fatalf("bind %d: %v", i, err)
		}
		bound++
		s.drain()
	}
	if bound != 4096 {
		t.Fatalf("%d channel numbers handed out, want 4096", bound)
	}
	for _, r := range s.sent {
		if r.Type.Method != stun.MethodChannelBind {
			continue
		}
		n, err := r.ChannelNumber()
		if err != nil || n < turn.MinChannel || n > turn.MaxChannel {
			t.Fatalf("channel number %#x (%v)", n, err)
		}
	}
}

// A 401 with REALM and NONCE at their maximum length (763 bytes, RFC 8489
// §14.9/§14.10) still authenticates; one byte more is refused as bad input
// without a retry loop.
func TestMaxLengthRealmAndNonce(t *testing.T) {
	for _, n := range []int{763, 764} {
		s := newScripted(t, turn.Config{})
		if err := s.c.Allocate(); err != nil {
			t.Fatal(err)
		}
		req := s.last(stun.MethodAllocate)
		b := stun.NewBuilder(nil, stun.MessageType{Method: stun.MethodAllocate, Class: stun.ClassError}, req.TransactionID)
		b.AddErrorCode(stun.CodeUnauthorized, "")
		b.Add(stun.AttrRealm, []byte(strings.Repeat("r", n)))
		b.Add(stun.AttrNonce, []byte(strings.Repeat("n", n)))
		b.AddFingerprint()
		m, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		ferr := s.feed(m)
		allocs := s.count(stun.MethodAllocate)
		if n == 763 && (ferr != nil || allocs != 2) {
			t.Fatalf("max length: %v, %d Allocate requests (want the authenticated retry)", ferr, allocs)
		}
		if n == 764 && (allocs != 1 || !s.has(turn.EventAllocateFailed)) {
			t.Fatalf("max+1: %d Allocate requests, events %v", allocs, s.events)
		}
	}
}
