package interceptor

import (
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ccfbWindow is how many sequence numbers per stream one RFC 8888 report
// may describe (a power of two, well under rtcp.MaxCCFBMetrics).
const ccfbWindow = 1024

type ccfbArrival struct {
	seq   int64
	at    time.Time
	ecn   uint8
	valid bool
}

// CCFBStream is the receiver side of RFC 8888 congestion control feedback
// for one remote stream: it records each packet's arrival time and ECN
// marking and builds the stream's report block (§3.1). It allocates only in
// NewCCFBStream.
type CCFBStream struct {
	ssrc    uint32
	unwrap  shared.Unwrapper16
	ring    []ccfbArrival
	started bool
	lo, hi  int64 // first sequence number not reported yet, highest seen
	metrics []rtcp.CCFBMetric
	// Late counts arrivals after their sequence number was reported.
	Late uint64
}

// NewCCFBStream returns the recorder of stream ssrc.
func NewCCFBStream(ssrc uint32) *CCFBStream {
	return &CCFBStream{ssrc: ssrc, ring: make([]ccfbArrival, ccfbWindow), metrics: make([]rtcp.CCFBMetric, 0, ccfbWindow)}
}

// HandleRTP records packet seq arriving at now with ECN marking ecn.
func (s *CCFBStream) HandleRTP(now time.Time, seq uint16, ecn shared.ECN) {
	ext := s.unwrap.Unwrap(seq)
	if !s.started {
		s.started, s.lo, s.hi = true, ext, ext
	}
	if ext < s.lo {
		s.Late++
		return
	}
	if ext > s.hi {
		s.hi = ext
	}
	s.ring[ext&(ccfbWindow-1)] = ccfbArrival{seq: ext, at: now, ecn: uint8(ecn) & 3, valid: true}
}

// Pending reports whether the stream has arrivals to report.
func (s *CCFBStream) Pending() bool { return s.started && s.hi >= s.lo }

// Block returns the report block at report time now (§3.1: one metric per
// sequence number from begin_seq, with R, ECN and the arrival time offset
// before the report timestamp in 1/1024 s) and starts a new interval. The
// metrics are reused by the next call.
func (s *CCFBStream) Block(now time.Time) rtcp.CCFBBlock {
	if s.hi-s.lo+1 > ccfbWindow {
		s.lo = s.hi - ccfbWindow + 1
	}
	s.metrics = s.metrics[:0]
	for q := s.lo; q <= s.hi; q++ {
		a := &s.ring[q&(ccfbWindow-1)]
		m := rtcp.CCFBMetric{}
		if a.valid && a.seq == q {
			m.Received, m.ECN = true, a.ecn
			off := now.Sub(a.at) * 1024 / time.Second
			switch {
			case off < 0:
				off = 0
			case off > 0x1FFD:
				off = 0x1FFE // §3.1: "over 8189/1024 s"
			}
			m.ArrivalOffset = uint16(off)
			a.valid = false
		}
		s.metrics = append(s.metrics, m)
	}
	b := rtcp.CCFBBlock{MediaSSRC: s.ssrc, BeginSequence: uint16(s.lo), Metrics: s.metrics}
	s.lo = s.hi + 1
	return b
}

func (c *Chain) ccfbInterval() time.Duration {
	if c.cfg.TWCCReceiver.Interval > 0 {
		return c.cfg.TWCCReceiver.Interval
	}
	return 100 * time.Millisecond
}

// ccfbSent maps a local stream's RTP sequence numbers to transport-wide
// numbers, so RFC 8888 feedback (which names packets by SSRC and sequence
// number) can be turned into PacketResults.
type ccfbSent struct {
	seq  uint16
	tseq int64
}

// handleCCFB turns RFC 8888 feedback into PacketResults for the Estimator:
// each received packet's arrival is the report timestamp (compact NTP on
// the remote clock) minus its offset.
func (c *Chain) handleCCFB(now time.Time, p *rtcp.CCFeedback) {
	if c.twccSend == nil || !c.cfg.CCFB {
		c.stats.UnknownFeedback++
		return
	}
	report := c.ccfbClock.Unwrap(p.ReportTimestamp)
	c.ccfbResults = c.ccfbResults[:0]
	for bi := range p.Blocks {
		bl := &p.Blocks[bi]
		s := c.findLocal(bl.MediaSSRC)
		if s == nil || s.sent == nil {
			c.stats.UnknownFeedback++
			continue
		}
		for i, m := range bl.Metrics {
			seq := bl.BeginSequence + uint16(i)
			e := s.sent[int(seq)&(ccfbWindow*2-1)]
			if e.seq != seq || e.tseq < 0 {
				c.stats.TWCCUnknown++
				continue
			}
			r := &c.twccSend.ring[e.tseq&c.twccSend.mask]
			if r.tseq != e.tseq {
				c.stats.TWCCUnknown++
				continue
			}
			res := PacketResult{TransportSeq: e.tseq, SendTime: r.sent, Size: int(r.size), Retransmission: r.rtx, ProbeCluster: int(r.probe)}
			if m.Received && m.ArrivalOffset != 0x1FFF {
				// Compact NTP is 1/65536 s; the offset 1/1024 s.
				at := report - int64(m.ArrivalOffset)*64
				res.Arrival = arrivalEpoch.Add(time.Duration(at) * time.Second / 65536)
			}
			c.ccfbResults = append(c.ccfbResults, res)
		}
	}
	// Blocks of several streams interleave in transport order.
	r := c.ccfbResults
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && r[j].TransportSeq < r[j-1].TransportSeq; j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
	if c.est != nil && len(r) > 0 {
		c.est.OnFeedback(now, r)
		c.checkTarget()
	}
}

// sendCCFB sends one RFC 8888 report covering every remote stream with
// arrivals (§3: one packet may carry blocks for several streams).
func (c *Chain) sendCCFB(now time.Time) {
	c.ccfbDeadline = time.Time{}
	c.ccfb.SenderSSRC = c.senderSSRC()
	c.ccfb.ReportTimestamp = rtcp.CompactNTP(rtcp.NTPTime(now))
	c.ccfb.Blocks = c.ccfb.Blocks[:0]
	for _, s := range c.remote {
		if s.ccfb != nil && s.ccfb.Pending() {
			c.ccfb.Blocks = append(c.ccfb.Blocks, s.ccfb.Block(now))
		}
	}
	if len(c.ccfb.Blocks) == 0 {
		return
	}
	b := c.beginFeedback(c.getBuf())
	b, err := c.ccfb.AppendTo(b)
	if err != nil {
		c.stats.EncodeErrors++
		c.Release(b)
		return
	}
	c.push(b)
}
