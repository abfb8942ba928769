package stun

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

var (
	t0         = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clientAddr = netip.MustParseAddrPort("192.0.2.1:5000")
	serverAddr = netip.MustParseAddrPort("198.51.100.1:3478")
	udpPath    = shared.TransportContext{Local: clientAddr, Peer: serverAddr}
)

func bindingRequest(t testing.TB, id TransactionID) []byte {
	b := NewBuilder(nil, BindingRequest, id)
	b.AddSoftware("test")
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func bindingResponse(t testing.TB, id TransactionID, mapped netip.AddrPort) []byte {
	b := NewBuilder(nil, BindingSuccess, id)
	b.AddXORMappedAddress(mapped)
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// clientHarness drives a Client with a fake clock.
type clientHarness struct {
	t   *testing.T
	c   *Client
	now time.Time
}

func (h *clientHarness) sentAt() []time.Duration {
	var out []time.Duration
	for {
		m, ok := h.c.PollWrite()
		if !ok {
			return out
		}
		out = append(out, m.Now.Sub(t0))
	}
}

// advanceToTimer moves the clock to the next deadline and fires it. It
// stops when the only deadline is "now" because an event waits to be
// polled (the drain rule), which the tests read at the end.
func (h *clientHarness) advanceToTimer() bool {
	d, ok := h.c.PollTimeout()
	if !ok || h.c.TimeoutReason() == "pending" {
		return false
	}
	h.now = d
	if err := h.c.HandleTimeout(d); err != nil {
		h.t.Fatal(err)
	}
	return true
}

// RFC 8489 §6.2.1: "assuming an RTO of 500 ms, requests would be sent at
// times 0 ms, 500 ms, 1500 ms, 3500 ms, 7500 ms, 15500 ms, and 31500 ms. If
// the client has not received a response after 39500 ms, the client will
// consider the transaction to have timed out."
func TestClientRFCSchedule(t *testing.T) {
	h := &clientHarness{t: t, c: NewClient(Config{}), now: t0}
	if err := h.c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, testTID)}); err != nil {
		t.Fatal(err)
	}
	var sent []time.Duration
	sent = append(sent, h.sentAt()...)
	for h.advanceToTimer() {
		sent = append(sent, h.sentAt()...)
	}
	want := []time.Duration{0, 500, 1500, 3500, 7500, 15500, 31500}
	if len(sent) != len(want) {
		t.Fatalf("sent at %v, want %v ms", sent, want)
	}
	for i := range want {
		if sent[i] != want[i]*time.Millisecond {
			t.Errorf("transmission %d at %v, want %v ms", i, sent[i], want[i])
		}
	}
	ev, ok := h.c.PollEvent()
	if !ok || ev.Kind != EventTimeout || ev.TransactionID != testTID || ev.Transmissions != 7 {
		t.Fatalf("event %+v", ev)
	}
	if got := h.now.Sub(t0); got != 39500*time.Millisecond {
		t.Errorf("timed out at %v, want 39.5s", got)
	}
	if _, ok := h.c.PollEvent(); ok {
		t.Error("extra event")
	}
}

func TestClientConfigurableSchedule(t *testing.T) {
	h := &clientHarness{t: t, c: NewClient(Config{RTO: 100 * time.Millisecond, Rc: 3, Rm: 2, MaxRTO: 150 * time.Millisecond}), now: t0}
	must(t, h.c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, testTID)}))
	sent := h.sentAt()
	for h.advanceToTimer() {
		sent = append(sent, h.sentAt()...)
	}
	// 0, 100, 100+150 (capped), then 2*100 later: timeout at 450.
	want := []time.Duration{0, 100 * time.Millisecond, 250 * time.Millisecond}
	if len(sent) != 3 || sent[1] != want[1] || sent[2] != want[2] {
		t.Errorf("sent %v want %v", sent, want)
	}
	if h.now.Sub(t0) != 450*time.Millisecond {
		t.Errorf("timeout at %v", h.now.Sub(t0))
	}
}

