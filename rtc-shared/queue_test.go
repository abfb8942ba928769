package shared

import (
	"errors"
	"testing"
	"time"
	"unsafe"
)

func TestQueueBoundedFIFOAcrossWrap(t *testing.T) {
	q := NewQueue[int](5)
	if q.Cap() != 5 || q.Len() != 0 || q.Full() {
		t.Fatal("new queue")
	}
	if _, ok := q.Pop(); ok {
		t.Fatal("Pop on empty")
	}
	if v, ok := q.Peek(); ok || v != 0 {
		t.Fatal("Peek on empty")
	}
	next, want := 0, 0
	// Push and pop in uneven batches so head wraps around the ring many times.
	for round := range 50 {
		for range round%4 + 1 {
			if err := q.Push(next); err != nil {
				if !errors.Is(err, ErrQueueFull) || !q.Full() || q.Len() != 5 {
					t.Fatalf("Push: %v with len %d", err, q.Len())
				}
				break
			}
			next++
		}
		for range round%3 + 1 {
			p, _ := q.Peek()
			v, ok := q.Pop()
			if !ok {
				break
			}
			if v != want || p != v {
				t.Fatalf("round %d: popped %d (peeked %d), want %d", round, v, p, want)
			}
			want++
		}
	}
	for {
		v, ok := q.Pop()
		if !ok {
			break
		}
		if v != want {
			t.Fatalf("drain: %d, want %d", v, want)
		}
		want++
	}
	if want != next {
		t.Fatalf("lost items: pushed %d, popped %d", next, want)
	}
}

func TestQueueFullNothingDropped(t *testing.T) {
	q := NewQueue[string](2)
	_ = q.Push("a")
	_ = q.Push("b")
	if err := q.Push("c"); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("Push on full = %v", err)
	}
	a, _ := q.Pop()
	b, _ := q.Pop()
	if a != "a" || b != "b" || q.Len() != 0 {
		t.Fatal("contents changed by a failed Push")
	}
}

func TestQueueClearAndLimits(t *testing.T) {
	q := NewQueue[*int](3)
	x := 1
	for range 3 {
		_ = q.Push(&x)
	}
	q.Pop()
	_ = q.Push(&x) // head is now inside the ring
	q.Clear()
	if q.Len() != 0 || q.Full() {
		t.Fatal("Clear")
	}
	if v, ok := q.Pop(); ok || v != nil {
		t.Fatal("Pop after Clear")
	}
	for i := range 3 {
		if err := q.Push(&x); err != nil {
			t.Fatalf("push %d after Clear: %v", i, err)
		}
	}
	// Clear zeroes the storage so the garbage collector can reclaim items.
	q.Clear()
	for _, p := range q.buf {
		if p != nil {
			t.Fatal("Clear kept a reference")
		}
	}
	if z := NewQueue[int](0); z.Cap() != 1 {
		t.Fatalf("limit 0 gives cap %d, want 1", z.Cap())
	}
	var zero Queue[int]
	if err := zero.Push(1); !errors.Is(err, ErrQueueFull) {
		t.Fatal("zero Queue accepted a push")
	}
}

