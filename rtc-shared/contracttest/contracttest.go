// Package contracttest is the conformance suite of the sans-I/O contract
// (shared.Protocol): every machine of the stack runs it in its own tests.
//
//	func TestContract(t *testing.T) {
//		contracttest.Run(t, contracttest.Subject[[]byte, []byte, sctp.Event, sctp.Event]{
//			New: func(t *testing.T) (shared.Protocol[[]byte, []byte, sctp.Event, sctp.Event], time.Time) {
//				a, err := sctp.NewAssociation(cfg)
//				if err != nil {
//					t.Fatal(err)
//				}
//				return a, t0
//			},
//			RandomRead: func(r *Rand, now time.Time) shared.TaggedBytes { ... },
//		})
//	}
//
// Run checks, each in its own subtest:
//   - ZeroOnFalse: a Poll* that reports false returns the zero value, and a
//     machine implements shared.TimeoutReasoner ("" exactly when there is no
//     deadline).
//   - FixedPoint: one pass of the documented drive loop (Drive) leaves
//     nothing behind: when PollTimeout reports a deadline after the latest
//     time fed in, or none, every Poll* reports false. PollTimeout is never
//     before the latest time fed in, and following it settles (no busy loop).
//   - EarlyTimeout: HandleTimeout with an earlier time (a millisecond
//     earlier, an hour earlier, the zero time) returns nil, produces
//     nothing and leaves the deadline where it was.
//   - Close: after Close, and draining what it produced, PollRead and
//     PollEvent report false forever (through HandleRead and the shutdown's
//     timers), HandleWrite and HandleEvent return errors wrapping
//     shared.ErrClosed, HandleTimeout returns nil or such an error, and a
//     second Close returns nil or such an error. Checked on a fresh
//     machine and after a random history.
//   - EventOverflow (when Subject.FillEvents is set): some Handle* returned
//     an error wrapping shared.ErrQueueFull carrying a *shared.OverflowError,
//     each loss was reported once, and queued plus lost events add up.
//   - Random: seeded random sequences of every verb with random inputs
//     never panic (a panic fails with the seed, the step and the last
//     verbs), with the checks above applied at every step.
//
// Machines that need a peer to reach interesting states can return one that
// is already connected from New (a netsim pair driven to "connected", with
// the other side dropped): the suite only talks to the machine it is given.
//
// This package is test support: it imports testing, draws its random
// inputs from its own seeded generator (Rand) and is never imported by
// protocol code.
package contracttest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Subject describes the machine under test and how to feed it.
type Subject[Rout, Win, Ein, Eout any] struct {
	// New returns a fresh machine and the latest time it has been given
	// (its start; the suite never feeds an earlier time except to check
	// that an earlier HandleTimeout is harmless). Required.
	New func(t *testing.T) (shared.Protocol[Rout, Win, Ein, Eout], time.Time)

	// RandomRead returns a datagram for HandleRead, with Now set to now.
	// The more of them are nearly valid (right transport context, right
	// header, random body), the deeper the random walk goes. If nil,
	// random bytes (0 to 1500 of them) on a zero TransportContext are used.
	RandomRead func(r *Rand, now time.Time) shared.TaggedBytes
	// RandomWrite returns a message for HandleWrite. If nil, the zero Win
	// is written.
	RandomWrite func(r *Rand) Win
	// RandomEvent returns an event for HandleEvent. If nil, the zero Ein
	// is fed.
	RandomEvent func(r *Rand) Ein

	// FillEvents drives m (fresh from New, at time now) with Handle* calls
	// that produce more events than its event queue holds, without ever
	// calling PollEvent (it may drain PollWrite and PollRead). It returns
	// the error of every Handle* call it made and, if it knows it, how many
	// events those calls produced. If nil, the EventOverflow check is
	// skipped.
	FillEvents func(t *testing.T, m shared.Protocol[Rout, Win, Ein, Eout], now time.Time) Fill

	// Steps is the length of each random sequence; if zero, 2000.
	Steps int
	// Seeds are the seeds of the random sequences; if nil, 1, 2, 3 and 4.
	// Half of the sequences (the even seeds) close the machine at a random
	// step and go on with a closed machine.
	Seeds []uint64
}