// RFC 8489 §6.2.2: over TCP the request is sent once and the transaction
// fails after Ti.
func TestClientReliableTimeout(t *testing.T) {
	h := &clientHarness{t: t, c: NewClient(Config{}), now: t0}
	tcp := udpPath
	tcp.Protocol = shared.TCP
	must(t, h.c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: tcp, Message: bindingRequest(t, testTID)}))
	sent := h.sentAt()
	for h.advanceToTimer() {
		sent = append(sent, h.sentAt()...)
	}
	if len(sent) != 1 {
		t.Errorf("sent %d times over TCP", len(sent))
	}
	if h.now.Sub(t0) != 39500*time.Millisecond {
		t.Errorf("timeout at %v", h.now.Sub(t0))
	}
	if ev, _ := h.c.PollEvent(); ev.Kind != EventTimeout || ev.Transmissions != 1 {
		t.Errorf("event %+v", ev)
	}
}

func TestClientMatchAndCancel(t *testing.T) {
	c := NewClient(Config{MaxTransactions: 2})
	id1, id2, id3 := TransactionID{1}, TransactionID{2}, TransactionID{3}
	for _, id := range []TransactionID{id1, id2} {
		if err := c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, id)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, id3)}); err != ErrTooManyTransactions {
		t.Errorf("third transaction: %v", err)
	}
	if err := c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, id1)}); err != ErrTransactionExists {
		t.Errorf("duplicate ID: %v", err)
	}
	resp := bindingResponse(t, id2, clientAddr)
	now := t0.Add(30 * time.Millisecond)
	if err := c.HandleRead(shared.TaggedBytes{Now: now, Transport: udpPath, Message: resp}); err != nil {
		t.Fatal(err)
	}
	ev, ok := c.PollEvent()
	if !ok || ev.Kind != EventResponse || ev.TransactionID != id2 || ev.RTT != 30*time.Millisecond {
		t.Fatalf("event %+v", ev)
	}
	var m Message
	if err := Parse(ev.Response, &m); err != nil {
		t.Fatal(err)
	}
	if a, err := m.XORMappedAddress(); err != nil || a != clientAddr {
		t.Errorf("mapped %v", a)
	}
	// A late duplicate matches nothing.
	if err := c.HandleRead(shared.TaggedBytes{Now: now, Message: resp}); err != ErrUnmatchedResponse {
		t.Errorf("duplicate response: %v", err)
	}
	if err := c.HandleEvent(Command{Cancel: id1}); err != nil {
		t.Fatal(err)
	}
	if err := c.HandleEvent(Command{Cancel: id1}); err != ErrUnknownTransaction {
		t.Errorf("second cancel: %v", err)
	}
	if c.Outstanding() != 0 {
		t.Errorf("outstanding %d", c.Outstanding())
	}
	if d, ok := c.PollTimeout(); !ok || !d.Equal(now) || c.TimeoutReason() != "pending" {
		t.Errorf("with transmissions waiting to be polled: deadline %v %v (%q), want now (the drain rule)", d, ok, c.TimeoutReason())
	}
	for _, ok := c.PollWrite(); ok; _, ok = c.PollWrite() {
	}
	if _, ok := c.PollTimeout(); ok || c.TimeoutReason() != "" {
		t.Error("deadline with nothing outstanding")
	}
	if s := c.Stats(); s.Requests != 2 || s.Responses != 1 || s.Unmatched != 1 {
		t.Errorf("stats %+v", s)
	}
	if err := c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingResponse(t, id3, clientAddr)}); err != ErrNotRequest {
		t.Errorf("writing a response: %v", err)
	}
	must(t, c.Close())
	if err := c.HandleRead(shared.TaggedBytes{Now: now, Message: resp}); !errors.Is(err, shared.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

// RFC 8489 §6.3.3: a response with unknown comprehension-required
// attributes fails the transaction.
func TestClientUnknownAttributeFails(t *testing.T) {
	c := NewClient(Config{})
	must(t, c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, testTID)}))
	b := NewBuilder(nil, BindingSuccess, testTID)
	b.Add(AttrType(0x7001), []byte{1})
	resp := built(t, &b)
	if err := c.HandleRead(shared.TaggedBytes{Now: t0, Message: resp}); err != nil {
		t.Fatal(err)
	}
	if ev, _ := c.PollEvent(); ev.Kind != EventFailed || len(ev.Unknown) != 1 || ev.Unknown[0] != 0x7001 {
		t.Errorf("event %+v", ev)
	}
}

