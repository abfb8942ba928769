package ice

import (
	"errors"
	"fmt"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors callers branch on.
var (
	// ErrNoSelectedPair reports a HandleWrite before any pair is usable.
	ErrNoSelectedPair = errors.New("ice: no selected candidate pair")
	// ErrNoRemoteCredentials reports an operation that needs the remote
	// ufrag and password before SetRemoteCredentials.
	ErrNoRemoteCredentials = errors.New("ice: remote credentials not set")
	// ErrUnknownLocalAddress reports a datagram that arrived on an address the
	// agent was not told about.
	ErrUnknownLocalAddress = errors.New("ice: datagram on unknown local address")
	// ErrUnknownPeer reports a non-STUN datagram from an address that is not
	// on any candidate pair.
	ErrUnknownPeer = errors.New("ice: datagram from unknown peer")
	// ErrBadMessage reports a malformed or unauthenticated STUN message.
	ErrBadMessage = errors.New("ice: bad STUN message")
	// ErrCandidateLimit reports that MaxCandidates was reached.
	ErrCandidateLimit = errors.New("ice: candidate limit reached")
	// ErrDuplicateCandidate reports a candidate the agent already has.
	ErrDuplicateCandidate = errors.New("ice: duplicate candidate")
	// ErrConsentExpired reports a write after consent was lost (RFC 7675 §5.1).
	ErrConsentExpired = errors.New("ice: consent expired")
	// ErrBadCredentials reports a ufrag or password outside RFC 8839 §5.4.
	ErrBadCredentials = errors.New("ice: bad ufrag or password")
	// ErrClosed reports a call on a closed agent; it wraps shared.ErrClosed.
	ErrClosed = fmt.Errorf("ice: agent closed: %w", shared.ErrClosed)
	// ErrUnsupported reports a candidate or operation the agent does not handle.
	ErrUnsupported = errors.New("ice: unsupported")
)

// CandidateError describes a candidate attribute that failed to parse.
type CandidateError struct {
	Input  string // the attribute, truncated
	Reason string
}

// Error formats the error with the candidate it concerns.
func (e *CandidateError) Error() string {
	return "ice: bad candidate " + strconv.Quote(e.Input) + ": " + e.Reason
}
