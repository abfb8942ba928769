package sctp

import (
	"bytes"
	"testing"
	"time"
	"unsafe"
)

// TestReleaseIdle: ReleaseIdle lets go of the scratch buffers, the send
// free lists, the retransmission ring and the queues' storage of an idle
// association; polling it idle (PollTimeout, AppendPacket, PollWrite)
// then allocates nothing and takes nothing back; messages still flow both
// ways afterwards, and SACKs, heartbeats and a stream reset still work
// (issue 18: an idle association kept 1.3 KB of scratch, 768 bytes of
// free-list headers inline and its setup-time buffers).
func TestReleaseIdle(t *testing.T) {
	if n := unsafe.Sizeof(Association{}); n > 2048 {
		t.Errorf("Association is %d bytes, want at most 2048 (a 2048-byte size class; 2920 before)", n)
	}
	p := newPair(t, Config{}, Config{})
	p.connect()
	send := func(from int, data []byte) {
		t.Helper()
		want := len(p.reads[1-from]) + 1
		must(t, p.ep[from].HandleWrite(Message{Stream: 1, PPID: 51, Data: data}))
		p.run(func() bool { return len(p.reads[1-from]) == want && p.ep[from].snd.idle() }, 10000)
		if got := p.reads[1-from][want-1].Data; !bytes.Equal(got, data) {
			t.Fatalf("got %d bytes, want %d", len(got), len(data))
		}
	}
	send(0, []byte("hello"))
	send(1, bytes.Repeat([]byte("x"), 3000))
	// Let the delayed SACKs go.
	p.run(func() bool {
		return !p.ep[0].rcv.sackPending() && !p.ep[1].rcv.sackPending() && len(p.queue) == 0
	}, 1000)
	for i, a := range p.ep {
		if a.scratch == nil || a.snd.free == nil {
			t.Fatalf("side %d: nothing to release (scratch %d, free %v)", i, cap(a.scratch), a.snd.free != nil)
		}
		if a.data.payload == nil && a.sack.gaps == nil {
			t.Fatalf("side %d: no chunk scratch to release", i)
		}
		a.ReleaseIdle()
		if a.data.payload != nil || a.sack.gaps != nil || a.fwd.streams != nil {
			t.Errorf("side %d keeps chunk scratch aliasing old packets: payload %d", i, len(a.data.payload))
		}
		if a.scratch != nil || a.peekBuf != nil || a.snd.free != nil || a.snd.spare != nil || a.snd.ring != nil ||
			a.rcv.spare != nil {
			t.Errorf("side %d keeps scratch %d, peek %d, free %v, spare %d, ring %d, receiver spares %d", i,
				cap(a.scratch), cap(a.peekBuf), a.snd.free != nil, len(a.snd.spare), len(a.snd.ring), len(a.rcv.spare))
		}
	}
	a := p.ep[0]
	buf := make([]byte, 0, 2048)
	allocs := testing.AllocsPerRun(100, func() {
		a.PollTimeout()
		if _, ok := a.AppendPacket(buf[:0]); ok {
			t.Fatal("an idle association built a packet")
		}
		if _, ok := a.PollWrite(); ok {
			t.Fatal("an idle association wrote a packet")
		}
	})
	if allocs != 0 || a.scratch != nil {
		t.Errorf("polling an idle association: %v allocations, scratch %d", allocs, cap(a.scratch))
	}
	send(0, []byte("again"))
	send(1, bytes.Repeat([]byte("y"), 5000))
	// A heartbeat after release: the HEARTBEAT and its ACK still go.
	for _, a := range p.ep {
		a.ReleaseIdle()
	}
	hb := p.ep[0].stats.PacketsSent
	p.run(func() bool {
		return p.ep[0].stats.PacketsSent > hb && len(p.queue) == 0 && p.ep[1].hbDeadline.After(p.now)
	}, 1000)
	if p.now.Sub(epoch) < 30*time.Second {
		t.Fatalf("packet at %v, before a heartbeat was due", p.now.Sub(epoch))
	}
	if p.ep[0].Err() != nil || p.ep[1].Err() != nil || p.ep[0].State() != StateEstablished {
		t.Fatalf("after a heartbeat: %v / %v, %v", p.ep[0].Err(), p.ep[1].Err(), p.ep[0].State())
	}
	// A stream reset after release.
	for _, a := range p.ep {
		a.ReleaseIdle()
	}
	must(t, p.ep[0].HandleEvent(Command{Kind: CommandResetStreams, Now: p.now, Streams: []uint16{1}}))
	p.run(func() bool {
		return p.hasEvent(1, EventIncomingStreamsReset) && p.hasEvent(0, EventOutgoingStreamsReset)
	}, 10000)
	send(1, []byte("after reset"))
}

