package netsim

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

var (
	// ErrStepLimit reports that a run hit its step cap: a livelock, or a
	// cap too small for the scenario.
	ErrStepLimit = errors.New("netsim: step limit reached")
	// ErrIdle reports that Run's condition is still false but nothing is in
	// flight and no endpoint has a deadline: the run can never finish.
	ErrIdle = errors.New("netsim: network idle before the condition held")
	// ErrFlood reports that an endpoint returned more than Config.MaxBurst
	// datagrams from PollWrite in one drain.
	ErrFlood = errors.New("netsim: endpoint flooded the network")
)

// EndpointError is an error an endpoint returned from HandleRead or
// HandleTimeout, with where and when it happened.
type EndpointError struct {
	Endpoint shared.Wire
	Op       string // "HandleRead" or "HandleTimeout"
	Step     int
	Err      error
}

// Error formats the error with the endpoint it concerns.
func (e *EndpointError) Error() string {
	return fmt.Sprintf("netsim: step %d: %s: %v", e.Step, e.Op, e.Err)
}

// Unwrap returns the endpoint's error.
func (e *EndpointError) Unwrap() error { return e.Err }
