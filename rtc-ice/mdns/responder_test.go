package mdns

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// seeded is a deterministic Rand.
func seeded(b byte) *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 16*64)) }

func newResponder(t *testing.T, cfg Config) *Responder {
	t.Helper()
	if cfg.Locals == nil {
		cfg.Locals = []netip.AddrPort{lanLocal}
	}
	if cfg.Networks == nil {
		cfg.Networks = []netip.Prefix{lanNet}
	}
	if cfg.Rand == nil {
		cfg.Rand = &cycleRand{}
	}
	r, err := NewResponder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.HandleTimeout(t0); err != nil {
		t.Fatal(err)
	}
	return r
}

func drainWrites(r *Responder) []Message {
	var out []Message
	for {
		w, ok := r.PollWrite()
		if !ok {
			return out
		}
		m, err := Parse(w.Message)
		if err != nil {
			panic(err)
		}
		out = append(out, m)
	}
}

func queryMsg(t testing.TB, name string, typ Type, known ...Record) []byte {
	t.Helper()
	m := Message{Questions: []Question{{Name: name, Type: typ, Class: ClassIN}}, Answers: known}
	b, err := m.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ask(r *Responder, now time.Time, b []byte) error {
	return r.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: GroupIPv4, Peer: lanPeer}, Message: b})
}

