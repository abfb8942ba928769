package shared

import (
	"bytes"
	"errors"
	"testing"
)

func TestBuilderFields(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		var b Builder
		if fixed {
			b = NewFixedBuilder(make([]byte, 0, 64))
		} else {
			b = NewBuilder(nil)
		}
		b.AddUint8(0x01)
		b.AddUint16(0x0203)
		b.AddUint24(0xff040506) // high byte ignored
		b.AddUint32(0x0708090a)
		b.AddUint48(0xffff0b0c0d0e0f10) // high bytes ignored
		b.AddUint64(0x1112131415161718)
		b.AddBytes([]byte{0x19, 0x1a})
		b.AddString("\x1b")
		b.AddZeros(2)
		out, err := b.Bytes()
		want := append(append([]byte(nil), cursorInput...), 0, 0)
		if err != nil || !bytes.Equal(out, want) || b.Len() != len(want) {
			t.Fatalf("fixed=%v: % x, %v", fixed, out, err)
		}
	}
}

// TestBuilderFixedOutOfRoom: a write that does not fit fails with
// ErrShortBuffer, leaves the bytes written so far unchanged, never
// reallocates, and the error sticks: later writes, even small ones, are
// ignored.
func TestBuilderFixedOutOfRoom(t *testing.T) {
	writes := []struct {
		name string
		size int
		add  func(b *Builder)
	}{
		{"AddUint8", 1, func(b *Builder) { b.AddUint8(0xee) }},
		{"AddUint16", 2, func(b *Builder) { b.AddUint16(0xeeee) }},
		{"AddUint24", 3, func(b *Builder) { b.AddUint24(0xeeeeee) }},
		{"AddUint32", 4, func(b *Builder) { b.AddUint32(0xeeeeeeee) }},
		{"AddUint48", 6, func(b *Builder) { b.AddUint48(0xeeeeeeeeeeee) }},
		{"AddUint64", 8, func(b *Builder) { b.AddUint64(0xeeeeeeeeeeeeeeee) }},
		{"AddBytes", 5, func(b *Builder) { b.AddBytes(bytes.Repeat([]byte{0xee}, 5)) }},
		{"AddString", 5, func(b *Builder) { b.AddString("eeeee") }},
		{"AddZeros", 5, func(b *Builder) { b.AddZeros(5) }},
		{"BeginUint16Length", 2, func(b *Builder) { b.BeginUint16Length() }},
	}
	for _, w := range writes {
		for room := range w.size {
			backing := make([]byte, 3+room, 3+room)
			for i := range backing {
				backing[i] = byte(0x10 + i)
			}
			b := NewFixedBuilder(backing[:3])
			w.add(&b)
			out, err := b.Bytes()
			if !errors.Is(err, ErrShortBuffer) {
				t.Fatalf("%s with %d bytes of room: err %v", w.name, room, err)
			}
			if len(out) != 3 || &out[0] != &backing[0] {
				t.Fatalf("%s: buffer changed or reallocated: % x", w.name, out)
			}
			for i := range backing {
				if backing[i] != byte(0x10+i) {
					t.Fatalf("%s: byte %d overwritten: % x", w.name, i, backing)
				}
			}
			b.AddUint8(1) // would fit if room > 0: the error sticks
			if b.Len() != 3 || !errors.Is(b.Err(), ErrShortBuffer) {
				t.Fatalf("%s: write after error was not ignored", w.name)
			}
		}
		// Exactly enough room succeeds.
		b := NewFixedBuilder(make([]byte, 0, w.size))
		w.add(&b)
		if out, err := b.Bytes(); err != nil || len(out) != w.size {
			t.Fatalf("%s with exact room: %d bytes, %v", w.name, len(out), err)
		}
	}
}

func TestBuilderFirstErrorSticks(t *testing.T) {
	first := errors.New("first")
	b := NewBuilder(nil)
	b.AddUint8(1)
	b.SetError(first)
	b.SetError(errors.New("second"))
	b.AddUint32(7)
	if out, err := b.Bytes(); err != first || len(out) != 1 {
		t.Fatalf("% x %v", out, err)
	}
	b = NewFixedBuilder(make([]byte, 0, 1))
	b.AddUint16(1)
	b.SetError(first)
	if !errors.Is(b.Err(), ErrShortBuffer) {
		t.Fatal("later error replaced the first")
	}
	b = NewBuilder(nil)
	b.AddZeros(-1)
	if b.Err() == nil {
		t.Fatal("negative padding accepted")
	}
}

