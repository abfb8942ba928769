package contracttest

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// toy is a tiny machine that follows the contract: a stop-and-wait sender
// with retransmission ("D" data, "A" ack), a bounded read queue whose
// draining owes the peer a window update ("W", the case that made the
// drive loop not a fixed point), and events echoed from HandleEvent. Its
// bug field switches on one contract violation at a time.
type toy struct {
	bug     string
	clock   shared.Clock
	writes  shared.Queue[shared.TaggedBytes]
	reads   shared.Queue[string]
	events  shared.EventQueue[int]
	unacked []byte
	rtx     time.Time
	tries   int
	closed  bool
}

const toyEventLimit = 8

var errToyClosed = fmt.Errorf("toy: closed: %w", shared.ErrClosed)

func newToy(bug string) *toy {
	m := &toy{bug: bug, writes: shared.NewQueue[shared.TaggedBytes](64), reads: shared.NewQueue[string](4), events: shared.NewEventQueue[int](toyEventLimit)}
	m.events.SetName("toy events")
	m.clock.Advance(t0)
	return m
}

func (m *toy) report(err error) error {
	if m.bug == "silent" {
		m.events.Err() // the loss is swallowed
		return err
	}
	return m.events.Report(err)
}

func (m *toy) send(b string) {
	if m.writes.Push(shared.TaggedBytes{Now: m.clock.Now(), Message: []byte(b)}) != nil {
		m.unacked = nil // a full outbox loses nothing the peer needs: rtx resends
	}
}

func (m *toy) HandleRead(msg shared.TaggedBytes) error {
	m.clock.Advance(msg.Now)
	if m.closed && m.bug != "afterclose" {
		return errToyClosed
	}
	if len(msg.Message) == 0 {
		return m.report(errors.New("toy: empty datagram"))
	}
	if m.bug == "panic" && msg.Message[0] >= 0xf0 {
		var p *toy
		return p.HandleRead(msg) // nil dereference
	}
	switch msg.Message[0] {
	case 'A':
		if m.unacked != nil {
			m.unacked, m.rtx, m.tries = nil, time.Time{}, 0
			m.events.Push(1)
		}
	case 'D':
		if err := m.reads.Push(string(msg.Message[1:])); err != nil {
			return m.report(fmt.Errorf("toy: read queue: %w", err))
		}
		m.events.Push(2)
		m.send("A")
	default:
		return m.report(errors.New("toy: unknown datagram"))
	}
	return m.report(nil)
}

func (m *toy) PollRead() (string, bool) {
	s, ok := m.reads.Pop()
	if !ok && m.bug == "nonzero" {
		return "junk", false
	}
	if ok {
		m.send("W") // room again: the peer is owed a window update
	}
	return s, ok
}

func (m *toy) HandleWrite(b []byte) error {
	if m.closed {
		if m.bug == "closederr" {
			return errors.New("toy: closed")
		}
		return errToyClosed
	}
	if m.unacked != nil {
		return m.report(errors.New("toy: busy"))
	}
	m.unacked = append([]byte("D"), b...)
	m.send(string(m.unacked))
	m.rtx, m.tries = m.clock.Now().Add(time.Second), 0
	return m.report(nil)
}

func (m *toy) PollWrite() (shared.TaggedBytes, bool) { return m.writes.Pop() }

func (m *toy) HandleEvent(v int) error {
	if m.closed {
		return errToyClosed
	}
	m.events.Push(v)
	return m.report(nil)
}

func (m *toy) PollEvent() (int, bool) { return m.events.Pop() }

func (m *toy) HandleTimeout(now time.Time) error {
	if m.bug == "backwards" {
		m.clock = shared.Clock{} // forgets the latest time seen
	}
	now = m.clock.Advance(now)
	if m.rtx.IsZero() || now.Before(m.rtx) {
		return m.report(nil)
	}
	m.tries++
	if m.tries > 3 {
		m.unacked, m.rtx = nil, time.Time{}
		m.events.Push(4) // gave up
		return m.report(nil)
	}
	if m.unacked != nil {
		m.send(string(m.unacked))
	}
	m.rtx = now.Add(time.Second << m.tries)
	m.events.Push(3)
	return m.report(nil)
}

func (m *toy) PollTimeout() (time.Time, bool) {
	pending := m.writes.Len() > 0 || m.reads.Len() > 0 || m.events.Len() > 0
	if m.bug == "hidden" {
		pending = false
	}
	return m.clock.Timeout(m.rtx, pending)
}

func (m *toy) TimeoutReason() string {
	switch {
	case m.bug == "reason":
		return ""
	case m.writes.Len() > 0 || m.reads.Len() > 0 || m.events.Len() > 0:
		return "pending"
	case !m.rtx.IsZero():
		return "rtx"
	}
	return ""
}

func (m *toy) Close() error {
	if m.closed {
		return errToyClosed
	}
	m.closed = true
	m.reads.Clear()
	if m.bug != "afterclose" {
		m.events.Clear()
	}
	m.unacked, m.rtx = nil, time.Time{}
	m.send("C")
	return nil
}

var _ shared.Protocol[string, []byte, int, int] = (*toy)(nil)

