package stun

import (
	"errors"
	"fmt"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors callers branch on. Parse failures are returned as
// *shared.ParseError wrapping one of these, so errors.Is works on both.
var (
	// ErrNotSTUN reports input that is not a STUN message: the two top bits
	// are set, the magic cookie is missing or the length is not a multiple
	// of four (RFC 8489 §5, §6.3).
	ErrNotSTUN = errors.New("stun: not a STUN message")
	// ErrBadLength reports a header length that does not match the input,
	// or an attribute whose length runs past the message.
	ErrBadLength = errors.New("stun: bad length")
	// ErrTooManyAttributes reports a message with more attributes than
	// Limits.MaxAttributes.
	ErrTooManyAttributes = errors.New("stun: too many attributes")
	// ErrMessageTooLarge reports a message larger than the configured limit.
	ErrMessageTooLarge = errors.New("stun: message too large")
	// ErrAttributeNotFound reports that a getter found no such attribute.
	ErrAttributeNotFound = errors.New("stun: attribute not found")
	// ErrBadAttribute reports an attribute whose value is malformed.
	ErrBadAttribute = errors.New("stun: malformed attribute")
	// ErrFingerprintNotLast reports an attribute after FINGERPRINT
	// (RFC 8489 §14.7: it "MUST be the last attribute").
	ErrFingerprintNotLast = errors.New("stun: attribute after FINGERPRINT")
	// ErrIntegrityMismatch reports a MESSAGE-INTEGRITY or
	// MESSAGE-INTEGRITY-SHA256 value that does not match the key.
	ErrIntegrityMismatch = errors.New("stun: integrity check failed")
	// ErrFingerprintMismatch reports a FINGERPRINT value that does not match.
	ErrFingerprintMismatch = errors.New("stun: fingerprint check failed")
	// ErrNoIntegrity reports a message without the integrity attribute asked for.
	ErrNoIntegrity = errors.New("stun: no message integrity")
	// ErrNoFingerprint reports a message without FINGERPRINT.
	ErrNoFingerprint = errors.New("stun: no fingerprint")
	// ErrValueTooLong reports an attribute value longer than its RFC limit
	// or than 65535 bytes.
	ErrValueTooLong = errors.New("stun: attribute value too long")
	// ErrAfterIntegrity reports an attempt to add an attribute after
	// MESSAGE-INTEGRITY(-SHA256) or FINGERPRINT when building a message.
	ErrAfterIntegrity = errors.New("stun: attribute added after integrity or fingerprint")
	// ErrUnknownAlgorithm reports a password algorithm this package does not know.
	ErrUnknownAlgorithm = errors.New("stun: unknown password algorithm")
	// ErrTransactionExists reports a request whose transaction ID is already outstanding.
	ErrTransactionExists = errors.New("stun: transaction ID already outstanding")
	// ErrTooManyTransactions reports that Config.MaxTransactions are outstanding.
	ErrTooManyTransactions = errors.New("stun: too many outstanding transactions")
	// ErrUnmatchedResponse reports a response whose transaction ID matches
	// no outstanding request; it was dropped (RFC 8489 §6.3.3).
	ErrUnmatchedResponse = errors.New("stun: response matches no transaction")
	// ErrNotResponse reports a message handed to a Client that is not a
	// success or error response; it was dropped.
	ErrNotResponse = errors.New("stun: not a response")
	// ErrNotRequest reports a message given to Client.HandleWrite that is
	// not a request.
	ErrNotRequest = errors.New("stun: not a request")
	// ErrNotASCII reports a short-term password that is not printable ASCII
	// (ShortTermKey): prepare it with turn.OpaqueString.
	ErrNotASCII = errors.New("stun: password is not printable ASCII (prepare it with OpaqueString, in rtc-turn)")
	// ErrClosed reports a call on a closed Client; it wraps
	// shared.ErrClosed.
	ErrClosed = fmt.Errorf("stun: client closed: %w", shared.ErrClosed)
	// ErrUnknownTransaction reports a cancel for a transaction that is not outstanding.
	ErrUnknownTransaction = errors.New("stun: unknown transaction")
)

// ErrorCodeError is a STUN error response turned into a Go error: the code
// and the reason phrase the peer sent.
type ErrorCodeError struct {
	Code   ErrorCode
	Reason string
}

// Error formats the error as "stun: error response 401 Unauthorized".
func (e *ErrorCodeError) Error() string {
	return "stun: error response " + strconv.Itoa(int(e.Code)) + " " + e.Reason
}
