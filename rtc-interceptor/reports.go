package interceptor

import (
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// ReceiveStats is the receiver side of RTCP reports (RFC 3550 §6.4) for one
// remote stream: it counts what arrives and makes the stream's reception
// report block. It allocates nothing.
type ReceiveStats struct {
	ssrc      uint32
	clockRate uint32
	seq       rtp.SequenceTracker
	started   bool
	origin    time.Time // arrival times are measured from here, in RTP units

	expectedPrior uint64
	receivedPrior uint64

	jitter      uint32 // RFC 3550 A.8: J scaled by 16
	lastTransit uint32
	haveTransit bool

	lastSR   uint32    // middle 32 bits of the last SR's NTP timestamp
	lastSRAt time.Time // when it arrived

	// Counters for getStats (inbound-rtp).
	Packets        uint64 // packets received, retransmissions included
	Bytes          uint64 // payload octets received (header and padding excluded)
	HeaderBytes    uint64 // header and padding octets received
	Retransmitted  uint64 // packets that arrived as RTX
	SendersReports uint64 // SRs received
	LastPacketAt   time.Time
}

// NewReceiveStats returns the statistics of the stream ssrc, whose RTP
// clock runs at clockRate Hz.
func NewReceiveStats(ssrc, clockRate uint32) *ReceiveStats {
	if clockRate == 0 {
		clockRate = 90000
	}
	return &ReceiveStats{ssrc: ssrc, clockRate: clockRate}
}

// rtpUnits converts d to RTP timestamp units without overflowing.
func rtpUnits(d time.Duration, clockRate uint32) int64 {
	sec := int64(d / time.Second)
	frac := int64(d % time.Second)
	return sec*int64(clockRate) + frac*int64(clockRate)/int64(time.Second)
}

// HandleRTP records a packet of the stream that arrived at now with sequence
// number seq and RTP timestamp ts, of size octets of which payload are
// payload. A retransmission (RTX, restored to its original sequence number)
// counts as received but stays out of the jitter: RFC 4588 §4 notes it does
// not arrive when it was sent.
func (s *ReceiveStats) HandleRTP(now time.Time, seq uint16, ts uint32, size, payload int, retransmission bool) {
	if !s.started {
		s.started, s.origin = true, now
	}
	s.seq.Update(seq)
	s.Packets++
	s.Bytes += uint64(payload)
	s.HeaderBytes += uint64(size - payload)
	s.LastPacketAt = now
	if retransmission {
		s.Retransmitted++
		return
	}
	// RFC 3550 A.8: transit = arrival - r->ts (both in timestamp units);
	// d = transit - s->transit; s->jitter += d - ((s->jitter + 8) >> 4).
	arrival := uint32(rtpUnits(now.Sub(s.origin), s.clockRate))
	transit := arrival - ts
	if s.haveTransit {
		d := int32(transit - s.lastTransit)
		if d < 0 {
			d = -d
		}
		s.jitter += uint32(d) - ((s.jitter + 8) >> 4)
	}
	s.lastTransit, s.haveTransit = transit, true
}

// HandleSenderReport records an SR of the stream that arrived at now, for
// the LSR and DLSR fields of the next report block (RFC 3550 §6.4.1).
func (s *ReceiveStats) HandleSenderReport(now time.Time, sr *rtcp.SenderReport) {
	s.lastSR = rtcp.CompactNTP(sr.NTPTime)
	s.lastSRAt = now
	s.SendersReports++
}

// Jitter returns the interarrival jitter (RFC 3550 A.8) in timestamp units.
func (s *ReceiveStats) Jitter() uint32 { return s.jitter >> 4 }

// Lost returns the cumulative number of packets lost (RFC 3550 A.3); it may
// be negative when duplicates arrive.
func (s *ReceiveStats) Lost() int64 { return s.seq.Lost() }

// Started reports whether a packet has arrived yet (a report block is only
// due for a stream heard from: RFC 3550 §6.4.1).
func (s *ReceiveStats) Started() bool { return s.started }

// ReportBlock returns the stream's reception report block at now and starts
// a new reporting interval (RFC 3550 §6.4.1, with A.3's interval counts).
func (s *ReceiveStats) ReportBlock(now time.Time) rtcp.ReceptionReport {
	expected := s.seq.Expected()
	received := s.seq.Received()
	expInt := int64(expected - s.expectedPrior)
	recInt := int64(received - s.receivedPrior)
	s.expectedPrior, s.receivedPrior = expected, received
	lostInt := expInt - recInt
	var fraction uint8
	if expInt > 0 && lostInt > 0 {
		// A.3: fraction = (lost_interval << 8) / expected_interval.
		f := (lostInt << 8) / expInt
		if f > 255 {
			f = 255
		}
		fraction = uint8(f)
	}
	// §6.4.1: cumulative number of packets lost is a signed 24-bit value;
	// clamp instead of wrapping.
	lost := s.seq.Lost()
	if lost > 0x7FFFFF {
		lost = 0x7FFFFF
	} else if lost < -0x800000 {
		lost = -0x800000
	}
	rr := rtcp.ReceptionReport{
		SSRC:               s.ssrc,
		FractionLost:       fraction,
		TotalLost:          int32(lost),
		LastSequenceNumber: uint32(s.seq.ExtendedHighest()),
		Jitter:             s.Jitter(),
	}
	if !s.lastSRAt.IsZero() {
		// §6.4.1: LSR is the middle 32 bits of the last SR's NTP
		// timestamp; DLSR the delay since, in units of 1/65536 s.
		rr.LastSenderReport = s.lastSR
		rr.Delay = rtcp.CompactDuration(now.Sub(s.lastSRAt))
	}
	return rr
}

// SendStats is the sender side of RTCP reports for one local stream: the
// packet and octet counts and the NTP/RTP timestamp mapping of its sender
// reports (RFC 3550 §6.4.1), and what the remote end reports back about it.
type SendStats struct {
	ssrc      uint32
	clockRate uint32
	lastTS    uint32
	lastTSAt  time.Time

	// Counters for getStats (outbound-rtp).
	Packets     uint64 // packets sent, retransmissions excluded
	Bytes       uint64 // payload octets sent
	HeaderBytes uint64 // header and padding octets sent

	// What the remote end reported (remote-inbound-rtp).
	RemoteFractionLost uint8
	RemoteTotalLost    int32
	RemoteJitter       uint32 // timestamp units
	RemoteHighestSeq   uint32
	RTT                time.Duration // the latest RTT measured from a report block
	RTTMeasurements    uint64
	ReportsReceived    uint64
}

// NewSendStats returns the statistics of the local stream ssrc.
func NewSendStats(ssrc, clockRate uint32) *SendStats {
	if clockRate == 0 {
		clockRate = 90000
	}
	return &SendStats{ssrc: ssrc, clockRate: clockRate}
}

// HandleRTP records a packet sent at now with RTP timestamp ts.
func (s *SendStats) HandleRTP(now time.Time, ts uint32, size, payload int) {
	s.Packets++
	s.Bytes += uint64(payload)
	s.HeaderBytes += uint64(size - payload)
	s.lastTS, s.lastTSAt = ts, now
}

// Sent reports whether the stream has sent anything (an SR needs a
// timestamp to map).
func (s *SendStats) Sent() bool { return !s.lastTSAt.IsZero() }

// SentSince reports whether the stream sent a packet at or after t.
func (s *SendStats) SentSince(t time.Time) bool { return s.Sent() && !s.lastTSAt.Before(t) }

// SenderReport returns the sender info of an SR at now. RFC 3550 §6.4.1:
// the RTP timestamp "corresponds to the same time as the NTP timestamp",
// so it is extrapolated from the last packet's timestamp with the clock
// rate (the last packet is taken to have been sent at its sampling instant).
func (s *SendStats) SenderReport(now time.Time) rtcp.SenderReport {
	ts := s.lastTS + uint32(rtpUnits(now.Sub(s.lastTSAt), s.clockRate))
	return rtcp.SenderReport{
		SSRC:        s.ssrc,
		NTPTime:     rtcp.NTPTime(now),
		RTPTime:     ts,
		PacketCount: uint32(s.Packets),
		OctetCount:  uint32(s.Bytes),
	}
}

// HandleReportBlock records a report block about the stream that arrived at
// now and returns the round-trip time it measures, if any (RFC 3550
// §6.4.1: A - LSR - DLSR).
func (s *SendStats) HandleReportBlock(now time.Time, b *rtcp.ReceptionReport) (time.Duration, bool) {
	s.ReportsReceived++
	s.RemoteFractionLost = b.FractionLost
	s.RemoteTotalLost = b.TotalLost
	s.RemoteJitter = b.Jitter
	s.RemoteHighestSeq = b.LastSequenceNumber
	rtt, ok := rtcp.RTT(rtcp.CompactNTP(rtcp.NTPTime(now)), b.LastSenderReport, b.Delay)
	if ok {
		s.RTT = rtt
		s.RTTMeasurements++
	}
	return rtt, ok
}
