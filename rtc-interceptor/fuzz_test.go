package interceptor

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// rtcpSeeds are valid packets of every type the chain consumes.
func rtcpSeeds(t testing.TB) [][]byte {
	var fb rtcp.TransportCC
	mustNoErr(t, rtcp.BuildTransportCC(&fb, 1, mediaSSRC, 0, []rtcp.TWCCArrival{{Sequence: 10, At: 0}, {Sequence: 14, At: time.Millisecond}}))
	remb := rtcp.REMB{SenderSSRC: 1, SSRCs: []uint32{mediaSSRC}}
	remb.SetBitrate(1e6)
	pkts := []rtcp.Packet{
		&rtcp.SenderReport{SSRC: rtxSSRC, NTPTime: 1 << 40, Reports: []rtcp.ReceptionReport{{SSRC: mediaSSRC, FractionLost: 3, LastSenderReport: 7, Delay: 9}}},
		&rtcp.ReceiverReport{SSRC: 5, Reports: []rtcp.ReceptionReport{{SSRC: mediaSSRC, TotalLost: -4}}},
		&rtcp.NACK{SenderSSRC: 5, MediaSSRC: mediaSSRC, Pairs: []rtcp.NACKPair{{PacketID: 1002, LostPackets: 0xffff}}},
		&rtcp.PLI{SenderSSRC: 5, MediaSSRC: mediaSSRC},
		&rtcp.FIR{SenderSSRC: 5, Entries: []rtcp.FIREntry{{SSRC: mediaSSRC, SequenceNumber: 1}}},
		&fb,
		&remb,
		&rtcp.ExtendedReport{SSRC: 5, Blocks: []rtcp.XRBlock{rtcp.NewRRTR(1 << 40), rtcp.NewDLRR(rtcp.DLRRItem{SSRC: mediaSSRC, LastRR: 1, DLRR: 2})}},
		&rtcp.Goodbye{Sources: []uint32{mediaSSRC}},
		&rtcp.CCFeedback{SenderSSRC: 5, ReportTimestamp: 1 << 20, Blocks: []rtcp.CCFBBlock{{MediaSSRC: mediaSSRC, BeginSequence: 1005, Metrics: []rtcp.CCFBMetric{{Received: true, ArrivalOffset: 3}, {}, {Received: true, ECN: 3, ArrivalOffset: 0x1FFF}}}}},
	}
	var seeds [][]byte
	for _, p := range pkts {
		b, err := p.AppendTo(nil)
		mustNoErr(t, err)
		seeds = append(seeds, b)
	}
	all, err := rtcp.Marshal(pkts...)
	mustNoErr(t, err)
	return append(seeds, all)
}

// FuzzChainRTCP feeds arbitrary compound RTCP to a chain that has sent
// packets (so NACKs, feedback and reports reach real state): it must never
// panic, keep its output bounded and its deadline sane.
func FuzzChainRTCP(f *testing.F) {
	for _, s := range rtcpSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		est := &recordingEstimator{}
		p := newPair(t, Config{TransportCCExtID: twccID, CCFB: true, Estimator: est, MaxOutput: 32}, videoStream(allFeedback, true))
		mustNoErr(t, p.snd.BindRemote(StreamConfig{SSRC: rtxSSRC + 1, Feedback: allFeedback}))
		for i := 0; i < 20; i++ {
			p.send()
		}
		// Garbage may be reported as malformed; nothing else may go wrong.
		for _, at := range []time.Time{p.now, p.now.Add(time.Second)} {
			if err := p.snd.ReceiveRTCP(at, b); err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("ReceiveRTCP: %v", err)
			}
		}
		checkChainInvariants(t, p.snd)
	})
}

func checkChainInvariants(t *testing.T, c *Chain) {
	t.Helper()
	if d, ok := c.PollTimeout(); ok && d.Before(c.lastNow) {
		t.Fatalf("deadline %v before now %v", d, c.lastNow)
	}
	n := 0
	for m, ok := c.PollWrite(); ok; m, ok = c.PollWrite() {
		n++
		if rtp.IsRTCP(m.Message) {
			if _, err := rtcp.Unmarshal(m.Message); err != nil {
				t.Fatalf("chain emitted bad RTCP %x: %v", m.Message, err)
			}
		}
	}
	if n > c.cfg.maxOutput() {
		t.Fatalf("%d outputs past the limit", n)
	}
}

// FuzzChainRTP feeds a receiver chain a stream of packets whose sequence
// numbers, timestamps, SSRCs, transport-wide numbers and arrival times come
// from the input (reordering, wraps, jumps of 2^15), with RTCP reports and
// feedback built along the way: no panic, bounded state, valid RTCP out.
func FuzzChainRTP(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3})
	f.Add([]byte{0xff, 0xfe, 0x80, 0, 0x7f, 0xff, 0x80, 1, 0, 0, 0xff, 2, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := newPair(t, Config{TransportCCExtID: twccID, CCFB: true}, videoStream(allFeedback, true))
		var pkt rtp.Packet
		var ext [2]byte
		var buf []byte
		for len(b) >= 4 {
			seq := binary.BigEndian.Uint16(b)
			ctl := b[2]
			dt := time.Duration(b[3]) * time.Millisecond
			b = b[4:]
			pkt = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 90, SSRC: mediaSSRC}, Payload: []byte{1, 2, 3}}
			switch ctl % 4 {
			case 1:
				pkt.SSRC = rtxSSRC
				if ctl&4 != 0 {
					pkt.Payload = nil // padding-only RTX
				}
			case 2:
				pkt.SSRC = 0x777
			}
			ext[0], ext[1] = ctl, byte(seq)
			mustNoErr(t, pkt.SetExtension(twccID, ext[:]))
			var err error
			buf, err = pkt.AppendTo(buf[:0])
			mustNoErr(t, err)
			p.now = p.now.Add(dt)
			mustNoErr(t, p.rcv.ReceiveRTP(p.now, buf))
			if ctl&8 != 0 {
				mustNoErr(t, p.rcv.HandleTimeout(p.now.Add(time.Second)))
			}
			if s, _ := p.rcv.findRemote(mediaSSRC); s.gen.Missing() > len(s.gen.entries) {
				t.Fatalf("%d missing tracked, window %d", s.gen.Missing(), len(s.gen.entries))
			}
			checkChainInvariants(t, p.rcv)
		}
	})
}

// FuzzNACKGenerator drives a generator with arbitrary arrivals and clock
// steps: its deadline never goes backwards past now and its state stays in
// its window.
func FuzzNACKGenerator(f *testing.F) {
	f.Add([]byte{0, 1, 0, 5, 0, 3, 0xff, 0xff, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		g := NewNACKGenerator(NACKGeneratorConfig{Size: 64, MaxRetries: 3})
		now := t0
		var dst []uint16
		for len(b) >= 3 {
			seq := binary.BigEndian.Uint16(b)
			now = now.Add(time.Duration(b[2]) * time.Millisecond)
			b = b[3:]
			g.HandleRTP(now, seq)
			dst = g.Due(now, dst)
			if d, ok := g.PollTimeout(); ok && !d.After(now) {
				if len(dst) < g.cfg.MaxPerRequest {
					t.Fatalf("deadline %v not after now %v with a short request", d, now)
				}
			}
			if g.Missing() > 64 {
				t.Fatalf("%d missing tracked", g.Missing())
			}
		}
	})
}
