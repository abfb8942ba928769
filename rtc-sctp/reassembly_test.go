package sctp

import (
	"bytes"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestReassemblySizedFromLastMessage: after a first message, a message of
// the same size on the stream is reassembled into one buffer of exactly
// its size (no doubling); a much smaller one is not handed out in an
// oversized buffer, and a larger one still arrives whole.
func TestReassemblySizedFromLastMessage(t *testing.T) {
	for _, idata := range []bool{false, true} {
		l := newLoopback(t, Config{PeerMaxMessageSize: -1, DisableInterleaving: !idata, ReceiveBufferSize: 4 << 20})
		sizes := []int{64 << 10, 64 << 10, 64 << 10, 3000, 64 << 10, 200 << 10, 5}
		for i, n := range sizes {
			msg := bytes.Repeat([]byte{byte(i + 1)}, n)
			if err := l.a.HandleWrite(Message{Stream: 1, PPID: 53, Data: msg}); err != nil {
				t.Fatal(err)
			}
			l.pumpKeep(func(m Message) {
				if !bytes.Equal(m.Data, msg) {
					t.Fatalf("idata=%v message %d: wrong bytes", idata, i)
				}
				if cap(m.Data) > 2*len(m.Data) {
					t.Errorf("idata=%v message %d: %d bytes in a buffer of %d", idata, i, len(m.Data), cap(m.Data))
				}
				if i > 0 && sizes[i-1] == n && cap(m.Data) != n {
					t.Errorf("idata=%v message %d: capacity %d, want %d", idata, i, cap(m.Data), n)
				}
			})
		}
		if r := &l.b.rcv; r.sized != 0 {
			t.Errorf("idata=%v: %d sized runs left", idata, r.sized)
		}
	}
}

// TestReassemblySizedBound: a peer that starts many messages on streams
// whose last message was large gets a sized buffer for at most maxSized of
// them; the rest grow with their bytes.
func TestReassemblySizedBound(t *testing.T) {
	l := newLoopback(t, Config{PeerMaxMessageSize: -1, ReceiveBufferSize: 4 << 20})
	r := &l.b.rcv
	for st := range uint16(10) {
		r.seq(st).lastSize = 200 << 10
	}
	for st := range uint16(10) {
		d := dataChunk{idata: l.b.idata, flags: flagBegin, tsn: r.cum + 1, stream: st, ppid: 53, payload: []byte("x")}
		r.mark(d.tsn)
		if err := r.accept(&d); err != nil {
			t.Fatal(err)
		}
	}
	if r.sized != maxSized {
		t.Fatalf("%d sized runs, want %d", r.sized, maxSized)
	}
	reserved := 0
	for _, s := range r.streams {
		for _, f := range s.ordered {
			reserved += cap(f.data)
		}
	}
	if reserved > maxSized*(200<<10)+10*64 {
		t.Errorf("%d bytes reserved", reserved)
	}
	for st := range uint16(10) {
		r.resetStream(st)
	}
	if r.sized != 0 {
		t.Errorf("%d sized runs after the streams were reset", r.sized)
	}
}

// pumpKeep is pump that hands every message read on b to f.
func (l *loopback) pumpKeep(f func(Message)) {
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
			f(m)
			moved = true
		}
	}
}
