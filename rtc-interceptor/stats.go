package interceptor

import "time"

// ChainStats are a chain's counters: what it dropped and why, and its
// transport-wide state. Every dropped input is counted here.
type ChainStats struct {
	MalformedRTP        uint64 // RTP that did not parse
	MalformedRTCP       uint64 // compound RTCP that did not parse (fully)
	UnknownSSRC         uint64 // RTP for no bound stream
	UnknownFeedback     uint64 // feedback about no bound local stream, or not negotiated
	UnknownReportBlocks uint64 // report blocks about no local stream
	RTXPadding          uint64 // RTX packets without an OSN (padding probes)
	NACKTruncated       uint64 // NACKed sequence numbers past the per-message limit
	OutputDropped       uint64 // outputs refused by a full output queue
	EventsLost          uint64 // events refused by a full event queue
	EncodeErrors        uint64 // RTCP that could not be built (should stay zero)
	ReportsSent         uint64 // regular compound reports
	AutoKeyframes       uint64 // keyframe requests sent because NACK gave up on a packet
	REMBs               uint64 // REMB messages received
	RTTMeasurements     uint64 // RTT samples from SR/RR and XR DLRR
	TWCCUnknown         uint64 // RFC 8888 metrics about packets never sent or forgotten
	RTT                 time.Duration
	TargetBitrate       int
	TWCCSender          TWCCSenderStats
	TWCCReceiver        TWCCReceiverStats
}

// LocalStreamStats are what getStats reports for a stream this end sends
// (outbound-rtp and remote-inbound-rtp). Send counts original packets only:
// W3C packetsSent, which includes retransmissions, is Send.Packets +
// NACK.Retransmitted, and retransmittedPacketsSent is NACK.Retransmitted.
type LocalStreamStats struct {
	SSRC          uint32
	Send          SendStats          // packets, octets, and what the remote end reported
	NACK          NACKResponderStats // retransmissions
	NACKsReceived uint64             // nackCount
	PLIsReceived  uint64             // pliCount
	FIRsReceived  uint64             // firCount
}

// RemoteStreamStats are what getStats reports for a stream this end
// receives (inbound-rtp).
type RemoteStreamStats struct {
	SSRC       uint32
	Receive    ReceiveStats
	Lost       int64         // packetsLost (RFC 3550 A.3)
	Jitter     time.Duration // jitter, converted from timestamp units
	NACK       NACKGeneratorStats
	NACKsSent  uint64 // nackCount
	NACKedSeqs uint64 // sequence numbers requested
	Keyframe   KeyframeRequesterStats
}

// Stats returns the chain's counters.
func (c *Chain) Stats() ChainStats {
	s := c.stats
	s.RTT, s.TargetBitrate = c.rtt, c.target
	s.EventsLost = c.events.Lost()
	if c.twccSend != nil {
		s.TWCCSender = c.twccSend.Stats()
	}
	if c.twccRecv != nil {
		s.TWCCReceiver = c.twccRecv.Stats()
	}
	return s
}

// LocalStats returns the counters of the local stream ssrc.
func (c *Chain) LocalStats(ssrc uint32) (LocalStreamStats, bool) {
	s := c.findLocal(ssrc)
	if s == nil {
		return LocalStreamStats{}, false
	}
	st := LocalStreamStats{SSRC: ssrc, Send: s.stats, NACKsReceived: s.nacks, PLIsReceived: s.plis, FIRsReceived: s.firs}
	if s.resp != nil {
		st.NACK = s.resp.Stats()
	}
	return st, true
}

// RemoteStats returns the counters of the remote stream ssrc.
func (c *Chain) RemoteStats(ssrc uint32) (RemoteStreamStats, bool) {
	s, rtx := c.findRemote(ssrc)
	if s == nil || rtx {
		return RemoteStreamStats{}, false
	}
	st := RemoteStreamStats{
		SSRC:       ssrc,
		Receive:    s.stats,
		Lost:       s.stats.Lost(),
		Jitter:     time.Duration(int64(s.stats.Jitter()) * int64(time.Second) / int64(s.cfg.clockRate())),
		NACKsSent:  s.nacks,
		NACKedSeqs: s.nackSeqs,
		Keyframe:   s.key.Stats(),
	}
	if s.gen != nil {
		st.NACK = s.gen.Stats()
	}
	return st, true
}
