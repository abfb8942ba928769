package rtc

import (
	"slices"
	"strconv"
	"strings"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// This file reads and writes the RTP parts of media sections: codecs
// (a=rtpmap, a=fmtp, a=rtcp-fb), header extensions (a=extmap), the
// direction, a=msid, a=ssrc and a=ssrc-group, a=rid and a=simulcast.

// remoteMedia is what a remote RTP m-section says.
type remoteMedia struct {
	codecs []Codec
	exts   []Extension
	dir    sdp.Direction
	msids  []sdp.MSID
	ssrcs  []uint32          // primary SSRCs (a=ssrc), in order
	rtx    map[uint32]uint32 // primary -> RTX (a=ssrc-group:FID, RFC 5576 §4.2)
	rids   []string          // rids the peer sends (a=rid send, a=simulcast send)
}

// parseRemoteMedia reads a remote RTP m-section. Attributes that do not
// parse were refused by validation already; here they are skipped.
func parseRemoteMedia(m *sdp.MediaDescription) *remoteMedia {
	r := &remoteMedia{dir: m.Direction(), rtx: map[uint32]uint32{}}
	if r.dir == sdp.DirectionNone {
		r.dir = sdp.DirectionSendRecv // RFC 8866 §6.7: the default
	}
	r.codecs = sectionCodecs(m)
	if ems, err := m.ExtMaps(); err == nil {
		for _, e := range ems {
			r.exts = append(r.exts, Extension{ID: e.ID, URI: e.URI})
		}
	}
	r.msids, _ = m.MSIDs()
	if gs, err := m.SSRCGroups(); err == nil {
		for _, g := range gs {
			if g.Semantics == "FID" && len(g.SSRCs) == 2 {
				r.rtx[g.SSRCs[0]] = g.SSRCs[1]
			}
		}
	}
	repair := map[uint32]bool{}
	for _, v := range r.rtx {
		repair[v] = true
	}
	if ss, err := m.SSRCs(); err == nil {
		for _, s := range ss {
			if !repair[s.SSRC] && !slices.Contains(r.ssrcs, s.SSRC) {
				r.ssrcs = append(r.ssrcs, s.SSRC)
			}
		}
	}
	if rids, err := m.RIDs(); err == nil {
		for _, x := range rids {
			if x.Direction == "send" {
				r.rids = append(r.rids, x.ID)
			}
		}
	}
	return r
}

// sectionCodecs returns the codecs of an m-section in m= order.
func sectionCodecs(m *sdp.MediaDescription) []Codec {
	fbs, _ := m.RTCPFeedbacks()
	var out []Codec
	for _, f := range m.Formats {
		v, err := strconv.ParseUint(f, 10, 8)
		if err != nil {
			continue
		}
		rm, ok := m.RTPMap(uint8(v))
		if !ok {
			continue // static payload types without a=rtpmap are not offered by WebRTC peers
		}
		c := Codec{PayloadType: uint8(v), Name: rm.Encoding, ClockRate: rm.ClockRate, Channels: rm.Channels}
		if fm, ok := m.FMTP(f); ok {
			c.FMTP = fm.Parameters
		}
		for _, fb := range fbs {
			if fb.Format == f || fb.Format == "*" {
				c.Feedback = append(c.Feedback, Feedback{Type: fb.Type, Parameter: fb.Parameter})
			}
		}
		out = append(out, c)
	}
	return out
}

// offeredRTPMaps returns the a=rtpmap lines of an m-section's formats, in
// m= order, for the section's rejection (rejectedRTPMaps).
func offeredRTPMaps(m *sdp.MediaDescription) []sdp.RTPMap {
	var out []sdp.RTPMap
	for _, f := range m.Formats {
		v, err := strconv.ParseUint(f, 10, 8)
		if err != nil {
			continue
		}
		if rm, ok := m.RTPMap(uint8(v)); ok {
			out = append(out, rm)
		}
	}
	return out
}

// rejectedRTPMaps adds to a rejected answer section the offer's a=rtpmap
// lines: RFC 8829 §5.3.1 copies the offered formats into a rejected
// section, and peers such as Pion refuse an answer whose m= payload types
// have no a=rtpmap ("payload type not found").
func rejectedRTPMaps(md *sdp.MediaDescription, s *mSection) {
	for _, r := range s.rtpmaps {
		md.Add(r)
	}
}

// localCodecs returns what the transceiver offers: the codecs already
// negotiated (their payload types stay, RFC 8829 §5.2.2), else its
// preferences, else the registry's.
func (t *Transceiver) localCodecs() []Codec {
	switch {
	case len(t.codecs) > 0:
		return t.codecs
	case len(t.preferences) > 0:
		return withRTX(t.preferences, t.pc.cfg.codecs(t.kind))
	}
	return t.pc.cfg.codecs(t.kind)
}

// withRTX adds to prefs the registry's RTX formats of the codecs in it.
func withRTX(prefs, reg []Codec) []Codec {
	out := slices.Clone(prefs)
	for _, r := range reg {
		if !isRTXName(r.Name) || hasCodec(prefs, "rtx") {
			continue
		}
		if apt, ok := r.apt(); ok && slices.ContainsFunc(prefs, func(c Codec) bool { return c.PayloadType == apt }) {
			out = append(out, r)
		}
	}
	return out
}

// answerDirection is the direction of an answer (RFC 8829 §5.3.1, RFC
// 3264 §6.1): what the transceiver wants, within what the offer allows.
func answerDirection(want Direction, offered sdp.Direction) Direction {
	send := want.sends() && (offered == sdp.DirectionRecvOnly || offered == sdp.DirectionSendRecv)
	recv := want.receives() && (offered == sdp.DirectionSendOnly || offered == sdp.DirectionSendRecv)
	return directionOf(send, recv)
}

func directionOf(send, recv bool) Direction {
	switch {
	case send && recv:
		return DirectionSendRecv
	case send:
		return DirectionSendOnly
	case recv:
		return DirectionRecvOnly
	}
	return DirectionInactive
}

// sdpDirection converts a transceiver direction.
func sdpDirection(d Direction) sdp.Direction {
	switch d {
	case DirectionSendRecv:
		return sdp.DirectionSendRecv
	case DirectionSendOnly:
		return sdp.DirectionSendOnly
	case DirectionRecvOnly:
		return sdp.DirectionRecvOnly
	}
	return sdp.DirectionInactive
}

// fromSDPDirection converts an SDP direction; absent is sendrecv.
func fromSDPDirection(d sdp.Direction) Direction {
	switch d {
	case sdp.DirectionSendOnly:
		return DirectionSendOnly
	case sdp.DirectionRecvOnly:
		return DirectionRecvOnly
	case sdp.DirectionInactive:
		return DirectionInactive
	}
	return DirectionSendRecv
}

// rtpMedia writes the RTP part of a local m-section: codecs, extensions,
// direction, rtcp-mux and rtcp-rsize (RFC 8829 §5.2.1), and the sender's
// streams when it sends.
func (n *negotiation) rtpMedia(md *sdp.MediaDescription, s *mSection, typ SDPType) {
	t := s.transceiver
	var codecs []Codec
	var exts []Extension
	var dir Direction
	switch {
	case typ == SDPTypeOffer:
		codecs, exts, dir = t.localCodecs(), n.offerExtensions(t.kind), t.direction
	case s.remote != nil:
		// RFC 8829 §5.3.1, W3C webrtc §4.4.1.5 createAnswer: the direction
		// is the transceiver's at CreateAnswer time (AddTrack or
		// SetDirection after SetRemoteDescription count), within the
		// offer's.
		codecs, exts, dir = s.answerCodecs, s.answerExts, answerDirection(t.direction, s.remote.dir)
	default:
		codecs, exts, dir = s.answerCodecs, s.answerExts, DirectionInactive
	}
	for _, c := range codecs {
		sc := sdp.Codec{PayloadType: c.PayloadType, Name: c.Name, ClockRate: c.ClockRate, Channels: c.Channels, FMTP: c.FMTP}
		for _, f := range c.Feedback {
			sc.Feedback = append(sc.Feedback, sdp.RTCPFeedback{Type: f.Type, Parameter: f.Parameter})
		}
		md.AddCodec(sc)
	}
	for _, e := range exts {
		md.Add(sdp.ExtMap{ID: e.ID, URI: e.URI})
	}
	md.SetDirection(sdpDirection(dir)).AddFlag(sdp.AttrRTCPMux).AddFlag("rtcp-rsize")
	if dir.sends() {
		n.senderLines(md, t)
	}
	if typ != SDPTypeOffer && s.remote != nil && len(s.remote.rids) > 0 && dir.receives() {
		recvSimulcast(md, s.remote.rids)
	}
}

// senderLines writes a=msid and the sender's streams: a=ssrc with a CNAME
// and a=ssrc-group:FID for its RTX (RFC 8830, RFC 5576, RFC 4588 §8.1),
// or with several encodings a=rid send and a=simulcast (RFC 8853 §5.1).
func (n *negotiation) senderLines(md *sdp.MediaDescription, t *Transceiver) {
	// RFC 8830 §2: a=msid names the track and its streams ("-" for
	// none); a sender without a track has none to name.
	if t.sender.track != nil {
		streams := t.streamIDs
		if len(streams) == 0 {
			streams = []string{"-"}
		}
		for _, st := range streams {
			md.Add(sdp.MSID{StreamID: st, TrackID: t.sender.track.ID})
		}
	}
	n.pc.ensureEncodings(t)
	encs := t.sender.encodings
	if len(encs) > 1 {
		var alt []sdp.SimulcastStream
		for _, e := range encs {
			md.Add(sdp.RID{ID: e.RID, Direction: "send"})
			alt = append(alt, sdp.SimulcastStream{RID: e.RID, Paused: e.Inactive})
		}
		var sim sdp.Simulcast
		for _, a := range alt {
			sim.Send = append(sim.Send, []sdp.SimulcastStream{a})
		}
		md.Add(sim)
		return
	}
	if n.cname == "" {
		n.cname = randomToken(n.pc.cfg.rand()) // RFC 7022: random per connection
	}
	e := encs[0]
	rtx := hasCodec(t.localCodecs(), "rtx")
	if rtx {
		md.Add(sdp.SSRCGroup{Semantics: "FID", SSRCs: []uint32{e.SSRC, e.RTXSSRC}})
	}
	md.Add(sdp.SSRC{SSRC: e.SSRC, Attribute: "cname", Value: n.cname})
	if rtx {
		md.Add(sdp.SSRC{SSRC: e.RTXSSRC, Attribute: "cname", Value: n.cname})
	}
}

// recvSimulcast answers a remote simulcast offer (RFC 8853 §5.3): the
// rids it sends are received.
func recvSimulcast(md *sdp.MediaDescription, rids []string) {
	var sim sdp.Simulcast
	for _, r := range rids {
		md.Add(sdp.RID{ID: r, Direction: "recv"})
		sim.Recv = append(sim.Recv, []sdp.SimulcastStream{{RID: r}})
	}
	md.Add(sim)
}

// offerExtensions returns the extensions a local offer lists for kind.
// One id per URI across the session (BUNDLE, RFC 8843 §9.2): ids already
// negotiated are kept, new ones take the lowest free id (RFC 8285 §4.2:
// 1-14, 15 is reserved).
func (n *negotiation) offerExtensions(kind MediaKind) []Extension {
	if n.extIDs == nil {
		n.extIDs = map[string]uint16{}
	}
	var out []Extension
	for _, u := range n.pc.cfg.extensions(kind) {
		id, ok := n.extIDs[u]
		if !ok {
			if id = n.freeExtID(); id == 0 {
				continue // no id left in the one-byte form
			}
			n.extIDs[u] = id
		}
		out = append(out, Extension{ID: id, URI: u})
	}
	return out
}

func (n *negotiation) freeExtID() uint16 {
	for id := uint16(1); id <= 14; id++ {
		used := false
		for _, v := range n.extIDs {
			used = used || v == id
		}
		if !used {
			return id
		}
	}
	return 0
}

// answerMedia decides a remote RTP section's answer (RFC 8829 §5.3.1):
// the codecs both sides have with the offerer's payload types, the
// extensions both know with the offerer's ids (the direction is decided
// by rtpMedia when the answer is created). A
// section with no common codec is rejected (and reported, ErrNoCodec).
func (n *negotiation) answerMedia(s *mSection) bool {
	t, r := s.transceiver, s.remote
	local := n.pc.cfg.codecs(t.kind)
	if len(t.preferences) > 0 {
		local = withRTX(t.preferences, local)
	}
	s.answerCodecs = AnswerCodecs(r.codecs, local)
	if !slices.ContainsFunc(s.answerCodecs, func(c Codec) bool { return !isRTXName(c.Name) }) {
		return false
	}
	exts, err := AnswerExtensions(r.exts, n.pc.cfg.extensions(t.kind))
	if err != nil {
		return false
	}
	s.answerExts = exts
	if n.extIDs == nil {
		n.extIDs = map[string]uint16{}
	}
	for _, e := range exts {
		n.extIDs[e.URI] = e.ID
	}
	return true
}

// trackOf returns the remote track a section's a=msid describes (RFC
// 8830 §2; W3C webrtc §5.1 "set the associated remote streams").
func trackOf(t *Transceiver, r *remoteMedia) (*Track, []string) {
	tr := &Track{Kind: t.kind}
	var streams []string
	for _, m := range r.msids {
		if m.StreamID != "-" {
			streams = append(streams, m.StreamID)
		}
		if m.TrackID != "" {
			tr.ID = m.TrackID
		}
	}
	if tr.ID == "" {
		tr.ID = "remote-" + t.mid
	}
	tr.StreamIDs = streams
	return tr, streams
}

// midOf returns an m-section's mid.
func extIDsOf(exts []Extension) extIDs {
	var ids extIDs
	for _, e := range exts {
		if e.ID > 255 {
			continue
		}
		switch strings.TrimSpace(e.URI) {
		case ExtMID:
			ids.mid = uint8(e.ID)
		case ExtRID:
			ids.rid = uint8(e.ID)
		case ExtRepairedRID:
			ids.rrid = uint8(e.ID)
		case ExtTransportWideCC:
			ids.twcc = uint8(e.ID)
		}
	}
	return ids
}
