package netsim_test

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-shared/netsim/echo"
)

var (
	clientAddr = netip.MustParseAddrPort("192.0.2.1:5000")
	serverAddr = netip.MustParseAddrPort("198.51.100.1:7")
)

// echoRun runs the reference pair over a link config and returns the sim
// and the client.
func echoRun(t testing.TB, seed uint64, link netsim.LinkConfig, count int) (*netsim.Sim, *echo.Client, error) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed})
	c := echo.NewClient(echo.ClientConfig{Local: clientAddr, Peer: serverAddr, Count: count, Size: 200, MaxRetransmits: 100})
	s := echo.NewServer(0)
	sim.Add(c, clientAddr)
	sim.Add(s, serverAddr)
	sim.SetDefaultLink(link)
	c.Start(sim.Now())
	err := sim.Run(c.Done, 1_000_000)
	return sim, c, err
}

// TestEchoUnderLoss: the stop-and-wait pair completes every message at 30%
// loss in each direction, retransmitting on timeout.
func TestEchoUnderLoss(t *testing.T) {
	const n = 200
	sim, c, err := echoRun(t, 1, netsim.LinkConfig{Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 0.3}, n)
	if err != nil {
		t.Fatalf("seed 1: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("seed 1: client: %v %+v\n%s", c.Err(), c.Stats(), sim.TraceString())
	}
	st := c.Stats()
	if st.Completed != n {
		t.Fatalf("completed %d, want %d", st.Completed, n)
	}
	// Round-trip success is 0.7*0.7 = 0.49, so about one retransmission
	// per message.
	if st.Retransmissions < n/2 || st.Retransmissions > 2*n {
		t.Errorf("retransmissions = %d, want about %d", st.Retransmissions, n)
	}
	t.Logf("%d messages, %d retransmissions, virtual time %v, %d steps", st.Completed, st.Retransmissions, sim.Elapsed(), sim.Stats().Steps)
}

// TestEchoManySeeds: the pair completes under 30% loss for several seeds
// (each failing seed is named).
func TestEchoManySeeds(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		_, c, err := echoRun(t, seed, netsim.LinkConfig{Delay: 5 * time.Millisecond, Loss: 0.3, Reorder: 0.1, Duplicate: 0.1}, 50)
		if err != nil || c.Err() != nil || c.Stats().Completed != 50 {
			t.Errorf("seed %d: err %v, client %v, completed %d", seed, err, c.Err(), c.Stats().Completed)
		}
	}
}

// lossy is a link with every random stage turned on.
var lossy = netsim.LinkConfig{
	Delay: 15 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 0.2,
	Burst:   netsim.BurstLoss{P: 0.02, R: 0.3},
	Reorder: 0.1, Duplicate: 0.05, Bandwidth: 2_000_000, QueueBytes: 4000, Corrupt: 0.02,
}

// TestDeterminism: one seed gives the same run byte for byte, traces, pcap
// and statistics; another seed gives a different run.
func TestDeterminism(t *testing.T) {
	run := func(seed uint64) (*netsim.Sim, []byte) {
		sim, c, err := echoRun(t, seed, lossy, 100)
		if err != nil || c.Err() != nil {
			t.Fatalf("seed %d: %v %v", seed, err, c.Err())
		}
		var pcap bytes.Buffer
		if err := sim.WritePcap(&pcap); err != nil {
			t.Fatal(err)
		}
		return sim, pcap.Bytes()
	}
	a, pa := run(7)
	b, pb := run(7)
	if !reflect.DeepEqual(a.Trace(), b.Trace()) {
		t.Fatal("seed 7: two runs gave different traces")
	}
	if !bytes.Equal(pa, pb) {
		t.Fatal("seed 7: two runs gave different pcaps")
	}
	if a.TraceString() != b.TraceString() || a.Now() != b.Now() || a.Stats() != b.Stats() {
		t.Fatal("seed 7: two runs differ")
	}
	if !reflect.DeepEqual(a.Links(), b.Links()) {
		t.Fatal("seed 7: link stats differ")
	}
	c, pc := run(8)
	if bytes.Equal(pa, pc) || a.TraceString() == c.TraceString() {
		t.Fatal("seeds 7 and 8 gave the same run")
	}
}

// livelock reports a deadline at the current time forever and never
// progresses.
type livelock struct{ now time.Time }