// TestQuietHeartbeat: an association that let its scratch go (ReleaseIdle)
// builds the HEARTBEAT of an idle path (RFC 9260 §8.3) into a buffer of
// its own size, controlBuf bytes, instead of taking back an MTU-sized
// scratch it would keep until the next ReleaseIdle (issue 18: 1.2 KB per
// association every 30 s, all at once on a server whose associations were
// set up together). The heartbeats still go and are acknowledged; after
// quietAfterRelease such packets without a ReleaseIdle in between the
// scratch is taken back (that is traffic), and data still flows.
func TestQuietHeartbeat(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	p.connect()
	must(t, p.ep[0].HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("hello")}))
	p.run(func() bool {
		return len(p.reads[1]) == 1 && p.ep[0].snd.idle() && !p.ep[1].rcv.sackPending() && len(p.queue) == 0
	}, 1000)
	for _, a := range p.ep {
		a.ReleaseIdle()
	}
	heartbeat := func() {
		t.Helper()
		start := p.now
		p.run(func() bool {
			return p.now.Sub(start) >= 30*time.Second && len(p.queue) == 0 &&
				!p.ep[0].hbPending && !p.ep[1].hbPending && p.ep[0].hbSentAt.After(start) && p.ep[1].hbSentAt.After(start)
		}, 1000)
		for i, a := range p.ep {
			if a.Err() != nil || a.State() != StateEstablished {
				t.Fatalf("side %d after a heartbeat: %v, %v", i, a.Err(), a.State())
			}
		}
	}
	for round := range quietAfterRelease {
		heartbeat()
		for i, a := range p.ep {
			if a.scratch != nil {
				t.Fatalf("round %d: side %d took back a %d-byte scratch for its HEARTBEAT", round, i, cap(a.scratch))
			}
		}
	}
	heartbeat()
	for i, a := range p.ep {
		if a.scratch == nil {
			t.Errorf("side %d: %d control packets after ReleaseIdle, and still no scratch", i, quietAfterRelease+1)
		}
	}
	// After a release: a heartbeat round, then data both ways.
	for _, a := range p.ep {
		a.ReleaseIdle()
	}
	heartbeat()
	must(t, p.ep[1].HandleWrite(Message{Stream: 1, PPID: 51, Data: bytes.Repeat([]byte("z"), 4000)}))
	p.run(func() bool { return len(p.reads[0]) == 1 }, 1000)
	if got := len(p.reads[0][0].Data); got != 4000 {
		t.Fatalf("got %d bytes after the quiet heartbeats, want 4000", got)
	}
	must(t, p.ep[0].HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("and back")}))
	p.run(func() bool { return len(p.reads[1]) == 2 }, 1000)
}

// BenchmarkQuietHeartbeat: the memory of one idle association's
// HEARTBEAT after ReleaseIdle, built with AppendPacket as rtc does (96
// bytes; 1152 when it took its scratch back).
func BenchmarkQuietHeartbeat(b *testing.B) {
	p := newPair(b, Config{}, Config{})
	p.connect()
	a := p.ep[0]
	dst := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		a.ReleaseIdle()
		a.hbDue = true
		if _, ok := a.AppendPacket(dst[:0]); !ok {
			b.Fatal("no HEARTBEAT")
		}
		a.hbPending = false
	}
}
