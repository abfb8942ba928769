package shared

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestEventQueueOverflowDropsNewestAndReportsOnce(t *testing.T) {
	q := NewEventQueue[int](3)
	q.SetName("toy events")
	if q.Cap() != 3 || q.Len() != 0 || q.Lost() != 0 || q.Err() != nil {
		t.Fatal("new queue")
	}
	for i := range 5 {
		q.Push(i)
	}
	if q.Len() != 3 || q.Lost() != 2 {
		t.Fatalf("len %d lost %d, want 3 and 2", q.Len(), q.Lost())
	}
	err := q.Err()
	var oe *OverflowError
	if !errors.Is(err, ErrQueueFull) || !errors.As(err, &oe) || oe.Lost != 2 || oe.Total != 2 || oe.Queue != "toy events" {
		t.Fatalf("Err = %#v", err)
	}
	if err.Error() != "toy events: 2 lost (drain PollEvent after every call): shared: queue full" {
		t.Fatalf("%q", err.Error())
	}
	if err := q.Err(); err != nil {
		t.Fatalf("the loss was reported twice: %v", err)
	}
	// The oldest events are kept, in order; the new ones were dropped.
	for want := range 3 {
		if v, ok := q.Pop(); !ok || v != want {
			t.Fatalf("Pop = %d, %v; want %d", v, ok, want)
		}
	}
	if v, ok := q.Pop(); ok || v != 0 {
		t.Fatal("Pop on empty")
	}
	// A later loss is reported with its own count and the running total.
	for i := range 4 {
		q.Push(i)
	}
	if !errors.As(q.Err(), &oe) || oe.Lost != 1 || oe.Total != 3 {
		t.Fatalf("second loss: %#v", oe)
	}
	q.Clear()
	if q.Len() != 0 || q.Lost() != 3 || q.Err() != nil {
		t.Fatal("Clear")
	}
}

func TestEventQueueReport(t *testing.T) {
	q := NewEventQueue[string](1)
	errBad := errors.New("bad input")
	if err := q.Report(nil); err != nil {
		t.Fatalf("nothing lost: %v", err)
	}
	if err := q.Report(errBad); err != errBad {
		t.Fatalf("nothing lost: %v, want the error unchanged", err)
	}
	q.Push("a")
	q.Push("b")
	if err := q.Report(nil); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("Report(nil) after a loss = %v", err)
	}
	q.Push("c")
	err := q.Report(errBad)
	if !errors.Is(err, ErrQueueFull) || !errors.Is(err, errBad) {
		t.Fatalf("Report(errBad) after a loss = %v, want both", err)
	}
	if err := q.Report(nil); err != nil {
		t.Fatalf("reported twice: %v", err)
	}
	if (&OverflowError{Lost: 1}).Error() != "events: 1 lost (drain PollEvent after every call): shared: queue full" {
		t.Fatal("unnamed queue")
	}
}

func TestEventQueueZeroValueLosesVisibly(t *testing.T) {
	var q EventQueue[int]
	q.Push(1)
	if q.Len() != 0 || !errors.Is(q.Report(nil), ErrQueueFull) {
		t.Fatal("the zero queue must report what it cannot hold")
	}
}

// TestEventQueueFlood pushes far more events than the limit without
// draining: memory stays at the limit and every loss is counted.
func TestEventQueueFlood(t *testing.T) {
	q := NewEventQueue[[64]byte](100)
	for range 1_000_000 {
		q.Push([64]byte{})
	}
	if q.Len() != 100 || q.Lost() != 1_000_000-100 || cap(q.q.buf) != 100 {
		t.Fatalf("len %d lost %d storage %d", q.Len(), q.Lost(), cap(q.q.buf))
	}
	var oe *OverflowError
	if !errors.As(q.Err(), &oe) || oe.Lost != 1_000_000-100 {
		t.Fatalf("%v", oe)
	}
}

