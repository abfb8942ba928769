package driver

import (
	"container/heap"
	"time"
)

// timerHeap orders connections by their next deadline (issue 18): the loop
// looks at the earliest one only, and a connection's entry moves in
// O(log n) when its PollTimeout changes. Conn.hidx is its index, -1 when it
// has no deadline.
type timerHeap []*Conn

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx = i
	h[j].hidx = j
}

// Push and Pop are for container/heap only.
func (h *timerHeap) Push(x any) {
	c := x.(*Conn)
	c.hidx = len(*h)
	*h = append(*h, c)
}

func (h *timerHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.hidx = -1
	return c
}

// set gives c the deadline t, adding it if it had none.
func (h *timerHeap) set(c *Conn, t time.Time) {
	if c.hidx >= 0 {
		if !c.deadline.Equal(t) {
			c.deadline = t
			heap.Fix(h, c.hidx)
		}
		return
	}
	c.deadline = t
	heap.Push(h, c)
}

// remove takes c out, if it is in.
func (h *timerHeap) remove(c *Conn) {
	if c.hidx >= 0 {
		heap.Remove(h, c.hidx)
	}
}

// pop takes out the connection with the earliest deadline.
func (h *timerHeap) pop() *Conn { return heap.Pop(h).(*Conn) }
