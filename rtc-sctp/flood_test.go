package sctp

import (
	"fmt"
	"runtime"
	"testing"
	"unsafe"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// The overheads charged per held run and per unread message cover their
// bookkeeping: the struct twice (lists and queues grow by doubling) and the
// rounding of a small allocation.
func TestChargedOverheads(t *testing.T) {
	if n := 2*unsafe.Sizeof(rxFrag{}) + 16; n > fragOverhead {
		t.Fatalf("a run costs %d bytes of bookkeeping, fragOverhead is %d", n, fragOverhead)
	}
	if n := 2*unsafe.Sizeof(Message{}) + 16; n > rxMsgOverhead {
		t.Fatalf("a message costs %d bytes of bookkeeping, rxMsgOverhead is %d", n, rxMsgOverhead)
	}
}

// floodCase is a peer sending fragments that never complete a message.
type floodCase struct {
	name      string
	idata     bool
	unordered bool
	size      int // payload bytes per fragment
	count     int // fragments sent
	reverse   bool
	perMsg    int  // fragments per message (0: 1), the last never sent
	whole     bool // complete one-fragment messages, never read
	streams   int  // streams used (0: 100)
	read      bool // the application reads every message
}

// flood sends c.count first fragments (B without E) of distinct messages
// on consecutive TSNs (highest first when reverse, never the first TSN, so
// every one is a gap fill), perPacket chunks to a packet, and returns the
// live heap growth.
func flood(t *testing.T, c floodCase) (grew int64, held int) {
	p := newEstablishedInit(t, Config{}, func(in *initChunk) { in.idata, in.os = c.idata, 65535 })
	payload := make([]byte, c.size)
	before := contracttest.LiveHeap()
	const perPacket = 64
	streams := max(c.streams, 1)
	if c.streams == 0 {
		streams = 100
	}
	per := max(c.perMsg, 1)
	var pkt []byte
	base := p.a.rcv.cum + 1
	for i := 0; i < c.count; i++ {
		tsn := base + uint32(i)
		if c.reverse {
			tsn = base + uint32(c.count-i) // base itself never arrives
		}
		msg, frag := i/per, i%per
		key := uint32(msg / streams)
		d := dataChunk{idata: c.idata, tsn: tsn, stream: uint16(msg % streams), ssn: uint16(key), mid: key, fsn: uint32(frag), ppid: 53, payload: payload}
		if frag == 0 {
			d.flags = flagBegin
		}
		if c.whole {
			d.flags = flagBegin | flagEnd
		}
		if c.unordered {
			d.flags |= flagUnordered
			d.mid = uint32(msg)
		}
		pkt = d.appendTo(pkt)
		if (i+1)%perPacket == 0 || i == c.count-1 {
			err := p.send(p.a.myTag, pkt)
			if err != nil && err != ErrOutOfWindow {
				t.Fatalf("fragment %d: %v", i, err)
			}
			pkt = pkt[:0]
			if p.a.State() != StateEstablished {
				t.Fatalf("closed: %v", p.a.Err())
			}
			for _, ok := p.a.PollRead(); ok && c.read; _, ok = p.a.PollRead() {
			}
			// The peer is not reading SACKs; drop what we send.
			for _, ok := p.a.PollWrite(); ok; _, ok = p.a.PollWrite() {
			}
		}
	}
	pkt = nil
	after := contracttest.LiveHeap()
	runtime.KeepAlive(p)
	return int64(after) - int64(before), p.a.rcv.buffered
}

// Issue 11: 1.5 million one-byte fragments that never complete a message
// held about 71 MiB with a 1 MiB receive buffer. Every held chunk is now
// charged its real cost, so the live heap after any flood stays within
// twice the receive buffer: tiny and large fragments, DATA and I-DATA,
// ordered and unordered, in order and as gap fills.
func TestFloodHeap(t *testing.T) {
	const limit = 1 << 20 // the default ReceiveBufferSize
	var cases []floodCase
	for _, idata := range []bool{false, true} {
		for _, unordered := range []bool{false, true} {
			cases = append(cases,
				floodCase{size: 1, count: 1_500_000, idata: idata, unordered: unordered},
				floodCase{size: 1, count: 65_000, idata: idata, unordered: unordered, reverse: true},
				floodCase{size: 1000, count: 20_000, idata: idata, unordered: unordered},
				floodCase{size: 1000, count: 20_000, idata: idata, unordered: unordered, reverse: true},
			)
		}
	}
	cases = append(cases,
		// Messages growing in pieces (I-DATA interleaves them; DATA sends
		// each to its end, which never comes, so only one grows).
		floodCase{size: 1000, count: 20_000, idata: true, perMsg: 200, streams: 50},
		floodCase{size: 1000, count: 20_000, perMsg: 200, streams: 1},
		// Complete messages the application never reads.
		floodCase{size: 1, count: 100_000, whole: true},
		floodCase{size: 1000, count: 20_000, whole: true},
		// One message on every stream: per-stream state.
		floodCase{size: 1, count: 65_535, whole: true, streams: 65_535, read: true},
		floodCase{size: 1, count: 65_535, streams: 65_535},
	)
	if testing.Short() {
		cases = cases[:4]
	}
	for _, c := range cases {
		kind := "DATA"
		if c.idata {
			kind = "I-DATA"
		}
		order := "ordered"
		if c.unordered {
			order = "unordered"
		}
		dir := "in order"
		if c.reverse {
			dir = "gap fills"
		}
		if c.perMsg > 0 {
			dir = fmt.Sprintf("%d-fragment messages on %d streams", c.perMsg, c.streams)
		}
		if c.streams == 65_535 && !c.whole {
			dir = "first fragments on 65535 streams"
		}
		if c.whole {
			dir = fmt.Sprintf("whole messages on %d streams, read=%v", max(c.streams, 100), c.read)
		}
		c.name = fmt.Sprintf("%s/%s/%dB/%s", kind, order, c.size, dir)
		t.Run(c.name, func(t *testing.T) {
			grew, held := flood(t, c)
			t.Logf("%d fragments of %d B: heap +%.2f MiB, %d bytes charged", c.count, c.size, float64(grew)/(1<<20), held)
			if grew > 2*limit {
				t.Fatalf("heap grew by %d bytes, more than twice the %d byte receive buffer", grew, limit)
			}
		})
	}
}

// Floods of every chunk that makes the association keep something: the
// answers it owes (HEARTBEAT ACK, ERROR for unknown chunks, INIT ACK, ABORT
// for out of the blue packets, RE-CONFIG responses), events (ERROR
// chunks) and parsed lists (FORWARD TSN streams, SACK gap blocks and
// duplicates), sent by a peer that never reads what we send. The live heap
// stays within a small bound, and every drop is counted.
func TestFloodControl(t *testing.T) {
	big := make([]byte, 16<<10)
	cases := []struct {
		name  string
		chunk func(p *peer, i int) (tag uint32, chunk []byte)
	}{
		{"HEARTBEAT with 16 KiB info", func(p *peer, i int) (uint32, []byte) {
			return p.a.myTag, appendHeartbeat(nil, ctHeartbeat, big)
		}},
		{"unknown chunk to report, 16 KiB", func(p *peer, i int) (uint32, []byte) {
			b := appendBytesChunk(nil, chunkType(0x7f), big)
			return p.a.myTag, b
		}},
		{"INIT", func(p *peer, i int) (uint32, []byte) {
			in := initChunk{tag: uint32(i + 1), rwnd: 1 << 20, os: 10, mis: 10, tsn: 1}
			return 0, in.appendTo(nil)
		}},
		{"ERROR with causes", func(p *peer, i int) (uint32, []byte) {
			return p.a.myTag, appendCauseChunk(nil, ctError, 0, CauseOutOfResource, big[:100])
		}},
		{"RE-CONFIG requests", func(p *peer, i int) (uint32, []byte) {
			b, off := appendChunkHeader(nil, ctReconfig, 0)
			b = appendOutgoingReset(b, uint32(i), 0, p.a.rcv.cum+1000, []uint16{1})
			return p.a.myTag, finishChunk(b, off)
		}},
		{"FORWARD TSN with 4000 streams", func(p *peer, i int) (uint32, []byte) {
			f := forwardTSNChunk{newCum: p.a.rcv.cum}
			for s := range 4000 {
				f.streams = append(f.streams, fwdStream{stream: uint16(s), seq: uint32(i)})
			}
			return p.a.myTag, f.appendTo(nil)
		}},
		{"SACK with 2000 gaps and 2000 duplicates", func(p *peer, i int) (uint32, []byte) {
			s := sackChunk{cumTSN: p.a.snd.cumAck, rwnd: 1 << 20}
			for g := range 2000 {
				s.gaps = append(s.gaps, gapBlock{uint16(2*g + 2), uint16(2*g + 2)})
				s.dups = append(s.dups, uint32(g))
			}
			return p.a.myTag, s.appendTo(nil)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newEstablished(t, Config{})
			before := contracttest.LiveHeap()
			const n = 5000
			for i := range n {
				tag, chunk := c.chunk(p, i)
				allow(t, p.send(tag, chunk), ErrQueueFull, ErrProtocolViolation, shared.ErrQueueFull)
				if p.a.State() != StateEstablished {
					t.Fatalf("state %v after %d", p.a.State(), i)
				}
			}
			grew := int64(contracttest.LiveHeap()) - int64(before)
			st := p.a.Stats()
			t.Logf("%d packets: heap %+.2f MiB, %d control packets queued, %d dropped, %d events lost",
				n, float64(grew)/(1<<20), p.a.ctrl.Len(), st.ControlDrops, p.a.events.Lost())
			if grew > 1<<20 {
				t.Fatalf("heap grew by %d bytes", grew)
			}
			runtime.KeepAlive(p)
		})
	}
}
