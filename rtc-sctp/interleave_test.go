package sctp

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestLargeDoesNotBlockSmall: with I-DATA (RFC 8260) a small message on
// another stream overtakes a large one in progress; with DATA it waits at
// most for the message being sent, not for the whole queue of the other
// stream (round robin between streams).
func TestLargeDoesNotBlockSmall(t *testing.T) {
	for _, idata := range []bool{true, false} {
		t.Run(fmt.Sprintf("idata=%v", idata), func(t *testing.T) {
			sim, a, b := simPair(t, 21, netsim.LinkConfig{Delay: 10 * time.Millisecond, Bandwidth: 20e6, QueueBytes: 1 << 20},
				Config{PeerMaxMessageSize: -1, DisableInterleaving: !idata})
			big := make([]byte, 256<<10)
			for range 4 {
				if err := a.a.HandleWrite(Message{Stream: 1, PPID: 53, Data: big}); err != nil {
					t.Fatal(err)
				}
			}
			must(t, sim.RunFor(5*time.Millisecond, 100_000))
			if err := a.a.HandleWrite(Message{Stream: 2, PPID: 51, Data: []byte("small")}); err != nil {
				t.Fatal(err)
			}
			if err := sim.Run(func() bool { return len(b.reads) == 5 }, 1_000_000); err != nil {
				t.Fatal(err)
			}
			pos := -1
			for i, m := range b.reads {
				if m.Stream == 2 {
					pos = i
				}
			}
			want := 1 // after the large message in progress
			if idata {
				want = 0 // before it
			}
			if pos != want {
				t.Fatalf("small message delivered at position %d, want %d", pos, want)
			}
		})
	}
}

// TestMultiMegabyteMessage: MaxMessageSize may be raised to several MiB.
func TestMultiMegabyteMessage(t *testing.T) {
	sim, a, b := simPair(t, 22, netsim.LinkConfig{Delay: 5 * time.Millisecond, Loss: 0.01},
		Config{MaxMessageSize: 8 << 20, PeerMaxMessageSize: 8 << 20, ReceiveBufferSize: 16 << 20, SendBufferSize: 16 << 20})
	msg := make([]byte, 6<<20)
	for i := range msg {
		msg[i] = pattern(i)
	}
	if err := a.a.HandleWrite(Message{Stream: 0, PPID: 53, Data: msg}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(b.reads) == 1 }, 10_000_000); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.reads[0].Data, msg) {
		t.Fatal("6 MiB message differs")
	}
}

// TestStreamPriority: backlogged streams share the link in proportion to
// their priorities (stride scheduling), with I-DATA chunk by chunk and
// with DATA message by message.
func TestStreamPriority(t *testing.T) {
	for _, idata := range []bool{true, false} {
		t.Run(fmt.Sprintf("idata=%v", idata), func(t *testing.T) {
			sim, a, b := simPair(t, 23, netsim.LinkConfig{Delay: 10 * time.Millisecond, Bandwidth: 10e6, QueueBytes: 1 << 20},
				Config{PeerMaxMessageSize: -1, DisableInterleaving: !idata, SendBufferSize: 16 << 20})
			a.a.SetStreamPriority(1, 1024)
			a.a.SetStreamPriority(2, 256)
			msg := make([]byte, 10000)
			for range 400 {
				must(t, a.a.HandleWrite(Message{Stream: 1, PPID: 53, Data: msg}))
				must(t, a.a.HandleWrite(Message{Stream: 2, PPID: 53, Data: msg}))
			}
			b.keep = true
			must(t, sim.RunFor(2*time.Second, 10_000_000))
			var got [3]int
			for _, m := range b.reads {
				got[m.Stream] += len(m.Data)
			}
			ratio := float64(got[1]) / float64(max(got[2], 1))
			t.Logf("priority 1024 got %d bytes, priority 256 got %d (ratio %.2f)", got[1], got[2], ratio)
			if ratio < 3 || ratio > 5 {
				t.Fatalf("ratio %.2f, want about 4", ratio)
			}
		})
	}
}

// TestInterleavedMessagesFitWindow: with I-DATA the receiver holds every
// fragment of a message until it completes, so messages interleaved on
// several streams that together exceed its window (each one alone fits)
// must not all be started at once: the window would fill with halves of
// messages, none could complete and the association would fail.
func TestInterleavedMessagesFitWindow(t *testing.T) {
	sim, a, b := simPair(t, 21, netsim.LinkConfig{Delay: 10 * time.Millisecond},
		Config{PeerMaxMessageSize: -1, ReceiveBufferSize: 256 << 10, SendBufferSize: 16 << 20})
	big := make([]byte, 200<<10)
	for s := range 4 {
		if err := a.a.HandleWrite(Message{Stream: uint16(s), PPID: 53, Data: big}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.Run(func() bool { return len(b.reads) == 4 || a.a.State() == StateClosed }, 2_000_000); err != nil {
		t.Fatal(err)
	}
	if len(b.reads) != 4 || a.a.State() != StateEstablished || a.a.Stats().T3Expirations != 0 {
		t.Fatalf("delivered %d of 4, state %v, %d T3 expirations", len(b.reads), a.a.State(), a.a.Stats().T3Expirations)
	}
	if !a.a.Stats().Interleaving {
		t.Fatal("I-DATA not negotiated")
	}
}

// TestSmallOvertakesWhenWindowTight: a one-fragment message never waits
// for the window rule of mayStart (it is complete on arrival), so with
// I-DATA it still overtakes a large message in progress.
func TestSmallOvertakesWhenWindowTight(t *testing.T) {
	sim, a, b := simPair(t, 24, netsim.LinkConfig{Delay: 10 * time.Millisecond, Bandwidth: 20e6, QueueBytes: 1 << 20},
		Config{PeerMaxMessageSize: -1, ReceiveBufferSize: 256 << 10, SendBufferSize: 16 << 20})
	// The message in progress leaves less than the small one in the window.
	big := make([]byte, 255<<10)
	if err := a.a.HandleWrite(Message{Stream: 0, PPID: 53, Data: big}); err != nil {
		t.Fatal(err)
	}
	must(t, sim.RunFor(5*time.Millisecond, 100_000))
	small := make([]byte, 1070) // one fragment at the default MTU
	if err := a.a.HandleWrite(Message{Stream: 2, PPID: 51, Data: small}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(b.reads) == 2 }, 2_000_000); err != nil {
		t.Fatal(err)
	}
	if b.reads[0].Stream != 2 {
		t.Fatalf("first delivered on stream %d, want the small message on 2", b.reads[0].Stream)
	}
}