func (l *livelock) HandleRead(shared.TaggedBytes) error   { return nil }
func (l *livelock) PollWrite() (shared.TaggedBytes, bool) { return shared.TaggedBytes{}, false }
func (l *livelock) HandleTimeout(now time.Time) error     { l.now = now; return nil }
func (l *livelock) PollTimeout() (time.Time, bool)        { return l.now, true }

// TestStepLimit: an endpoint whose deadline never moves forward fails the
// run with ErrStepLimit instead of hanging it.
func TestStepLimit(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	sim.Add(&livelock{}, clientAddr)
	err := sim.Run(func() bool { return false }, 1000)
	if !errors.Is(err, netsim.ErrStepLimit) {
		t.Fatalf("Run = %v, want ErrStepLimit", err)
	}
	if got := sim.Stats().Steps; got != 1000 {
		t.Errorf("steps = %d, want 1000", got)
	}
	if !sim.Now().Equal(netsim.DefaultStart) {
		t.Errorf("clock moved to %v", sim.Now())
	}
	if err := sim.RunFor(time.Second, 500); !errors.Is(err, netsim.ErrStepLimit) {
		t.Fatalf("RunFor = %v, want ErrStepLimit", err)
	}
}

// pingpong bounces a datagram back forever on a zero-delay link.
type pingpong struct{ sink }

func (p *pingpong) HandleRead(m shared.TaggedBytes) error {
	p.out = append(p.out, shared.TaggedBytes{Transport: m.Transport, Message: append([]byte(nil), m.Message...)})
	return nil
}

// TestStepLimitPingPong: two endpoints that never stop talking at zero
// delay hit the cap.
func TestStepLimitPingPong(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	a, b := &pingpong{}, &pingpong{}
	sim.Add(a, clientAddr)
	sim.Add(b, serverAddr)
	a.send(clientAddr, serverAddr, "ping")
	if err := sim.Run(nil, 300); !errors.Is(err, netsim.ErrStepLimit) {
		t.Fatalf("Run = %v, want ErrStepLimit", err)
	}
}

// TestIdle: a condition that can never hold on a quiet network fails with
// ErrIdle; a nil condition returns nil when the network is idle.
func TestIdle(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	s := &sink{}
	sim.Add(s, serverAddr)
	if err := sim.Run(func() bool { return false }, 10); !errors.Is(err, netsim.ErrIdle) {
		t.Fatalf("Run = %v, want ErrIdle", err)
	}
	if err := sim.Run(nil, 10); err != nil {
		t.Fatalf("Run(nil) = %v", err)
	}
}

// flood never stops writing.
type flood struct{ sink }

func (f *flood) PollWrite() (shared.TaggedBytes, bool) {
	return shared.TaggedBytes{Transport: shared.TransportContext{Local: clientAddr, Peer: serverAddr}, Message: []byte{1}}, true
}

func TestFlood(t *testing.T) {
	sim := netsim.New(netsim.Config{MaxBurst: 100})
	sim.Add(&flood{}, clientAddr)
	sim.Add(&sink{}, serverAddr)
	if err := sim.Run(nil, 10); !errors.Is(err, netsim.ErrFlood) {
		t.Fatalf("Run = %v, want ErrFlood", err)
	}
}

// timerLog records the times HandleTimeout is called with.
type timerLog struct {
	sink
	deadlines []time.Time
	calls     []time.Time
}

func (l *timerLog) HandleTimeout(now time.Time) error {
	l.calls = append(l.calls, now)
	if len(l.deadlines) > 0 && !now.Before(l.deadlines[0]) {
		l.deadlines = l.deadlines[1:]
	}
	return nil
}

func (l *timerLog) PollTimeout() (time.Time, bool) {
	if len(l.deadlines) == 0 {
		return time.Time{}, false
	}
	return l.deadlines[0], true
}

// TestExactDeadline: HandleTimeout gets exactly the deadline, and the clock
// moves to it; a deadline in the past fires at the current time.
func TestExactDeadline(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	start := sim.Now()
	d1 := start.Add(1234567 * time.Nanosecond)
	d2 := start.Add(time.Hour + 1)
	l := &timerLog{deadlines: []time.Time{d1, d2}}
	sim.Add(l, clientAddr)
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	if len(l.calls) != 2 || !l.calls[0].Equal(d1) || !l.calls[1].Equal(d2) {
		t.Fatalf("calls = %v, want [%v %v]", l.calls, d1, d2)
	}
	if !sim.Now().Equal(d2) {
		t.Errorf("Now = %v, want %v", sim.Now(), d2)
	}
	// A deadline before now fires at now: time never moves backwards.
	l.deadlines = []time.Time{start}
	l.calls = nil
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	if len(l.calls) != 1 || !l.calls[0].Equal(d2) {
		t.Fatalf("past deadline fired with %v, want %v", l.calls, d2)
	}
}