// Publish announces twice, one second apart (RFC 6762 §8.3), with the
// cache-flush bit, ID 0, QR and AA, and no question (§6, §10.2, §18.1).
func TestResponderAnnounces(t *testing.T) {
	r := newResponder(t, Config{Rand: seeded(0x5a)})
	addr := netip.MustParseAddr("192.168.77.2")
	name, err := r.Publish(addr)
	if err != nil {
		t.Fatal(err)
	}
	if !IsICEName(name) || name != "5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a.local" {
		t.Fatalf("name %q", name)
	}
	if ev, ok := r.PollEvent(); !ok || ev != (Event{Kind: EventPublished, Name: name, Addr: addr}) {
		t.Fatalf("event %+v", ev)
	}
	if again, err := r.Publish(addr); err != nil || again != name {
		t.Fatalf("second Publish: %q %v", again, err)
	}
	if _, ok := r.PollWrite(); ok {
		t.Fatal("announced before the machine was given the time")
	}
	if err := r.HandleTimeout(t0); err != nil {
		t.Fatal(err)
	}
	w, ok := r.PollWrite()
	if !ok || w.Transport.Peer != GroupIPv4 || w.Transport.Local != lanLocal {
		t.Fatalf("announcement %v %v", w.Transport, ok)
	}
	if want := readVector(t, "announce.hex"); !bytes.Equal(w.Message, want) {
		t.Fatalf("announcement\n%x\nwant\n%x", w.Message, want)
	}
	m, err := Parse(w.Message)
	if err != nil {
		t.Fatal(err)
	}
	want := AddressRecord(name, addr, 120, true)
	if m.ID != 0 || m.Flags != FlagResponse|FlagAuthoritative || len(m.Questions) != 0 || len(m.Answers) != 1 ||
		m.Answers[0].Name != want.Name || !bytes.Equal(m.Answers[0].Data, want.Data) || !m.Answers[0].CacheFlush || m.Answers[0].TTL != 120 {
		t.Fatalf("announcement %+v", m)
	}
	if d, ok := r.PollTimeout(); !ok || !d.Equal(t0.Add(time.Second)) || r.TimeoutReason() != "answer" {
		t.Fatalf("deadline %v %v %q, want t0+1s", d, ok, r.TimeoutReason())
	}
	if err := r.HandleTimeout(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := len(drainWrites(r)); n != 1 {
		t.Fatalf("%d second announcements", n)
	}
	if _, ok := r.PollTimeout(); ok {
		t.Fatal("a third announcement is scheduled")
	}
}

// RFC 6762 §6: at most one multicast of a record per second per
// interface: a flood of queries costs one answer per second.
func TestResponderRateLimit(t *testing.T) {
	r := newResponder(t, Config{})
	addr := netip.MustParseAddr("192.168.77.2")
	name, err := r.Publish(addr)
	if err != nil {
		t.Fatal(err)
	}
	r.PollEvent()
	now := t0
	sent := 0
	// 10 s of queries every 10 ms: 1000 queries.
	for i := range 1000 {
		now = t0.Add(time.Duration(i) * 10 * time.Millisecond)
		if err := r.HandleTimeout(now); err != nil {
			t.Fatal(err)
		}
		if err := ask(r, now, queryMsg(t, name, TypeA)); err != nil {
			t.Fatal(err)
		}
		sent += len(drainWrites(r))
	}
	// Two announcements at 0 and 1 s, then answers at 2, 3, ..., 9 s.
	if sent != 10 {
		t.Fatalf("%d responses in 10 s of queries, want 10", sent)
	}
	if s := r.Stats(); s.ResponsesSent != 10 || s.Questions != 1000 || s.RateLimited != 1000 { // each query came within a second of a multicast
		t.Fatalf("stats %+v", s)
	}
}

func TestResponderAnswers(t *testing.T) {
	r := newResponder(t, Config{})
	addr := netip.MustParseAddr("192.168.77.2")
	name, err := r.Publish(addr)
	if err != nil {
		t.Fatal(err)
	}
	r.PollEvent()
	drainWrites(r)
	now := t0.Add(5 * time.Second) // announcements done
	if err := r.HandleTimeout(now); err != nil {
		t.Fatal(err)
	}
	drainWrites(r)
	for _, tc := range []struct {
		what string
		q    []byte
		want int
	}{
		{"A", queryMsg(t, name, TypeA), 1},
		{"AAAA for an IPv4 record", queryMsg(t, name, TypeAAAA), 0},
		{"ANY", queryMsg(t, name, TypeANY), 1},
		{"another name", queryMsg(t, "2f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d.local", TypeA), 0},
		{"known answer with full TTL (RFC 6762 §7.1)", queryMsg(t, name, TypeA, AddressRecord(name, addr, 120, false)), 0},
		{"known answer with less than half the TTL", queryMsg(t, name, TypeA, AddressRecord(name, addr, 59, false)), 1},
	} {
		now = now.Add(2 * time.Second)
		if err := ask(r, now, tc.q); err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if got := len(drainWrites(r)); got != tc.want {
			t.Fatalf("%s: %d answers, want %d", tc.what, got, tc.want)
		}
	}
	// A legacy unicast query (source port not 5353) is not answered.
	err = r.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: GroupIPv4, Peer: netip.MustParseAddrPort("192.168.77.3:40000")}, Message: queryMsg(t, name, TypeA)})
	if err != nil || len(drainWrites(r)) != 0 {
		t.Fatalf("legacy query: %v", err)
	}
	// Off-link: dropped.
	err = r.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: GroupIPv4, Peer: netip.MustParseAddrPort("203.0.113.1:5353")}, Message: queryMsg(t, name, TypeA)})
	if !errors.Is(err, ErrOffLink) || len(drainWrites(r)) != 0 {
		t.Fatalf("off-link query: %v", err)
	}
	// A conflicting answer for our name is reported.
	other := netip.MustParseAddr("192.168.77.66")
	resp := Message{Flags: FlagResponse, Answers: []Record{AddressRecord(name, other, 120, true)}}
	b, err := resp.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ask(r, now, b); err != nil {
		t.Fatal(err)
	}
	if ev, ok := r.PollEvent(); !ok || ev != (Event{Kind: EventConflict, Name: name, Addr: other}) {
		t.Fatalf("conflict event %+v", ev)
	}
	if s := r.Stats(); s.Legacy != 1 || s.OffLink != 1 || s.Suppressed != 1 || s.Conflicts != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// Unpublish and Close send goodbyes (TTL 0, RFC 6762 §10.1).
