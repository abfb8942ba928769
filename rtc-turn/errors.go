package turn

import (
	"errors"
	"strconv"

	stun "github.com/sansrtc/rtc/rtc-stun"
)

// Sentinel errors callers branch on.
var (
	// ErrNotAllocated reports a write or request before the allocation succeeded.
	ErrNotAllocated = errors.New("turn: no allocation")
	// ErrTimeout reports a request the server never answered.
	ErrTimeout = errors.New("turn: request timed out")
	// ErrLimit reports that MaxPermissions, MaxChannels or MaxPending is reached.
	ErrLimit = errors.New("turn: limit reached")
	// ErrBadMessage reports malformed or unauthenticated input from the server.
	ErrBadMessage = errors.New("turn: bad message from server")
	// ErrStreamOverflow reports a TCP stream that outgrew MaxStreamBuffer.
	ErrStreamOverflow = errors.New("turn: stream buffer overflow")
	// ErrBadConfig reports a Config without a server, local address or credentials.
	ErrBadConfig = errors.New("turn: incomplete config")
)

// Error is an error response from the server (RFC 8656 §19), for example
// 441 Wrong Credentials or 486 Allocation Quota Reached.
type Error struct {
	Method stun.Method
	Code   stun.ErrorCode
	Reason string
}

// Error formats the error code and reason phrase.
func (e *Error) Error() string {
	return "turn: " + e.Method.String() + " failed: " + strconv.Itoa(int(e.Code)) + " " + e.Reason
}
