package rtc

import (
	"strconv"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	rtcmedia "github.com/sansrtc/rtc/rtc-media"
)

// This file maps the RTP streams' counters (rtc-interceptor's chain, and
// rtc-media's jitter buffer where a stream goes through one) to the W3C
// RTP stats types: codec, inbound-rtp, outbound-rtp, remote-inbound-rtp
// and remote-outbound-rtp (webrtc-stats §8.1-§8.11).

// StatsCodec is RTCCodecStats (webrtc-stats §8.1): one payload type in
// use on the transport in one direction.
type StatsCodec struct {
	StatsHeader
	PayloadType uint8  `json:"payloadType"`
	TransportID string `json:"transportId"`
	MimeType    string `json:"mimeType"` // "video/VP8", "audio/opus"
	ClockRate   uint32 `json:"clockRate,omitempty"`
	Channels    uint16 `json:"channels,omitempty"` // audio only
	SDPFmtpLine string `json:"sdpFmtpLine,omitempty"`
}

// StatsRTPStream is RTCRtpStreamStats (webrtc-stats §8.2), the members
// of every RTP stream type.
type StatsRTPStream struct {
	SSRC        uint32 `json:"ssrc"`
	Kind        string `json:"kind"` // "audio" or "video"
	TransportID string `json:"transportId"`
	CodecID     string `json:"codecId,omitempty"`
}

// StatsInboundRTP is RTCInboundRtpStreamStats (webrtc-stats §8.4, with
// RTCReceivedRtpStreamStats §8.3): a stream this end receives. Jitter
// buffer members are present when the stream goes through rtc-media's
// jitter buffer (and once it counted something).
type StatsInboundRTP struct {
	StatsHeader
	StatsRTPStream
	PacketsReceived uint64  `json:"packetsReceived"`
	PacketsLost     int64   `json:"packetsLost"` // RFC 3550 §6.4.1 cumulative loss, may be negative
	Jitter          float64 `json:"jitter"`      // seconds
	TrackIdentifier string  `json:"trackIdentifier,omitempty"`
	Mid             string  `json:"mid,omitempty"`
	RemoteID        string  `json:"remoteId,omitempty"`
	// LastPacketReceivedTimestamp is in milliseconds since the Unix epoch.
	LastPacketReceivedTimestamp  float64 `json:"lastPacketReceivedTimestamp,omitempty"`
	HeaderBytesReceived          uint64  `json:"headerBytesReceived"`
	BytesReceived                uint64  `json:"bytesReceived"`
	RetransmittedPacketsReceived uint64  `json:"retransmittedPacketsReceived"`
	RTXSSRC                      uint32  `json:"rtxSsrc,omitempty"`
	NACKCount                    uint32  `json:"nackCount"`
	FIRCount                     uint32  `json:"firCount"`
	PLICount                     uint32  `json:"pliCount"`
	// From the jitter buffer.
	PacketsDiscarded         uint64  `json:"packetsDiscarded,omitempty"`
	FramesReceived           uint64  `json:"framesReceived,omitempty"` // video
	FramesDropped            uint64  `json:"framesDropped,omitempty"`  // video
	JitterBufferDelay        float64 `json:"jitterBufferDelay,omitempty"`
	JitterBufferTargetDelay  float64 `json:"jitterBufferTargetDelay,omitempty"`
	JitterBufferEmittedCount uint64  `json:"jitterBufferEmittedCount,omitempty"`
}

// StatsOutboundRTP is RTCOutboundRtpStreamStats (webrtc-stats §8.6, with
// RTCSentRtpStreamStats §8.5): a stream this end sends. PacketsSent counts
// retransmissions too (W3C); BytesSent counts the payload of original
// packets only (the chain counts retransmitted octets with their headers,
// so they are left out rather than mixed in).
type StatsOutboundRTP struct {
	StatsHeader
	StatsRTPStream
	PacketsSent              uint64 `json:"packetsSent"`
	BytesSent                uint64 `json:"bytesSent"`
	Mid                      string `json:"mid,omitempty"`
	RID                      string `json:"rid,omitempty"`
	RemoteID                 string `json:"remoteId,omitempty"`
	HeaderBytesSent          uint64 `json:"headerBytesSent"`
	RetransmittedPacketsSent uint64 `json:"retransmittedPacketsSent"`
	RTXSSRC                  uint32 `json:"rtxSsrc,omitempty"`
	NACKCount                uint32 `json:"nackCount"`
	FIRCount                 uint32 `json:"firCount"`
	PLICount                 uint32 `json:"pliCount"`
}

