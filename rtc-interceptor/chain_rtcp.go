package interceptor

import (
	"encoding/binary"
	"fmt"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

// maxNACKPerMessage bounds the sequence numbers taken from one Generic NACK
// (a 1500-octet NACK can name about 6000); the rest are dropped and counted.
const maxNACKPerMessage = 512

// ReceiveRTCP runs the chain on a received, decrypted compound RTCP packet:
// reports (RTT, remote loss), NACKs (retransmissions), keyframe requests
// (events), transport-wide feedback and REMB (the Estimator). b is
// borrowed for the call. Packets before a malformed one are used; the
// error is counted and returned with ErrMalformed.
func (c *Chain) ReceiveRTCP(now time.Time, b []byte) error {
	if c.closed {
		return ErrClosed
	}
	now = c.advance(now)
	c.dec.Reset(b)
	for p, ok := c.dec.Next(); ok; p, ok = c.dec.Next() {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			if s, rtx := c.findRemote(p.SSRC); s != nil && !rtx {
				s.stats.HandleSenderReport(now, p)
			}
			c.handleBlocks(now, p.Reports)
		case *rtcp.ReceiverReport:
			c.handleBlocks(now, p.Reports)
		case *rtcp.NACK:
			c.handleNACK(now, p)
		case *rtcp.PLI:
			if s := c.findLocal(p.MediaSSRC); s != nil {
				s.plis++
				c.emit(Event{Kind: EventKeyframeRequest, SSRC: s.cfg.SSRC, Keyframe: KeyframePLI})
			} else {
				c.stats.UnknownFeedback++
			}
		case *rtcp.FIR:
			c.handleFIR(p)
		case *rtcp.TransportCC:
			if c.twccSend == nil {
				c.stats.UnknownFeedback++
				break
			}
			res := c.twccSend.HandleFeedback(p)
			if c.est != nil && len(res) > 0 {
				c.est.OnFeedback(now, res)
				c.checkTarget()
			}
		case *rtcp.CCFeedback:
			c.handleCCFB(now, p)
		case *rtcp.REMB:
			c.handleREMB(now, p)
		case *rtcp.ExtendedReport:
			c.handleXR(now, p)
		case *rtcp.Goodbye:
			for _, ssrc := range p.Sources {
				if s, rtx := c.findRemote(ssrc); s != nil && !rtx {
					c.emit(Event{Kind: EventBye, SSRC: ssrc})
				}
			}
		}
	}
	var err error
	if derr := c.dec.Err(); derr != nil {
		c.stats.MalformedRTCP++
		err = fmt.Errorf("%w: %w", ErrMalformed, derr)
	}
	if len(c.cfg.Units) > 0 {
		r := rtcp.NewReader(b)
		for r.Next() {
			for _, u := range c.cfg.Units {
				u.ReceiveRTCP(now, r.Packet())
			}
		}
	}
	c.service(now)
	if qerr := c.result(); qerr != nil {
		return qerr
	}
	return err
}

// handleBlocks takes the report blocks of an SR or RR (RFC 3550 §6.4): the
// ones about local streams give RTT and remote loss; others are counted.
func (c *Chain) handleBlocks(now time.Time, blocks []rtcp.ReceptionReport) {
	for i := range blocks {
		b := &blocks[i]
		s := c.findLocal(b.SSRC)
		if s == nil || !c.cfg.has(UnitReports) {
			c.stats.UnknownReportBlocks++
			continue
		}
		if rtt, ok := s.stats.HandleReportBlock(now, b); ok {
			c.setRTT(now, rtt)
		}
		if c.est != nil {
			c.est.OnLoss(now, LossReport{SSRC: b.SSRC, FractionLost: b.FractionLost, TotalLost: b.TotalLost, HighestSeq: b.LastSequenceNumber})
			c.checkTarget()
		}
	}
}

