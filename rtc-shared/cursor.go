package shared

// Cursor reads big-endian fields from a byte slice without ever panicking:
// every read reports whether enough input was left, and a failed read leaves
// the cursor unchanged. Reads chain with &&:
//
//	var typ, length uint16
//	if !c.ReadUint16(&typ) || !c.ReadUint16(&length) {
//		return ErrTruncated
//	}
//
// Slices returned by the Read*Bytes methods alias the input. A Cursor is a
// small value; copying it forks the read position.
type Cursor struct {
	buf []byte
	off int
}

// NewCursor returns a cursor at the start of b.
func NewCursor(b []byte) Cursor { return Cursor{buf: b} }

// Offset returns how many bytes have been consumed.
func (c *Cursor) Offset() int { return c.off }

// Len returns how many bytes are left.
func (c *Cursor) Len() int { return len(c.buf) - c.off }

// Empty reports whether every byte has been consumed. Use it last to reject
// trailing bytes.
func (c *Cursor) Empty() bool { return c.off >= len(c.buf) }

// Rest returns the unread bytes (aliasing the input) without consuming them.
func (c *Cursor) Rest() []byte { return c.buf[c.off:] }

// Skip consumes n bytes.
func (c *Cursor) Skip(n int) bool {
	if n < 0 || n > c.Len() {
		return false
	}
	c.off += n
	return true
}

// ReadUint8 reads one byte.
func (c *Cursor) ReadUint8(v *uint8) bool {
	if c.Len() < 1 {
		return false
	}
	*v = c.buf[c.off]
	c.off++
	return true
}

// ReadUint16 reads a big-endian 16-bit value.
func (c *Cursor) ReadUint16(v *uint16) bool {
	if c.Len() < 2 {
		return false
	}
	b := c.buf[c.off:]
	*v = uint16(b[0])<<8 | uint16(b[1])
	c.off += 2
	return true
}

// ReadUint24 reads a big-endian 24-bit value.
func (c *Cursor) ReadUint24(v *uint32) bool {
	if c.Len() < 3 {
		return false
	}
	b := c.buf[c.off:]
	*v = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	c.off += 3
	return true
}

// ReadUint32 reads a big-endian 32-bit value.
func (c *Cursor) ReadUint32(v *uint32) bool {
	if c.Len() < 4 {
		return false
	}
	b := c.buf[c.off:]
	*v = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	c.off += 4
	return true
}

// ReadUint48 reads a big-endian 48-bit value (DTLS record sequence numbers).
func (c *Cursor) ReadUint48(v *uint64) bool {
	if c.Len() < 6 {
		return false
	}
	b := c.buf[c.off:]
	*v = uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 |
		uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
	c.off += 6
	return true
}

// ReadUint64 reads a big-endian 64-bit value.
func (c *Cursor) ReadUint64(v *uint64) bool {
	var hi, lo uint32
	save := c.off
	if !c.ReadUint32(&hi) || !c.ReadUint32(&lo) {
		c.off = save
		return false
	}
	*v = uint64(hi)<<32 | uint64(lo)
	return true
}

// ReadBytes sets *v to the next n bytes, aliasing the input.
func (c *Cursor) ReadBytes(v *[]byte, n int) bool {
	if n < 0 || n > c.Len() {
		return false
	}
	*v = c.buf[c.off : c.off+n : c.off+n]
	c.off += n
	return true
}

// CopyBytes fills dst from the input.
func (c *Cursor) CopyBytes(dst []byte) bool {
	if len(dst) > c.Len() {
		return false
	}
	c.off += copy(dst, c.buf[c.off:])
	return true
}

// ReadCursor sets *v to a cursor over the next n bytes and consumes them.
func (c *Cursor) ReadCursor(v *Cursor, n int) bool {
	var b []byte
	if !c.ReadBytes(&b, n) {
		return false
	}
	*v = Cursor{buf: b}
	return true
}

// ReadUint8LengthPrefixed reads a one-byte length and then that many bytes
// into a sub-cursor. On failure nothing is consumed.
func (c *Cursor) ReadUint8LengthPrefixed(v *Cursor) bool {
	save := c.off
	var n uint8
	if !c.ReadUint8(&n) || !c.ReadCursor(v, int(n)) {
		c.off = save
		return false
	}
	return true
}

// ReadUint16LengthPrefixed reads a two-byte length and then that many bytes
// into a sub-cursor. On failure nothing is consumed.
func (c *Cursor) ReadUint16LengthPrefixed(v *Cursor) bool {
	save := c.off
	var n uint16
	if !c.ReadUint16(&n) || !c.ReadCursor(v, int(n)) {
		c.off = save
		return false
	}
	return true
}

// ReadUint24LengthPrefixed reads a three-byte length and then that many bytes
// into a sub-cursor. On failure nothing is consumed.
func (c *Cursor) ReadUint24LengthPrefixed(v *Cursor) bool {
	save := c.off
	var n uint32
	if !c.ReadUint24(&n) || !c.ReadCursor(v, int(n)) {
		c.off = save
		return false
	}
	return true
}

// PeekUint8 returns the next byte without consuming it.
func (c *Cursor) PeekUint8(v *uint8) bool {
	if c.Len() < 1 {
		return false
	}
	*v = c.buf[c.off]
	return true
}

// PeekUint16 returns the next big-endian 16-bit value without consuming it.
func (c *Cursor) PeekUint16(v *uint16) bool {
	save := c.off
	ok := c.ReadUint16(v)
	c.off = save
	return ok
}
