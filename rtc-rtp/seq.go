package rtp

import (
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Unwrapper16 extends 16-bit RTP sequence numbers to 64 bits (see
// shared.Unwrapper16). The zero value is ready to use.
type Unwrapper16 = shared.Unwrapper16

// Unwrapper32 extends 32-bit RTP timestamps to 64 bits (see
// shared.Unwrapper32). The zero value is ready to use.
type Unwrapper32 = shared.Unwrapper32

// SeqLess reports whether sequence number a precedes b (RFC 1982 §3.2
// arithmetic, as RFC 3550 Appendix A.1 uses for the 16-bit counter).
func SeqLess(a, b uint16) bool { return shared.SerialLess(a, b) }

// SeqDiff returns b - a as a signed distance in -32768..32767.
func SeqDiff(a, b uint16) int { return shared.SerialDiff16(a, b) }

// TimestampLess reports whether RTP timestamp a precedes b (RFC 1982).
func TimestampLess(a, b uint32) bool { return shared.SerialLess(a, b) }

// TimestampDiff returns b - a as a signed distance.
func TimestampDiff(a, b uint32) int64 { return shared.SerialDiff32(a, b) }

// TimestampToDuration converts a timestamp difference in units of a
// clockRate Hz RTP clock to a duration. A zero clock rate gives zero.
func TimestampToDuration(ticks int64, clockRate uint32) time.Duration {
	if clockRate == 0 {
		return 0
	}
	sec := ticks / int64(clockRate)
	rem := ticks % int64(clockRate)
	return time.Duration(sec)*time.Second + time.Duration(rem)*time.Second/time.Duration(clockRate)
}

// DurationToTimestamp converts d to ticks of a clockRate Hz RTP clock,
// rounding toward zero.
func DurationToTimestamp(d time.Duration, clockRate uint32) int64 {
	sec := int64(d / time.Second)
	rem := int64(d % time.Second)
	return sec*int64(clockRate) + rem*int64(clockRate)/int64(time.Second)
}

// SequenceTracker follows one stream's sequence numbers for receive
// statistics (RFC 3550 Appendix A.1 and A.3): the extended highest
// sequence number, packets received, and expected/lost counts.
type SequenceTracker struct {
	u        Unwrapper16
	started  bool
	base     int64
	highest  int64
	received uint64
}

// Update records the arrival of seq and returns its extended value.
func (t *SequenceTracker) Update(seq uint16) int64 {
	ext := t.u.Unwrap(seq)
	if !t.started {
		t.started = true
		t.base, t.highest = ext, ext
	}
	if ext > t.highest {
		t.highest = ext
	}
	if ext < t.base {
		t.base = ext
	}
	t.received++
	return ext
}

// ExtendedHighest returns the highest extended sequence number received
// (RFC 3550 §6.4.1 "extended highest sequence number received", whose low
// 32 bits go in a report block).
func (t *SequenceTracker) ExtendedHighest() int64 { return t.highest }

// Received returns how many packets were recorded (duplicates included).
func (t *SequenceTracker) Received() uint64 { return t.received }

// Expected returns how many packets were expected (RFC 3550 Appendix A.3).
func (t *SequenceTracker) Expected() uint64 {
	if !t.started {
		return 0
	}
	return uint64(t.highest - t.base + 1)
}

// Lost returns expected minus received (RFC 3550 §6.4.1 cumulative number
// of packets lost; negative when duplicates arrive).
func (t *SequenceTracker) Lost() int64 { return int64(t.Expected()) - int64(t.received) }

// TimestampClock maps media time to RTP timestamps for a sender: the timestamp at
// time now is Base plus the elapsed time since Start in units of
// ClockRate. Time is an argument; TimestampClock reads no clock. Draw Base at
// random (RFC 3550 §5.1) from the caller's Config.Rand.
type TimestampClock struct {
	ClockRate uint32
	Base      uint32
	Start     time.Time
}

// At returns the RTP timestamp for now (wrapping modulo 2^32).
func (c TimestampClock) At(now time.Time) uint32 {
	return c.Base + uint32(DurationToTimestamp(now.Sub(c.Start), c.ClockRate))
}