// Garbage through the public API is counted and refused, never a panic.
func TestClientGarbage(t *testing.T) {
	c := NewClient(Config{})
	inputs := [][]byte{nil, {0}, make([]byte, 20), bindingRequest(t, testTID), {0x80, 1, 2, 3}}
	for _, in := range inputs {
		if err := c.HandleRead(shared.TaggedBytes{Now: t0, Message: in}); err == nil {
			t.Errorf("accepted %x", in)
		}
	}
	if s := c.Stats(); s.Malformed != uint64(len(inputs)) {
		t.Errorf("malformed %d", s.Malformed)
	}
}

// The shared event rule (rtc-shared EventQueue): a response that ends a
// transaction while the event queue is full still ends it; its event is
// dropped, counted and reported by that HandleRead, once.
func TestClientEventQueueLimit(t *testing.T) {
	c := NewClient(Config{MaxEvents: 1})
	for _, id := range []TransactionID{{1}, {2}} {
		must(t, c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, id)}))
	}
	must(t, c.HandleRead(shared.TaggedBytes{Now: t0, Message: bindingResponse(t, TransactionID{1}, clientAddr)}))
	err := c.HandleRead(shared.TaggedBytes{Now: t0, Message: bindingResponse(t, TransactionID{2}, clientAddr)})
	var oe *shared.OverflowError
	if !errors.Is(err, shared.ErrQueueFull) || !errors.As(err, &oe) || oe.Lost != 1 {
		t.Fatalf("full event queue: %v", err)
	}
	if c.Outstanding() != 0 {
		t.Fatalf("%d transactions outstanding: the response was not processed", c.Outstanding())
	}
	if ev, ok := c.PollEvent(); !ok || ev.TransactionID != (TransactionID{1}) {
		t.Fatalf("queued event %v %v", ev, ok)
	}
	// A duplicate of the second response now matches nothing; the loss is
	// not reported twice.
	if err := c.HandleRead(shared.TaggedBytes{Now: t0, Message: bindingResponse(t, TransactionID{2}, clientAddr)}); !errors.Is(err, ErrUnmatchedResponse) || errors.Is(err, shared.ErrQueueFull) {
		t.Errorf("after drain: %v", err)
	}
}

// clientEndpoint drives a Client on netsim: it starts n Binding
// transactions one after another and records their outcomes.
type clientEndpoint struct {
	t       *testing.T
	c       *Client
	n       int
	started int
	ok      int
	timeout int
	rtts    []time.Duration
}

func (e *clientEndpoint) next(now time.Time) {
	if e.started >= e.n || e.c.Outstanding() >= 4 {
		return
	}
	id := TransactionID{byte(e.started >> 8), byte(e.started), 0xAA}
	if err := e.c.HandleWrite(shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingRequest(e.t, id)}); err != nil {
		e.t.Fatal(err)
	}
	e.started++
}

func (e *clientEndpoint) drainEvents(now time.Time) {
	for {
		ev, ok := e.c.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case EventResponse:
			var m Message
			if Parse(ev.Response, &m) != nil || m.CheckFingerprint() != nil {
				e.t.Error("bad response")
			}
			if a, err := m.XORMappedAddress(); err != nil || a != clientAddr {
				e.t.Errorf("mapped %v", a)
			}
			e.ok++
			e.rtts = append(e.rtts, ev.RTT)
		case EventTimeout:
			e.timeout++
		}
	}
	for e.c.Outstanding() < 4 && e.started < e.n {
		e.next(now)
	}
}