// StatsRemoteInboundRTP is RTCRemoteInboundRtpStreamStats (webrtc-stats
// §8.7): what the remote end reports (RTCP report blocks, RFC 3550
// §6.4.2) about a stream this end sends. It exists once a report block
// arrived.
type StatsRemoteInboundRTP struct {
	StatsHeader
	StatsRTPStream
	PacketsLost               int64    `json:"packetsLost"`
	Jitter                    float64  `json:"jitter"` // seconds
	LocalID                   string   `json:"localId"`
	RoundTripTime             *float64 `json:"roundTripTime,omitempty"` // seconds, the latest; nil before a measurement
	FractionLost              float64  `json:"fractionLost"`
	RoundTripTimeMeasurements uint64   `json:"roundTripTimeMeasurements"`
}

// StatsRemoteOutboundRTP is RTCRemoteOutboundRtpStreamStats
// (webrtc-stats §8.8): what the remote end's sender reports (RFC 3550
// §6.4.1) say about a stream this end receives. It exists once a sender
// report arrived.
type StatsRemoteOutboundRTP struct {
	StatsHeader
	StatsRTPStream
	LocalID     string `json:"localId"`
	ReportsSent uint64 `json:"reportsSent"`
}

// statsStream is what the media part knows about one RTP stream for
// getStats: exactly one of local (a stream this end sends) and remote (a
// stream it receives) is set. jitter is the stream's jitter buffer's
// counters, nil when it has none.
type statsStream struct {
	kind    MediaKind
	mid     string
	rid     string
	trackID string
	codec   Codec
	rtxSSRC uint32
	local   *interceptor.LocalStreamStats
	remote  *interceptor.RemoteStreamStats
	jitter  *rtcmedia.Stats
}

// kindLetter is the letter stream ids carry ("A" audio, "V" video), as
// Chromium's do.
func (s *statsStream) kindLetter() string {
	if s.kind == MediaKindAudio {
		return "A"
	}
	return "V"
}

// codecID is the id of a payload type's codec on the transport in one
// direction ("I" received, "O" sent), with its fmtp line, as Chromium
// names them ("CIT01_111_minptime=10;useinbandfec=1"): RFC 8843 §9.1
// makes a payload type name one codec in a BUNDLE group, but each
// direction's codec is reported apart.
func codecID(transportID string, inbound bool, c Codec) string {
	dir := "O"
	if inbound {
		dir = "I"
	}
	id := "C" + dir + transportID + "_" + strconv.Itoa(int(c.PayloadType))
	if c.FMTP != "" {
		id += "_" + c.FMTP
	}
	return id
}

// codecStats returns the codec object of a stream.
func codecStats(h StatsHeader, transportID string, inbound bool, kind MediaKind, c Codec) StatsCodec {
	h.ID, h.Type = codecID(transportID, inbound, c), StatsTypeCodec
	s := StatsCodec{StatsHeader: h, PayloadType: c.PayloadType, TransportID: transportID,
		MimeType: kind.String() + "/" + c.Name, ClockRate: c.ClockRate, SDPFmtpLine: c.FMTP}
	if kind == MediaKindAudio {
		s.Channels = max(c.Channels, 1)
	}
	return s
}

// seconds converts a duration to W3C seconds.
func seconds(d time.Duration) float64 { return d.Seconds() }

// millis converts a time to W3C milliseconds since the Unix epoch (zero
// for the zero time, left out of the JSON).
func millis(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e6
}

// addStream adds a stream's objects to the report: its codec, the stream,
// and its remote counterpart once the peer reported on it.
func (r StatsReport) addStream(h StatsHeader, transportID string, s *statsStream) {
	codec := ""
	if s.codec.Name != "" { // known: negotiated in the stream's m-section
		c := codecStats(h, transportID, s.remote != nil, s.kind, s.codec)
		r[c.ID], codec = c, c.ID
	}
	switch {
	case s.local != nil:
		r.addOutbound(h, transportID, codec, s)
	case s.remote != nil:
		r.addInbound(h, transportID, codec, s)
	}
}