// Fill is what Subject.FillEvents reports.
type Fill struct {
	// Errs holds the error of every Handle* call made, in order.
	Errs []error
	// Produced is the number of events the calls produced (queued plus
	// lost), or -1 if unknown.
	Produced int
}

func (s *Subject[Rout, Win, Ein, Eout]) steps() int {
	if s.Steps <= 0 {
		return 2000
	}
	return s.Steps
}

func (s *Subject[Rout, Win, Ein, Eout]) seeds() []uint64 {
	if s.Seeds == nil {
		return []uint64{1, 2, 3, 4}
	}
	return s.Seeds
}

// Run runs every check of the contract against s, each as a subtest.
func Run[Rout, Win, Ein, Eout any](t *testing.T, s Subject[Rout, Win, Ein, Eout]) {
	t.Helper()
	if s.New == nil {
		t.Fatal("contracttest: Subject.New is nil")
	}
	for _, c := range checks[Rout, Win, Ein, Eout]() {
		t.Run(c.name, func(t *testing.T) { c.fn(t, t, &s) })
	}
}

// check is one named check. It reports to tb and hands t to Subject.New
// (the two are the same in Run; this package's own tests record tb).
type check[Rout, Win, Ein, Eout any] struct {
	name string
	fn   func(t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout])
}

func checks[Rout, Win, Ein, Eout any]() []check[Rout, Win, Ein, Eout] {
	return []check[Rout, Win, Ein, Eout]{
		{"ZeroOnFalse", checkZeroOnFalse[Rout, Win, Ein, Eout]},
		{"FixedPoint", checkFixedPoint[Rout, Win, Ein, Eout]},
		{"EarlyTimeout", checkEarlyTimeout[Rout, Win, Ein, Eout]},
		{"Close", checkClose[Rout, Win, Ein, Eout]},
		{"EventOverflow", checkEventOverflow[Rout, Win, Ein, Eout]},
		{"Random", checkRandom[Rout, Win, Ein, Eout]},
	}
}

// Output is what one pass of the drive loop returned.
type Output[Rout, Eout any] struct {
	Writes      []shared.TaggedBytes
	Events      []Eout
	Reads       []Rout
	Deadline    time.Time
	HasDeadline bool
}

// Empty reports whether the pass returned no writes, events or reads.
func (o *Output[Rout, Eout]) Empty() bool {
	return len(o.Writes) == 0 && len(o.Events) == 0 && len(o.Reads) == 0
}

// maxPolls bounds one drain so that a Poll* that never reports false fails
// instead of hanging.
const maxPolls = 1 << 16

// Drive runs the documented drain pass once: PollWrite, then PollEvent,
// then PollRead, each until it reports false, then PollTimeout. It fails tb
// if a Poll* that reports false returns a non-zero value, or if one keeps
// reporting true (more than 65536 times). Type arguments cannot be inferred
// from a concrete machine type; name them, or pass m as a shared.Protocol.
func Drive[Rout, Win, Ein, Eout any](tb testing.TB, m shared.Protocol[Rout, Win, Ein, Eout]) Output[Rout, Eout] {
	tb.Helper()
	var o Output[Rout, Eout]
	o.Writes = drain(tb, "PollWrite", m.PollWrite)
	o.Events = drain(tb, "PollEvent", m.PollEvent)
	o.Reads = drain(tb, "PollRead", m.PollRead)
	o.Deadline, o.HasDeadline = m.PollTimeout()
	if !o.HasDeadline && !o.Deadline.IsZero() {
		tb.Fatalf("PollTimeout reported false with the non-zero time %v", o.Deadline)
	}
	return o
}

func drain[T any](tb testing.TB, name string, poll func() (T, bool)) []T {
	tb.Helper()
	var out []T
	for range maxPolls {
		v, ok := poll()
		if !ok {
			if !isZero(v) {
				tb.Fatalf("%s reported false with a non-zero value: %#v", name, v)
			}
			return out
		}
		out = append(out, v)
	}
	tb.Fatalf("%s reported true %d times in one pass", name, maxPolls)
	return out
}

