package rtc

import (
	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

// This file is the read access to the media counters: MediaStats for a
// stats line, and the per-stream accessors getStats (stats.go) builds the
// W3C inbound-rtp, outbound-rtp, remote-inbound-rtp, remote-outbound-rtp
// and codec entries from. They copy; nothing returned aliases the
// PeerConnection's state.

// MediaStats returns the media part's counters, with the interceptor
// chain's NACK counts and target bitrate (the reflect example's stats
// line: target_bitrate_bps, NACKs, retransmissions).
func (pc *PeerConnection) MediaStats() MediaStats {
	s := pc.media.stats
	if c := pc.media.chain; c != nil {
		s.TargetBitrate = c.TargetBitrate()
		for ssrc := range pc.media.bound {
			if l, ok := c.LocalStats(ssrc); ok {
				s.NACKsReceived += l.NACKsReceived
			}
			if r, ok := c.RemoteStats(ssrc); ok {
				s.NACKsSent += r.NACKsSent
			}
		}
	}
	return s
}

// OutboundStream is one RTP stream we send (W3C RTCOutboundRtpStreamStats
// sources): its identity, our counters, and the chain's (SR, what the
// remote reported, NACK/PLI/FIR received, retransmissions) when HasChain.
type OutboundStream struct {
	StreamInfo
	Packets, Bytes uint64
	HasChain       bool
	Chain          interceptor.LocalStreamStats
}

// InboundStream is one RTP stream we receive (W3C RTCInboundRtpStreamStats
// sources): its identity, our counters, and the chain's (loss, jitter,
// NACKs sent, keyframe requests) when HasChain.
type InboundStream struct {
	StreamInfo
	Packets, Bytes uint64
	HasChain       bool
	Chain          interceptor.RemoteStreamStats
}

// OutboundStreams returns every sending encoding of the transceivers that
// are not stopped, in transceiver order. Used by stats.go.
func (pc *PeerConnection) OutboundStreams() []OutboundStream {
	var out []OutboundStream
	for _, t := range pc.neg.transceivers {
		if t.stopped {
			continue
		}
		c, _ := t.sender.sendCodec()
		for _, e := range t.sender.encodings {
			o := OutboundStream{StreamInfo: StreamInfo{Mid: t.mid, Kind: t.kind, SSRC: e.SSRC, RID: e.RID,
				PayloadType: c.PayloadType}, Packets: e.packets, Bytes: e.bytes}
			if _, ok := t.rtxFor(c.PayloadType); ok && len(t.sender.encodings) == 1 {
				o.RTXSSRC = e.RTXSSRC
			}
			if pc.media.chain != nil {
				o.Chain, o.HasChain = pc.media.chain.LocalStats(e.SSRC)
			}
			out = append(out, o)
		}
	}
	return out
}

// InboundStreams returns every received (or signaled) primary stream,
// in transceiver order. Used by stats.go.
func (pc *PeerConnection) InboundStreams() []InboundStream {
	var out []InboundStream
	for _, t := range pc.neg.transceivers {
		if t.stopped {
			continue
		}
		for _, s := range t.receiver.streams {
			if s.rtx {
				continue
			}
			in := InboundStream{StreamInfo: s.info(), Packets: s.packets, Bytes: s.bytes}
			in.RTXSSRC = pc.media.rtxOf(s.ssrc)
			if pc.media.chain != nil {
				in.Chain, in.HasChain = pc.media.chain.RemoteStats(s.ssrc)
			}
			out = append(out, in)
		}
	}
	return out
}

// rtxOf returns the RTX SSRC repairing ssrc, 0 if none is known.
func (m *media) rtxOf(ssrc uint32) uint32 {
	for r, s := range m.ssrcs {
		if s.rtx && s.repairs == ssrc {
			return r
		}
	}
	return 0
}

// SRTPStats returns the SRTP counters of the receiving and the sending
// context (zero before SRTP is keyed). Used by stats.go (transport).
func (pc *PeerConnection) SRTPStats() (in, out srtp.Stats) {
	if pc.media.in != nil {
		in, out = pc.media.in.Stats(), pc.media.out.Stats()
	}
	return in, out
}

// SRTPProfile returns the negotiated DTLS-SRTP profile (its use_srtp code
// point, srtp.Profile), 0 before DTLS connected or without use_srtp.
func (pc *PeerConnection) SRTPProfile() uint16 { return pc.tr.srtpProfile }

// ChainStats returns the interceptor chain's counters (RTT, target
// bitrate, TWCC), false when no chain runs. Used by stats.go.
func (pc *PeerConnection) ChainStats() (interceptor.ChainStats, bool) {
	if pc.media.chain == nil {
		return interceptor.ChainStats{}, false
	}
	return pc.media.chain.Stats(), true
}
