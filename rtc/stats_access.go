package rtc

import (
	"strings"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
)

// This file is how getStats reads the parts it does not own: small
// read-only accessors over their existing fields. Nothing here changes
// state or marks a deadline stale (it reads t.ice and t.conn directly,
// not through agent() and dtlsConn()).

// statsICE is what the transport part knows about ICE for getStats.
type statsICE struct {
	role        string // "controlling", "controlled", "unknown"
	localUfrag  string
	remoteUfrag string
	state       ICEConnectionState
	locals      []ice.Candidate // gathered (host, srflx, relay)
	remotes     []ice.Candidate // from the remote description
	selected    ice.PairInfo
	hasSelected bool
	stats       ice.Stats
}

func (pc *PeerConnection) statsICE() statsICE {
	t := &pc.tr
	s := statsICE{role: "unknown", localUfrag: t.localUfrag, remoteUfrag: t.remoteUfrag, state: t.iceState, stats: t.ice.Stats()}
	if t.started {
		s.role = t.ice.Role().String()
	}
	s.locals = t.ice.LocalCandidates()
	s.selected, s.hasSelected = t.ice.SelectedPair()
	s.remotes = remoteCandidates(pc.RemoteDescription().SDP)
	return s
}

// remoteCandidates returns the candidates of a remote description (the
// ICE agent keeps no list of them; trickled ones are not in it).
func remoteCandidates(sdp string) []ice.Candidate {
	var out []ice.Candidate
	seen := map[string]bool{}
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		if !strings.HasPrefix(line, "a=candidate:") || seen[line] {
			continue
		}
		seen[line] = true
		if c, err := ice.ParseCandidate(line); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// statsDTLS is what the transport part knows about DTLS for getStats.
type statsDTLS struct {
	phase    DTLSTransportState
	client   bool
	roleSet  bool // the DTLS role is known
	local    *dtls.Certificate
	localFP  dtls.Fingerprint
	state    dtls.ConnectionState // zero before the handshake completed
	complete bool
	stats    dtls.Stats
}

func (pc *PeerConnection) statsDTLS() statsDTLS {
	t := &pc.tr
	s := statsDTLS{phase: t.phase, client: t.client, roleSet: t.ready, local: t.cert, localFP: t.fingerprint}
	if t.conn != nil {
		s.stats = t.conn.Stats()
		s.state, s.complete = t.conn.ConnectionState()
		s.client, s.roleSet = t.conn.IsClient(), true
	}
	return s
}

// statsChannels returns the data channels that are not closed and how
// many channels ever opened (sink.channelsOpened).
func (pc *PeerConnection) statsChannels() ([]*DataChannel, uint64) {
	return pc.data.channels, pc.out.channelsOpened
}

// statsStreams returns the RTP streams the media part sends and receives,
// through its accessors (OutboundStreams, InboundStreams), with each
// stream's codec from its transceiver's negotiated codecs. With the
// interceptor chain disabled (Configuration.DisableInterceptors) only the
// media part's own packet and byte counts exist; its bytes count whole
// RTP packets, headers included.
func (pc *PeerConnection) statsStreams() []statsStream {
	var out []statsStream
	for _, o := range pc.OutboundStreams() {
		s := statsStream{kind: o.Kind, mid: o.Mid, rid: o.RID, rtxSSRC: o.RTXSSRC, codec: pc.statsCodec(o.Mid, o.PayloadType)}
		l := o.Chain
		if !o.HasChain {
			l = interceptor.LocalStreamStats{SSRC: o.SSRC}
			l.Send.Packets, l.Send.Bytes = o.Packets, o.Bytes
		}
		s.local = &l
		out = append(out, s)
	}
	for _, in := range pc.InboundStreams() {
		if in.Packets == 0 && (!in.HasChain || in.Chain.Receive.Packets == 0) {
			continue // webrtc-stats: inbound-rtp exists once a packet arrived
		}
		s := statsStream{kind: in.Kind, mid: in.Mid, rid: in.RID, rtxSSRC: in.RTXSSRC, codec: pc.statsCodec(in.Mid, in.PayloadType)}
		if t := pc.statsTransceiver(in.Mid); t != nil && t.receiver != nil && t.receiver.track != nil {
			s.trackID = t.receiver.track.ID
		}
		r := in.Chain
		if !in.HasChain {
			r = interceptor.RemoteStreamStats{SSRC: in.SSRC}
			r.Receive.Packets, r.Receive.Bytes = in.Packets, in.Bytes
		}
		s.remote = &r
		out = append(out, s)
	}
	return out
}

// statsTransceiver returns the transceiver of a mid (nil if none).
func (pc *PeerConnection) statsTransceiver(mid string) *Transceiver {
	for _, t := range pc.neg.transceivers {
		if t.mid == mid && mid != "" {
			return t
		}
	}
	return nil
}

// statsCodec returns the negotiated codec of a payload type in the m-section
// mid; the zero Codec (no codec object) when it is not known.
func (pc *PeerConnection) statsCodec(mid string, pt uint8) Codec {
	if t := pc.statsTransceiver(mid); t != nil {
		for _, c := range t.Codecs() {
			if c.PayloadType == pt {
				return c
			}
		}
	}
	return Codec{}
}

// statsMediaPackets returns the SRTP and SRTCP packets accepted and sent
// (the selected pair carries them, with DTLS).
func (pc *PeerConnection) statsMediaPackets() (in, out uint64) {
	i, o := pc.SRTPStats()
	return i.RTPUnprotected + i.RTCPUnprotected, o.RTPProtected + o.RTCPProtected
}