func TestResponderGoodbye(t *testing.T) {
	r := newResponder(t, Config{Locals: []netip.AddrPort{lanLocal, netip.MustParseAddrPort("[fe80::2]:5353")}, Networks: []netip.Prefix{lanNet, netip.MustParsePrefix("fe80::/64")}})
	a, err := r.Publish(netip.MustParseAddr("192.168.77.2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(netip.MustParseAddr("fe80::2")); err != nil {
		t.Fatal(err)
	}
	if err := r.HandleTimeout(t0); err != nil {
		t.Fatal(err)
	}
	if n := len(drainWrites(r)); n != 4 { // 2 names x 2 Locals
		t.Fatalf("%d announcements, want 4", n)
	}
	if err := r.Unpublish(a); err != nil {
		t.Fatal(err)
	}
	if err := r.Unpublish(a); !errors.Is(err, ErrUnknownName) {
		t.Fatalf("second Unpublish: %v", err)
	}
	ms := drainWrites(r)
	if len(ms) != 2 || ms[0].Answers[0].TTL != 0 || ms[1].Answers[0].TTL != 0 {
		t.Fatalf("goodbyes %+v", ms)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	ms = drainWrites(r)
	if len(ms) != 2 || ms[0].Answers[0].TTL != 0 {
		t.Fatalf("goodbyes on Close %+v", ms)
	}
	if _, ok := r.PollTimeout(); ok {
		t.Fatal("deadline after Close")
	}
	if _, err := r.Publish(netip.MustParseAddr("192.168.77.2")); !errors.Is(err, shared.ErrClosed) {
		t.Fatalf("Publish after Close: %v", err)
	}
}

func TestResponderLimits(t *testing.T) {
	r := newResponder(t, Config{MaxNames: 2})
	for _, a := range []string{"0.0.0.0", "224.0.0.251", "::"} {
		if _, err := r.Publish(netip.MustParseAddr(a)); !errors.Is(err, ErrBadAddress) {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if _, err := r.Publish(netip.Addr{}); !errors.Is(err, ErrBadAddress) {
		t.Fatal(err)
	}
	for _, a := range []string{"192.168.77.2", "192.168.77.3"} {
		if _, err := r.Publish(netip.MustParseAddr(a)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Publish(netip.MustParseAddr("192.168.77.4")); !errors.Is(err, ErrTooManyNames) {
		t.Fatalf("third name: %v", err)
	}
	r2 := newResponder(t, Config{Rand: bytes.NewReader(nil)})
	if _, err := r2.Publish(netip.MustParseAddr("192.168.77.2")); err == nil {
		t.Fatal("Publish with an empty Rand succeeded")
	}
	// A Rand that repeats itself: the second name is drawn four times,
	// then refused, instead of publishing two addresses under one name.
	r3 := newResponder(t, Config{Rand: seeded(0x5a)})
	if _, err := r3.Publish(netip.MustParseAddr("192.168.77.2")); err != nil {
		t.Fatal(err)
	}
	if _, err := r3.Publish(netip.MustParseAddr("192.168.77.3")); err == nil || len(r3.records) != 1 {
		t.Fatalf("a repeated name was published: %v", err)
	}
}

// A Publish before the machine has seen any time still announces twice,
// one second apart, counted from the first time it sees.
func TestResponderPublishBeforeTime(t *testing.T) {
	r, err := NewResponder(Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet}, Rand: &cycleRand{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(netip.MustParseAddr("192.168.77.2")); err != nil {
		t.Fatal(err)
	}
	if n := len(drainWrites(r)); n != 0 {
		t.Fatalf("%d announcements before any time, want 0", n)
	}
	if ev, ok := r.PollEvent(); !ok || ev.Kind != EventPublished {
		t.Fatalf("event %+v", ev)
	}
	if d, ok := r.PollTimeout(); !ok || !d.IsZero() || r.TimeoutReason() != "pending" {
		t.Fatalf("deadline %v %v %q, want the zero time (call HandleTimeout at once)", d, ok, r.TimeoutReason())
	}
	if err := r.HandleTimeout(t0); err != nil {
		t.Fatal(err)
	}
	if n := len(drainWrites(r)); n != 1 {
		t.Fatalf("%d announcements at the first time seen, want 1", n)
	}
	if d, ok := r.PollTimeout(); !ok || !d.Equal(t0.Add(time.Second)) {
		t.Fatalf("deadline %v %v, want t0+1s", d, ok)
	}
}

// A Publish after the caller's clock moved on without the machine: the
// announcements are one second apart in the caller's time.
func TestResponderPublishWithStaleClock(t *testing.T) {
	r := newResponder(t, Config{})
	if _, err := r.Publish(netip.MustParseAddr("192.168.77.2")); err != nil {
		t.Fatal(err)
	}
	if ev, ok := r.PollEvent(); !ok || ev.Kind != EventPublished {
		t.Fatalf("event %+v", ev)
	}
	now := t0.Add(time.Minute)
	sent := len(drainWrites(r))
	if err := r.HandleTimeout(now); err != nil {
		t.Fatal(err)
	}
	sent += len(drainWrites(r))
	if sent != 1 {
		t.Fatalf("%d announcements at the first real time, want 1", sent)
	}
	if d, ok := r.PollTimeout(); !ok || !d.Equal(now.Add(time.Second)) {
		t.Fatalf("deadline %v %v, want now+1s", d, ok)
	}
}

// PublishName answers for a name drawn elsewhere; two names may stand for
// one address (one per PeerConnection); a name keeps its address.
func TestResponderPublishName(t *testing.T) {
	r := newResponder(t, Config{MaxNames: 2})
	a, err := NewName(seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewName(seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.PublishName(a, pubHost); err != nil {
		t.Fatal(err)
	}
	if err := r.PublishName(strings.ToUpper(a), pubHost); err != nil {
		t.Fatalf("same name, same address again: %v", err)
	}
	if err := r.PublishName(a, netip.MustParseAddr("192.168.77.9")); !errors.Is(err, ErrNameInUse) {
		t.Fatalf("same name, another address: %v", err)
	}
	if err := r.PublishName(b, pubHost); err != nil {
		t.Fatalf("second name for the same address: %v", err)
	}
	c, err := NewName(seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.PublishName(c, pubHost); !errors.Is(err, ErrTooManyNames) {
		t.Fatalf("past MaxNames: %v", err)
	}
	if err := r.PublishName("printer.local", pubHost); !errors.Is(err, ErrBadName) {
		t.Fatalf("not a uuid name: %v", err)
	}
	if err := r.PublishName(c, netip.IPv4Unspecified()); !errors.Is(err, ErrBadAddress) {
		t.Fatalf("unspecified address: %v", err)
	}
	for _, want := range []string{a, b} {
		ev, ok := r.PollEvent()
		if !ok || ev.Kind != EventPublished || ev.Name != want || ev.Addr != pubHost {
			t.Fatalf("event %+v, want published %s", ev, want)
		}
	}
	if err := r.HandleTimeout(t0.Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got := drainWrites(r); len(got) != 2 {
		t.Fatalf("announcements: %d, want 2", len(got))
	}
	if err := r.HandleRead(shared.TaggedBytes{Now: t0.Add(2 * time.Second), Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer},
		Message: queryMsg(t, b, TypeA)}); err != nil {
		t.Fatal(err)
	}
	got := drainWrites(r)
	var answered bool
	for _, m := range got {
		if len(m.Answers) == 1 && m.Answers[0].Name == b {
			addr, _ := m.Answers[0].Addr()
			answered = addr == pubHost && m.Answers[0].TTL == 120
		}
	}
	if !answered {
		t.Fatalf("no answer for %s: %+v", b, got)
	}
	if err := r.Unpublish(a); err != nil {
		t.Fatal(err)
	}
	if got := drainWrites(r); len(got) != 1 || got[0].Answers[0].TTL != 0 {
		t.Fatalf("goodbye: %+v", got)
	}
	if err := r.PublishName(c, pubHost); err != nil {
		t.Fatalf("room after the goodbye: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.PublishName(a, pubHost); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

var pubHost = netip.MustParseAddr("192.168.77.2")
