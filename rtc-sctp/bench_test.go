package sctp

import (
	"fmt"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// loopback connects two associations in memory with no loss and no delay,
// moving packets with AppendPacket into one reused buffer.
type loopback struct {
	tb   testing.TB
	a, b *Association
	buf  []byte
	now  int64
}

func newLoopback(tb testing.TB, cfg Config) *loopback {
	p := newPair(tb, cfg, cfg)
	p.connect()
	return &loopback{tb: tb, a: p.ep[0], b: p.ep[1], buf: make([]byte, 0, 64<<10)}
}

// pump moves packets both ways until both sides are quiet and returns the
// bytes read on b.
func (l *loopback) pump() int {
	got := 0
	for moved := true; moved; {
		moved = false
		for _, dir := range [2][2]*Association{{l.a, l.b}, {l.b, l.a}} {
			for {
				p, ok := dir[0].AppendPacket(l.buf[:0])
				if !ok {
					break
				}
				moved = true
				must(l.tb, dir[1].HandleRead(shared.TaggedBytes{Message: p}))
			}
		}
		for {
			m, ok := l.b.PollRead()
			if !ok {
				break
			}
			got += len(m.Data)
			moved = true
		}
	}
	return got
}

// BenchmarkAssociation measures one-process throughput of two associations
// (no DTLS, no network) for several message sizes; one op is one message.
func BenchmarkAssociation(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 256 << 10} {
		for _, idata := range []bool{false, true} {
			b.Run(fmt.Sprintf("size=%d/idata=%v", size, idata), func(b *testing.B) {
				l := newLoopback(b, Config{PeerMaxMessageSize: -1, DisableInterleaving: !idata, ReceiveBufferSize: 4 << 20, SendBufferSize: 8 << 20})
				msg := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					for l.a.HandleWrite(Message{Stream: 1, PPID: 53, Data: msg}) != nil {
						l.pump()
					}
					if l.a.BufferedAmountTotal() > 1<<20 {
						l.pump()
					}
				}
				l.pump()
			})
		}
	}
}

// TestSendPathAllocs: the send path (HandleWrite, AppendPacket and the SACK
// that frees the message) allocates nothing in steady state.
func TestSendPathAllocs(t *testing.T) {
	for _, size := range []int{1 << 10, 16 << 10, 256 << 10} {
		l := newLoopback(t, Config{PeerMaxMessageSize: -1, ReceiveBufferSize: 4 << 20})
		a := l.a
		msg := make([]byte, size)
		pkt := make([]byte, 0, 2048)
		sack := make([]byte, 0, 64)
		step := func() {
			if err := a.HandleWrite(Message{Stream: 1, PPID: 53, Data: msg}); err != nil {
				t.Fatal(err)
			}
			for {
				for {
					var ok bool
					if pkt, ok = a.AppendPacket(pkt[:0]); !ok {
						break
					}
				}
				// The peer acknowledges everything sent.
				s := sackChunk{cumTSN: a.snd.nextTSN - 1, rwnd: 4 << 20}
				sack = appendCommonHeader(sack[:0], DefaultPort, DefaultPort, a.myTag)
				sack = s.appendTo(sack)
				putChecksum(sack)
				must(t, a.HandleRead(shared.TaggedBytes{Message: sack}))
				if a.snd.idle() {
					return
				}
			}
		}
		for range 50 {
			step()
		}
		if n := testing.AllocsPerRun(100, step); n != 0 {
			t.Errorf("size %d: %v allocations per message on the send path", size, n)
		}
	}
}
