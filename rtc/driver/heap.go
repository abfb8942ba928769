package driver

// timerHeap orders connections by their next deadline (issue 18): the loop
// looks at the earliest one only, and a connection's entry moves in
// O(log n) when its PollTimeout changes. It is a 4-ary heap of values
// that carry their deadline (Unix nanoseconds), so sifting compares
// integers in one array instead of chasing a pointer per comparison, with
// no interface boxing (container/heap). Conn.hidx is the connection's
// index, -1 when it has no deadline.
type timerHeap []timerEntry

type timerEntry struct {
	at int64 // the deadline, Unix nanoseconds
	c  *Conn
}

// arity is the heap's fan-out: four children per node halves the depth of
// a binary heap, and the children sit in one cache line.
const arity = 4

// set gives c the deadline at, adding it if it had none.
func (h *timerHeap) set(c *Conn, at int64) {
	if i := c.hidx; i >= 0 {
		old := (*h)[i].at
		if old == at {
			return
		}
		(*h)[i].at = at
		if at < old {
			h.up(i)
		} else {
			h.down(i)
		}
		return
	}
	c.hidx = len(*h)
	*h = append(*h, timerEntry{at: at, c: c})
	h.up(c.hidx)
}

// remove takes c out, if it is in.
func (h *timerHeap) remove(c *Conn) {
	i := c.hidx
	if i < 0 {
		return
	}
	c.hidx = -1
	last := len(*h) - 1
	if i != last {
		(*h)[i] = (*h)[last]
		(*h)[i].c.hidx = i
	}
	(*h)[last] = timerEntry{}
	*h = (*h)[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
}

// pop takes out the connection with the earliest deadline.
func (h *timerHeap) pop() *Conn {
	c := (*h)[0].c
	h.remove(c)
	return c
}

// next returns the earliest deadline; the heap must not be empty.
func (h timerHeap) next() int64 { return h[0].at }

func (h timerHeap) up(i int) {
	e := h[i]
	for i > 0 {
		p := (i - 1) / arity
		if h[p].at <= e.at {
			break
		}
		h[i] = h[p]
		h[i].c.hidx = i
		i = p
	}
	h[i] = e
	e.c.hidx = i
}

func (h timerHeap) down(i int) {
	e := h[i]
	n := len(h)
	for {
		first := i*arity + 1
		if first >= n {
			break
		}
		m := first
		for j := first + 1; j < first+arity && j < n; j++ {
			if h[j].at < h[m].at {
				m = j
			}
		}
		if h[m].at >= e.at {
			break
		}
		h[i] = h[m]
		h[i].c.hidx = i
		i = m
	}
	h[i] = e
	e.c.hidx = i
}
