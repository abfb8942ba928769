package shared

import "testing"

// TestSerialLess checks RFC 1982 §3.2: s1 < s2 when "(i1 < i2 and i2 - i1 <
// 2^(SERIAL_BITS - 1)) or (i1 > i2 and i1 - i2 > 2^(SERIAL_BITS - 1))",
// with SERIAL_BITS = 8 worked by hand, and the 16/32/64-bit wraps.
func TestSerialLess(t *testing.T) {
	// 255 < 0 and 255 < 100 and 200 < 0 hold by the second clause (the
	// wrap); 100 and 255 are 155 apart, so 100 < 255 does not hold.
	less8 := [][2]uint8{{255, 0}, {0, 100}, {100, 200}, {255, 100}, {200, 0}, {0, 1}, {0, 127}, {129, 0}}
	for _, p := range less8 {
		if !SerialLess(p[0], p[1]) || SerialLess(p[1], p[0]) {
			t.Errorf("uint8: want %d < %d only", p[0], p[1])
		}
	}
	for _, p := range [][2]uint8{{0, 128}, {128, 0}, {1, 129}, {200, 72}} {
		if SerialLess(p[0], p[1]) || SerialLess(p[1], p[0]) {
			t.Errorf("uint8: %d and %d are 128 apart: undefined, want false both ways", p[0], p[1])
		}
	}
	if SerialLess[uint8](5, 5) || !SerialLessOrEqual[uint8](5, 5) || !SerialLessOrEqual[uint8](250, 3) || SerialLessOrEqual[uint8](3, 250) {
		t.Error("equality")
	}
	if !SerialLess[uint16](65535, 0) || !SerialLess[uint16](65000, 200) || SerialLess[uint16](0, 32768) || !SerialLess[uint16](0, 32767) {
		t.Error("uint16 wrap")
	}
	if !SerialLess[uint32](0xffffffff, 0) || SerialLess[uint32](0, 1<<31) || !SerialLess[uint32](0, 1<<31-1) {
		t.Error("uint32 wrap")
	}
	if !SerialLess[uint64](^uint64(0), 0) || SerialLess[uint64](0, 1<<63) {
		t.Error("uint64")
	}
	type TSN uint32 // named types work too
	if !SerialLess[TSN](0xfffffff0, 3) {
		t.Error("named type")
	}
	if SerialMax[uint16](65530, 4) != 4 || SerialMax[uint16](4, 65530) != 4 || SerialMax[uint16](7, 7) != 7 {
		t.Error("SerialMax")
	}
}

func TestSerialDiff(t *testing.T) {
	for _, c := range []struct {
		a, b uint16
		want int
	}{{0, 1, 1}, {1, 0, -1}, {65535, 0, 1}, {0, 65535, -1}, {65000, 100, 636}, {0, 32767, 32767}, {0, 32768, -32768}} {
		if got := SerialDiff16(c.a, c.b); got != c.want {
			t.Errorf("SerialDiff16(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	for _, c := range []struct {
		a, b uint32
		want int64
	}{{0xffffffff, 0, 1}, {0, 0xffffffff, -1}, {10, 5, -5}, {0, 1<<31 - 1, 1<<31 - 1}, {0, 1 << 31, -(1 << 31)}} {
		if got := SerialDiff32(c.a, c.b); got != c.want {
			t.Errorf("SerialDiff32(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestUnwrapper16(t *testing.T) {
	var u Unwrapper16
	in := []uint16{65533, 65534, 65535, 0, 65535 /* late */, 1, 2, 0 /* late */, 5, 3}
	want := []int64{65533, 65534, 65535, 65536, 65535, 65537, 65538, 65536, 65541, 65539}
	for i, v := range in {
		if p := u.Peek(v); p != want[i] {
			t.Fatalf("Peek(%d) = %d, want %d", v, p, want[i])
		}
		if got := u.Unwrap(v); got != want[i] {
			t.Fatalf("step %d: Unwrap(%d) = %d, want %d", i, v, got, want[i])
		}
	}
	// Many wraps forward in steps of 1000.
	var w Unwrapper16
	var v uint16
	for i := int64(0); i < 1000; i++ {
		if got := w.Unwrap(v); got != i*1000 {
			t.Fatalf("wrap %d: %d", i, got)
		}
		v += 1000
	}
	// A late packet before the first value goes below it.
	var z Unwrapper16
	z.Unwrap(1)
	if got := z.Unwrap(65535); got != -1 {
		t.Fatalf("late across zero = %d, want -1", got)
	}
	if z.Peek(3) != 3 {
		t.Fatal("late value moved the reference")
	}
}

func TestUnwrapper32(t *testing.T) {
	var u Unwrapper32
	if u.Peek(7) != 7 {
		t.Fatal("Peek before start")
	}
	in := []uint32{0xfffffff0, 0xfffffffa, 0x10, 0xfffffff5 /* late */, 0x20}
	want := []int64{0xfffffff0, 0xfffffffa, 1<<32 + 0x10, 0xfffffff5, 1<<32 + 0x20}
	for i, v := range in {
		if p := u.Peek(v); p != want[i] {
			t.Fatalf("Peek(%#x) = %#x, want %#x", v, p, want[i])
		}
		if got := u.Unwrap(v); got != want[i] {
			t.Fatalf("step %d: Unwrap(%#x) = %#x, want %#x", i, v, got, want[i])
		}
	}
	// RTP timestamps at 90 kHz advance by 3000 per frame: many wraps.
	var w Unwrapper32
	var ts uint32 = 0xffff0000
	for i := int64(0); i < 3_000_000; i += 1000 {
		if got := w.Unwrap(ts); got != 0xffff0000+i*3000 {
			t.Fatalf("frame %d: %d", i, got)
		}
		ts += 3000 * 1000
	}
}
