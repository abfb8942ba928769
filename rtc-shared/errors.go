package shared

import (
	"errors"
	"strconv"
)

// Sentinel errors shared by every layer.
//
// The wrapping rule: a layer that needs its own sentinel for one of these
// conditions defines it by wrapping the shared one, so that a caller
// several layers up can test for the condition without knowing the layer:
//
//	var ErrClosed = fmt.Errorf("sctp: association closed: %w", shared.ErrClosed)
//
// errors.Is(err, sctp.ErrClosed) and errors.Is(err, shared.ErrClosed) then
// both hold, and the message names the layer. Never declare a second
// "closed" or "queue full" sentinel with errors.New. A layer may add
// context when it returns one (fmt.Errorf("sctp: stream %d: %w", id,
// ErrClosed)); the chain still reaches the shared sentinel.
var (
	// ErrShortBuffer reports that a fixed-size output buffer has no room left.
	ErrShortBuffer = errors.New("shared: short buffer")
	// ErrQueueFull reports that a bounded queue is full: Queue.Push queued
	// nothing, or an EventQueue dropped events (its OverflowError wraps
	// ErrQueueFull).
	ErrQueueFull = errors.New("shared: queue full")
	// ErrClosed reports use of a machine after Close. Every layer's own
	// "closed" sentinel wraps it.
	ErrClosed = errors.New("shared: closed")
	// ErrTruncated reports input that ended in the middle of a field.
	ErrTruncated = errors.New("shared: truncated input")
	// ErrTrailingBytes reports input with bytes left after a complete value.
	ErrTrailingBytes = errors.New("shared: trailing bytes")
	// ErrLengthOverflow reports a Builder length prefix too small for the
	// bytes written after it (more than 255 for a uint8 prefix, say).
	ErrLengthOverflow = errors.New("shared: length does not fit its prefix")
	// ErrBadLengthMark reports a Builder End*Length call with a mark that
	// was not made by the matching Begin*Length of this builder.
	ErrBadLengthMark = errors.New("shared: length mark does not match this builder")
)

// ParseError describes malformed input: which layer and wire type, the byte
// offset where parsing stopped, and the underlying reason.
type ParseError struct {
	Layer  string // "stun", "sctp", ...
	Type   string // the wire type being parsed, e.g. "SACK chunk"
	Offset int    // byte offset into the input where the fault was found
	Err    error  // the reason, often ErrTruncated
}

// Error formats the error as "stun: parse XOR-MAPPED-ADDRESS at offset 20: truncated input".
func (e *ParseError) Error() string {
	s := e.Layer + ": parse " + e.Type + " at offset " + strconv.Itoa(e.Offset)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying reason.
func (e *ParseError) Unwrap() error { return e.Err }