// handleNACK answers a Generic NACK (RFC 4585 §6.2.1) about a local stream
// with retransmissions, as RTX when negotiated (RFC 4588 §4).
func (c *Chain) handleNACK(now time.Time, p *rtcp.NACK) {
	s := c.findLocal(p.MediaSSRC)
	if s == nil || s.resp == nil {
		c.stats.UnknownFeedback++
		return
	}
	s.nacks++
	c.lost = p.Lost(c.lost)
	lost := c.lost
	if len(lost) > maxNACKPerMessage {
		c.stats.NACKTruncated += uint64(len(lost) - maxNACKPerMessage)
		lost = lost[:maxNACKPerMessage]
	}
	for _, seq := range lost {
		if c.out.Full() {
			c.stats.OutputDropped++
			continue
		}
		buf, ok := s.resp.Resend(now, seq, c.rtt, c.getBuf())
		if !ok {
			c.Release(buf)
			continue
		}
		if c.twccSend != nil {
			// A retransmission is a new packet on the transport:
			// it gets its own transport-wide sequence number.
			if err := c.hv.Unmarshal(buf); err == nil {
				binary.BigEndian.PutUint16(c.ext[:], uint16(c.twccSend.next))
				if c.hv.RewriteExtension(c.cfg.TransportCCExtID, c.ext[:]) {
					sent := c.twccSend.Number(now, len(buf), c.hv.SSRC, true)
					if c.est != nil {
						c.est.OnPacketSent(sent)
					}
				}
			}
		}
		c.push(buf)
	}
	c.checkTarget()
}

// handleFIR reports each FIR entry about a local stream, once per command
// sequence number (RFC 5104 §4.3.1.2: a repeated FIR with the same number
// is a retransmission of the request, not a new one).
func (c *Chain) handleFIR(p *rtcp.FIR) {
	for _, e := range p.Entries {
		s := c.findLocal(e.SSRC)
		if s == nil {
			c.stats.UnknownFeedback++
			continue
		}
		if s.firSeen && s.firFrom == p.SenderSSRC && s.firSeq == e.SequenceNumber {
			continue
		}
		s.firSeen, s.firFrom, s.firSeq = true, p.SenderSSRC, e.SequenceNumber
		s.firs++
		c.emit(Event{Kind: EventKeyframeRequest, SSRC: s.cfg.SSRC, Keyframe: KeyframeFIR})
	}
}

func (c *Chain) handleREMB(now time.Time, p *rtcp.REMB) {
	bps := p.Bitrate()
	c.stats.REMBs++
	if c.est != nil {
		c.est.OnREMB(now, bps)
		c.checkTarget()
		return
	}
	if bps > 1<<40 {
		bps = 1 << 40
	}
	if int(bps) != c.target {
		c.target = int(bps)
		c.emit(Event{Kind: EventTargetBitrate, Bitrate: c.target})
	}
}

// handleXR takes RRTR blocks (remembered, to answer with DLRR) and DLRR
// blocks about this end (RTT for a receive-only end), RFC 3611 §4.4-4.5.
func (c *Chain) handleXR(now time.Time, p *rtcp.ExtendedReport) {
	if !c.cfg.has(UnitReports) {
		return
	}
	for _, bl := range p.Blocks {
		if ntp, ok := bl.RRTR(); ok {
			c.rememberRRTR(now, p.SSRC, rtcp.CompactNTP(ntp))
			continue
		}
		items, ok := bl.DLRR(c.items)
		if !ok {
			continue
		}
		c.items = items
		for _, it := range items {
			if it.SSRC != c.senderSSRC() {
				continue
			}
			// §4.5: RTT = A - LRR - DLRR, as with SR/RR.
			if rtt, ok := rtcp.RTT(rtcp.CompactNTP(rtcp.NTPTime(now)), it.LastRR, it.DLRR); ok {
				c.setRTT(now, rtt)
			}
		}
	}
}

func (c *Chain) rememberRRTR(now time.Time, ssrc, lastRR uint32) {
	slot := 0
	for i := range c.rrtr {
		if c.rrtr[i].ssrc == ssrc {
			slot = i
			break
		}
		if c.rrtr[i].at.Before(c.rrtr[slot].at) {
			slot = i
		}
	}
	c.rrtr[slot] = rrtrRecord{ssrc: ssrc, lastRR: lastRR, at: now}
}

