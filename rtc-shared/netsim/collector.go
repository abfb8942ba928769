package netsim

import (
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Collector adapts a full protocol machine to the network: it is a
// shared.Wire that forwards the four network verbs to P and, after each of
// them, drains P's PollEvent and PollRead into Events and Reads (calling
// OnEvent and OnRead first, if set). Errors from HandleRead and
// HandleTimeout are returned to the network as usual.
//
// The type parameters are P's; Go cannot infer them from a concrete type,
// so name them:
//
//	a := netsim.Collect[[]byte, []byte, sctp.Event, sctp.Event](assoc)
//	sim.Add(a, addrA)
//	sim.Run(func() bool { return len(a.Reads) == 10 }, 100_000)
type Collector[Rout, Win, Ein, Eout any] struct {
	P       shared.Protocol[Rout, Win, Ein, Eout]
	Reads   []Rout
	Events  []Eout
	OnRead  func(Rout) // optional, called for each message as it is drained
	OnEvent func(Eout) // optional, called for each event as it is drained
}

// Collect wraps p.
func Collect[Rout, Win, Ein, Eout any](p shared.Protocol[Rout, Win, Ein, Eout]) *Collector[Rout, Win, Ein, Eout] {
	return &Collector[Rout, Win, Ein, Eout]{P: p}
}

// Drain moves everything P has for the application into Events and Reads.
// The network calls it after every verb; call it yourself after feeding P
// directly (HandleWrite, HandleEvent) if you need the results at once.
func (c *Collector[Rout, Win, Ein, Eout]) Drain() {
	for {
		e, ok := c.P.PollEvent()
		if !ok {
			break
		}
		if c.OnEvent != nil {
			c.OnEvent(e)
		}
		c.Events = append(c.Events, e)
	}
	for {
		r, ok := c.P.PollRead()
		if !ok {
			break
		}
		if c.OnRead != nil {
			c.OnRead(r)
		}
		c.Reads = append(c.Reads, r)
	}
}

// HandleRead forwards to P, then drains.
func (c *Collector[Rout, Win, Ein, Eout]) HandleRead(m shared.TaggedBytes) error {
	err := c.P.HandleRead(m)
	c.Drain()
	return err
}

// PollWrite forwards to P; when P has nothing more to send it drains.
func (c *Collector[Rout, Win, Ein, Eout]) PollWrite() (shared.TaggedBytes, bool) {
	m, ok := c.P.PollWrite()
	if !ok {
		c.Drain()
	}
	return m, ok
}

// HandleTimeout forwards to P, then drains.
func (c *Collector[Rout, Win, Ein, Eout]) HandleTimeout(now time.Time) error {
	err := c.P.HandleTimeout(now)
	c.Drain()
	return err
}

// PollTimeout forwards to P.
func (c *Collector[Rout, Win, Ein, Eout]) PollTimeout() (time.Time, bool) { return c.P.PollTimeout() }
