package interceptor

import (
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// RFC 3550 A.3: fraction lost over the interval, cumulative lost, extended
// highest sequence number across a wrap.
func TestReceiveStatsLoss(t *testing.T) {
	s := NewReceiveStats(mediaSSRC, 90000)
	now := t0
	for seq := 65500; seq < 65500+100; seq++ {
		if seq%10 == 5 {
			continue // 10 of 100 lost
		}
		s.HandleRTP(now, uint16(seq), uint32(seq*3000), 1200, 1188, false)
	}
	b := s.ReportBlock(now)
	if b.FractionLost != 10*256/100 || b.TotalLost != 10 {
		t.Fatalf("fraction %d lost %d, want %d and 10", b.FractionLost, b.TotalLost, 10*256/100)
	}
	if want := uint32(1<<16 + (65599 - 65536)); b.LastSequenceNumber != want {
		t.Fatalf("extended highest %d, want %d (one wrap)", b.LastSequenceNumber, want)
	}
	// Next interval: no loss, fraction 0, cumulative unchanged.
	for seq := 65600; seq < 65700; seq++ {
		s.HandleRTP(now, uint16(seq), 0, 1200, 1188, false)
	}
	b = s.ReportBlock(now)
	if b.FractionLost != 0 || b.TotalLost != 10 {
		t.Fatalf("second interval: fraction %d lost %d", b.FractionLost, b.TotalLost)
	}
	if b.LastSenderReport != 0 || b.Delay != 0 {
		t.Fatal("LSR/DLSR set without an SR (RFC 3550 §6.4.1: zero)")
	}
}

// RFC 3550 §6.4.1: the cumulative number lost is a signed 24-bit field;
// it saturates instead of wrapping.
func TestReceiveStatsLostClamp(t *testing.T) {
	s := NewReceiveStats(mediaSSRC, 90000)
	seq := uint16(0)
	s.HandleRTP(t0, seq, 0, 100, 88, false)
	// Lose 2^23 + 1000 packets in jumps of 30000.
	for lost := 0; lost < 1<<23+1000; lost += 29999 {
		seq += 30000
		s.HandleRTP(t0, seq, 0, 100, 88, false)
	}
	if b := s.ReportBlock(t0); b.TotalLost != 0x7FFFFF {
		t.Fatalf("cumulative lost %d, want 0x7FFFFF", b.TotalLost)
	}
}

// RFC 3550 A.8: with packets sent every 20 ms and arriving alternately 0
// and 10 ms late, |D| is 10 ms = 900 units at 90 kHz, and J converges to
// it.
func TestReceiveStatsJitter(t *testing.T) {
	s := NewReceiveStats(mediaSSRC, 90000)
	for i := 0; i < 500; i++ {
		at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		if i%2 == 1 {
			at = at.Add(10 * time.Millisecond)
		}
		s.HandleRTP(at, uint16(i), uint32(i*1800), 100, 88, false)
	}
	if j := s.Jitter(); j < 880 || j > 900 {
		t.Fatalf("jitter %d, want ~900", j)
	}
	// A retransmission stays out of the jitter.
	before := s.Jitter()
	s.HandleRTP(t0.Add(time.Hour), 501, 0, 100, 88, true)
	if s.Jitter() != before {
		t.Fatal("a retransmission changed the jitter")
	}
}

// RFC 3550 §6.4.1: the SR's RTP timestamp corresponds to its NTP time.
func TestSendStatsMapping(t *testing.T) {
	s := NewSendStats(mediaSSRC, 90000)
	s.HandleRTP(t0, 1000, 1200, 1188)
	sr := s.SenderReport(t0.Add(500 * time.Millisecond))
	if sr.RTPTime != 1000+45000 || sr.NTPTime != rtcp.NTPTime(t0.Add(500*time.Millisecond)) {
		t.Fatalf("SR %+v, want RTP time 46000 at t0+500ms", sr)
	}
	if sr.PacketCount != 1 || sr.OctetCount != 1188 {
		t.Fatalf("counts %d %d, want 1 packet and 1188 payload octets", sr.PacketCount, sr.OctetCount)
	}
}

// RTT from SR/RR (RFC 3550 §6.4.1) between two chains with 25 ms one way.
func TestChainRTTFromReports(t *testing.T) {
	p := newPair(t, Config{ReducedSize: true, ReportInterval: 200 * time.Millisecond}, videoStream(allFeedback, true))
	// The receiver sends media too, so both ends send SRs.
	mustNoErr(t, p.rcv.BindLocal(StreamConfig{SSRC: 0x33333333, ClockRate: 48000}))
	mustNoErr(t, p.snd.BindRemote(StreamConfig{SSRC: 0x33333333, ClockRate: 48000}))
	var back []byte
	runLinked(t, p, 400, 5*time.Millisecond, 25*time.Millisecond, func() {
		p.receive(p.send()) // media is instantaneous here; only RTCP is delayed
		pk := p.pkt
		pk.SSRC, pk.Payload = 0x33333333, pk.Payload[:100]
		var err error
		back, err = p.rcv.SendRTP(p.now, &pk, back[:0])
		mustNoErr(t, err)
		mustNoErr(t, p.snd.ReceiveRTP(p.now, back))
	})
	for _, c := range []*Chain{p.snd, p.rcv} {
		if rtt := c.RTT(); rtt < 45*time.Millisecond || rtt > 60*time.Millisecond {
			t.Fatalf("RTT %v, want 50 ms (+ up to one 5 ms step)", rtt)
		}
	}
	ls, _ := p.snd.LocalStats(mediaSSRC)
	if ls.Send.ReportsReceived == 0 || ls.Send.RTTMeasurements == 0 {
		t.Fatalf("sender stats %+v", ls.Send)
	}
}

// RFC 3611 §4.4-4.5: a receive-only end sends RRTR; the sender answers with
// DLRR, which gives the receiver its RTT.
func TestChainRTTFromXR(t *testing.T) {
	p := newPair(t, Config{ReducedSize: true, ReportInterval: 100 * time.Millisecond}, videoStream(allFeedback, true))
	runLinked(t, p, 100, 10*time.Millisecond, 20*time.Millisecond, func() { p.receive(p.send()) })
	if rtt := p.rcv.RTT(); rtt < 40*time.Millisecond || rtt > 50*time.Millisecond {
		t.Fatalf("receive-only RTT %v, want 40 ms (+ up to one 10 ms step)", rtt)
	}
}

// runLinked steps both chains of p on one clock: each step runs media(),
// fires their timers, and carries RTCP (and retransmissions) between them
// with a one-way delay.
func runLinked(t *testing.T, p *pair, steps int, step, oneWay time.Duration, media func()) {
	t.Helper()
	type msg struct {
		at   time.Time
		to   *Chain
		data []byte
	}
	var inflight []msg
	for i := 0; i < steps; i++ {
		p.now = p.now.Add(step)
		media()
		mustNoErr(t, p.snd.HandleTimeout(p.now))
		mustNoErr(t, p.rcv.HandleTimeout(p.now))
		for _, b := range drain(t, p.snd) {
			inflight = append(inflight, msg{p.now.Add(oneWay), p.rcv, b})
		}
		for _, b := range drain(t, p.rcv) {
			inflight = append(inflight, msg{p.now.Add(oneWay), p.snd, b})
		}
		keep := inflight[:0]
		for _, m := range inflight {
			if m.at.After(p.now) {
				keep = append(keep, m)
				continue
			}
			mustNoErr(t, m.to.HandleRead(shared.TaggedBytes{Now: p.now, Message: m.data}))
		}
		inflight = keep
	}
}

// Report blocks about SSRCs this end does not send are counted and ignored.
func TestChainReportForUnknownSSRC(t *testing.T) {
	p := newPair(t, Config{ReducedSize: true}, videoStream(allFeedback, true))
	rr := rtcp.ReceiverReport{SSRC: 9, Reports: []rtcp.ReceptionReport{{SSRC: 0xdead, FractionLost: 255, LastSenderReport: 1, Delay: 1}}}
	b, err := rr.AppendTo(nil)
	mustNoErr(t, err)
	mustNoErr(t, p.snd.ReceiveRTCP(p.now, b))
	if st := p.snd.Stats(); st.UnknownReportBlocks != 1 || st.RTTMeasurements != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// RFC 3550 §6.4: a stream that stopped sending two intervals ago is
// reported with an RR, not an SR.
func TestChainSRBecomesRRWhenSilent(t *testing.T) {
	p := newPair(t, Config{ReducedSize: true, ReportInterval: 100 * time.Millisecond}, videoStream(allFeedback, true))
	p.send()
	kinds := func() (sr, rr int) {
		for _, pk := range rtcpOf(t, drain(t, p.snd)) {
			switch pk.(type) {
			case *rtcp.SenderReport:
				sr++
			case *rtcp.ReceiverReport:
				rr++
			}
		}
		return sr, rr
	}
	p.now = p.now.Add(150 * time.Millisecond)
	mustNoErr(t, p.snd.HandleTimeout(p.now))
	if sr, rr := kinds(); sr != 1 || rr != 0 {
		t.Fatalf("after sending: %d SR %d RR", sr, rr)
	}
	for i := 0; i < 10; i++ {
		p.now = p.now.Add(150 * time.Millisecond)
		mustNoErr(t, p.snd.HandleTimeout(p.now))
	}
	drain(t, p.snd)
	p.now = p.now.Add(150 * time.Millisecond)
	mustNoErr(t, p.snd.HandleTimeout(p.now))
	if sr, rr := kinds(); sr != 0 || rr != 1 {
		t.Fatalf("silent: %d SR %d RR", sr, rr)
	}
}

// RFC 3550 §6.1 and A.2: without rtcp-rsize every RTCP packet the chain
// sends is a valid compound packet (it starts with SR or RR, and regular
// reports carry SDES CNAME).
func TestChainCompoundValidity(t *testing.T) {
	p := newPair(t, Config{TransportCCExtID: twccID, CNAME: "alice", ReportInterval: 100 * time.Millisecond}, videoStream(allFeedback, true))
	var outs [][]byte
	for i := 0; i < 300; i++ {
		b := p.send()
		if i%7 != 3 {
			p.receive(b)
		}
		p.now = p.now.Add(5 * time.Millisecond)
		mustNoErr(t, p.rcv.HandleTimeout(p.now))
		mustNoErr(t, p.snd.HandleTimeout(p.now))
		if i == 100 {
			mustNoErr(t, p.rcv.RequestKeyframe(p.now, mediaSSRC))
		}
		for _, c := range []*Chain{p.snd, p.rcv} {
			for _, o := range drain(t, c) {
				if isRTCPBytes(o) {
					outs = append(outs, o)
				}
			}
		}
	}
	cnames := 0
	for _, o := range outs {
		if err := rtcp.Validate(o, false); err != nil {
			t.Fatalf("invalid compound %x: %v", o, err)
		}
		for _, pk := range rtcpOf(t, [][]byte{o}) {
			if sd, ok := pk.(*rtcp.SourceDescription); ok {
				if name, ok := sd.CNAME(sd.Chunks[0].Source); ok && string(name) == "alice" {
					cnames++
				}
			}
		}
	}
	if len(outs) < 20 || cnames < 4 {
		t.Fatalf("%d RTCP packets, %d with CNAME", len(outs), cnames)
	}
}

func isRTCPBytes(b []byte) bool { return len(b) > 1 && b[1] >= 192 && b[1] <= 223 }