func (e *clientEndpoint) HandleRead(m shared.TaggedBytes) error {
	err := e.c.HandleRead(m)
	e.drainEvents(m.Now)
	return err
}
func (e *clientEndpoint) PollWrite() (shared.TaggedBytes, bool) { return e.c.PollWrite() }
func (e *clientEndpoint) HandleTimeout(now time.Time) error {
	err := e.c.HandleTimeout(now)
	e.drainEvents(now)
	return err
}
func (e *clientEndpoint) PollTimeout() (time.Time, bool) { return e.c.PollTimeout() }

// bindingServer answers every Binding request with its source address.
type bindingServer struct {
	t   *testing.T
	out shared.Queue[shared.TaggedBytes]
	msg Message
}

func (s *bindingServer) HandleRead(in shared.TaggedBytes) error {
	if err := Parse(in.Message, &s.msg); err != nil {
		return err
	}
	if s.msg.Type != BindingRequest {
		return ErrNotRequest
	}
	return s.out.Push(shared.TaggedBytes{Now: in.Now, Transport: in.Transport, Message: bindingResponse(s.t, s.msg.TransactionID, in.Transport.Peer)})
}
func (s *bindingServer) PollWrite() (shared.TaggedBytes, bool) { return s.out.Pop() }
func (s *bindingServer) HandleTimeout(time.Time) error         { return nil }
func (s *bindingServer) PollTimeout() (time.Time, bool)        { return time.Time{}, false }

// On a lossy simulated network (30% loss each way), retransmissions carry
// nearly every transaction through; the rest time out on schedule.
func TestClientOnLossyNetwork(t *testing.T) {
	for _, seed := range []uint64{1, 2, 42} {
		sim := netsim.New(netsim.Config{Seed: seed})
		sim.SetDefaultLink(netsim.LinkConfig{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 0.3})
		ce := &clientEndpoint{t: t, c: NewClient(Config{}), n: 200}
		srv := &bindingServer{t: t, out: shared.NewQueue[shared.TaggedBytes](16)}
		sim.Add(ce, clientAddr)
		sim.Add(srv, serverAddr)
		ce.next(sim.Now())
		err := sim.Run(func() bool { return ce.ok+ce.timeout == ce.n }, 100_000)
		if err != nil {
			t.Fatalf("seed %d: %v (ok %d timeout %d)", seed, err, ce.ok, ce.timeout)
		}
		// P(7 round trips all lost) = 0.51^7 ~ 0.9%.
		if ce.ok < 190 {
			t.Errorf("seed %d: only %d of %d succeeded", seed, ce.ok, ce.n)
		}
		s := ce.c.Stats()
		if s.Transmissions <= s.Requests {
			t.Errorf("seed %d: no retransmissions on a lossy link: %+v", seed, s)
		}
		t.Logf("seed %d: %d ok, %d timeouts, stats %+v, virtual %v", seed, ce.ok, ce.timeout, s, sim.Elapsed())
	}
}

// With the server unreachable every transaction times out at 39.5 s.
func TestClientOnDeadNetwork(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 7})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 1})
	ce := &clientEndpoint{t: t, c: NewClient(Config{}), n: 4}
	sim.Add(ce, clientAddr)
	sim.Add(&bindingServer{t: t, out: shared.NewQueue[shared.TaggedBytes](4)}, serverAddr)
	for range 4 {
		ce.next(sim.Now())
	}
	if err := sim.Run(func() bool { return ce.timeout == ce.n }, 10_000); err != nil {
		t.Fatal(err)
	}
	if sim.Elapsed() != 39500*time.Millisecond {
		t.Errorf("all timed out after %v", sim.Elapsed())
	}
	if s := ce.c.Stats(); s.Transmissions != 28 {
		t.Errorf("transmissions %d, want 4*7", s.Transmissions)
	}
}

