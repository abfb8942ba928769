package driver

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTimerHeapModel checks the deadline heap against a map under random
// set, remove and pop: pop always returns an earliest deadline, every
// index stays right and every parent is no later than its children.
func TestTimerHeapModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	conns := make([]*Conn, 50)
	for i := range conns {
		conns[i] = &Conn{hidx: -1}
	}
	var h timerHeap
	model := map[*Conn]int64{}
	for step := range 20000 {
		c := conns[r.IntN(len(conns))]
		switch r.IntN(4) {
		case 0, 1:
			d := int64(r.IntN(1000)) * 1e6
			h.set(c, d)
			model[c] = d
		case 2:
			h.remove(c)
			delete(model, c)
		case 3:
			if len(h) == 0 {
				continue
			}
			next := h.next()
			got := h.pop()
			earliest := next
			for _, d := range model {
				earliest = min(earliest, d)
			}
			if model[got] != earliest || next != earliest {
				t.Fatalf("step %d: pop gave %v (next %v), earliest is %v", step, model[got], next, earliest)
			}
			if got.hidx != -1 {
				t.Fatalf("step %d: popped connection keeps index %d", step, got.hidx)
			}
			delete(model, got)
		}
		if len(h) != len(model) {
			t.Fatalf("step %d: heap %d, model %d", step, len(h), len(model))
		}
		for i, e := range h {
			if e.c.hidx != i || e.at != model[e.c] {
				t.Fatalf("step %d: entry %d has index %d, deadline %v (model %v)", step, i, e.c.hidx, e.at, model[e.c])
			}
			if i > 0 && h[(i-1)/arity].at > e.at {
				t.Fatalf("step %d: entry %d is earlier than its parent", step, i)
			}
		}
	}
}

// BenchmarkTimerHeap moves one of 10,000 connections per operation, as a
// wake-up that reschedules a connection does.
func BenchmarkTimerHeap(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	conns := make([]*Conn, 10000)
	var h timerHeap
	for i := range conns {
		conns[i] = &Conn{hidx: -1}
		h.set(conns[i], r.Int64N(5e9))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := h.pop()
		h.set(c, h.next()+r.Int64N(5e9))
	}
}

// TestCoalesce checks the delivery time of deadlines: near ones exact,
// distant ones at the next boundary of a bucket that grows with the wait
// (50 ms from 1 s, 100 ms from 2 s, 200 ms from 4 s, 400 ms from 8 s),
// never later than a twentieth of the wait and never early.
func TestCoalesce(t *testing.T) {
	now := int64(1_700_000_000_123_456_789)
	for _, d := range []int64{-5e6, 0, 1, 1e6, 200e6, coalesceAfter - 1} {
		if got := coalesce(now+d, now); got != now+d {
			t.Errorf("deadline now%+d delivered at now%+d, want exact", d, got-now)
		}
	}
	buckets := []struct{ wait, bucket int64 }{
		{1e9, 50e6}, {1999e6, 50e6}, {2e9, 100e6}, {3e9, 100e6}, {4e9, 200e6},
		{5e9, 200e6}, {6e9, 200e6}, {8e9, 400e6}, {15e9, 400e6}, {3600e9, 400e6},
	}
	for _, b := range buckets {
		// A deadline just past a boundary of its bucket waits for the next.
		at := now + b.wait
		at += b.bucket - at%b.bucket + 1
		got := coalesce(at, at-b.wait)
		if want := at - 1 + b.bucket; got != want {
			t.Errorf("wait %v: delivered %v late, want %v (a %v bucket)",
				time.Duration(b.wait), time.Duration(got-at), time.Duration(want-at), time.Duration(b.bucket))
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		wait := coalesceAfter + r.Int64N(30e9)
		at := now + wait
		got := coalesce(at, now)
		if got < at || got-at > wait/20 || got%coalesceBucket != 0 {
			t.Fatalf("deadline %d (wait %d) delivered at %d (%+d ns)", at, wait, got, got-at)
		}
	}
	if at := now + 7*coalesceMaxBucket - now%coalesceMaxBucket; coalesce(at, now) != at {
		t.Errorf("a deadline on a boundary moved")
	}
}

// TestWakeupPartsNoAllocs: the driver's own work in an idle wake-up
// allocates nothing: moving a connection in the deadline heap, and taking
// and giving back a receive buffer and a batch slice (the socket calls
// are TestBatchNoAllocs).
func TestWakeupPartsNoAllocs(t *testing.T) {
	var h timerHeap
	conns := make([]*Conn, 64)
	for i := range conns {
		conns[i] = &Conn{hidx: -1}
		h.set(conns[i], int64(i)*1e6)
	}
	at := int64(len(conns)) * 1e6
	allocs := testing.AllocsPerRun(1000, func() {
		c := h.pop()
		at += coalesceBucket
		h.set(c, coalesce(at, at-coalesceAfter))
		b := bufPool.Get().(*[]byte)
		d := batchPool.Get().(*[]datagram)
		*d = append(*d, datagram{buf: b, n: 1})
		bufPool.Put(b)
		putBatch(d)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per wake-up, want 0", allocs)
	}
}

// TestCoalescedStaysInBucket: a distant deadline goes to its 50 ms bucket
// and stays there when the connection is scheduled again with the same
// deadline once it is near (driven for something else, the peer's consent
// check say); before the fix it became exact then, and the connection was
// driven alone, with a wake-up and a sendmmsg of its own (issue 18: about
// 70 of the 200 consent checks per second at 1000 idle connections). A
// changed deadline is placed anew.
func TestCoalescedStaysInBucket(t *testing.T) {
	s := &shard{}
	c := &Conn{hidx: -1}
	s.now = 1_000*coalesceBucket + 7e6
	at := s.now + 5e9 + 13e6 // a consent check, 5.013 s away
	s.place(c, at)
	bucket := coalesce(at, s.now)
	if bucket == at || s.timers[c.hidx].at != bucket {
		t.Fatalf("placed at %d, want the bucket %d", s.timers[c.hidx].at, bucket)
	}
	s.now = at - 300e6 // 300 ms before it: driven for the peer's check
	s.place(c, at)
	if got := s.timers[c.hidx].at; got != bucket {
		t.Errorf("same deadline re-placed at %d (%+d ns from its bucket)", got, got-bucket)
	}
	near := at + 100e6 // changed, and under coalesceAfter away: exact
	s.place(c, near)
	if got := s.timers[c.hidx].at; got != near {
		t.Errorf("changed near deadline at %d, want %d", got, near)
	}
	s.timers.remove(c)
	s.place(c, near) // not in the heap (it fired): placed anew
	if c.hidx < 0 || s.timers[c.hidx].at != near {
		t.Error("a connection out of the heap was not placed again")
	}
}
