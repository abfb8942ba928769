package turn

import (
	"errors"
	"fmt"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
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
	// ErrNoPermission reports relayed data from a peer without an installed
	// permission, or before the allocation exists (RFC 8656 §10.4).
	ErrNoPermission = errors.New("turn: data from a peer without permission")
	// ErrAllocationEnded reports a Refresh success with LIFETIME 0: the
	// server ended the allocation (RFC 8656 §8).
	ErrAllocationEnded = errors.New("turn: allocation ended by the server")
	// ErrClosed reports a write or command after Close; it wraps
	// shared.ErrClosed.
	ErrClosed = fmt.Errorf("turn: client closed: %w", shared.ErrClosed)
	// ErrBadConfig reports a Config without a server, local address or
	// credentials; it wraps shared.ErrInvalidConfig, like the
	// *shared.ConfigError NewClient returns for a field out of range.
	ErrBadConfig = fmt.Errorf("turn: incomplete config: %w", shared.ErrInvalidConfig)
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