func toySubject(bug string) Subject[string, []byte, int, int] {
	return Subject[string, []byte, int, int]{
		New: func(*testing.T) (shared.Protocol[string, []byte, int, int], time.Time) {
			return newToy(bug), t0
		},
		RandomRead: func(r *Rand, now time.Time) shared.TaggedBytes {
			var b []byte
			switch r.IntN(4) {
			case 0:
				b = []byte("A")
			case 1, 2:
				b = fmt.Appendf(nil, "D%d", r.IntN(1000))
			default:
				b = make([]byte, r.IntN(4))
				for i := range b {
					b[i] = byte(r.Uint32())
				}
			}
			return shared.TaggedBytes{Now: now, Message: b}
		},
		RandomWrite: func(r *Rand) []byte { return fmt.Appendf(nil, "%d", r.IntN(1000)) },
		RandomEvent: func(r *Rand) int { return r.IntN(10) + 10 },
		FillEvents: func(t *testing.T, m shared.Protocol[string, []byte, int, int], now time.Time) Fill {
			f := Fill{Produced: toyEventLimit + 5}
			for i := range f.Produced {
				f.Errs = append(f.Errs, m.HandleEvent(i))
			}
			return f
		},
		Steps: 1000,
	}
}

func TestToyConforms(t *testing.T) {
	Run(t, toySubject(""))
}

// recorder is a testing.TB that records failures instead of failing, so the
// suite can be shown to catch a broken machine. Fatalf ends the goroutine
// the check runs in (runCheck starts one per check).
type recorder struct {
	testing.TB // nil: only the methods below are used
	failures   []string
	cleanups   []func()
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// finish runs the cleanups, last first, as testing does.
func (r *recorder) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func (r *recorder) Helper()             {}
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Errorf(f string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(f, args...))
}
func (r *recorder) Fatalf(f string, args ...any) { r.Errorf(f, args...); runtime.Goexit() }

// runChecks runs every check against s, recording failures.
func runChecks(t *testing.T, s Subject[string, []byte, int, int]) []string {
	var all []string
	for _, c := range checks[string, []byte, int, int]() {
		r := &recorder{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			// As testing does for a panicking test: the cleanups run
			// (the suite's names the step), then the panic is a failure.
			defer func() {
				p := recover()
				r.finish()
				if p != nil {
					r.failures = append(r.failures, fmt.Sprint("panic: ", p))
				}
			}()
			c.fn(t, r, &s)
		}()
		<-done
		for _, f := range r.failures {
			all = append(all, c.name+": "+f)
		}
	}
	return all
}

// TestCatchesBrokenMachines shows that each violation of the contract fails
// the suite, with a message that names it.
func TestCatchesBrokenMachines(t *testing.T) {
	for bug, want := range map[string]string{
		"nonzero":    "PollRead reported false with a non-zero value",
		"hidden":     "output was still pending",
		"backwards":  "before the latest time fed in",
		"afterclose": "after Close",
		"silent":     "none returned a *shared.OverflowError",
		"panic":      "HandleRead panicked",
		"reason":     "TimeoutReason is empty",
		"closederr":  "want an error wrapping shared.ErrClosed",
	} {
		t.Run(bug, func(t *testing.T) {
			failures := runChecks(t, toySubject(bug))
			for _, f := range failures {
				if strings.Contains(f, want) {
					t.Logf("caught: %.200s", f)
					return
				}
			}
			t.Fatalf("the suite did not report %q for a toy with bug %q; it reported %d failures: %q", want, bug, len(failures), failures)
		})
	}
}

// TestGoodToyRecordsNothing runs the recorded path on the good toy, so the
// broken-machine test cannot pass because the recorder always fails.
func TestGoodToyRecordsNothing(t *testing.T) {
	if failures := runChecks(t, toySubject("")); len(failures) > 0 {
		t.Fatalf("the conforming toy failed: %q", failures)
	}
}

// TestDriveIsOnePass: one Drive on the toy with a full read queue returns
// the reads, the window updates that reading created, and a deadline of
// now, because those updates were left pending by PollRead.
func TestDriveIsOnePass(t *testing.T) {
	m := newToy("")
	for i := range 4 {
		if err := m.HandleRead(shared.TaggedBytes{Now: t0, Message: fmt.Appendf(nil, "D%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.HandleRead(shared.TaggedBytes{Now: t0, Message: []byte("D4")}); !errors.Is(err, shared.ErrQueueFull) {
		t.Fatalf("fifth read into a queue of 4: %v, want ErrQueueFull", err)
	}
	o := Drive[string, []byte, int, int](t, m)
	if len(o.Writes) != 4 || len(o.Reads) != 4 || len(o.Events) != 4 {
		t.Fatalf("first pass: %d writes, %d reads, %d events; want 4 acks, 4 reads, 4 events", len(o.Writes), len(o.Reads), len(o.Events))
	}
	if !o.HasDeadline || !o.Deadline.Equal(t0) || m.TimeoutReason() != "pending" {
		t.Fatalf("first pass: deadline (%v, %v) reason %q; want now, because 4 window updates are pending", o.Deadline, o.HasDeadline, m.TimeoutReason())
	}
	if err := m.HandleTimeout(o.Deadline); err != nil {
		t.Fatal(err)
	}
	o = Drive[string, []byte, int, int](t, m)
	if len(o.Writes) != 4 || string(o.Writes[0].Message) != "W" || o.HasDeadline || m.TimeoutReason() != "" {
		t.Fatalf("second pass: %d writes, deadline %v; want 4 window updates and no deadline", len(o.Writes), o.HasDeadline)
	}
}
