package mdns

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

var (
	t0       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lanLocal = netip.MustParseAddrPort("192.168.77.2:5353")
	lanPeer  = netip.MustParseAddrPort("192.168.77.3:5353")
	lanNet   = netip.MustParsePrefix("192.168.77.0/24")
)

// qharness drives a Querier with a fake clock.
type qharness struct {
	t   *testing.T
	q   *Querier
	now time.Time
}

func newQHarness(t *testing.T, cfg Config) *qharness {
	t.Helper()
	if cfg.Locals == nil {
		cfg.Locals = []netip.AddrPort{lanLocal}
	}
	if cfg.Networks == nil {
		cfg.Networks = []netip.Prefix{lanNet}
	}
	q, err := NewQuerier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &qharness{t: t, q: q, now: t0}
	if err := q.HandleTimeout(t0); err != nil {
		t.Fatal(err)
	}
	return h
}

// advanceToTimer moves to the next deadline and fires it.
func (h *qharness) advanceToTimer() {
	h.t.Helper()
	d, ok := h.q.PollTimeout()
	if !ok {
		h.t.Fatal("no deadline")
	}
	h.now = d
	if err := h.q.HandleTimeout(d); err != nil {
		h.t.Fatal(err)
	}
}

func (h *qharness) writes() []shared.TaggedBytes {
	var out []shared.TaggedBytes
	for {
		m, ok := h.q.PollWrite()
		if !ok {
			return out
		}
		out = append(out, m)
	}
}

func (h *qharness) events() []Event {
	var out []Event
	for {
		e, ok := h.q.PollEvent()
		if !ok {
			return out
		}
		out = append(out, e)
	}
}

// answer feeds a response with one A record for name from lanPeer.
func (h *qharness) answer(name string, addr netip.Addr, ttl uint32) error {
	m := Message{Flags: FlagResponse | FlagAuthoritative, Answers: []Record{AddressRecord(name, addr, ttl, true)}}
	b, err := m.AppendTo(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.q.HandleRead(shared.TaggedBytes{Now: h.now, Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer}, Message: b})
}

