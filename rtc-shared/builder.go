package shared

import (
	"encoding/binary"
	"slices"
)

// Builder writes big-endian fields in append style. It has two modes:
//
//   - growing (NewBuilder): appends to a slice, growing it as append does;
//   - fixed (NewFixedBuilder): writes into the capacity of a caller's buffer
//     and never grows it. A write that does not fit sets ErrShortBuffer and
//     leaves the bytes written so far unchanged.
//
// A Builder keeps its first error and ignores every later write, so a
// sequence of writes is checked once at the end:
//
//	b := shared.NewFixedBuilder(buf[:0])
//	b.AddUint16(typ)
//	l := b.BeginUint16Length()
//	b.AddBytes(value)
//	b.EndUint16Length(l)
//	out, err := b.Bytes()
//
// Length prefixes are written as placeholders by Begin* and filled in by End*,
// so nested lengths need no closures and no allocations.
type Builder struct {
	buf   []byte
	err   error
	fixed bool
}

// NewBuilder returns a growing builder that appends to b.
func NewBuilder(b []byte) Builder { return Builder{buf: b} }

// NewFixedBuilder returns a builder that appends to b within cap(b) and never
// reallocates.
func NewFixedBuilder(b []byte) Builder { return Builder{buf: b, fixed: true} }

// Bytes returns the bytes built so far and the first error, if any.
func (b *Builder) Bytes() ([]byte, error) { return b.buf, b.err }

// Err returns the first error, if any.
func (b *Builder) Err() error { return b.err }

// Len returns the number of bytes in the buffer.
func (b *Builder) Len() int { return len(b.buf) }

// SetError records err unless an error is already recorded. Use it to fail a
// build for a reason of the caller's (a value out of range, say).
func (b *Builder) SetError(err error) {
	if b.err == nil {
		b.err = err
	}
}

// room reports whether n more bytes may be written.
func (b *Builder) room(n int) bool {
	if b.err != nil {
		return false
	}
	if b.fixed && cap(b.buf)-len(b.buf) < n {
		b.err = ErrShortBuffer
		return false
	}
	return true
}

// AddUint8 appends one byte.
func (b *Builder) AddUint8(v uint8) {
	if b.room(1) {
		b.buf = append(b.buf, v)
	}
}

// AddUint16 appends a big-endian 16-bit value.
func (b *Builder) AddUint16(v uint16) {
	if b.room(2) {
		b.buf = binary.BigEndian.AppendUint16(b.buf, v)
	}
}

// AddUint24 appends the low 24 bits of v, big-endian.
func (b *Builder) AddUint24(v uint32) {
	if b.room(3) {
		b.buf = append(b.buf, byte(v>>16), byte(v>>8), byte(v))
	}
}

// AddUint32 appends a big-endian 32-bit value.
func (b *Builder) AddUint32(v uint32) {
	if b.room(4) {
		b.buf = binary.BigEndian.AppendUint32(b.buf, v)
	}
}

// AddUint48 appends the low 48 bits of v, big-endian.
func (b *Builder) AddUint48(v uint64) {
	if b.room(6) {
		b.buf = append(b.buf, byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
}

// AddUint64 appends a big-endian 64-bit value.
func (b *Builder) AddUint64(v uint64) {
	if b.room(8) {
		b.buf = binary.BigEndian.AppendUint64(b.buf, v)
	}
}

// AddBytes appends v.
func (b *Builder) AddBytes(v []byte) {
	if b.room(len(v)) {
		b.buf = append(b.buf, v...)
	}
}

// AddString appends the bytes of s.
func (b *Builder) AddString(s string) {
	if b.room(len(s)) {
		b.buf = append(b.buf, s...)
	}
}

// AddZeros appends n zero bytes (padding).
func (b *Builder) AddZeros(n int) {
	if n < 0 {
		b.SetError(ErrShortBuffer)
		return
	}
	if b.room(n) {
		l := len(b.buf)
		b.buf = slices.Grow(b.buf, n)[:l+n] // fixed mode: room() guarantees no reallocation
		clear(b.buf[l:])
	}
}

// LengthMark remembers where a length prefix was reserved.
type LengthMark struct {
	pos  int // offset of the prefix
	size int // prefix size in bytes
}

func (b *Builder) begin(size int) LengthMark {
	m := LengthMark{pos: len(b.buf), size: size}
	b.AddZeros(size)
	return m
}

// BeginUint8Length reserves a one-byte length prefix.
func (b *Builder) BeginUint8Length() LengthMark { return b.begin(1) }

// BeginUint16Length reserves a two-byte length prefix.
func (b *Builder) BeginUint16Length() LengthMark { return b.begin(2) }

// BeginUint24Length reserves a three-byte length prefix.
func (b *Builder) BeginUint24Length() LengthMark { return b.begin(3) }

func (b *Builder) end(m LengthMark, size int) {
	if b.err != nil {
		return
	}
	if m.size != size || m.pos+size > len(b.buf) {
		b.err = ErrBadLengthMark
		return
	}
	n := len(b.buf) - m.pos - size
	if n >= 1<<(8*size) {
		b.err = ErrLengthOverflow
		return
	}
	for i := range size {
		b.buf[m.pos+i] = byte(n >> (8 * (size - 1 - i)))
	}
}

// EndUint8Length fills in the prefix reserved by BeginUint8Length with the
// number of bytes written since. A length that does not fit is an error.
func (b *Builder) EndUint8Length(m LengthMark) { b.end(m, 1) }

// EndUint16Length fills in the prefix reserved by BeginUint16Length.
func (b *Builder) EndUint16Length(m LengthMark) { b.end(m, 2) }

// EndUint24Length fills in the prefix reserved by BeginUint24Length.
func (b *Builder) EndUint24Length(m LengthMark) { b.end(m, 3) }
