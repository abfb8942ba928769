package shared

import (
	"bytes"
	"testing"
)

var cursorInput = []byte{
	0x01,       // uint8
	0x02, 0x03, // uint16
	0x04, 0x05, 0x06, // uint24
	0x07, 0x08, 0x09, 0x0a, // uint32
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, // uint48
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, // uint64
	0x19, 0x1a, 0x1b, // bytes
}

func TestCursorReads(t *testing.T) {
	c := NewCursor(cursorInput)
	var (
		u8  uint8
		u16 uint16
		u24 uint32
		u32 uint32
		u48 uint64
		u64 uint64
		b   []byte
	)
	ok := c.ReadUint8(&u8) && c.ReadUint16(&u16) && c.ReadUint24(&u24) && c.ReadUint32(&u32) &&
		c.ReadUint48(&u48) && c.ReadUint64(&u64) && c.ReadBytes(&b, 3)
	if !ok {
		t.Fatal("reads failed")
	}
	if u8 != 0x01 || u16 != 0x0203 || u24 != 0x040506 || u32 != 0x0708090a ||
		u48 != 0x0b0c0d0e0f10 || u64 != 0x1112131415161718 || !bytes.Equal(b, []byte{0x19, 0x1a, 0x1b}) {
		t.Fatalf("values %x %x %x %x %x %x %x", u8, u16, u24, u32, u48, u64, b)
	}
	if !c.Empty() || c.Len() != 0 || c.Offset() != len(cursorInput) || len(c.Rest()) != 0 {
		t.Fatal("cursor not at the end")
	}
	// ReadBytes aliases the input but caps the slice: appending to it
	// cannot overwrite what follows.
	if cap(b) != 3 {
		t.Fatalf("cap = %d, want 3", cap(b))
	}
}

// reads is every read the cursor offers, each needing a fixed number of
// bytes: on an input one byte shorter each must fail and leave the cursor
// where it was.
var reads = []struct {
	name string
	need int
	read func(c *Cursor) bool
}{
	{"ReadUint8", 1, func(c *Cursor) bool { var v uint8; return c.ReadUint8(&v) }},
	{"ReadUint16", 2, func(c *Cursor) bool { var v uint16; return c.ReadUint16(&v) }},
	{"ReadUint24", 3, func(c *Cursor) bool { var v uint32; return c.ReadUint24(&v) }},
	{"ReadUint32", 4, func(c *Cursor) bool { var v uint32; return c.ReadUint32(&v) }},
	{"ReadUint48", 6, func(c *Cursor) bool { var v uint64; return c.ReadUint48(&v) }},
	{"ReadUint64", 8, func(c *Cursor) bool { var v uint64; return c.ReadUint64(&v) }},
	{"ReadBytes(5)", 5, func(c *Cursor) bool { var v []byte; return c.ReadBytes(&v, 5) }},
	{"CopyBytes(5)", 5, func(c *Cursor) bool { var v [5]byte; return c.CopyBytes(v[:]) }},
	{"ReadCursor(5)", 5, func(c *Cursor) bool { var v Cursor; return c.ReadCursor(&v, 5) }},
	{"Skip(5)", 5, func(c *Cursor) bool { return c.Skip(5) }},
	{"PeekUint8", 1, func(c *Cursor) bool { var v uint8; return c.PeekUint8(&v) }},
	{"PeekUint16", 2, func(c *Cursor) bool { var v uint16; return c.PeekUint16(&v) }},
}

func sameCursor(a, b Cursor) bool {
	return a.off == b.off && len(a.buf) == len(b.buf) && (len(a.buf) == 0 || &a.buf[0] == &b.buf[0])
}

func TestCursorShortInputLeavesCursorUnchanged(t *testing.T) {
	for _, r := range reads {
		for pre := range 3 { // also after a prefix has been consumed
			for short := range r.need {
				in := bytes.Repeat([]byte{0xaa}, pre+short)
				c := NewCursor(in)
				c.Skip(pre)
				before := c
				if r.read(&c) {
					t.Fatalf("%s succeeded on %d bytes", r.name, short)
				}
				if !sameCursor(c, before) {
					t.Fatalf("%s on %d bytes moved the cursor from %d to %d", r.name, short, before.off, c.off)
				}
			}
			in := bytes.Repeat([]byte{0xaa}, pre+r.need)
			c := NewCursor(in)
			c.Skip(pre)
			if !r.read(&c) {
				t.Fatalf("%s failed on exactly %d bytes", r.name, r.need)
			}
		}
	}
}

