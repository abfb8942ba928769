package turn

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	stun "github.com/sansrtc/rtc/rtc-stun"
)

func stunMsg(t testing.TB, n int) []byte {
	b := stun.NewBuilder(nil, stun.MessageType{Method: stun.MethodData, Class: stun.ClassIndication}, stun.TransactionID{1})
	b.AddData(bytes.Repeat([]byte{7}, n))
	m, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestChannelDataRoundTrip(t *testing.T) {
	for n := 0; n < 10; n++ {
		data := bytes.Repeat([]byte{byte(n)}, n)
		for _, pad := range []bool{false, true} {
			b := AppendChannelData(nil, 0x4001, data, pad)
			if pad && len(b)%4 != 0 {
				t.Fatalf("padded length %d", len(b))
			}
			ch, got, err := ParseChannelData(b)
			if err != nil || ch != 0x4001 || !bytes.Equal(got, data) {
				t.Fatalf("n=%d pad=%v: %v %x %x", n, pad, err, ch, got)
			}
		}
	}
	// RFC 8656 §12.4: every strict prefix of a ChannelData message is invalid.
	b := AppendChannelData(nil, 0x4000, []byte("hello"), false)
	for i := 0; i < len(b); i++ {
		if _, _, err := ParseChannelData(b[:i]); err == nil {
			t.Fatalf("prefix %d parsed", i)
		}
	}
	if _, _, err := ParseChannelData([]byte{0x3F, 0xFF, 0, 0}); err == nil {
		t.Fatal("channel below 0x4000 parsed")
	}
	// RFC 8656 §12: 0x5000-0xFFFF are reserved, not channel numbers.
	if _, _, err := ParseChannelData([]byte{0x50, 0x00, 0, 0}); err == nil {
		t.Fatal("reserved channel 0x5000 parsed")
	}
	if IsChannelData([]byte{0x50, 0x00, 0, 0}) || !IsChannelData([]byte{0x4F, 0xFF, 0, 0}) {
		t.Fatal("IsChannelData disagrees with RFC 7983 (64..79)")
	}
}

// A stream cut at random points yields the same messages.
func TestFramerSplitsStream(t *testing.T) {
	var stream []byte
	var want [][]byte
	for i := 0; i < 50; i++ {
		if i%2 == 0 {
			m := stunMsg(t, i)
			want = append(want, m)
			stream = append(stream, m...)
		} else {
			d := bytes.Repeat([]byte{byte(i)}, i)
			want = append(want, AppendChannelData(nil, 0x4000, d, false))
			stream = append(stream, AppendChannelData(nil, 0x4000, d, true)...)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	f := NewFramer(1 << 16)
	var got [][]byte
	for len(stream) > 0 {
		n := min(len(stream), 1+r.IntN(40))
		if err := f.Push(stream[:n]); err != nil {
			t.Fatal(err)
		}
		stream = stream[n:]
		for {
			m, ok, err := f.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, append([]byte(nil), m...))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("message %d differs", i)
		}
	}
}

func TestFramerLimits(t *testing.T) {
	f := NewFramer(64)
	if err := f.Push(make([]byte, 65)); !errors.Is(err, ErrStreamOverflow) {
		t.Fatalf("push over limit: %v", err)
	}
	f = NewFramer(64)
	m := stunMsg(t, 100) // declares more than the limit
	f.Push(m[:32])
	if _, _, err := f.Next(); !errors.Is(err, ErrStreamOverflow) {
		t.Fatalf("oversized message: %v", err)
	}
	f = NewFramer(64)
	f.Push([]byte{0xC0, 0, 0, 0}) // neither STUN nor ChannelData
	if _, _, err := f.Next(); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("garbage: %v", err)
	}
}

// Steady-state TCP framing reuses the framer's buffer: pushing chunks and
// taking out the messages allocates nothing once the buffer has grown.
func TestFramerNoAllocs(t *testing.T) {
	stream := append(stunMsg(t, 1), AppendChannelData(nil, 0x4000, make([]byte, 37), true)...)
	f := NewFramer(1 << 16)
	drain := func() {
		for {
			_, ok, err := f.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return
			}
		}
	}
	push := func() {
		for off := 0; off < len(stream); off += 13 {
			if err := f.Push(stream[off:min(off+13, len(stream))]); err != nil {
				t.Fatal(err)
			}
			drain()
		}
	}
	push()
	if n := testing.AllocsPerRun(100, push); n != 0 {
		t.Fatalf("%v allocations per stream pass, want 0", n)
	}
	if f.Buffered() != 0 {
		t.Fatalf("%d bytes left buffered", f.Buffered())
	}
}
