package driver

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestTimerHeapModel checks the deadline heap against a map under random
// set, remove and pop: pop always returns an earliest deadline, and every
// index stays right.
func TestTimerHeapModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	conns := make([]*Conn, 50)
	for i := range conns {
		conns[i] = &Conn{hidx: -1}
	}
	var h timerHeap
	model := map[*Conn]time.Time{}
	for step := range 20000 {
		c := conns[r.IntN(len(conns))]
		switch r.IntN(4) {
		case 0, 1:
			d := base.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
			h.set(c, d)
			model[c] = d
		case 2:
			h.remove(c)
			delete(model, c)
		case 3:
			if len(h) == 0 {
				continue
			}
			got := h.pop()
			earliest := slices.MinFunc(mapKeys(model), func(a, b *Conn) int { return model[a].Compare(model[b]) })
			if !model[got].Equal(model[earliest]) {
				t.Fatalf("step %d: pop gave %v, earliest is %v", step, model[got], model[earliest])
			}
			delete(model, got)
		}
		if len(h) != len(model) {
			t.Fatalf("step %d: heap %d, model %d", step, len(h), len(model))
		}
		for i, c := range h {
			if c.hidx != i || !c.deadline.Equal(model[c]) {
				t.Fatalf("step %d: entry %d has index %d, deadline %v (model %v)", step, i, c.hidx, c.deadline, model[c])
			}
		}
	}
}

func mapKeys(m map[*Conn]time.Time) []*Conn {
	out := make([]*Conn, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
