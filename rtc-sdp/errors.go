package sdp

import (
	"errors"
	"strconv"
)

// Sentinel reasons wrapped by ParseError; test with errors.Is.
var (
	// ErrTooLarge reports input over Config.MaxSize, or more media sections
	// or attributes than Config allows.
	ErrTooLarge = errors.New("sdp: description too large")
	// ErrSyntax reports a line that does not follow the grammar.
	ErrSyntax = errors.New("sdp: syntax error")
	// ErrOrder reports a line in a place the grammar does not allow it
	// (RFC 8866 §5: v= first, then o= and s=; t=, z=, u=, e=, p= only at
	// session level), or a line that may appear once appearing twice.
	ErrOrder = errors.New("sdp: line out of order")
	// ErrMissing reports a required line (v=, o=, s=) that is absent.
	ErrMissing = errors.New("sdp: required line missing")
	// ErrAttribute reports a typed attribute whose value is malformed.
	ErrAttribute = errors.New("sdp: malformed attribute")
)

// ParseError says where parsing stopped: the 1-based line number, the line
// (cut to 100 bytes) and what is wrong with it.
type ParseError struct {
	Line   int
	Text   string
	Reason string
	Err    error // one of the sentinels above, or an *AttributeError (which wraps ErrAttribute)
}

// Error formats as `sdp: line 4 "m=audio x RTP/AVP 0": bad port`.
func (e *ParseError) Error() string {
	t := e.Text
	if len(t) > 100 {
		t = t[:100] + "..."
	}
	return "sdp: line " + strconv.Itoa(e.Line) + " " + strconv.Quote(t) + ": " + e.Reason
}

// Unwrap returns the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

// AttributeError reports a typed attribute value that does not parse.
type AttributeError struct {
	Key    string // attribute name, e.g. "candidate"
	Value  string
	Reason string
}

// Error formats as `sdp: bad a=rtpmap:"x": missing clock rate`.
func (e *AttributeError) Error() string {
	v := e.Value
	if len(v) > 100 {
		v = v[:100] + "..."
	}
	return "sdp: bad a=" + e.Key + ":" + strconv.Quote(v) + ": " + e.Reason
}

// Unwrap returns ErrAttribute.
func (e *AttributeError) Unwrap() error { return ErrAttribute }

func attrErr(key, value, reason string) error {
	return &AttributeError{Key: key, Value: value, Reason: reason}
}