func TestEventQueueZeroAllocs(t *testing.T) {
	q := NewEventQueue[int](16)
	for range 16 { // grow the storage once
		q.Push(1)
	}
	q.Clear()
	if n := testing.AllocsPerRun(1000, func() {
		q.Push(1)
		q.Push(2)
		if _, ok := q.Pop(); !ok {
			t.Fatal("Pop")
		}
		if _, ok := q.Pop(); !ok {
			t.Fatal("Pop")
		}
		if q.Report(nil) != nil {
			t.Fatal("Report")
		}
	}); n != 0 {
		t.Fatalf("%v allocs per run", n)
	}
}

func BenchmarkEventQueue(b *testing.B) {
	q := NewEventQueue[int](64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q.Push(i)
		q.Push(i)
		q.Pop()
		q.Pop()
		if q.Report(nil) != nil {
			b.Fatal("lost")
		}
	}
}

func TestClockTimeout(t *testing.T) {
	var c Clock
	c.Advance(t0)
	later := t0.Add(time.Second)
	for _, tc := range []struct {
		deadline time.Time
		pending  bool
		want     time.Time
		ok       bool
	}{
		{time.Time{}, false, time.Time{}, false}, // nothing to do
		{later, false, later, true},              // a timer
		{t0.Add(-time.Second), false, t0, true},  // a timer in the past: clamped
		{later, true, t0, true},                  // pending output wins over a later timer
		{time.Time{}, true, t0, true},            // pending output, no timer
		{t0.Add(-time.Second), true, t0, true},   // both due
	} {
		got, ok := c.Timeout(tc.deadline, tc.pending)
		if !got.Equal(tc.want) || ok != tc.ok {
			t.Errorf("Timeout(%v, %v) = %v, %v; want %v, %v", tc.deadline, tc.pending, got, ok, tc.want, tc.ok)
		}
	}
}

// ExampleEventQueue shows the overflow rule inside a machine: the event is
// dropped, the Handle* call reports it, and the input is still processed.
func ExampleEventQueue() {
	events := NewEventQueue[string](2)
	events.SetName("demo events")
	handle := func(msg string) error {
		events.Push("got " + msg) // the state change behind it is kept either way
		return events.Report(nil)
	}
	for _, m := range []string{"a", "b", "c"} {
		if err := handle(m); err != nil {
			fmt.Println(m, "->", err, errors.Is(err, ErrQueueFull))
		}
	}
	for e, ok := events.Pop(); ok; e, ok = events.Pop() {
		fmt.Println(e)
	}
	// Output:
	// c -> demo events: 1 lost (drain PollEvent after every call): shared: queue full true
	// got a
	// got b
}

// TestEventQueueShrinksWhenIdle: an event queue that grew during a burst
// (ICE gathering, say) gives the storage back once drained and idle.
func TestEventQueueShrinksWhenIdle(t *testing.T) {
	q := NewEventQueue[[128]byte](100)
	for range 30 {
		q.Push([128]byte{})
	}
	for {
		if _, ok := q.Pop(); !ok {
			break
		}
	}
	if len(q.q.buf) != 32 {
		t.Fatalf("storage %d after a burst of 30, want 32", len(q.q.buf))
	}
	for range ShrinkAfter {
		q.Pop()
	}
	if q.q.buf != nil || q.Len() != 0 || q.Lost() != 0 || q.Err() != nil {
		t.Fatalf("after idle: storage %d, len %d, lost %d, err %v", len(q.q.buf), q.Len(), q.Lost(), q.Err())
	}
	// Big events (rtc-ice's are 568 bytes): storage starts at one item
	// (firstQueueBytes), and even that is given back when idle (more than
	// keepQueueBytes).
	b := NewEventQueue[[568]byte](100)
	b.Push([568]byte{})
	b.Pop()
	if len(b.q.buf) != 1 {
		t.Fatalf("storage %d after one event, want 1", len(b.q.buf))
	}
	for range ShrinkAfter {
		b.Pop()
	}
	if b.q.buf != nil {
		t.Fatalf("storage %d of 568-byte events kept when idle", len(b.q.buf))
	}
}