// Duplicated and reordered datagrams: every transaction ends exactly once,
// late duplicates are counted as unmatched, never delivered twice.
func TestClientDuplicatesAndReordering(t *testing.T) {
	const seed = 9
	sim := netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 30 * time.Millisecond, Jitter: 20 * time.Millisecond,
		Loss: 0.1, Duplicate: 0.3, Reorder: 0.3})
	ce := &clientEndpoint{t: t, c: NewClient(Config{RTO: 50 * time.Millisecond}), n: 100}
	srv := &bindingServer{t: t, out: shared.NewQueue[shared.TaggedBytes](64)}
	sim.Add(ce, clientAddr)
	sim.Add(srv, serverAddr)
	ce.next(sim.Now())
	if err := sim.Run(func() bool { return ce.ok+ce.timeout == ce.n }, 100_000); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	s := ce.c.Stats()
	if s.Responses+s.Timeouts != 100 || uint64(ce.ok) != s.Responses {
		t.Errorf("seed %d: %d events for 100 transactions: %+v", seed, ce.ok+ce.timeout, s)
	}
	if s.Unmatched == 0 {
		t.Errorf("seed %d: duplicates never showed up as unmatched: %+v", seed, s)
	}
	t.Logf("seed %d: %+v", seed, s)
}

// Start gives one transaction its own schedule (ICE's per-check RTO,
// RFC 8445 §14.3): RTO 100 ms, 3 transmissions, 400 ms after the last,
// while another keeps the Config's.
func TestClientPerTransactionSchedule(t *testing.T) {
	h := &clientHarness{t: t, c: NewClient(Config{}), now: t0}
	must(t, h.c.Start(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, testTID)},
		Schedule{RTO: 100 * time.Millisecond, Rc: 3, LastWait: 400 * time.Millisecond}))
	sent := h.sentAt()
	for h.advanceToTimer() {
		sent = append(sent, h.sentAt()...)
	}
	want := []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond}
	if len(sent) != len(want) || sent[1] != want[1] || sent[2] != want[2] {
		t.Fatalf("sent at %v, want %v", sent, want)
	}
	if ev, ok := h.c.PollEvent(); !ok || ev.Kind != EventTimeout || h.now.Sub(t0) != 700*time.Millisecond {
		t.Fatalf("event %+v %v at %v, want a timeout at 700ms", ev, ok, h.now.Sub(t0))
	}
}

// TestClientSteadyStateNoAllocs: start, a transmission and a retransmission
// given back with ReleaseWrite, then a cancel: once warm, a transaction
// allocates nothing (issue 18: ICE consent checks on idle connections).
func TestClientSteadyStateNoAllocs(t *testing.T) {
	c := NewClient(Config{RTO: 100 * time.Millisecond})
	now := t0
	var id TransactionID
	req := bindingRequest(t, id)
	cycle := func() {
		id[0]++
		copy(req[8:20], id[:])
		if err := c.Start(shared.TaggedBytes{Now: now, Transport: udpPath, Message: req}, Schedule{}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(100 * time.Millisecond)
		if err := c.HandleTimeout(now); err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			m, ok := c.PollWrite()
			if !ok {
				break
			}
			if TransactionID(m.Message[8:20]) != id {
				t.Fatalf("transmission of %x, want %x", m.Message[8:20], id)
			}
			n++
			c.ReleaseWrite(m.Message)
		}
		if n != 2 {
			t.Fatalf("%d transmissions, want 2", n)
		}
		if err := c.HandleEvent(Command{Cancel: id}); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	if allocs := testing.AllocsPerRun(100, cycle); allocs != 0 {
		t.Fatalf("%v allocs per transaction", allocs)
	}
}
