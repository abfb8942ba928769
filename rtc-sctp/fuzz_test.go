package sctp

import (
	"encoding/binary"
	"errors"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// seedPackets returns packets captured from a real exchange: handshake,
// DATA, SACK, FORWARD TSN, RE-CONFIG, SHUTDOWN.
func seedPackets(t testing.TB) [][]byte {
	var out [][]byte
	p := newPair(t, Config{}, Config{})
	p.drop = func(_ int, b []byte) bool { out = append(out, append([]byte(nil), b...)); return false }
	p.connect()
	must(t, p.ep[0].HandleWrite(Message{Stream: 1, PPID: 51, Data: make([]byte, 3000)}))
	must(t, p.ep[0].HandleWrite(Message{Stream: 2, PPID: 53, Unordered: true, Data: []byte("u"), Policy: PRRetransmits}))
	p.run(func() bool { return len(p.reads[1]) == 2 }, 1000)
	must(t, p.ep[0].ResetStreams(1))
	p.run(func() bool { return p.hasEvent(0, EventOutgoingStreamsReset) }, 1000)
	must(t, p.ep[0].Close())
	p.run(func() bool { return p.hasEvent(1, EventClosed) }, 1000)
	return out
}

// FuzzPacket runs every chunk parser over arbitrary packets and checks
// that what parses re-encodes to something that parses the same.
func FuzzPacket(f *testing.F) {
	for _, p := range seedPackets(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h commonHeader
		c, err := parsePacket(b, &h)
		if err != nil {
			return
		}
		if sum := packetChecksum(b); sum != packetChecksum(b) {
			t.Fatal("checksum not deterministic")
		}
		var ch rawChunk
		var d dataChunk
		var s sackChunk
		var fw forwardTSNChunk
		var in initChunk
		for {
			ok, err := nextChunk(&c, &ch)
			if !ok || err != nil {
				return
			}
			switch ch.typ {
			case ctData, ctIData:
				if parseDataChunk(ch.typ == ctIData, ch.flags, ch.value, &d) == nil {
					var d2 dataChunk
					enc := d.appendTo(nil)
					if err := parseDataChunk(d.idata, enc[1], enc[4:4+d.size()-4], &d2); err != nil || d2.tsn != d.tsn || len(d2.payload) != len(d.payload) {
						t.Fatalf("DATA round trip: %v", err)
					}
				}
			case ctSack:
				if parseSack(ch.value, &s) == nil {
					var s2 sackChunk
					if err := parseSack(s.appendTo(nil)[4:], &s2); err != nil || len(s2.gaps) != len(s.gaps) {
						t.Fatalf("SACK round trip: %v", err)
					}
				}
			case ctForwardTSN, ctIForwardTSN:
				if parseForwardTSN(ch.typ == ctIForwardTSN, ch.value, &fw) == nil {
					var f2 forwardTSNChunk
					if err := parseForwardTSN(fw.idata, fw.appendTo(nil)[4:], &f2); err != nil || len(f2.streams) != len(fw.streams) {
						t.Fatalf("FORWARD TSN round trip: %v", err)
					}
				}
			case ctInit, ctInitAck:
				if parseInit(ch.typ == ctInitAck, ch.value, &in) == nil {
					var in2 initChunk
					if err := parseInit(in.ack, in.appendTo(nil)[4:], &in2); err != nil || in2.tag != in.tag || len(in2.cookie) != len(in.cookie) {
						t.Fatalf("INIT round trip: %v", err)
					}
				}
			case ctReconfig:
				streams := 0
				err := forEachReconfigParam(ch.value, func(p *reconfigParam) {
					for i := range p.streamCount() {
						p.stream(i)
						streams++
					}
				})
				if err == nil && 2*streams > len(ch.value) {
					t.Fatalf("RE-CONFIG: %d streams in %d bytes", streams, len(ch.value))
				}
			case ctAbort, ctError:
				causes := 0
				if err := forEachCause(ch.value, func(errorCause) { causes++ }); err == nil && 4*causes > len(ch.value) {
					t.Fatalf("%d causes in %d bytes", causes, len(ch.value))
				}
			case ctHeartbeat, ctHeartbeatAck:
				if info, err := parseHeartbeat(ch.value); err == nil && len(info) > len(ch.value) {
					t.Fatalf("heartbeat info of %d bytes in %d", len(info), len(ch.value))
				}
			case ctShutdown:
				if cum, err := parseShutdown(ch.value); err == nil {
					if c2, err := parseShutdown(appendShutdown(nil, cum)[4:]); err != nil || c2 != cum {
						t.Fatalf("SHUTDOWN round trip: %v", err)
					}
				}
			}
		}
	})
}

// FuzzAssociation feeds a sequence of arbitrary chunk lists, each under
// a valid common header and checksum, into an ESTABLISHED association
// that is exchanging data with a real peer, letting the pair run between
// packets (issue 11): nothing may panic, no error may be one a well-formed
// exchange never gives (a full event queue), and memory stays within its
// limits. The input is a list of packets, each a 2-byte length and that
// many bytes of chunks; the corpus is seeded with the chunks of a real
// exchange (seedPackets), singly and in sequence.
func FuzzAssociation(f *testing.F) {
	seeds := seedPackets(f)
	var all []byte
	for _, p := range seeds {
		if len(p) > commonHeaderSize {
			one := binary.BigEndian.AppendUint16(nil, uint16(len(p)-commonHeaderSize))
			one = append(one, p[commonHeaderSize:]...)
			f.Add(one, true)
			all = append(all, one...)
		}
	}
	f.Add(all, true)
	f.Fuzz(func(t *testing.T, seq []byte, valid bool) {
		p := newPair(t, Config{ReceiveBufferSize: 64 << 10}, Config{ReceiveBufferSize: 64 << 10})
		p.connect()
		must(t, p.ep[0].HandleWrite(Message{Stream: 1, PPID: 51, Data: make([]byte, 5000)}))
		must(t, p.ep[1].HandleWrite(Message{Stream: 2, PPID: 53, Unordered: true, Data: make([]byte, 3000)}))
		b := p.ep[1]
		for len(seq) >= 2 {
			n := min(int(binary.BigEndian.Uint16(seq)), len(seq)-2)
			chunks := seq[2 : 2+n]
			seq = seq[2+n:]
			pkt := appendCommonHeader(nil, DefaultPort, DefaultPort, b.myTag)
			pkt = append(pkt, chunks...)
			if valid {
				putChecksum(pkt)
			}
			err := b.HandleRead(shared.TaggedBytes{Now: p.now, Message: pkt})
			if errors.Is(err, shared.ErrQueueFull) {
				t.Fatalf("hostile chunks overflowed a queue: %v", err)
			}
			for range 20 {
				if !p.step() {
					break
				}
			}
			checkAccounting(t, p)
		}
		for range 200 {
			if !p.step() {
				break
			}
		}
		checkAccounting(t, p)
	})
}

// checkAccounting checks the memory and flight invariants of both ends.
func checkAccounting(t *testing.T, p *pair) {
	t.Helper()
	for _, e := range p.ep {
		if r := &e.rcv; r.buffered < 0 || r.buffered > r.limit+r.limit/4+e.cfg.maxMessageSize() {
			t.Fatalf("receive buffer accounting %d (limit %d)", r.buffered, r.limit)
		}
		if e.snd.flight < 0 || e.snd.rtxCount < 0 || e.snd.buffered < 0 || e.snd.n < 0 {
			t.Fatalf("sender accounting flight %d rtx %d buffered %d", e.snd.flight, e.snd.rtxCount, e.snd.buffered)
		}
	}
}
