package interceptor

import "time"

// This file is the bandwidth-estimator plug point: the chain feeds an
// Estimator what it learns about sent packets and their fate, and reads the
// target bitrate back. A send-side estimator (GCC, package gcc) implements it;
// the chain knows nothing about how the estimate is made.

// SentPacket describes one RTP packet that left the chain towards the
// transport, numbered with a transport-wide sequence number
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
type SentPacket struct {
	// TransportSeq is the transport-wide sequence number, unwrapped to 64
	// bits (the wire carries its low 16 bits). It increases by one per packet.
	TransportSeq int64
	// SendTime is the time the packet was handed to the transport (the now
	// of the call that produced it).
	SendTime time.Time
	// Size is the packet's size in octets as the chain saw it: RTP header,
	// extensions, payload and padding, before SRTP.
	Size int
	// SSRC is the packet's SSRC (the RTX SSRC for a retransmission).
	SSRC uint32
	// Retransmission is true for a NACK answer (RTX or in-band).
	Retransmission bool
	// ProbeCluster is the pacer's probe cluster id, or zero when the packet
	// is not a probe. The chain sets it for packets sent with SendRTPProbe.
	ProbeCluster int
}

// PacketResult is the fate of one sent packet, as transport-wide feedback
// (transport-cc or RFC 8888 CCFB) reported it.
type PacketResult struct {
	// TransportSeq is the packet's unwrapped transport-wide sequence number.
	TransportSeq int64
	// SendTime is SentPacket.SendTime.
	SendTime time.Time
	// Arrival is when the remote end received the packet, on the remote
	// end's clock shifted to a fixed but unknown origin: only differences
	// between arrivals are meaningful. It is the zero Time when the feedback
	// reports the packet lost.
	Arrival time.Time
	// Size is SentPacket.Size.
	Size int
	// Retransmission and ProbeCluster are copied from the SentPacket.
	Retransmission bool
	ProbeCluster   int
}

// Received reports whether the feedback reported the packet received.
func (r PacketResult) Received() bool { return !r.Arrival.IsZero() }

// LossReport is what an RTCP receiver report block (RFC 3550 §6.4.1) says
// about one of the local streams.
type LossReport struct {
	SSRC uint32
	// FractionLost is the fraction lost since the previous report, /256.
	FractionLost uint8
	// TotalLost is the cumulative number of packets lost (may be negative).
	TotalLost int32
	// HighestSeq is the extended highest sequence number received.
	HighestSeq uint32
}

// Estimator is a send-side bandwidth estimator. The chain calls it from its
// own Handle* methods, in the order the information arrives; an Estimator
// never calls back into the chain, reads a clock or starts goroutines (it is a
// sans-I/O unit like the others). Slices handed to it are borrowed for the
// call.
//
// After every call the chain compares TargetBitrate with the last value it
// reported and, when it changed, queues an EventTargetBitrate.
type Estimator interface {
	// OnPacketSent records a packet numbered by the transport-wide
	// sequence counter.
	OnPacketSent(p SentPacket)
	// OnFeedback delivers the results of one transport-wide feedback
	// message, in transport sequence order. Packets the feedback names
	// but the chain never sent (or has forgotten) are left out.
	OnFeedback(now time.Time, results []PacketResult)
	// OnLoss delivers a receiver report block about a local stream.
	OnLoss(now time.Time, r LossReport)
	// OnRTT delivers a round-trip time measured from RTCP (SR/RR or
	// XR DLRR).
	OnRTT(now time.Time, rtt time.Duration)
	// OnREMB delivers a receiver-side estimate in bits per second
	// (draft-alvestrand-rmcat-remb), when goog-remb was negotiated.
	OnREMB(now time.Time, bps uint64)
	// TargetBitrate returns the current target in bits per second.
	TargetBitrate() int
	// HandleTimeout tells the estimator that now has been reached.
	HandleTimeout(now time.Time)
	// PollTimeout returns the estimator's next deadline, if any.
	PollTimeout() (time.Time, bool)
	// TimeoutReason names why the current deadline exists, or "".
	TimeoutReason() string
}