// service runs every unit whose deadline has come.
func (c *Chain) service(now time.Time) {
	for _, s := range c.remote {
		if s.gen == nil {
			continue
		}
		if t, ok := s.gen.PollTimeout(); ok && !t.After(now) {
			c.sendNACK(now, s)
		}
	}
	if c.twccRecv != nil {
		if t, ok := c.twccRecv.PollTimeout(); ok && !t.After(now) {
			if fb, ok := c.twccRecv.Feedback(now, c.senderSSRC(), c.twccMedia); ok {
				b := c.beginFeedback(c.getBuf())
				b, err := fb.AppendTo(b)
				if err != nil {
					c.stats.EncodeErrors++
					c.Release(b)
				} else {
					c.push(b)
				}
			}
		}
	}
	if !c.ccfbDeadline.IsZero() && !c.ccfbDeadline.After(now) {
		c.sendCCFB(now)
	}
	if c.cfg.has(UnitReports) {
		if c.reportAt.IsZero() && c.streams() > 0 {
			// RFC 3550 §6.2: the first report after half the minimum
			// interval.
			c.reportAt = now.Add(c.interval(c.cfg.reportInterval() / 2))
		} else if !c.reportAt.IsZero() && !c.reportAt.After(now) {
			c.sendReport(now)
			c.reportAt = now.Add(c.interval(c.cfg.reportInterval()))
		}
	}
	if c.est != nil {
		if t, ok := c.est.PollTimeout(); ok && !t.After(now) {
			c.est.HandleTimeout(now)
			c.checkTarget()
		}
	}
	for _, u := range c.cfg.Units {
		if t, ok := u.PollTimeout(); ok && !t.After(now) {
			c.push(u.AppendRTCP(now, c.getBuf()))
		}
	}
}

// sendNACK sends the NACK a remote stream's generator says is due.
func (c *Chain) sendNACK(now time.Time, s *remoteStream) {
	given := s.gen.stats.GivenUp
	c.lost = s.gen.Due(now, c.lost)
	c.keyframeIfGivenUp(now, s, given)
	if len(c.lost) == 0 {
		return
	}
	c.nack.SenderSSRC, c.nack.MediaSSRC = c.senderSSRC(), s.cfg.SSRC
	c.nack.Pairs = rtcp.NACKPairs(c.nack.Pairs, c.lost)
	b := c.beginFeedback(c.getBuf())
	b, err := c.nack.AppendTo(b)
	if err != nil {
		c.stats.EncodeErrors++
		c.Release(b)
		return
	}
	if c.push(b) {
		s.nacks++
		s.nackSeqs += uint64(len(c.lost))
	}
}

// keyframeIfGivenUp asks for a keyframe when the NACK generator gave up on
// a packet (too old, too many tries, out of its window): the decoder cannot
// repair that loss, so a decoder refresh is the way out (what libwebrtc
// does when its NACK list overflows). Throttled like any request; streams
// that negotiated neither PLI nor FIR are left alone.
func (c *Chain) keyframeIfGivenUp(now time.Time, s *remoteStream, before uint64) {
	if s.gen.stats.GivenUp == before || !c.cfg.has(UnitKeyframe) {
		return
	}
	if !s.cfg.Feedback.Has(FeedbackPLI) && !s.cfg.Feedback.Has(FeedbackFIR) {
		return
	}
	if err := c.RequestKeyframe(now, s.cfg.SSRC); err == nil {
		c.stats.AutoKeyframes++
	}
}

// interval returns the time to the next regular report (RFC 3550 §6.3.1,
// A.7): the larger of tmin and the time the members' reports take at 5%
// of the session bandwidth, times a random factor in [0.5, 1.5] so that
// reports do not synchronize. Timer reconsideration (and its e-3/2
// compensation) is left out: a WebRTC session has a handful of members.
func (c *Chain) interval(tmin time.Duration) time.Duration {
	t := tmin
	bw := c.target
	if bw <= 0 {
		bw = c.cfg.SessionBandwidth
	}
	if bw > 0 && c.avgRTCP > 0 {
		rtcpBW := float64(bw) * 0.05 / 8 // octets per second
		n := float64(c.streams() + 1)
		if d := time.Duration(n * c.avgRTCP / rtcpBW * float64(time.Second)); d > t {
			t = d
		}
	}
	f := 0.5
	if _, err := c.cfg.rand().Read(c.rnd[:]); err == nil {
		f += float64(binary.BigEndian.Uint16(c.rnd[:])) / 65536
	} else {
		f = 1
	}
	return time.Duration(float64(t) * f)
}