// TestDeliveryBeforeTimerOnTie: at equal times a delivery happens before a
// deadline fires.
func TestDeliveryBeforeTimerOnTie(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	a := &sink{}
	l := &timerLog{deadlines: []time.Time{sim.Now().Add(10 * time.Millisecond)}}
	sim.Add(l, serverAddr) // added first: ties among endpoints would favour it
	sim.Add(a, clientAddr)
	a.send(clientAddr, serverAddr, "x")
	if _, err := sim.Step(); err != nil { // sends, then delivers at 10ms
		t.Fatal(err)
	}
	if len(l.got) != 1 || len(l.calls) != 0 {
		t.Fatalf("first step: %d reads, %d timers; want the read first", len(l.got), len(l.calls))
	}
	if _, err := sim.Step(); err != nil {
		t.Fatal(err)
	}
	if len(l.calls) != 1 || !l.calls[0].Equal(l.got[0].at) {
		t.Fatalf("second step: timers %v", l.calls)
	}
}

// TestRoutingAndCounters covers no-route drops, wildcard ports, the
// default source address, endpoint removal and Inject.
func TestRoutingAndCounters(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: time.Millisecond})
	a, b := &sink{}, &sink{}
	wild := netip.MustParseAddrPort("198.51.100.9:0")
	sim.Add(a, clientAddr)
	sim.Add(b, serverAddr, wild)
	a.send(clientAddr, netip.MustParseAddrPort("203.0.113.99:1"), "nowhere")
	a.send(netip.AddrPort{}, netip.MustParseAddrPort("198.51.100.9:4242"), "wild")
	if err := sim.Run(nil, 100); err != nil {
		t.Fatal(err)
	}
	if st := sim.Stats(); st.NoRoute != 1 || st.Delivered != 1 || st.Sent != 2 {
		t.Errorf("stats = %+v", st)
	}
	if len(b.got) != 1 || b.got[0].from != clientAddr || b.got[0].to.Port() != 4242 {
		t.Fatalf("wildcard delivery = %+v", b.got)
	}
	tr := sim.Trace()
	if len(tr) != 2 || tr[0].Fate != netsim.NoRoute || tr[1].Fate != netsim.Delivered {
		t.Fatalf("trace:\n%s", sim.TraceString())
	}
	// Removed while in flight: unreachable. Next drains what endpoints
	// have to send without performing the delivery.
	a.send(clientAddr, serverAddr, "late")
	if _, ok := sim.Next(); !ok || sim.InFlight() != 1 {
		t.Fatalf("in flight = %d", sim.InFlight())
	}
	sim.Remove(b)
	if err := sim.Run(nil, 100); err != nil {
		t.Fatal(err)
	}
	if sim.Stats().Unreachable != 1 {
		t.Fatalf("unreachable = %d\n%s", sim.Stats().Unreachable, sim.TraceString())
	}
	// Inject reaches a's address from a spoofed source.
	sim.Inject(netip.MustParseAddrPort("192.0.2.66:1"), clientAddr, []byte("garbage"))
	if err := sim.Run(nil, 100); err != nil {
		t.Fatal(err)
	}
	if a.last() != "garbage" {
		t.Fatalf("inject not delivered: %q", a.last())
	}
}

// TestEndpointErrors: errors from HandleRead are counted, or stop the run
// with StopOnError.
func TestEndpointErrors(t *testing.T) {
	for _, stop := range []bool{false, true} {
		sim := netsim.New(netsim.Config{StopOnError: stop})
		a, b := &sink{}, &sink{err: errors.New("bad input")}
		sim.Add(a, clientAddr)
		sim.Add(b, serverAddr)
		a.send(clientAddr, serverAddr, "1")
		a.send(clientAddr, serverAddr, "2")
		err := sim.Run(nil, 100)
		var ee *netsim.EndpointError
		if stop {
			if !errors.As(err, &ee) || ee.Op != "HandleRead" || len(b.got) != 1 {
				t.Fatalf("StopOnError: Run = %v, got %d", err, len(b.got))
			}
			continue
		}
		if err != nil || sim.Stats().ReadErrors != 2 || !errors.As(sim.LastError(), &ee) {
			t.Fatalf("Run = %v, stats %+v, last %v", err, sim.Stats(), sim.LastError())
		}
		if st, _ := sim.EndpointStats(b); st.ReadErrors != 2 || st.Received != 2 {
			t.Fatalf("endpoint stats %+v", st)
		}
	}
}