func (r StatsReport) addOutbound(h StatsHeader, transportID, codec string, s *statsStream) {
	l := s.local
	base := StatsRTPStream{SSRC: l.SSRC, Kind: s.kind.String(), TransportID: transportID, CodecID: codec}
	o := StatsOutboundRTP{StatsHeader: h, StatsRTPStream: base,
		PacketsSent: l.Send.Packets + l.NACK.Retransmitted, BytesSent: l.Send.Bytes,
		Mid: s.mid, RID: s.rid, HeaderBytesSent: l.Send.HeaderBytes,
		RetransmittedPacketsSent: l.NACK.Retransmitted, RTXSSRC: s.rtxSSRC,
		NACKCount: uint32(l.NACKsReceived), FIRCount: uint32(l.FIRsReceived), PLICount: uint32(l.PLIsReceived)}
	o.ID, o.Type = "O"+transportID+s.kindLetter()+strconv.FormatUint(uint64(l.SSRC), 10), StatsTypeOutboundRTP
	if l.Send.ReportsReceived > 0 {
		// RFC 3550 §6.4.1: fraction lost is a fixed point number with the
		// binary point at the left edge; jitter is in timestamp units.
		ri := StatsRemoteInboundRTP{StatsHeader: h, StatsRTPStream: base, LocalID: o.ID,
			PacketsLost: int64(l.Send.RemoteTotalLost), FractionLost: float64(l.Send.RemoteFractionLost) / 256,
			Jitter: rtpSeconds(l.Send.RemoteJitter, s.codec.ClockRate), RoundTripTimeMeasurements: l.Send.RTTMeasurements}
		if l.Send.RTTMeasurements > 0 {
			rtt := seconds(l.Send.RTT)
			ri.RoundTripTime = &rtt
		}
		ri.ID, ri.Type = "RI"+s.kindLetter()+strconv.FormatUint(uint64(l.SSRC), 10), StatsTypeRemoteInboundRTP
		o.RemoteID = ri.ID
		r[ri.ID] = ri
	}
	r[o.ID] = o
}

func (r StatsReport) addInbound(h StatsHeader, transportID, codec string, s *statsStream) {
	m := s.remote
	base := StatsRTPStream{SSRC: m.SSRC, Kind: s.kind.String(), TransportID: transportID, CodecID: codec}
	in := StatsInboundRTP{StatsHeader: h, StatsRTPStream: base,
		PacketsReceived: m.Receive.Packets, PacketsLost: m.Lost, Jitter: seconds(m.Jitter),
		TrackIdentifier: s.trackID, Mid: s.mid, LastPacketReceivedTimestamp: millis(m.Receive.LastPacketAt),
		HeaderBytesReceived: m.Receive.HeaderBytes, BytesReceived: m.Receive.Bytes,
		RetransmittedPacketsReceived: m.Receive.Retransmitted, RTXSSRC: s.rtxSSRC,
		NACKCount: uint32(m.NACKsSent), FIRCount: uint32(m.Keyframe.FIRs), PLICount: uint32(m.Keyframe.PLIs)}
	in.ID, in.Type = "I"+transportID+s.kindLetter()+strconv.FormatUint(uint64(m.SSRC), 10), StatsTypeInboundRTP
	if s.jitter != nil {
		in.setJitterBuffer(s.jitter)
	}
	if m.Receive.SendersReports > 0 {
		ro := StatsRemoteOutboundRTP{StatsHeader: h, StatsRTPStream: base, LocalID: in.ID, ReportsSent: m.Receive.SendersReports}
		ro.ID, ro.Type = "RO"+s.kindLetter()+strconv.FormatUint(uint64(m.SSRC), 10), StatsTypeRemoteOutboundRTP
		in.RemoteID = ro.ID
		r[ro.ID] = ro
	}
	r[in.ID] = in
}

// rtpSeconds converts RTP timestamp units at clockRate Hz to seconds.
func rtpSeconds(units, clockRate uint32) float64 {
	if clockRate == 0 {
		return 0
	}
	return float64(units) / float64(clockRate)
}

// setJitterBuffer sets the members a jitter buffer's counters feed
// (rtc-media's Stats are named after them).
func (in *StatsInboundRTP) setJitterBuffer(j *rtcmedia.Stats) {
	in.PacketsDiscarded = j.PacketsDiscarded
	in.JitterBufferDelay, in.JitterBufferTargetDelay = seconds(j.JitterBufferDelay), seconds(j.JitterBufferTargetDelay)
	in.JitterBufferEmittedCount = j.FramesEmitted
	if in.Kind == MediaKindVideo.String() {
		in.FramesReceived, in.FramesDropped = j.FramesAssembled, j.FramesDropped
	}
}

// AddJitterBuffer folds the counters of a jitter buffer the application
// runs on a received stream (rtc-media's, fed with what PollRead returns)
// into that stream's inbound-rtp object: packetsDiscarded,
// jitterBufferDelay, jitterBufferTargetDelay, jitterBufferEmittedCount,
// and for video framesReceived and framesDropped. It reports false when
// the report has no inbound-rtp for ssrc.
func (r StatsReport) AddJitterBuffer(ssrc uint32, st rtcmedia.Stats) bool {
	for id, e := range r {
		if in, ok := e.(StatsInboundRTP); ok && in.SSRC == ssrc {
			in.setJitterBuffer(&st)
			r[id] = in
			return true
		}
	}
	return false
}