// isZero reports whether v is its type's zero value (a nil interface, a
// nil slice, a zero struct).
func isZero[T any](v T) bool {
	return reflect.ValueOf(&v).Elem().IsZero()
}

// harness holds one machine and the latest time fed to it.
type harness[Rout, Win, Ein, Eout any] struct {
	tb     testing.TB
	m      shared.Protocol[Rout, Win, Ein, Eout]
	now    time.Time // the latest time fed in
	closed bool      // Close was called and its output drained
	errs   int       // errors returned by Handle* calls the check does not judge
}

// note logs the first few errors the check does not judge (random input is
// often invalid) so that a failure report shows what the machine said.
func (h *harness[Rout, Win, Ein, Eout]) note(format string, args ...any) {
	h.tb.Helper()
	h.errs++
	switch {
	case h.errs <= 5:
		h.tb.Logf(format, args...)
	case h.errs == 6:
		h.tb.Logf("(further errors of this machine not shown)")
	}
}

func newHarness[Rout, Win, Ein, Eout any](t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout]) *harness[Rout, Win, Ein, Eout] {
	tb.Helper()
	m, start := s.New(t)
	if m == nil {
		tb.Fatalf("Subject.New returned a nil machine")
	}
	return &harness[Rout, Win, Ein, Eout]{tb: tb, m: m, now: start}
}

// see records a time fed in.
func (h *harness[Rout, Win, Ein, Eout]) see(t time.Time) {
	if t.After(h.now) {
		h.now = t
	}
}

// pass runs Drive and checks the drain rule on its result: the deadline is
// not before now, the reason matches, and when the deadline is later than
// now (or absent) nothing is left to poll. It reports whether the machine
// asked to be called again at once (deadline at now).
func (h *harness[Rout, Win, Ein, Eout]) pass(what string) (Output[Rout, Eout], bool) {
	h.tb.Helper()
	o := Drive(h.tb, h.m)
	if h.closed && (len(o.Events) > 0 || len(o.Reads) > 0) {
		h.tb.Fatalf("%s: after Close, the machine returned %d events and %d reads: %#v %#v", what, len(o.Events), len(o.Reads), o.Events, o.Reads)
	}
	h.checkReason(what, o.HasDeadline)
	if o.HasDeadline && o.Deadline.Before(h.now) {
		h.tb.Fatalf("%s: PollTimeout reported %v, before the latest time fed in %v", what, o.Deadline, h.now)
	}
	if o.HasDeadline && !o.Deadline.After(h.now) {
		return o, true
	}
	// A later deadline (or none) promises that nothing is pending.
	w, wok := h.m.PollWrite()
	e, eok := h.m.PollEvent()
	r, rok := h.m.PollRead()
	if wok || eok || rok {
		h.tb.Fatalf("%s: after one drain pass, PollTimeout reported (%v, %v) with now %v, but output was still pending: write %v %#v, event %v %#v, read %v %#v (the drain rule: PollTimeout reports now while output is pending)",
			what, o.Deadline, o.HasDeadline, h.now, wok, w, eok, e, rok, r)
	}
	return o, false
}

func (h *harness[Rout, Win, Ein, Eout]) checkReason(what string, hasDeadline bool) {
	h.tb.Helper()
	tr, ok := h.m.(shared.TimeoutReasoner)
	if !ok {
		h.tb.Fatalf("%T does not implement shared.TimeoutReasoner", h.m)
	}
	reason := tr.TimeoutReason()
	if hasDeadline && reason == "" {
		h.tb.Fatalf("%s: PollTimeout reported a deadline but TimeoutReason is empty", what)
	}
	if !hasDeadline && reason != "" {
		h.tb.Fatalf("%s: PollTimeout reported no deadline but TimeoutReason is %q", what, reason)
	}
}

// maxSettle bounds settle: a machine that asks to be called at once more
// often than this after one input is busy-looping.
const maxSettle = 100

