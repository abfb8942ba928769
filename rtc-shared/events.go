package shared

import (
	"errors"
	"strconv"
)

// EventQueue is the one bounded event queue every machine uses for what
// PollEvent returns, with the one overflow rule of the contract:
//
//   - Push never refuses. When the queue is full the new event is dropped
//     and counted (Lost); the events already queued are kept, in order.
//   - The loss is never silent: the Handle* call during which an event was
//     lost returns an error for which errors.Is(err, ErrQueueFull) holds. A
//     machine gets that error from Err (once per loss) or, more simply, ends
//     every Handle* with "return q.Report(err)". An event lost during a
//     Poll* (which cannot return an error) is reported by the next Handle*.
//   - The input during which the loss happened is still processed: only the
//     notification is lost, never the state change behind it.
//
// Storage is allocated lazily, as for Queue, and then reused: a queue in
// steady state allocates nothing. The zero value holds nothing (every event
// is lost and reported); create one with NewEventQueue.
type EventQueue[T any] struct {
	q        Queue[T]
	name     string
	lost     uint64 // events dropped since creation
	reported uint64 // lost already returned by Err
}

// NewEventQueue returns an empty event queue that holds at most limit
// events (at least 1).
func NewEventQueue[T any](limit int) EventQueue[T] {
	return EventQueue[T]{q: NewQueue[T](limit)}
}

// SetName names the queue in its OverflowError ("sctp events", say). Call
// it once, right after NewEventQueue; an unnamed queue is called "events".
func (q *EventQueue[T]) SetName(name string) { q.name = name }

// Push appends v. When the queue is full, v is dropped and counted, and the
// next Err (or Report) returns an OverflowError.
func (q *EventQueue[T]) Push(v T) {
	if q.q.Push(v) != nil {
		q.lost++
	}
}

// Pop removes and returns the oldest event; false (and the zero value) if
// the queue is empty.
func (q *EventQueue[T]) Pop() (T, bool) { return q.q.Pop() }

// Len returns the number of queued events.
func (q *EventQueue[T]) Len() int { return q.q.Len() }

// Cap returns the limit.
func (q *EventQueue[T]) Cap() int { return q.q.Cap() }

// Lost returns the number of events dropped since the queue was created.
func (q *EventQueue[T]) Lost() uint64 { return q.lost }

// Release gives back the storage of an empty queue (see Queue.Release).
func (q *EventQueue[T]) Release() { q.q.Release() }

// Clear removes every queued event. Lost and unreported losses are kept.
func (q *EventQueue[T]) Clear() { q.q.Clear() }

// Err returns an *OverflowError if events were lost since the previous Err
// (or Report) call, and nil otherwise. Each loss is returned once. The nil
// path does not allocate.
func (q *EventQueue[T]) Err() error {
	if q.lost == q.reported {
		return nil
	}
	e := &OverflowError{Queue: q.name, Lost: q.lost - q.reported, Total: q.lost}
	q.reported = q.lost
	return e
}

// Report returns err with the queue's unreported loss, if any, joined to it
// (errors.Join): the one line that ends every Handle* method,
//
//	return a.events.Report(err)
//
// It returns err unchanged, without allocating, when nothing was lost.
func (q *EventQueue[T]) Report(err error) error {
	lost := q.Err()
	if lost == nil {
		return err
	}
	if err == nil {
		return lost
	}
	return errors.Join(err, lost)
}

// OverflowError reports events dropped by a full EventQueue. It wraps
// ErrQueueFull.
type OverflowError struct {
	Queue string // the queue's name; "" is shown as "events"
	Lost  uint64 // events lost since the previous report
	Total uint64 // events lost since the queue was created
}

// Error formats the error as
// "sctp events: 3 lost (drain PollEvent after every call): shared: queue full".
func (e *OverflowError) Error() string {
	name := e.Queue
	if name == "" {
		name = "events"
	}
	return name + ": " + strconv.FormatUint(e.Lost, 10) + " lost (drain PollEvent after every call): " + ErrQueueFull.Error()
}

// Unwrap returns ErrQueueFull.
func (e *OverflowError) Unwrap() error { return ErrQueueFull }
