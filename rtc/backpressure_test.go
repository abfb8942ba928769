package rtc

import (
	"errors"
	"fmt"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestSmallQueuesDeliverEverything: with the smallest outbox allowed at
// the sender (and a few more) and a read queue of one message at the receiver, the channel
// opens and a burst of messages arrives whole and in order. Each step stops
// pulling SCTP packets when the outbox lacks room and stops pulling messages
// when the read queue is full, and the next PollWrite or PollRead must go on
// from there. Before, an outbox of 64 datagrams or fewer never had the room
// a step asked for (64 free): the association never came up and the
// PeerConnection's PollTimeout stayed at now. Smaller bounds are refused:
// with 1 the ICE agent lost an event and never checked (minQueuedDatagrams).
func TestSmallQueuesDeliverEverything(t *testing.T) {
	if _, err := NewPeerConnection(Configuration{MaxQueuedDatagrams: minQueuedDatagrams - 1}); !errors.Is(err, shared.ErrInvalidConfig) {
		t.Fatalf("MaxQueuedDatagrams %d: %v, want an invalid configuration", minQueuedDatagrams-1, err)
	}
	for _, outbox := range []int{minQueuedDatagrams, minQueuedDatagrams + 1, 128, 129} {
		t.Run(fmt.Sprint("MaxQueuedDatagrams=", outbox), func(t *testing.T) {
			sim, _, b, dcs := connectedPair(t, 5, 1, Configuration{MaxQueuedDatagrams: outbox}, Configuration{MaxQueuedMessages: 1})
			const n = 200
			for i := range n {
				if err := dcs[0].Send(fmt.Appendf(nil, "%04d%0996d", i, 0)); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			start := len(b.Reads)
			if err := sim.Run(func() bool { return len(b.Reads)-start == n }, 1000000); err != nil {
				t.Fatalf("%d of %d messages arrived: %v", len(b.Reads)-start, n, err)
			}
			for i, m := range b.Reads[start:] {
				if got := string(m.Data[:4]); got != fmt.Sprintf("%04d", i) {
					t.Fatalf("message %d is %q", i, got)
				}
			}
			if len(b.errs) > 0 {
				t.Fatalf("receiver errors: %v", b.errs)
			}
		})
	}
}

// TestSmallMaxBufferedAmount: MaxBufferedAmount bounds what Send queues on
// a channel, not the DCEP messages that open channels. Before, the
// association's send buffer was MaxBufferedAmount itself, so with 1 byte
// the DATA_CHANNEL_OPEN never fit and no channel ever opened.
func TestSmallMaxBufferedAmount(t *testing.T) {
	cfg := Configuration{MaxBufferedAmount: 1}
	sim, _, b, dcs := connectedPair(t, 3, 1, cfg, cfg)
	if err := dcs[0].Send([]byte("xy")); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("2 bytes with MaxBufferedAmount 1: %v, want ErrBufferFull", err)
	}
	if err := dcs[0].Send([]byte("x")); err != nil {
		t.Fatal(err)
	}
	start := len(b.Reads)
	if err := sim.Run(func() bool { return len(b.Reads) > start }, 100000); err != nil {
		t.Fatal(err)
	}
	if got := string(b.Reads[start].Data); got != "x" {
		t.Fatalf("read %q", got)
	}
}