func TestCursorNegativeLengths(t *testing.T) {
	c := NewCursor([]byte{1, 2, 3})
	var b []byte
	var sub Cursor
	if c.Skip(-1) || c.ReadBytes(&b, -1) || c.ReadCursor(&sub, -1) || c.Offset() != 0 {
		t.Fatal("negative length accepted")
	}
	if !c.ReadBytes(&b, 0) || len(b) != 0 || !c.Skip(0) {
		t.Fatal("zero length rejected")
	}
}

func TestCursorPeekDoesNotConsume(t *testing.T) {
	c := NewCursor([]byte{0xab, 0xcd})
	var v8 uint8
	var v16 uint16
	if !c.PeekUint8(&v8) || !c.PeekUint16(&v16) || v8 != 0xab || v16 != 0xabcd || c.Offset() != 0 {
		t.Fatal("peek")
	}
}

func TestCursorLengthPrefixed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix int
		read   func(c *Cursor, v *Cursor) bool
	}{
		{"uint8", 1, (*Cursor).ReadUint8LengthPrefixed},
		{"uint16", 2, (*Cursor).ReadUint16LengthPrefixed},
		{"uint24", 3, (*Cursor).ReadUint24LengthPrefixed},
	} {
		body := []byte("body")
		in := make([]byte, tc.prefix-1, 16)
		in = append(in, byte(len(body)))
		in = append(in, body...)
		in = append(in, 0xff) // a trailing byte
		c := NewCursor(in)
		var sub Cursor
		if !tc.read(&c, &sub) || !bytes.Equal(sub.Rest(), body) || c.Len() != 1 {
			t.Fatalf("%s: sub %q, %d left", tc.name, sub.Rest(), c.Len())
		}
		// Every strict prefix of the length-prefixed value fails and
		// consumes nothing, even when the length itself was readable.
		for n := range tc.prefix + len(body) {
			c := NewCursor(in[:n])
			var sub Cursor
			if tc.read(&c, &sub) || c.Offset() != 0 {
				t.Fatalf("%s: %d bytes: read succeeded or moved to %d", tc.name, n, c.Offset())
			}
		}
	}
}

// FuzzCursor reads the input as a sequence of operations driven by the
// input itself; nothing may panic, offsets stay in range, and a failed read
// leaves the cursor unchanged.
func FuzzCursor(f *testing.F) {
	f.Add([]byte{})
	f.Add(cursorInput)
	f.Add([]byte{0x03, 0x00, 0x02, 0xaa, 0xbb, 0x06, 0x07})
	f.Add([]byte{0x05, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := NewCursor(in)
		for steps := 0; steps < 1000 && !c.Empty(); steps++ {
			var op uint8
			if !c.ReadUint8(&op) {
				t.Fatal("ReadUint8 failed on non-empty input")
			}
			before := c
			var ok bool
			var sub Cursor
			switch op % 16 {
			case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11:
				ok = reads[op%16].read(&c)
			case 12:
				ok = c.ReadUint8LengthPrefixed(&sub)
			case 13:
				ok = c.ReadUint16LengthPrefixed(&sub)
			case 14:
				ok = c.ReadUint24LengthPrefixed(&sub)
			case 15:
				var b []byte
				ok = c.ReadBytes(&b, int(op>>4))
				if ok && len(b) != int(op>>4) {
					t.Fatal("ReadBytes length")
				}
			}
			if !ok && !sameCursor(c, before) {
				t.Fatalf("failed op %d moved the cursor", op%16)
			}
			if c.Offset() > len(in) || c.Len() < 0 || sub.Len() > len(in) {
				t.Fatal("offset out of range")
			}
			if !ok {
				c.Skip(1) // make progress
			}
		}
	})
}