// mutator scribbles over every message it is handed.
type mutator struct{ sink }

func (m *mutator) HandleRead(msg shared.TaggedBytes) error {
	m.sink.HandleRead(msg)
	for i := range msg.Message {
		msg.Message[i] = 0xee
	}
	return nil
}

// TestBorrowedMessage: an endpoint that modifies the message it is handed
// corrupts neither the trace nor a duplicate.
func TestBorrowedMessage(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	sim.SetDefaultLink(netsim.LinkConfig{Duplicate: 1})
	a, m := &sink{}, &mutator{}
	sim.Add(a, clientAddr)
	sim.Add(m, serverAddr)
	a.send(clientAddr, serverAddr, "hello")
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	if len(m.got) != 2 || string(m.got[0].payload) != "hello" || string(m.got[1].payload) != "hello" {
		t.Fatalf("got %d datagrams: %+v", len(m.got), m.got)
	}
	for _, r := range sim.Trace() {
		if string(r.Payload) != "hello" {
			t.Fatalf("trace payload %q", r.Payload)
		}
	}
}

// TestRunFor: RunFor processes every event up to the end and parks the
// clock there.
func TestRunFor(t *testing.T) {
	sim := netsim.New(netsim.Config{Start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	start := sim.Now()
	b := newBlaster(clientAddr, serverAddr, start, 100*time.Millisecond, 100, nil)
	s := &sink{}
	sim.Add(b, clientAddr)
	sim.Add(s, serverAddr)
	if err := sim.RunFor(time.Second, 0); err != nil {
		t.Fatal(err)
	}
	if !sim.Now().Equal(start.Add(time.Second)) {
		t.Fatalf("Now = %v", sim.Now())
	}
	if len(s.got) != 11 { // t = 0, 100ms, ..., 1000ms inclusive
		t.Fatalf("received %d, want 11", len(s.got))
	}
	if sim.Elapsed() != time.Second || !sim.Start().Equal(start) {
		t.Fatal("Elapsed/Start")
	}
}

// TestSetLinkOverridesDefault: a per-pair link applies in one direction only.
func TestSetLinkOverridesDefault(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	sim.SetLink(clientAddr.Addr(), serverAddr.Addr(), netsim.LinkConfig{Delay: 50 * time.Millisecond})
	a, b := &sink{}, &sink{}
	sim.Add(a, clientAddr)
	sim.Add(b, serverAddr)
	a.send(clientAddr, serverAddr, "ab")
	b.send(serverAddr, clientAddr, "ba")
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	start := sim.Start()
	if got := b.got[0].at.Sub(start); got != 50*time.Millisecond {
		t.Errorf("a->b delay %v, want 50ms", got)
	}
	if got := a.got[0].at.Sub(start); got != 10*time.Millisecond {
		t.Errorf("b->a delay %v, want 10ms", got)
	}
	sim.ClearLink(clientAddr.Addr(), serverAddr.Addr())
	a.send(clientAddr, serverAddr, "ab2")
	now := sim.Now()
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	if got := b.got[1].at.Sub(now); got != 10*time.Millisecond {
		t.Errorf("after ClearLink delay %v, want 10ms", got)
	}
}

// TestNewRand: deterministic per seed and label.
func TestNewRand(t *testing.T) {
	read := func(seed uint64, label string) []byte {
		b := make([]byte, 32)
		if _, err := io.ReadFull(netsim.NewRand(seed, label), b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read(1, "a"), read(1, "a")) {
		t.Fatal("same seed and label differ")
	}
	if bytes.Equal(read(1, "a"), read(1, "b")) || bytes.Equal(read(1, "a"), read(2, "a")) {
		t.Fatal("different seeds or labels agree")
	}
}

// TestWrongSource: a datagram sent from an address that is not the
// sender's (the classic bug: replying with a reversed context) is dropped
// and counted, unless spoofing is allowed.
func TestWrongSource(t *testing.T) {
	for _, allow := range []bool{false, true} {
		sim := netsim.New(netsim.Config{AllowSpoofing: allow})
		a, b := &sink{}, &sink{}
		sim.Add(a, clientAddr)
		sim.Add(b, serverAddr)
		// a "replies" to b with the context reversed: Local is b's address.
		a.send(serverAddr, clientAddr, "reversed")
		a.send(netip.MustParseAddrPort("0.0.0.0:5000"), serverAddr, "unspecified")
		if err := sim.Run(nil, 10); err != nil {
			t.Fatal(err)
		}
		tr := sim.Trace()
		if tr[1].Fate != netsim.Delivered || tr[1].From != clientAddr || b.last() != "unspecified" {
			t.Fatalf("unspecified source not replaced:\n%s", sim.TraceString())
		}
		if allow {
			if a.last() != "reversed" {
				t.Fatalf("spoofing allowed but not delivered:\n%s", sim.TraceString())
			}
			continue
		}
		if tr[0].Fate != netsim.WrongSource || sim.Stats().WrongSource != 1 || len(a.got) != 0 {
			t.Fatalf("wrong source delivered:\n%s", sim.TraceString())
		}
	}
}

// failingTimer returns an error from HandleTimeout once.
type failingTimer struct {
	timerLog
}

func (f *failingTimer) HandleTimeout(now time.Time) error {
	f.timerLog.HandleTimeout(now)
	return errors.New("timer failed")
}

func TestTimeoutErrors(t *testing.T) {
	for _, stop := range []bool{false, true} {
		sim := netsim.New(netsim.Config{StopOnError: stop})
		f := &failingTimer{timerLog{deadlines: []time.Time{sim.Now().Add(time.Second)}}}
		sim.Add(f, clientAddr)
		err := sim.Run(nil, 10)
		var ee *netsim.EndpointError
		if stop != (err != nil) || !errors.As(sim.LastError(), &ee) || ee.Op != "HandleTimeout" || ee.Endpoint != f {
			t.Fatalf("stop=%v: Run %v, last %v", stop, err, sim.LastError())
		}
		if !strings.Contains(ee.Error(), "HandleTimeout: timer failed") || errors.Unwrap(ee) == nil {
			t.Fatalf("error text %q", ee.Error())
		}
		if sim.Stats().TimeoutErrors != 1 {
			t.Fatalf("stats %+v", sim.Stats())
		}
	}
	sim := netsim.New(netsim.Config{})
	if _, ok := sim.EndpointStats(&sink{}); ok || sim.Remove(&sink{}) {
		t.Fatal("unknown endpoint")
	}
	if ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr()); ls.Sent != 0 {
		t.Fatal("unused link")
	}
}

func TestSetLinkBothAndLinks(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	sim.SetLinkBoth(clientAddr.Addr(), serverAddr.Addr(), netsim.LinkConfig{Delay: 7 * time.Millisecond})
	a, b := &sink{}, &sink{}
	sim.Add(a, clientAddr)
	sim.Add(b, serverAddr)
	a.send(clientAddr, serverAddr, "1")
	b.send(serverAddr, clientAddr, "2")
	if err := sim.Run(nil, 10); err != nil {
		t.Fatal(err)
	}
	ls := sim.Links()
	if len(ls) != 2 || ls[0].From != clientAddr.Addr() || ls[1].From != serverAddr.Addr() || ls[0].Delivered != 1 || ls[1].Delivered != 1 {
		t.Fatalf("links %+v", ls)
	}
	if a.got[0].at.Sub(sim.Start()) != 7*time.Millisecond {
		t.Fatal("delay")
	}
	if r := sim.Trace()[0]; !strings.Contains(r.String(), "delivered") {
		t.Fatalf("record string %q", r.String())
	}
}

// TestSoakManySeeds runs the echo pair through every impairment at once on
// many seeds, twice each, checking completion and determinism. It is the
// long test of this package (skipped with -short).
func TestSoakManySeeds(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 10
	}
	for seed := uint64(1000); seed < 1000+seeds; seed++ {
		a, c, err := echoRun(t, seed, lossy, 30)
		if err != nil || c.Err() != nil || c.Stats().Completed != 30 {
			t.Fatalf("seed %d: %v %v %+v", seed, err, c.Err(), c.Stats())
		}
		b, _, _ := echoRun(t, seed, lossy, 30)
		if a.TraceString() != b.TraceString() {
			t.Fatalf("seed %d: not deterministic", seed)
		}
	}
}
