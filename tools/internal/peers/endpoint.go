package peers

import (
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Endpoint adapts a machine for the Runner: after every HandleRead and
// HandleTimeout it calls Drain, which polls the machine's events and reads
// into the test's own slices. Embed it in the test's endpoint type and set
// both fields before the Runner first uses it.
type Endpoint struct {
	Machine shared.Wire
	Drain   func()
}

// HandleRead feeds m to the machine, then drains it.
func (e *Endpoint) HandleRead(m shared.TaggedBytes) error {
	err := e.Machine.HandleRead(m)
	e.Drain()
	return err
}

// HandleTimeout passes now to the machine, then drains it.
func (e *Endpoint) HandleTimeout(now time.Time) error {
	err := e.Machine.HandleTimeout(now)
	e.Drain()
	return err
}

// PollWrite is the machine's PollWrite.
func (e *Endpoint) PollWrite() (shared.TaggedBytes, bool) { return e.Machine.PollWrite() }

// PollTimeout is the machine's PollTimeout.
func (e *Endpoint) PollTimeout() (time.Time, bool) { return e.Machine.PollTimeout() }
