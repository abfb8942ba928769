package sctp

import (
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// sackResult is what one SACK acknowledged, for the steps after it.
type sackResult struct {
	acked      int       // bytes newly acknowledged (cumulatively or in gaps)
	advanced   bool      // the cumulative TSN ack point moved
	latest     time.Time // latest transmission among newly acked chunks
	htna       uint32    // highest TSN newly acknowledged
	highestGap uint32    // highest TSN reported in a gap block
}

// handleSack processes a SACK (RFC 9260 §6.2.1, §7.2) in RFC order:
// cumulative ack, gap blocks, miss indications, congestion window, peer
// rwnd, FORWARD TSN and the T3-rtx timer.
func (s *sender) handleSack(now time.Time, sk *sackChunk) {
	a := s.a
	// The cumulative TSN ack must lie in [cumAck, cumAck+n]: our ack point
	// or a TSN we sent. The distance is taken as an unsigned offset, so
	// every other value is dropped whatever RFC 1982 would say of it,
	// including the undefined half-way point (2^31 away).
	if ahead := sk.cumTSN - s.cumAck; ahead > uint32(s.n) {
		if shared.SerialLess(sk.cumTSN, s.cumAck) {
			return // RFC 9260 §6.2.1 D i: an old SACK
		}
		a.stats.Malformed++
		return // acks a TSN never sent (or exactly half-way): drop
	}
	flightBefore := s.flight
	var r sackResult
	s.ackCumulative(now, sk.cumTSN, &r)
	s.ackGaps(now, sk.gaps, &r)
	s.countMisses(now, &r)
	if r.advanced {
		s.errorCount = 0
	}
	if !r.advanced && s.n > 0 && sk.rwnd < uint32(s.at(0).n) {
		// Zero window probing (RFC 9260 §6.1 A): the peer answers but
		// has no room for the probe. Remember it for T3-rtx.
		s.probeAnswered = true
	}
	if len(sk.dups) > 0 && s.undoValid {
		s.checkSpurious(sk.dups)
	}
	if s.inFR && !shared.SerialLess(s.cumAck, s.frExit) {
		s.inFR = false
	}
	s.growCwnd(flightBefore, &r)
	// RFC 9260 §6.2.1 D iv: rwnd less the bytes still outstanding.
	s.peerRwnd = max(0, window(sk.rwnd)-s.flight)
	if a.fwdTSN {
		if s.updateAdvPeerAck() || shared.SerialLess(s.cumAck, s.advPeerAck) {
			s.fwdDue = true
		}
	}
	// T3-rtx (RFC 9260 §6.3.2 R2, R3); RFC 3758 §3.5 C5: it also guards
	// an unacknowledged FORWARD TSN.
	switch {
	case s.flight == 0 && s.rtxCount == 0 && !shared.SerialLess(s.cumAck, s.advPeerAck):
		s.t3 = time.Time{}
	case r.advanced:
		s.t3 = now.Add(s.rto)
	case s.t3.IsZero():
		s.t3 = now.Add(s.rto)
	}
}

// ackCumulative removes the chunks up to cum from the retransmission
// queue (RFC 9260 §6.2.1 D ii).
func (s *sender) ackCumulative(now time.Time, cum uint32, r *sackResult) {
	for s.cumAck != cum {
		c := &s.ring[s.head]
		tsn := s.cumAck + 1
		if c.state == chunkOutstanding {
			s.newlyAcked(now, c, tsn, r)
		}
		s.dropFromFlight(c)
		s.releaseChunk(c)
		s.head = (s.head + 1) % len(s.ring)
		s.n--
		s.cumAck = tsn
		r.advanced = true
	}
	r.htna, r.highestGap = s.cumAck, s.cumAck
}

func (s *sender) newlyAcked(now time.Time, c *outChunk, tsn uint32, r *sackResult) {
	r.acked += c.n
	s.sampleChunk(now, c, tsn)
	if c.sentAt.After(r.latest) {
		r.latest = c.sentAt
	}
}

// ackGaps marks the chunks reported in Gap Ack Blocks and takes back the
// ones the peer reneged on (RFC 9260 §6.2.1 D iii).
func (s *sender) ackGaps(now time.Time, gaps []gapBlock, r *sackResult) {
	if len(gaps) == 0 {
		return
	}
	limit := min(s.n, int(gaps[len(gaps)-1].end))
	gi := 0
	for i := 0; i < limit; i++ {
		off := uint16(i + 1)
		for gi < len(gaps) && gaps[gi].end < off {
			gi++
		}
		in := gi < len(gaps) && gaps[gi].start <= off
		c := s.at(i)
		tsn := s.cumAck + 1 + uint32(i)
		switch {
		case in && c.state == chunkOutstanding:
			c.state = chunkAcked
			s.newlyAcked(now, c, tsn, r)
			s.dropFromFlight(c)
			r.htna, r.highestGap = tsn, tsn
		case in:
			r.highestGap = tsn
		case c.state == chunkAcked:
			// Reneged: treat as outstanding again.
			c.state = chunkOutstanding
			c.needRtx = true
			s.rtxCount++
		}
	}
}

// countMisses adds miss indications and marks chunks for fast retransmit
// at three (RFC 9260 §7.2.4): with HTNA, and in Fast Recovery with an
// advancing cumulative ack for every TSN reported missing.
func (s *sender) countMisses(now time.Time, r *sackResult) {
	missLimit := r.htna
	if s.inFR && r.advanced {
		missLimit = r.highestGap
	}
	for i := 0; i < s.n; i++ {
		tsn := s.cumAck + 1 + uint32(i)
		if !shared.SerialLess(tsn, missLimit) {
			break
		}
		c := s.at(i)
		if c.state != chunkOutstanding || !c.inFlight {
			continue
		}
		if c.txCount > 1 && !r.latest.After(c.sentAt) {
			// A retransmitted chunk is only missing if data sent after
			// its retransmission arrived (a time-based rule in the
			// spirit of RACK, RFC 8985, so that a lost retransmission
			// does not have to wait for T3-rtx).
			continue
		}
		c.missInd++
		if c.missInd < 3 || s.maybeAbandon(now, c) {
			continue
		}
		if !s.inFR {
			s.enterFastRecovery()
		}
		s.dropFromFlight(c)
		c.needRtx, c.fast = true, true
		s.rtxCount++
		s.fastCount++
	}
}

// enterFastRecovery halves the window (RFC 9260 §7.2.4 2; §7.2.3).
func (s *sender) enterFastRecovery() {
	s.undoCwnd, s.undoSsthresh, s.undoValid = s.cwnd, s.ssthresh, true
	if s.undoTSNs == nil {
		s.undoTSNs = make([]uint32, 0, 32) // allocated on the first Fast Recovery
	}
	s.undoTSNs = s.undoTSNs[:0]
	s.ssthresh = max(s.cwnd/2, 4*s.a.mtu)
	s.cwnd = s.ssthresh
	s.pba = 0
	s.inFR = true
	s.frExit = s.nextTSN - 1
}

// growCwnd applies slow start and congestion avoidance (RFC 9260 §7.2.1,
// §7.2.2): only when the cumulative ack advanced outside Fast Recovery, and
// only if the window was in use.
func (s *sender) growCwnd(flightBefore int, r *sackResult) {
	mtu := s.a.mtu
	if r.advanced && !s.inFR {
		utilized := flightBefore+mtu > s.cwnd
		if s.cwnd <= s.ssthresh {
			if utilized {
				s.cwnd += min(r.acked, mtu)
			}
		} else {
			s.pba += r.acked
			if s.pba > s.cwnd && !utilized {
				// RFC 9260 §7.2.2: bytes acked while the window was
				// not in use are not banked: "reset partial_bytes_acked
				// to cwnd".
				s.pba = s.cwnd
			}
			if s.pba >= s.cwnd && utilized {
				s.pba -= s.cwnd
				s.cwnd += mtu
			}
		}
	}
	if s.flight == 0 {
		s.pba = 0
	}
}