// settle follows the drive loop until the machine's deadline is later than
// now (or absent), calling HandleTimeout(now) whenever it asks to be called
// at once. Errors from those calls are returned by the last one, joined.
func (h *harness[Rout, Win, Ein, Eout]) settle(what string) (Output[Rout, Eout], error) {
	h.tb.Helper()
	var errs []error
	for range maxSettle {
		o, again := h.pass(what)
		if !again {
			return o, errors.Join(errs...)
		}
		if err := h.m.HandleTimeout(h.now); err != nil {
			errs = append(errs, err)
		}
	}
	h.tb.Fatalf("%s: PollTimeout still reported now (%v) after %d HandleTimeout calls at that time (reason %q): a busy loop",
		what, h.now, maxSettle, reason(h.m))
	return Output[Rout, Eout]{}, nil
}

func reason(m any) string {
	if tr, ok := m.(shared.TimeoutReasoner); ok {
		return tr.TimeoutReason()
	}
	return "(no TimeoutReason)"
}

// close closes the machine, drains what Close produced and marks it closed.
func (h *harness[Rout, Win, Ein, Eout]) close(what string) error {
	h.tb.Helper()
	err := h.m.Close()
	Drive(h.tb, h.m)
	h.closed = true
	return err
}

func checkZeroOnFalse[Rout, Win, Ein, Eout any](t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout]) {
	h := newHarness(t, tb, s)
	if _, err := h.settle("fresh machine"); err != nil {
		h.note("HandleTimeout on a fresh machine: %v", err)
	}
	// Poll again, one by one, well past empty.
	for i := range 3 {
		h.pass(fmt.Sprintf("poll %d on a settled machine", i))
	}
}

func checkFixedPoint[Rout, Win, Ein, Eout any](t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout]) {
	h := newHarness(t, tb, s)
	r := NewRand(0xfeed)
	g := gen[Rout, Win, Ein, Eout]{s: s, r: r}
	// Follow the loop through timers for a while: each input, then
	// settle, then jump to the next deadline.
	for i := range 200 {
		var err error
		switch i % 4 {
		case 0:
			err = h.m.HandleWrite(g.write())
		case 1:
			err = h.m.HandleEvent(g.event())
		case 2:
			msg := g.read(h.now)
			h.see(msg.Now)
			err = h.m.HandleRead(msg)
		}
		if err != nil {
			h.note("step %d: %v", i, err)
		}
		o, err := h.settle(fmt.Sprintf("step %d", i))
		if err != nil {
			h.note("step %d: HandleTimeout: %v", i, err)
		}
		if o.HasDeadline {
			h.see(o.Deadline)
			if err := h.m.HandleTimeout(o.Deadline); err != nil {
				h.note("step %d: HandleTimeout at the deadline: %v", i, err)
			}
		}
	}
}

func checkEarlyTimeout[Rout, Win, Ein, Eout any](t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout]) {
	h := newHarness(t, tb, s)
	g := gen[Rout, Win, Ein, Eout]{s: s, r: NewRand(0xea)}
	for i := range 20 {
		if i > 0 {
			// Move the machine on a little between probes.
			if err := h.m.HandleWrite(g.write()); err != nil {
				h.note("HandleWrite: %v", err)
			}
			h.see(h.now.Add(time.Duration(g.r.IntN(2000)) * time.Millisecond))
			if err := h.m.HandleTimeout(h.now); err != nil {
				h.note("HandleTimeout: %v", err)
			}
		}
		o, err := h.settle("before the early HandleTimeout")
		if err != nil {
			h.note("HandleTimeout: %v", err)
		}
		for _, early := range []time.Time{h.now.Add(-time.Millisecond), h.now.Add(-time.Hour), {}} {
			h.early(early, o)
		}
	}
}

// early feeds a time before now to a settled machine whose last pass was o,
// and checks that it changed nothing.
func (h *harness[Rout, Win, Ein, Eout]) early(at time.Time, o Output[Rout, Eout]) {
	h.tb.Helper()
	if err := h.m.HandleTimeout(at); err != nil {
		h.tb.Fatalf("HandleTimeout(%v), earlier than now %v, returned %v", at, h.now, err)
	}
	p := Drive(h.tb, h.m)
	if !p.Empty() {
		h.tb.Fatalf("HandleTimeout(%v), earlier than now %v, produced %d writes, %d events, %d reads", at, h.now, len(p.Writes), len(p.Events), len(p.Reads))
	}
	if p.HasDeadline != o.HasDeadline || !p.Deadline.Equal(o.Deadline) {
		h.tb.Fatalf("HandleTimeout(%v), earlier than now %v, moved the deadline from (%v, %v) to (%v, %v)", at, h.now, o.Deadline, o.HasDeadline, p.Deadline, p.HasDeadline)
	}
}

