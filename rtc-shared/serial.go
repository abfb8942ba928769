package shared

// Serial number arithmetic (RFC 1982) for the wrapping counters of RTP
// sequence numbers (16-bit), RTP timestamps, SCTP TSNs and SSNs (32/16-bit).

// Unsigned is the set of counter widths serial arithmetic is defined for here.
type Unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

// SerialLess reports whether a precedes b in RFC 1982 §3.2 order: a != b and
// b - a, modulo 2^n, is less than 2^(n-1). For a and b exactly 2^(n-1)
// apart the comparison is undefined by the RFC; SerialLess reports false both
// ways.
func SerialLess[T Unsigned](a, b T) bool {
	half := ^T(0)/2 + 1
	return a != b && b-a < half
}

// SerialLessOrEqual reports whether a == b or a precedes b.
func SerialLessOrEqual[T Unsigned](a, b T) bool { return a == b || SerialLess(a, b) }

// SerialMax returns whichever of a and b is later in serial order.
func SerialMax[T Unsigned](a, b T) T {
	if SerialLess(a, b) {
		return b
	}
	return a
}

// SerialDiff16 returns the signed distance from a to b (b - a) for 16-bit
// counters, in -32768..32767.
func SerialDiff16(a, b uint16) int { return int(int16(b - a)) }

// SerialDiff32 returns the signed distance from a to b (b - a) for 32-bit
// counters.
func SerialDiff32(a, b uint32) int64 { return int64(int32(b - a)) }

// Unwrapper16 extends a wrapping 16-bit counter (an RTP sequence number) to
// 64 bits: each value is placed at the extended number closest to the last
// one, so reordering across a wrap is handled and a counter that wraps
// forward keeps increasing. The zero value is ready to use; the first value
// maps to itself.
type Unwrapper16 struct {
	last    int64
	started bool
}

// Unwrap returns the extended value of v and remembers it when it is the
// newest seen.
func (u *Unwrapper16) Unwrap(v uint16) int64 {
	if !u.started {
		u.started = true
		u.last = int64(v)
		return u.last
	}
	ext := u.last + int64(SerialDiff16(uint16(u.last), v))
	if ext > u.last {
		u.last = ext
	}
	return ext
}

// Peek returns the extended value v would get, without remembering it.
func (u *Unwrapper16) Peek(v uint16) int64 {
	if !u.started {
		return int64(v)
	}
	return u.last + int64(SerialDiff16(uint16(u.last), v))
}

// Unwrapper32 extends a wrapping 32-bit counter (an RTP timestamp) to 64
// bits. The zero value is ready to use.
type Unwrapper32 struct {
	last    int64
	started bool
}

// Unwrap returns the extended value of v and remembers it when it is the
// newest seen.
func (u *Unwrapper32) Unwrap(v uint32) int64 {
	if !u.started {
		u.started = true
		u.last = int64(v)
		return u.last
	}
	ext := u.last + SerialDiff32(uint32(u.last), v)
	if ext > u.last {
		u.last = ext
	}
	return ext
}

// Peek returns the extended value v would get, without remembering it.
func (u *Unwrapper32) Peek(v uint32) int64 {
	if !u.started {
		return int64(v)
	}
	return u.last + SerialDiff32(uint32(u.last), v)
}
