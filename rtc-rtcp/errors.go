package rtcp

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors. Parse failures are *shared.ParseError values whose Err is
// one of these (or shared.ErrTruncated / shared.ErrTrailingBytes), so callers
// can branch with errors.Is.
var (
	// ErrBadVersion reports a version field other than 2 (RFC 3550 §6.4.1).
	ErrBadVersion = errors.New("rtcp: version is not 2")
	// ErrWrongType reports Unmarshal of a packet of another type or format.
	ErrWrongType = errors.New("rtcp: wrong packet type")
	// ErrBadLength reports a length field that disagrees with the packet or
	// with the counts it contains.
	ErrBadLength = errors.New("rtcp: bad length")
	// ErrBadPadding reports a padding count of zero or larger than the body.
	ErrBadPadding = errors.New("rtcp: bad padding")
	// ErrBadFirstPacket reports a compound packet that does not start with
	// SR or RR (RFC 3550 §6.1) when reduced-size RTCP is not allowed.
	ErrBadFirstPacket = errors.New("rtcp: compound packet must start with SR or RR")
	// ErrTooMany reports a count beyond what the wire field can hold (31
	// report blocks, 31 SDES chunks, ...), a packet longer than its 16-bit
	// length field can describe (256 KiB), or a count beyond a configured
	// limit.
	ErrTooMany = errors.New("rtcp: too many items")
	// ErrTooLong reports text or data longer than its length field allows.
	ErrTooLong = errors.New("rtcp: field too long")
	// ErrBadValue reports a field value the format cannot represent.
	ErrBadValue = errors.New("rtcp: value out of range")
	// ErrShortBuffer is shared.ErrShortBuffer.
	ErrShortBuffer = shared.ErrShortBuffer
)

func parseErr(typ string, off int, err error) error {
	return &shared.ParseError{Layer: "rtcp", Type: typ, Offset: off, Err: err}
}