func checkClose[Rout, Win, Ein, Eout any](t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout]) {
	for _, history := range []int{0, 300} {
		h := newHarness(t, tb, s)
		seed := 0xc105e + uint64(history)
		w := newWalker(h, s, seed)
		for i := range history {
			w.run(seed, i)
		}
		if _, err := h.settle("before Close"); err != nil {
			h.note("before Close: HandleTimeout: %v", err)
		}
		if err := h.close("Close"); err != nil {
			h.note("after %d random steps: Close: %v", history, err)
		}
		what := fmt.Sprintf("after %d random steps and Close", history)
		h.checkClosedVerbs(what, w.g)
		// Nothing comes out through the shutdown's timers and more input.
		for i := range 50 {
			msg := w.g.read(h.now)
			h.see(msg.Now)
			if err := h.m.HandleRead(msg); err != nil {
				h.note("%s: HandleRead: %v", what, err)
			}
			o, _ := h.pass(fmt.Sprintf("%s, pass %d", what, i))
			next := h.now.Add(time.Second)
			if o.HasDeadline && o.Deadline.After(h.now) {
				next = o.Deadline
			}
			h.see(next)
			if err := h.m.HandleTimeout(next); err != nil && !errors.Is(err, shared.ErrClosed) {
				tb.Fatalf("%s: HandleTimeout returned %v, want nil or an error wrapping shared.ErrClosed", what, err)
			}
			h.pass(fmt.Sprintf("%s, timeout %d", what, i))
		}
		if err := h.m.Close(); err != nil && !errors.Is(err, shared.ErrClosed) {
			tb.Fatalf("%s: a second Close returned %v, want nil or an error wrapping shared.ErrClosed", what, err)
		}
		h.pass(what + " and a second Close")
	}
}

// checkClosedVerbs checks the user-facing verbs of a closed machine.
func (h *harness[Rout, Win, Ein, Eout]) checkClosedVerbs(what string, g gen[Rout, Win, Ein, Eout]) {
	h.tb.Helper()
	if err := h.m.HandleWrite(g.write()); !errors.Is(err, shared.ErrClosed) {
		h.tb.Fatalf("%s: HandleWrite returned %v, want an error wrapping shared.ErrClosed", what, err)
	}
	if err := h.m.HandleEvent(g.event()); !errors.Is(err, shared.ErrClosed) {
		h.tb.Fatalf("%s: HandleEvent returned %v, want an error wrapping shared.ErrClosed", what, err)
	}
	h.pass(what)
}

func checkEventOverflow[Rout, Win, Ein, Eout any](t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout]) {
	if s.FillEvents == nil {
		if t == tb {
			t.Skip("Subject.FillEvents is nil")
		}
		return
	}
	h := newHarness(t, tb, s)
	fill := s.FillEvents(t, h.m, h.now)
	full := false
	var lost, total uint64
	for i, err := range fill.Errs {
		var oe *shared.OverflowError
		if !errors.As(err, &oe) {
			continue // nil, or another error (a full outbox, say)
		}
		full = true
		if !errors.Is(err, shared.ErrQueueFull) {
			tb.Fatalf("call %d returned %v: an OverflowError that does not wrap shared.ErrQueueFull", i, err)
		}
		if oe.Lost == 0 || oe.Total < total+oe.Lost {
			tb.Fatalf("call %d: %#v after %d lost in total: a loss reported twice or miscounted", i, oe, total)
		}
		lost += oe.Lost
		total = oe.Total
	}
	if !full {
		tb.Fatalf("FillEvents made %d Handle* calls and none returned a *shared.OverflowError (wrapping shared.ErrQueueFull): events were lost silently, or FillEvents did not fill the queue (use EventQueue.Report)", len(fill.Errs))
	}
	if lost != total {
		tb.Fatalf("the OverflowErrors reported %d lost events one by one but %d in total", lost, total)
	}
	queued := len(drain(tb, "PollEvent", h.m.PollEvent))
	if queued == 0 {
		tb.Fatalf("the event queue overflowed but PollEvent returned nothing")
	}
	if fill.Produced >= 0 && uint64(queued)+lost != uint64(fill.Produced) {
		tb.Fatalf("%d events produced, but %d queued and %d reported lost", fill.Produced, queued, lost)
	}
	// The loss was reported once: the next call does not report it again.
	if err := h.m.HandleTimeout(h.now); errors.Is(err, shared.ErrQueueFull) {
		tb.Fatalf("HandleTimeout after draining the events reported the loss again: %v", err)
	}
	if _, err := h.settle("after the overflow"); err != nil {
		h.note("after the overflow: HandleTimeout: %v", err)
	}
}