// sendReport sends a regular compound report (RFC 3550 §6.1): an SR per
// local stream that has sent, the first carrying the report blocks (or an RR
// when nothing was sent), more RRs for blocks past 31, SDES CNAME, and XR
// RRTR (receive-only ends, RFC 3611 §4.4) and DLRR answers (§4.5).
func (c *Chain) sendReport(now time.Time) {
	c.blocks = c.blocks[:0]
	for _, s := range c.remote {
		if s.stats.Started() {
			c.blocks = append(c.blocks, s.stats.ReportBlock(now))
		}
	}
	blocks := c.blocks
	take := func() []rtcp.ReceptionReport {
		n := min(len(blocks), 31)
		r := blocks[:n]
		blocks = blocks[n:]
		return r
	}
	b := c.getBuf()
	var err error
	sent := false
	for _, s := range c.local {
		if !c.isSender(now, s) {
			continue
		}
		c.sr = s.stats.SenderReport(now)
		if !sent {
			c.sr.Reports = take()
		}
		sent = true
		if b, err = c.sr.AppendTo(b); err != nil {
			break
		}
	}
	for err == nil && (!sent || len(blocks) > 0) {
		c.rr.SSRC, c.rr.Reports, c.rr.ProfileExtensions = c.senderSSRC(), take(), nil
		b, err = c.rr.AppendTo(b)
		sent = true
	}
	if err == nil && c.cfg.CNAME != "" {
		c.sdesIt[0] = rtcp.SDESItem{Type: rtcp.SDESCNAME, Text: c.cnameBytes()}
		c.sdesCh[0] = rtcp.SDESChunk{Source: c.senderSSRC(), Items: c.sdesIt[:]}
		c.sdes.Chunks = c.sdesCh[:]
		b, err = c.sdes.AppendTo(b)
	}
	if err == nil {
		b, err = c.appendXR(now, b)
	}
	if err != nil {
		c.stats.EncodeErrors++
		c.Release(b)
		return
	}
	// A.7: avg_rtcp_size = 1/16 * packet_size + 15/16 * avg_rtcp_size,
	// with 28 octets of UDP/IP overhead.
	size := float64(len(b) + 28)
	if c.avgRTCP == 0 {
		c.avgRTCP = size
	} else {
		c.avgRTCP = size/16 + c.avgRTCP*15/16
	}
	if c.push(b) {
		c.stats.ReportsSent++
	}
}

// isSender applies RFC 3550 §6.4: an SR is sent by a participant that
// "has sent any data packets during the interval since issuing the last
// report or the previous one"; the others send RR.
func (c *Chain) isSender(now time.Time, s *localStream) bool {
	return s.stats.SentSince(now.Add(-2 * c.cfg.reportInterval() * 3 / 2))
}

func (c *Chain) cnameBytes() []byte {
	if c.cname == nil {
		c.cname = []byte(c.cfg.CNAME)
	}
	return c.cname
}

func (c *Chain) appendXR(now time.Time, b []byte) ([]byte, error) {
	blocks := c.xrBl[:0]
	sending := false
	for _, s := range c.local {
		sending = sending || c.isSender(now, s)
	}
	if !sending {
		// RFC 3611 §4.4: a receive-only end sends RRTR so that the
		// sender can answer with DLRR and the receiver learn the RTT.
		// (Built in place of rtcp.NewRRTR, which allocates.)
		c.rrtrBody = binary.BigEndian.AppendUint64(c.rrtrBody[:0], rtcp.NTPTime(now))
		blocks = append(blocks, rtcp.XRBlock{Type: rtcp.XRRRTR, Body: c.rrtrBody})
	}
	c.dlrrBody = c.dlrrBody[:0]
	for _, r := range c.rrtr {
		if r.at.IsZero() || now.Sub(r.at) > 10*c.cfg.reportInterval() {
			continue
		}
		// §4.5 sub-block: SSRC, last RR (LRR), delay since (DLRR).
		c.dlrrBody = binary.BigEndian.AppendUint32(c.dlrrBody, r.ssrc)
		c.dlrrBody = binary.BigEndian.AppendUint32(c.dlrrBody, r.lastRR)
		c.dlrrBody = binary.BigEndian.AppendUint32(c.dlrrBody, rtcp.CompactDuration(now.Sub(r.at)))
	}
	if len(c.dlrrBody) > 0 {
		blocks = append(blocks, rtcp.XRBlock{Type: rtcp.XRDLRR, Body: c.dlrrBody})
	}
	if len(blocks) == 0 {
		return b, nil
	}
	c.xr.SSRC, c.xr.Blocks = c.senderSSRC(), blocks
	return c.xr.AppendTo(b)
}
