package sctp

import (
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
	p.ep[0].HandleWrite(Message{Stream: 1, PPID: 51, Data: make([]byte, 3000)})
	p.ep[0].HandleWrite(Message{Stream: 2, PPID: 53, Unordered: true, Data: []byte("u"), Policy: PRRetransmits})
	p.run(func() bool { return len(p.reads[1]) == 2 }, 1000)
	p.ep[0].ResetStreams(1)
	p.run(func() bool { return p.hasEvent(0, EventOutgoingStreamsReset) }, 1000)
	p.ep[0].Close()
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
		_ = packetChecksum(b)
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
				parseInit(ch.typ == ctInitAck, ch.value, &in)
			case ctReconfig:
				forEachReconfigParam(ch.value, func(p *reconfigParam) {
					for i := range p.streamCount() {
						_ = p.stream(i)
					}
				})
			case ctAbort, ctError:
				forEachCause(ch.value, func(errorCause) {})
			case ctHeartbeat, ctHeartbeatAck:
				parseHeartbeat(ch.value)
			case ctShutdown:
				parseShutdown(ch.value)
			}
		}
	})
}

// FuzzAssociation feeds arbitrary chunks, under a valid common header and
// checksum, into a live association that is exchanging data, then lets the
// pair run: nothing may panic, and memory stays within its limits.
func FuzzAssociation(f *testing.F) {
	for _, p := range seedPackets(f) {
		if len(p) > commonHeaderSize {
			f.Add(p[commonHeaderSize:], true)
		}
	}
	f.Fuzz(func(t *testing.T, chunks []byte, valid bool) {
		p := newPair(t, Config{ReceiveBufferSize: 64 << 10}, Config{ReceiveBufferSize: 64 << 10})
		p.connect()
		p.ep[0].HandleWrite(Message{Stream: 1, PPID: 51, Data: make([]byte, 5000)})
		b := p.ep[1]
		pkt := appendCommonHeader(nil, DefaultPort, DefaultPort, b.myTag)
		pkt = append(pkt, chunks...)
		if valid {
			putChecksum(pkt)
		}
		b.HandleRead(shared.TaggedBytes{Now: p.now, Message: pkt})
		for range 200 {
			if !p.step() {
				break
			}
		}
		for _, e := range p.ep {
			if e.rcv.buffered < 0 || e.rcv.buffered > 2*e.rcv.limit+e.cfg.maxMessageSize() {
				t.Fatalf("receive buffer accounting %d", e.rcv.buffered)
			}
			if e.snd.flight < 0 || e.snd.rtxCount < 0 || e.snd.buffered < 0 {
				t.Fatalf("sender accounting flight %d rtx %d buffered %d", e.snd.flight, e.snd.rtxCount, e.snd.buffered)
			}
		}
	})
}
