package interceptor

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors callers branch on. ErrClosed wraps the shared one, so
// errors.Is(err, shared.ErrClosed) holds as well. An event lost to a full
// queue is reported as a *shared.OverflowError, for which errors.Is(err,
// shared.ErrQueueFull) holds.
var (
	// ErrClosed reports use of a chain after Close.
	ErrClosed = fmt.Errorf("interceptor: chain closed: %w", shared.ErrClosed)
	// ErrUnknownStream reports an SSRC that no bound stream has.
	ErrUnknownStream = errors.New("interceptor: unknown stream")
	// ErrDuplicateStream reports a bind of an SSRC that is already bound.
	ErrDuplicateStream = errors.New("interceptor: stream already bound")
	// ErrNotNegotiated reports a request for feedback the stream did not
	// negotiate (a keyframe request with neither PLI nor FIR).
	ErrNotNegotiated = errors.New("interceptor: feedback not negotiated")
	// ErrThrottled reports a keyframe request suppressed because one was
	// sent less than the throttle interval ago.
	ErrThrottled = errors.New("interceptor: request throttled")
	// ErrTooManyStreams reports a bind past Config.MaxStreams.
	ErrTooManyStreams = errors.New("interceptor: too many streams")
	// ErrMalformed reports RTP or RTCP input that could not be parsed; it
	// was counted and dropped.
	ErrMalformed = errors.New("interceptor: malformed packet")
)