func checkRandom[Rout, Win, Ein, Eout any](t *testing.T, tb testing.TB, s *Subject[Rout, Win, Ein, Eout]) {
	for _, seed := range s.seeds() {
		h := newHarness(t, tb, s)
		w := newWalker(h, s, seed)
		closeAt := -1
		if seed%2 == 0 {
			closeAt = w.g.r.IntN(s.steps())
		}
		for i := range s.steps() {
			if i == closeAt {
				w.do(seed, i, "Close", func() {
					if err := h.close("random Close"); err != nil {
						h.note("seed %d step %d: Close: %v", seed, i, err)
					}
				})
				continue
			}
			w.run(seed, i)
		}
	}
}

// walker runs a random sequence of verbs on one machine.
type walker[Rout, Win, Ein, Eout any] struct {
	h    *harness[Rout, Win, Ein, Eout]
	g    gen[Rout, Win, Ein, Eout]
	last []string // the latest verbs, for a failure report

	// The step in progress, for reportUnfinished.
	seed   uint64
	step   int
	verb   string
	inStep bool
}

func newWalker[Rout, Win, Ein, Eout any](h *harness[Rout, Win, Ein, Eout], s *Subject[Rout, Win, Ein, Eout], seed uint64) *walker[Rout, Win, Ein, Eout] {
	w := &walker[Rout, Win, Ein, Eout]{h: h, g: gen[Rout, Win, Ein, Eout]{s: s, r: NewRand(seed ^ 0x5a115)}}
	h.tb.Cleanup(w.reportUnfinished)
	return w
}

// do runs one verb. A panic is not caught here (test support recovers
// nothing): the walker notes the step it is in, and a Cleanup registered by
// newWalker names the seed, the step and the verbs before it when the test
// ends inside a step, as a panic ends it.
func (w *walker[Rout, Win, Ein, Eout]) do(seed uint64, step int, verb string, f func()) {
	w.h.tb.Helper()
	w.last = append(w.last, verb)
	if len(w.last) > 20 {
		w.last = w.last[1:]
	}
	w.seed, w.step, w.verb, w.inStep = seed, step, verb, true
	f()
	w.inStep = false
}

// reportUnfinished names the step a panic interrupted (a Cleanup).
func (w *walker[Rout, Win, Ein, Eout]) reportUnfinished() {
	if w.inStep {
		w.h.tb.Errorf("seed %d step %d: %s panicked\nlast verbs: %s", w.seed, w.step, w.verb, strings.Join(w.last, ", "))
	}
}