func TestBuilderGrowingNeverFails(t *testing.T) {
	b := NewBuilder(make([]byte, 0, 1))
	for range 1000 {
		b.AddUint64(1)
	}
	if b.Err() != nil || b.Len() != 8000 {
		t.Fatal("growing builder failed")
	}
}

func TestBuilderLengthPrefixes(t *testing.T) {
	b := NewBuilder(nil)
	outer := b.BeginUint24Length()
	b.AddUint8(0xaa)
	inner := b.BeginUint16Length()
	l8 := b.BeginUint8Length()
	b.AddString("abc")
	b.EndUint8Length(l8)
	b.EndUint16Length(inner)
	empty := b.BeginUint8Length()
	b.EndUint8Length(empty)
	b.EndUint24Length(outer)
	out, err := b.Bytes()
	want := []byte{0, 0, 8, 0xaa, 0, 4, 3, 'a', 'b', 'c', 0}
	if err != nil || !bytes.Equal(out, want) {
		t.Fatalf("% x %v, want % x", out, err, want)
	}
	// And the cursor reads it back.
	c := NewCursor(out)
	var o, i, l Cursor
	var x uint8
	if !c.ReadUint24LengthPrefixed(&o) || !o.ReadUint8(&x) || !o.ReadUint16LengthPrefixed(&i) ||
		!i.ReadUint8LengthPrefixed(&l) || string(l.Rest()) != "abc" || !i.Empty() || !c.Empty() {
		t.Fatal("round trip")
	}
}

func TestBuilderLengthOverflow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		max   int
		begin func(*Builder) LengthMark
		end   func(*Builder, LengthMark)
	}{
		{"uint8", 0xff, (*Builder).BeginUint8Length, (*Builder).EndUint8Length},
		{"uint16", 0xffff, (*Builder).BeginUint16Length, (*Builder).EndUint16Length},
	} {
		for _, n := range []int{tc.max, tc.max + 1} {
			b := NewBuilder(nil)
			m := tc.begin(&b)
			b.AddZeros(n)
			tc.end(&b, m)
			if n == tc.max && b.Err() != nil {
				t.Fatalf("%s: %d bytes: %v", tc.name, n, b.Err())
			}
			if n > tc.max && !errors.Is(b.Err(), ErrLengthOverflow) {
				t.Fatalf("%s: %d bytes: err %v, want ErrLengthOverflow", tc.name, n, b.Err())
			}
		}
	}
	// uint24 at its limit and over it.
	b := NewBuilder(nil)
	m := b.BeginUint24Length()
	b.AddZeros(1<<24 - 1)
	b.EndUint24Length(m)
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	b = NewBuilder(nil)
	m = b.BeginUint24Length()
	b.AddZeros(1 << 24)
	b.EndUint24Length(m)
	if !errors.Is(b.Err(), ErrLengthOverflow) {
		t.Fatal("uint24 overflow accepted")
	}
}

func TestBuilderBadMark(t *testing.T) {
	b := NewBuilder(nil)
	m := b.BeginUint8Length()
	b.EndUint16Length(m) // wrong size
	if !errors.Is(b.Err(), ErrBadLengthMark) {
		t.Fatalf("err %v", b.Err())
	}
	b = NewBuilder(nil)
	b.EndUint8Length(LengthMark{}) // zero mark
	if !errors.Is(b.Err(), ErrBadLengthMark) {
		t.Fatalf("err %v", b.Err())
	}
	other := NewBuilder(nil)
	m = other.BeginUint16Length()
	other.AddZeros(10)
	b = NewBuilder(nil) // a mark past the end of this builder
	b.EndUint16Length(m)
	if !errors.Is(b.Err(), ErrBadLengthMark) {
		t.Fatalf("err %v", b.Err())
	}
	// A Begin that ran out of room: End does nothing more, the error is
	// ErrShortBuffer.
	b = NewFixedBuilder(make([]byte, 0, 1))
	m = b.BeginUint16Length()
	b.EndUint16Length(m)
	if !errors.Is(b.Err(), ErrShortBuffer) || b.Len() != 0 {
		t.Fatalf("err %v len %d", b.Err(), b.Len())
	}
}