// RFC 6762 §5.2: 1 s between the first two queries, then doubling; with
// the default 5 s timeout queries go out at 0, 1 and 3 s and the name
// fails at 5 s.
func TestQuerierSchedule(t *testing.T) {
	h := newQHarness(t, Config{})
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	var sent []time.Duration
	for range 10 {
		for _, w := range h.writes() {
			sent = append(sent, h.now.Sub(t0))
			if w.Transport.Peer != GroupIPv4 || w.Transport.Local != lanLocal {
				t.Fatalf("query went %v", w.Transport)
			}
			m, err := Parse(w.Message)
			if err != nil || len(m.Questions) != 2 || m.Questions[0].Name != testName || m.Response() {
				t.Fatalf("query %+v %v", m, err)
			}
		}
		if ev := h.events(); len(ev) > 0 {
			if h.now.Sub(t0) != 5*time.Second || len(ev) != 1 || ev[0] != (Event{Kind: EventFailed, Name: testName}) {
				t.Fatalf("at %v: events %+v, want one EventFailed at 5s", h.now.Sub(t0), ev)
			}
			break
		}
		if _, ok := h.q.PollTimeout(); !ok {
			break
		}
		h.advanceToTimer()
	}
	want := []time.Duration{0, time.Second, 3 * time.Second}
	if len(sent) != len(want) {
		t.Fatalf("queries at %v, want %v", sent, want)
	}
	for i := range want {
		if sent[i] != want[i] {
			t.Fatalf("queries at %v, want %v", sent, want)
		}
	}
	if _, ok := h.q.PollTimeout(); ok || h.q.TimeoutReason() != "" {
		t.Fatalf("deadline left after failure (%q)", h.q.TimeoutReason())
	}
	if s := h.q.Stats(); s.QueriesSent != 3 || s.Failed != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// A longer timeout shows the doubling and the cap: 0, 1, 3, 7, 11, 15 s
// with MaxInterval 4 s.
func TestQuerierScheduleCap(t *testing.T) {
	h := newQHarness(t, Config{Timeout: 16 * time.Second})
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	var sent []time.Duration
	for range 20 {
		for range h.writes() {
			sent = append(sent, h.now.Sub(t0))
		}
		if len(h.events()) > 0 {
			break
		}
		h.advanceToTimer()
	}
	want := []time.Duration{0, 1, 3, 7, 11, 15}
	if len(sent) != len(want) {
		t.Fatalf("queries at %v, want %v s", sent, want)
	}
	for i := range want {
		if sent[i] != want[i]*time.Second {
			t.Fatalf("queries at %v, want %v s", sent, want)
		}
	}
}

// A caller that wakes up late gets one query, not a burst.
func TestQuerierLateCaller(t *testing.T) {
	h := newQHarness(t, Config{Timeout: 30 * time.Second})
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	h.writes()
	if err := h.q.HandleTimeout(t0); err != nil { // the schedule starts at t0
		t.Fatal(err)
	}
	h.now = t0.Add(10 * time.Second)
	if err := h.q.HandleTimeout(h.now); err != nil {
		t.Fatal(err)
	}
	if n := len(h.writes()); n != 1 {
		t.Fatalf("%d queries after a 10 s gap, want 1", n)
	}
}

func TestQuerierResolves(t *testing.T) {
	h := newQHarness(t, Config{})
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	h.writes()
	addr := netip.MustParseAddr("192.168.77.3")
	// The answer is matched case-insensitively (RFC 1035 §2.3.3).
	upper := "1F0B2C3D-4E5F-4A6B-8C7D-0E1F2A3B4C5D.LOCAL"
	if err := h.answer(upper, addr, 120); err != nil {
		t.Fatal(err)
	}
	ev := h.events()
	if len(ev) != 1 || ev[0] != (Event{Kind: EventResolved, Name: testName, Addr: addr}) {
		t.Fatalf("events %+v", ev)
	}
	if _, ok := h.q.PollTimeout(); ok {
		t.Fatal("deadline left after the answer")
	}
	// Cached: a second Resolve answers at once, without a query.
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	if w := h.writes(); len(w) != 0 {
		t.Fatalf("%d queries for a cached name", len(w))
	}
	if ev := h.events(); len(ev) != 1 || ev[0].Addr != addr {
		t.Fatalf("cached events %+v", ev)
	}
	// After the TTL the cache entry has expired and the name is asked again.
	h.now = t0.Add(121 * time.Second)
	if err := h.q.HandleTimeout(h.now); err != nil {
		t.Fatal(err)
	}
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	if w := h.writes(); len(w) != 1 {
		t.Fatalf("%d queries after the TTL, want 1", len(w))
	}
	// A goodbye (TTL 0, RFC 6762 §10.1) for a cached name removes it.
	if err := h.answer(testName, addr, 120); err != nil {
		t.Fatal(err)
	}
	h.events()
	if err := h.answer(testName, addr, 0); err != nil {
		t.Fatal(err)
	}
	if s := h.q.Stats(); s.Goodbyes != 1 || s.CacheHits != 1 || s.Resolved != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestQuerierIgnores(t *testing.T) {
	h := newQHarness(t, Config{})
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	h.writes()
	other := "2f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d.local"
	if err := h.answer(other, netip.MustParseAddr("192.168.77.9"), 120); err != nil {
		t.Fatal(err)
	}
	mk := func(flags uint16) []byte {
		m := Message{Flags: flags, Answers: []Record{AddressRecord(testName, netip.MustParseAddr("192.168.77.9"), 120, true)}}
		b, err := m.AppendTo(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := mk(FlagResponse)
	// Off-link source, wrong source port: dropped with ErrOffLink.
	for _, peer := range []string{"203.0.113.5:5353", "192.168.77.3:40000"} {
		err := h.q.HandleRead(shared.TaggedBytes{Now: h.now, Transport: shared.TransportContext{Local: lanLocal, Peer: netip.MustParseAddrPort(peer)}, Message: good})
		if !errors.Is(err, ErrOffLink) {
			t.Fatalf("from %s: err = %v, want ErrOffLink", peer, err)
		}
	}
	// Non-zero RCODE (RFC 6762 §18.11) and a query: silently ignored.
	for _, b := range [][]byte{mk(FlagResponse | 3), mk(0)} {
		if err := h.q.HandleRead(shared.TaggedBytes{Now: h.now, Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer}, Message: b}); err != nil {
			t.Fatal(err)
		}
	}
	// Garbage.
	if err := h.q.HandleRead(shared.TaggedBytes{Now: h.now, Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer}, Message: []byte{1, 2, 3}}); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("garbage: %v", err)
	}
	if ev := h.events(); len(ev) != 0 {
		t.Fatalf("events %+v", ev)
	}
	s := h.q.Stats()
	if s.Unsolicited != 1 || s.OffLink != 2 || s.Ignored != 1 || s.Malformed != 1 || s.Resolved != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestQuerierAPIErrors(t *testing.T) {
	h := newQHarness(t, Config{MaxNames: 2})
	if err := h.q.Resolve("printer.local"); !errors.Is(err, ErrBadName) {
		t.Fatalf("printer.local: %v", err)
	}
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	if err := h.q.Resolve(testName); err != nil { // already asked: no second entry
		t.Fatal(err)
	}
	if err := h.q.Resolve("2f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d.local"); err != nil {
		t.Fatal(err)
	}
	err := h.q.Resolve("3f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d.local")
	if !errors.Is(err, ErrTooManyNames) || !errors.Is(err, shared.ErrQueueFull) {
		t.Fatalf("third name: %v", err)
	}
	if n := len(h.writes()); n != 2 {
		t.Fatalf("%d queries, want 2", n)
	}
	if err := h.q.HandleEvent(Command{Kind: CmdPublish}); !errors.Is(err, ErrBadCommand) {
		t.Fatalf("CmdPublish: %v", err)
	}
	if err := h.q.HandleWrite(nil); !errors.Is(err, ErrNoData) {
		t.Fatalf("HandleWrite: %v", err)
	}
	if err := h.q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.q.Resolve(testName); !errors.Is(err, shared.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, err := NewQuerier(Config{Locals: make([]netip.AddrPort, 9)}); err == nil {
		t.Fatal("9 Locals accepted")
	}
}

// A Resolve before the machine has seen any time starts its schedule at
// the first time it sees, instead of failing at once.
func TestQuerierResolveBeforeTime(t *testing.T) {
	q, err := NewQuerier(Config{Locals: []netip.AddrPort{lanLocal}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	if _, ok := q.PollWrite(); !ok {
		t.Fatal("no query")
	}
	if err := q.HandleTimeout(t0); err != nil {
		t.Fatal(err)
	}
	if _, ok := q.PollEvent(); ok {
		t.Fatal("event at the first time seen")
	}
	if d, ok := q.PollTimeout(); !ok || !d.Equal(t0.Add(time.Second)) {
		t.Fatalf("deadline %v %v, want t0+1s", d, ok)
	}
}

// Flood: answers for 10000 different names not asked cost nothing but a
// counter, and the cache never holds more than MaxCache names.
func TestQuerierFloods(t *testing.T) {
	h := newQHarness(t, Config{MaxCache: 4, MaxNames: 64})
	for i := range 10000 {
		name := uuidName(i)
		if err := h.answer(name, netip.MustParseAddr("192.168.77.9"), 120); err != nil {
			t.Fatal(err)
		}
	}
	if s := h.q.Stats(); s.Unsolicited != 10000 || len(h.q.cache) != 0 {
		t.Fatalf("stats %+v, cache %d", s, len(h.q.cache))
	}
	for i := range 64 {
		if err := h.q.Resolve(uuidName(i)); err != nil {
			t.Fatal(err)
		}
	}
	h.writes()
	for i := range 64 {
		if err := h.answer(uuidName(i), netip.MustParseAddr("192.168.77.9"), 120); err != nil && !errors.Is(err, shared.ErrQueueFull) {
			t.Fatal(err)
		}
	}
	if len(h.q.cache) != 4 {
		t.Fatalf("cache holds %d, want MaxCache 4", len(h.q.cache))
	}
}

func uuidName(i int) string {
	return fmt8(i) + "-4e5f-4a6b-8c7d-0e1f2a3b4c5d.local"
}

func fmt8(i int) string {
	const hexd = "0123456789abcdef"
	var b [8]byte
	for j := 7; j >= 0; j-- {
		b[j] = hexd[i&15]
		i >>= 4
	}
	return string(b[:])
}

// The caller's clock moves on without the machine (no datagram, no
// deadline for a minute); a Resolve then is scheduled from the next time
// the machine sees, not from the stale one: it must not fail at once.
func TestQuerierResolveWithStaleClock(t *testing.T) {
	h := newQHarness(t, Config{})
	h.now = t0.Add(time.Minute)
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	if n := len(h.writes()); n != 1 {
		t.Fatalf("%d queries, want 1 at once", n)
	}
	if err := h.q.HandleTimeout(h.now); err != nil {
		t.Fatal(err)
	}
	if ev := h.events(); len(ev) != 0 {
		t.Fatalf("events %+v right after Resolve", ev)
	}
	if n := len(h.writes()); n != 0 {
		t.Fatalf("%d retransmissions right after Resolve", n)
	}
	if d, ok := h.q.PollTimeout(); !ok || !d.Equal(h.now.Add(time.Second)) {
		t.Fatalf("deadline %v %v, want now+1s", d, ok)
	}
}

// An IPv6 link-local source carries the interface as its zone
// (fe80::3%eth0); it is on the link all the same.
func TestQuerierZonedSource(t *testing.T) {
	h := newQHarness(t, Config{Locals: []netip.AddrPort{netip.MustParseAddrPort("[fe80::2]:5353")}, Networks: []netip.Prefix{netip.MustParsePrefix("fe80::/64")}})
	if err := h.q.Resolve(testName); err != nil {
		t.Fatal(err)
	}
	if w := h.writes(); len(w) != 1 || w[0].Transport.Peer != GroupIPv6 {
		t.Fatalf("queries %+v, want one to [ff02::fb]:5353", w)
	}
	addr := netip.MustParseAddr("fe80::3")
	m := Message{Flags: FlagResponse, Answers: []Record{AddressRecord(testName, addr, 120, true)}}
	b, err := m.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	peer := netip.AddrPortFrom(addr.WithZone("eth0"), Port)
	if err := h.q.HandleRead(shared.TaggedBytes{Now: h.now, Transport: shared.TransportContext{Local: GroupIPv6, Peer: peer}, Message: b}); err != nil {
		t.Fatal(err)
	}
	if ev := h.events(); len(ev) != 1 || ev[0].Addr != addr {
		t.Fatalf("events %+v", ev)
	}
	// The default Networks (none configured) accept it too.
	var cfg Config
	if !cfg.onLink(addr.WithZone("eth0")) || cfg.onLink(netip.MustParseAddr("2001:db8::1")) || cfg.onLink(netip.MustParseAddr("8.8.8.8")) {
		t.Fatal("default Networks: wrong verdicts")
	}
}