// run picks and runs one random verb, checking the contract on the way.
func (w *walker[Rout, Win, Ein, Eout]) run(seed uint64, step int) {
	h, g := w.h, &w.g
	what := fmt.Sprintf("seed %d step %d", seed, step)
	handled := func(verb string, err error) {
		if err != nil {
			h.note("%s: %s: %v", what, verb, err)
		}
		if h.closed && (verb == "HandleWrite" || verb == "HandleEvent") && !errors.Is(err, shared.ErrClosed) {
			h.tb.Fatalf("%s: %s on a closed machine returned %v, want an error wrapping shared.ErrClosed", what, verb, err)
		}
	}
	switch n := g.r.IntN(100); {
	case n < 20:
		msg := g.read(h.now)
		h.see(msg.Now)
		w.do(seed, step, "HandleRead", func() { handled("HandleRead", h.m.HandleRead(msg)) })
	case n < 30:
		msg := g.write()
		w.do(seed, step, "HandleWrite", func() { handled("HandleWrite", h.m.HandleWrite(msg)) })
	case n < 40:
		evt := g.event()
		w.do(seed, step, "HandleEvent", func() { handled("HandleEvent", h.m.HandleEvent(evt)) })
	case n < 55:
		w.do(seed, step, "HandleTimeout(deadline)", func() {
			if d, ok := h.m.PollTimeout(); ok {
				h.see(d)
			}
			handled("HandleTimeout", h.m.HandleTimeout(h.now))
		})
	case n < 65:
		h.see(h.now.Add(time.Duration(g.r.IntN(3000)) * time.Millisecond))
		w.do(seed, step, "HandleTimeout(later)", func() { handled("HandleTimeout", h.m.HandleTimeout(h.now)) })
	case n < 70:
		at := h.now.Add(-time.Duration(g.r.IntN(3000)+1) * time.Millisecond)
		w.do(seed, step, "HandleTimeout(earlier)", func() { handled("HandleTimeout", h.m.HandleTimeout(at)) })
	case n < 75:
		w.do(seed, step, "PollWrite", func() { pollOne(h, what, "PollWrite", h.m.PollWrite, false) })
	case n < 80:
		w.do(seed, step, "PollEvent", func() { pollOne(h, what, "PollEvent", h.m.PollEvent, h.closed) })
	case n < 85:
		w.do(seed, step, "PollRead", func() { pollOne(h, what, "PollRead", h.m.PollRead, h.closed) })
	case n < 90:
		w.do(seed, step, "PollTimeout", func() {
			d, ok := h.m.PollTimeout()
			if !ok && !d.IsZero() {
				h.tb.Fatalf("%s: PollTimeout reported false with the non-zero time %v", what, d)
			}
			if ok && d.Before(h.now) {
				h.tb.Fatalf("%s: PollTimeout reported %v, before the latest time fed in %v", what, d, h.now)
			}
		})
	default:
		w.do(seed, step, "drive loop", func() {
			if _, err := h.settle(what); err != nil {
				h.note("%s: HandleTimeout: %v", what, err)
			}
		})
	}
}

// pollOne calls one Poll* once and checks the zero-value rule, and that a
// closed machine returns nothing when mustBeEmpty.
func pollOne[T any, Rout, Win, Ein, Eout any](h *harness[Rout, Win, Ein, Eout], what, name string, poll func() (T, bool), mustBeEmpty bool) {
	h.tb.Helper()
	v, ok := poll()
	if !ok && !isZero(v) {
		h.tb.Fatalf("%s: %s reported false with a non-zero value: %#v", what, name, v)
	}
	if ok && mustBeEmpty {
		h.tb.Fatalf("%s: %s returned %#v after Close", what, name, v)
	}
}

// gen makes random inputs, from the Subject's generators or defaults.
type gen[Rout, Win, Ein, Eout any] struct {
	s *Subject[Rout, Win, Ein, Eout]
	r *Rand
}

func (g *gen[Rout, Win, Ein, Eout]) read(now time.Time) shared.TaggedBytes {
	if g.s.RandomRead != nil {
		return g.s.RandomRead(g.r, now)
	}
	b := make([]byte, g.r.IntN(1501))
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return shared.TaggedBytes{Now: now, Message: b}
}

func (g *gen[Rout, Win, Ein, Eout]) write() Win {
	if g.s.RandomWrite != nil {
		return g.s.RandomWrite(g.r)
	}
	var zero Win
	return zero
}

func (g *gen[Rout, Win, Ein, Eout]) event() Ein {
	if g.s.RandomEvent != nil {
		return g.s.RandomEvent(g.r)
	}
	var zero Ein
	return zero
}
