package shared

import "unsafe"

// Queue is a bounded FIFO ring buffer: the outbox and event queues of a state
// machine. Push fails with ErrQueueFull instead of growing past its limit, so
// nothing is ever dropped silently. The zero value is unusable; create one
// with NewQueue. Storage is allocated lazily: it starts small (four items,
// or as many as fit in 256 bytes for large items, at least one) and doubles
// (never past the limit) when a Push finds it full, then is reused, so a
// queue in steady state allocates nothing. Storage that grew past its first
// size, or that takes more than 512 bytes, is released once the queue has
// been found empty by ShrinkAfter Pops in a row with no Push between them (a
// caller draining after every input pops an empty queue once per drain), so
// a connection that queued a burst while it was being set up does not keep
// that storage for its whole idle life; the next Push starts small again. A
// queue that never holds more than its first size keeps its storage and
// allocates nothing (an idle connection's consent checks pass one or two
// datagrams of 120 bytes through a queue at a time: two slots, 240 bytes).
type Queue[T any] struct {
	buf   []T
	head  int
	n     int
	limit int
	idle  int // Pops of the empty queue since the last Push (counted while buf is grown)
}

// ShrinkAfter is the number of Pops in a row that find a queue empty, with
// no Push between them, after which storage grown past its first size (or
// of more than 512 bytes) is released.
const ShrinkAfter = 8

// minQueueBuf is the most items a queue allocates first (fewer when they
// take more than firstQueueBytes), and keeps when idle if they take at most
// keepQueueBytes.
const (
	minQueueBuf     = 4
	firstQueueBytes = 256
	keepQueueBytes  = 512
)

// firstSize is the number of items a queue of T allocates first.
func firstSize[T any]() int {
	var zero T
	size := unsafe.Sizeof(zero)
	if size == 0 {
		return minQueueBuf
	}
	return int(max(1, min(minQueueBuf, firstQueueBytes/size)))
}

// NewQueue returns an empty queue that holds at most limit items (at least 1).
func NewQueue[T any](limit int) Queue[T] {
	if limit < 1 {
		limit = 1
	}
	return Queue[T]{limit: limit}
}

// Len returns the number of queued items.
func (q *Queue[T]) Len() int { return q.n }

// Cap returns the limit.
func (q *Queue[T]) Cap() int { return q.limit }

// Full reports whether Push would fail.
func (q *Queue[T]) Full() bool { return q.n >= q.limit }

// Push appends v, or returns ErrQueueFull.
func (q *Queue[T]) Push(v T) error {
	if q.n >= q.limit {
		return ErrQueueFull
	}
	q.idle = 0
	if q.n == len(q.buf) {
		q.grow()
	}
	i := q.head + q.n
	if i >= len(q.buf) {
		i -= len(q.buf) // not %: a division on every Push (issue 18)
	}
	q.buf[i] = v
	q.n++
	return nil
}

// grow doubles the storage up to the limit, keeping order.
func (q *Queue[T]) grow() {
	size := max(firstSize[T](), 2*len(q.buf))
	size = min(size, q.limit)
	nb := make([]T, size)
	for i := range q.n {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}

// Pop removes and returns the oldest item; false if the queue is empty.
func (q *Queue[T]) Pop() (T, bool) {
	var zero T
	if q.n == 0 {
		if q.shrinkable() {
			q.idle++
			if q.idle >= ShrinkAfter {
				q.buf, q.head, q.idle = nil, 0, 0
			}
		}
		return zero, false
	}
	v := q.buf[q.head]
	q.buf[q.head] = zero // let the garbage collector have it
	q.head++
	if q.head == len(q.buf) {
		q.head = 0
	}
	q.n--
	return v, true
}

// shrinkable reports whether an empty queue's storage goes after
// ShrinkAfter empty Pops: more than firstSize items, or more than
// keepQueueBytes. It is firstSize without its division, since every drain
// pass pops each empty queue once: with n items of size s, n >
// max(1, min(minQueueBuf, firstQueueBytes/s)) is n > 1 and (n >
// minQueueBuf or n*s > firstQueueBytes).
func (q *Queue[T]) shrinkable() bool {
	n := uintptr(len(q.buf))
	if n == 0 {
		return false
	}
	var zero T
	bytes := n * unsafe.Sizeof(zero)
	return n > 1 && (n > minQueueBuf || bytes > firstQueueBytes) || bytes > keepQueueBytes
}

// Peek returns the oldest item without removing it.
func (q *Queue[T]) Peek() (T, bool) {
	if q.n == 0 {
		var zero T
		return zero, false
	}
	return q.buf[q.head], true
}

// Release gives back the storage of an empty queue, whatever its size (a
// non-empty queue keeps it); the next Push starts small again. An
// owner calls it when it finds itself idle for IdleRelease (a queue of small
// items otherwise keeps its storage, see Queue), so that what only
// connection setup used is not kept for an idle connection's whole life.
func (q *Queue[T]) Release() {
	if q.n == 0 {
		q.buf, q.head, q.idle = nil, 0, 0
	}
}

// Clear removes every item.
func (q *Queue[T]) Clear() {
	clear(q.buf)
	q.head, q.n = 0, 0
}
