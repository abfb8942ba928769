package sctp

import (
	"errors"
	"fmt"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors callers branch on.
var (
	// ErrClosed reports use of an association that is closed, aborted or failed.
	// It wraps shared.ErrClosed.
	ErrClosed = fmt.Errorf("sctp: association closed: %w", shared.ErrClosed)
	// ErrNotEstablished reports a write before the association is established.
	ErrNotEstablished = errors.New("sctp: association not established")
	// ErrShuttingDown reports a write after Close started the shutdown.
	// It wraps shared.ErrClosed: after Close, writes fail with it.
	ErrShuttingDown = fmt.Errorf("sctp: association shutting down: %w", shared.ErrClosed)
	// ErrInvalidStream reports a stream identifier outside the negotiated range.
	ErrInvalidStream = errors.New("sctp: invalid stream identifier")
	// ErrStreamResetting reports a write on a stream whose outgoing reset is pending.
	ErrStreamResetting = errors.New("sctp: stream is being reset")
	// ErrMessageTooLarge reports a message larger than the maximum message size (RFC 8841 §6.1).
	ErrMessageTooLarge = errors.New("sctp: message too large")
	// ErrEmptyMessage reports a message without payload; SCTP cannot carry one (RFC 9260 §3.3.1).
	ErrEmptyMessage = errors.New("sctp: empty message")
	// ErrSendBufferFull reports that the send buffer limit would be exceeded; nothing was queued.
	ErrSendBufferFull = errors.New("sctp: send buffer full")
	// ErrChecksum reports a packet whose CRC32c does not match.
	ErrChecksum = errors.New("sctp: bad checksum")
	// ErrVerificationTag reports a packet whose verification tag does not match (RFC 9260 §8.5).
	ErrVerificationTag = errors.New("sctp: verification tag mismatch")
	// ErrOutOfWindow reports DATA dropped because it exceeded the receive window or a memory limit.
	ErrOutOfWindow = errors.New("sctp: data outside the receive window")
	// ErrCookie reports a State Cookie that failed verification or has expired.
	ErrCookie = errors.New("sctp: invalid or stale state cookie")
	// ErrProtocolViolation reports a peer that broke the protocol; the association was aborted.
	ErrProtocolViolation = errors.New("sctp: protocol violation")
	// ErrRetransmissionLimit reports an association that failed because the
	// peer stopped acknowledging (RFC 9260 §8.1).
	ErrRetransmissionLimit = errors.New("sctp: retransmission limit reached")
	// ErrInitFailed reports that the INIT or COOKIE ECHO was never answered (RFC 9260 §5.1).
	ErrInitFailed = errors.New("sctp: association setup timed out")
	// ErrAborted reports an association aborted by the peer (see AbortError for the cause).
	ErrAborted = errors.New("sctp: association aborted by peer")
	// ErrQueueFull reports that an output queue of the association is
	// full. It wraps shared.ErrQueueFull. (Events lost to a full event
	// queue are reported with a *shared.OverflowError, which wraps
	// shared.ErrQueueFull too.)
	ErrQueueFull = fmt.Errorf("sctp: output queue full: %w", shared.ErrQueueFull)
	// ErrReconfigUnsupported reports a stream reset on an association whose
	// peer did not offer RE-CONFIG (RFC 6525).
	ErrReconfigUnsupported = errors.New("sctp: peer does not support stream reconfiguration")
)

// ErrorCause is an SCTP error cause code (RFC 9260 §3.3.10). It is the
// value carried in ABORT and ERROR chunks and implements error.
type ErrorCause uint16

// Error causes (RFC 9260 §3.3.10, RFC 6525 has none, RFC 8260 none).
const (
	CauseInvalidStreamIdentifier   ErrorCause = 1
	CauseMissingMandatoryParameter ErrorCause = 2
	CauseStaleCookie               ErrorCause = 3
	CauseOutOfResource             ErrorCause = 4
	CauseUnresolvableAddress       ErrorCause = 5
	CauseUnrecognizedChunkType     ErrorCause = 6
	CauseInvalidMandatoryParameter ErrorCause = 7
	CauseUnrecognizedParameters    ErrorCause = 8
	CauseNoUserData                ErrorCause = 9
	CauseCookieWhileShuttingDown   ErrorCause = 10
	CauseRestartWithNewAddresses   ErrorCause = 11
	CauseUserInitiatedAbort        ErrorCause = 12
	CauseProtocolViolation         ErrorCause = 13
)

// String returns the RFC 9260 name of the cause.
func (c ErrorCause) String() string {
	switch c {
	case CauseInvalidStreamIdentifier:
		return "Invalid Stream Identifier"
	case CauseMissingMandatoryParameter:
		return "Missing Mandatory Parameter"
	case CauseStaleCookie:
		return "Stale Cookie Error"
	case CauseOutOfResource:
		return "Out of Resource"
	case CauseUnresolvableAddress:
		return "Unresolvable Address"
	case CauseUnrecognizedChunkType:
		return "Unrecognized Chunk Type"
	case CauseInvalidMandatoryParameter:
		return "Invalid Mandatory Parameter"
	case CauseUnrecognizedParameters:
		return "Unrecognized Parameters"
	case CauseNoUserData:
		return "No User Data"
	case CauseCookieWhileShuttingDown:
		return "Cookie Received While Shutting Down"
	case CauseRestartWithNewAddresses:
		return "Restart of an Association with New Addresses"
	case CauseUserInitiatedAbort:
		return "User-Initiated Abort"
	case CauseProtocolViolation:
		return "Protocol Violation"
	}
	return "ErrorCause(" + strconv.Itoa(int(c)) + ")"
}

// Error implements error.
func (c ErrorCause) Error() string { return "sctp: " + c.String() }

// AbortError is the error of an association that was aborted. Remote tells
// whether the peer sent the ABORT (true) or this side did (false).
type AbortError struct {
	Remote bool
	Cause  ErrorCause // zero if the ABORT carried no cause
	Info   string     // the reason text of a User-Initiated Abort, if any
}

// Error formats the abort.
func (e *AbortError) Error() string {
	s := "sctp: association aborted"
	if e.Remote {
		s += " by peer"
	} else {
		s += " locally"
	}
	if e.Cause != 0 {
		s += ": " + e.Cause.String()
	}
	if e.Info != "" {
		s += " (" + e.Info + ")"
	}
	return s
}

// Unwrap lets errors.Is(err, ErrAborted) match a peer abort.
func (e *AbortError) Unwrap() error {
	if e.Remote {
		return ErrAborted
	}
	return ErrClosed
}

var (
	errBadLength  = errors.New("bad length")
	errBadValue   = errors.New("bad value")
	errNoUserData = errors.New("DATA chunk without user data")
)