// TestQueueSteadyStateNoAllocs: once grown, push/pop cycles allocate nothing.
func TestQueueSteadyStateNoAllocs(t *testing.T) {
	q := NewQueue[TaggedBytes](64)
	for range 64 {
		_ = q.Push(TaggedBytes{})
	}
	q.Clear()
	allocs := testing.AllocsPerRun(1000, func() {
		_ = q.Push(TaggedBytes{})
		q.Pop()
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per push/pop", allocs)
	}
}

// TestQueueShrinksWhenIdle: storage grown by a burst is released once the
// queue has been found empty ShrinkAfter times in a row (the drain after
// each input), so an idle connection does not keep its setup-time burst;
// a queue kept busy keeps its storage.
func TestQueueShrinksWhenIdle(t *testing.T) {
	q := NewQueue[[256]byte](64)
	for range 40 {
		if err := q.Push([256]byte{}); err != nil {
			t.Fatal(err)
		}
	}
	for q.Len() > 0 {
		q.Pop()
	}
	if len(q.buf) != 64 {
		t.Fatalf("storage %d after a burst of 40, want 64", len(q.buf))
	}
	for i := range ShrinkAfter - 1 {
		if _, ok := q.Pop(); ok {
			t.Fatal("empty queue popped an item")
		}
		if i == ShrinkAfter/2 {
			// a push and pop in between restart the count
			if err := q.Push([256]byte{1}); err != nil {
				t.Fatal(err)
			}
			if v, ok := q.Pop(); !ok || v[0] != 1 {
				t.Fatal("lost the item pushed while idle")
			}
		}
	}
	if len(q.buf) != 64 {
		t.Fatalf("storage %d released before %d empty pops in a row", len(q.buf), ShrinkAfter)
	}
	for range ShrinkAfter {
		q.Pop()
	}
	if q.buf != nil {
		t.Fatalf("storage %d kept after %d empty pops in a row, want released", len(q.buf), ShrinkAfter)
	}
	// Usable again, FIFO order kept, starting small.
	for i := range 6 {
		if err := q.Push([256]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(q.buf) != 8 {
		t.Fatalf("storage %d after 6 pushes, want 8", len(q.buf))
	}
	for i := range 6 {
		if v, ok := q.Pop(); !ok || v[0] != byte(i) {
			t.Fatalf("pop %d: got %v %v", i, v[0], ok)
		}
	}
	// A small queue is never released: an idle connection's few pushes
	// (a consent check) allocate nothing.
	s := NewQueue[int](64)
	if err := s.Push(1); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for range 2 * ShrinkAfter {
			s.Pop()
		}
		if err := s.Push(1); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per idle cycle of a small queue", allocs)
	}
}

// TestQueueRelease: Release gives back the storage of an empty queue, even
// a small one, and keeps a non-empty queue's; the queue stays usable.
func TestQueueRelease(t *testing.T) {
	q := NewQueue[int](64)
	if err := q.Push(1); err != nil {
		t.Fatal(err)
	}
	q.Release()
	if q.buf == nil {
		t.Fatal("Release dropped the storage of a non-empty queue")
	}
	if v, ok := q.Pop(); !ok || v != 1 {
		t.Fatalf("pop after Release: %v %v", v, ok)
	}
	q.Release()
	if q.buf != nil {
		t.Fatalf("storage %d kept by Release of an empty queue", len(q.buf))
	}
	if err := q.Push(2); err != nil {
		t.Fatal(err)
	}
	if v, ok := q.Pop(); !ok || v != 2 {
		t.Fatalf("pop after a released queue's push: %v %v", v, ok)
	}
	e := NewEventQueue[int](4)
	e.Push(1)
	e.Pop()
	e.Release()
	if e.q.buf != nil {
		t.Fatal("EventQueue.Release kept the storage of an empty queue")
	}
}

// TestIdle: Due once per idle period, IdleAfter after the last Busy; Busy
// starts a new period; neither allocates.
func TestIdle(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var d Idle
	d.Busy(t0)
	if d.Due(t0.Add(IdleAfter - 1)) {
		t.Fatal("due before IdleAfter")
	}
	if !d.Due(t0.Add(IdleAfter)) || !d.Released() {
		t.Fatal("not due at IdleAfter")
	}
	if d.Due(t0.Add(10 * IdleAfter)) {
		t.Fatal("due twice in one idle period")
	}
	d.Busy(t0.Add(20 * IdleAfter))
	if !d.Due(t0.Add(21 * IdleAfter)) {
		t.Fatal("not due after a new idle period")
	}
	allocs := testing.AllocsPerRun(100, func() {
		d.Busy(t0)
		d.Due(t0.Add(IdleAfter))
	})
	if allocs != 0 {
		t.Fatalf("%v allocs", allocs)
	}
}

// TestQueueFirstSize: storage starts at four items, or as many as fit in
// 256 bytes for larger items (at least one); a queue of 120-byte datagrams
// that holds one or two at a time (consent checks) keeps two slots, 240
// bytes, without allocating, where it kept four (480 bytes) before.
func TestQueueFirstSize(t *testing.T) {
	if n := firstSize[int](); n != 4 {
		t.Errorf("int: %d", n)
	}
	if n := firstSize[TaggedBytes](); n != 2 {
		t.Errorf("TaggedBytes (%d bytes): %d", unsafe.Sizeof(TaggedBytes{}), n)
	}
	if n := firstSize[[300]byte](); n != 1 {
		t.Errorf("300 bytes: %d", n)
	}
	if n := firstSize[struct{}](); n != 4 {
		t.Errorf("empty struct: %d", n)
	}
	q := NewQueue[TaggedBytes](64)
	for range 2 {
		if err := q.Push(TaggedBytes{}); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		for range 2 * ShrinkAfter {
			q.Pop()
		}
		for range 2 {
			if err := q.Push(TaggedBytes{}); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 || len(q.buf) != 2 {
		t.Errorf("%v allocs per idle cycle of two datagrams, storage %d", allocs, len(q.buf))
	}
}

// TestQueueShrinkable: the division-free test of Pop's empty path agrees
// with its definition (more than firstSize items, or more than
// keepQueueBytes) for items of every size class around the thresholds.
func TestQueueShrinkable(t *testing.T) {
	checkShrinkable[struct{}](t)
	checkShrinkable[[1]byte](t)
	checkShrinkable[[63]byte](t)
	checkShrinkable[[64]byte](t)
	checkShrinkable[[65]byte](t)
	checkShrinkable[[128]byte](t)
	checkShrinkable[[129]byte](t)
	checkShrinkable[[256]byte](t)
	checkShrinkable[[257]byte](t)
	checkShrinkable[[512]byte](t)
	checkShrinkable[[513]byte](t)
}

func checkShrinkable[T any](t *testing.T) {
	t.Helper()
	var zero T
	size := unsafe.Sizeof(zero)
	for n := 0; n <= 40; n++ {
		q := NewQueue[T](100)
		q.buf = make([]T, n)
		want := n > 0 && (n > firstSize[T]() || uintptr(n)*size > keepQueueBytes)
		if got := q.shrinkable(); got != want {
			t.Errorf("%d items of %d bytes: shrinkable %v, want %v", n, size, got, want)
		}
	}
}
