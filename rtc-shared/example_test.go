package shared_test

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Build a type-length-value record with a length prefix filled in at the
// end, then parse it back with a Cursor.
func ExampleBuilder() {
	buf := make([]byte, 0, 64) // a fixed buffer: the builder never grows it
	b := shared.NewFixedBuilder(buf)
	b.AddUint16(0x0006) // type
	l := b.BeginUint16Length()
	b.AddString("alice:bob")
	b.EndUint16Length(l)
	out, err := b.Bytes()
	fmt.Printf("% x %v\n", out, err)

	// Out of room: the error sticks, the bytes written so far stay.
	small := shared.NewFixedBuilder(make([]byte, 0, 3))
	small.AddUint16(1)
	small.AddUint16(2)
	small.AddUint8(3) // ignored: the first error sticks
	out, err = small.Bytes()
	fmt.Printf("% x %v\n", out, errors.Is(err, shared.ErrShortBuffer))
	// Output:
	// 00 06 00 09 61 6c 69 63 65 3a 62 6f 62 <nil>
	// 00 01 true
}

func ExampleCursor() {
	msg := []byte{0x00, 0x06, 0x00, 0x09, 'a', 'l', 'i', 'c', 'e', ':', 'b', 'o', 'b'}
	c := shared.NewCursor(msg)
	var typ uint16
	var value shared.Cursor
	if !c.ReadUint16(&typ) || !c.ReadUint16LengthPrefixed(&value) || !c.Empty() {
		fmt.Println("malformed")
		return
	}
	fmt.Printf("type %d value %q\n", typ, value.Rest())

	// A truncated record fails and leaves the cursor where it was.
	short := shared.NewCursor(msg[:8])
	short.Skip(2)
	fmt.Println(short.ReadUint16LengthPrefixed(&value), short.Offset())
	// Output:
	// type 6 value "alice:bob"
	// false 2
}

// Check before authenticating, Accept after: a forged packet never moves
// the window.
func ExampleReplayWindow() {
	w := shared.NewReplayWindow(64)
	for _, seq := range []uint64{10, 12, 11, 12, 100, 36, 37} {
		if !w.Check(seq) {
			fmt.Println(seq, "replayed or too old")
			continue
		}
		w.Accept(seq) // after the packet authenticated
		fmt.Println(seq, "accepted")
	}
	// Output:
	// 10 accepted
	// 12 accepted
	// 11 accepted
	// 12 replayed or too old
	// 100 accepted
	// 36 replayed or too old
	// 37 accepted
}

func ExampleSerialLess() {
	fmt.Println(shared.SerialLess[uint16](65535, 0), shared.SerialLess[uint16](0, 65535))
	var u shared.Unwrapper16
	fmt.Println(u.Unwrap(65535), u.Unwrap(0), u.Unwrap(65534))
	// Output:
	// true false
	// 65535 65536 65534
}
