package rtc

import (
	"strconv"
	"strings"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// applyRemoteSections records a remote offer's m-sections (RFC 8829 §5.10):
// a data section is accepted; an RTP audio/video section gets a transceiver
// and is answered inactive with the offer's first codec, so it stays in the
// BUNDLE group (rejecting the offerer-tagged m-section would move the
// transport, RFC 8843 §7.3.3); other sections are rejected.
func (n *negotiation) applyRemoteSections(sess *sdp.SessionDescription) {
	var secs []*mSection
	dataTaken := false
	_, bundled := sess.BundleGroup()
	for _, m := range sess.Media {
		id := mid(m)
		s := n.sectionByMid(id)
		if s == nil {
			s = &mSection{mid: id, kind: m.Media}
		}
		s.proto, s.formats = m.Proto, m.Formats
		switch {
		case m.Port == 0:
			s.rejected = true
		case m.Media == "application" && !dataTaken:
			s.rejected = false
			dataTaken = true
		case m.Media == "audio" || m.Media == "video":
			n.acceptMedia(s, m)
		default:
			s.rejected = true
		}
		// Without BUNDLE each m-section would need its own transport; only
		// one is supported (max-bundle), so the first accepted one is kept
		// and the others are rejected.
		if !bundled && !s.rejected && anyAccepted(secs) {
			s.reject()
		}
		secs = append(secs, s)
		n.seeMid(id)
	}
	n.sections = secs
}

// acceptMedia gives a remote RTP section a transceiver, answered inactive
// with the offer's first codec until the media part sends and receives
// (issue 13).
func (n *negotiation) acceptMedia(s *mSection, m *sdp.MediaDescription) {
	if s.transceiver == nil {
		kind := MediaKindAudio
		if m.Media == "video" {
			kind = MediaKindVideo
		}
		t := &Transceiver{kind: kind, mid: s.mid, direction: DirectionRecvOnly}
		n.transceivers = append(n.transceivers, t)
		s.transceiver = t
	}
	s.pt, s.codec = firstCodec(m)
	if s.pt == "" || !strings.Contains(m.Proto, "RTP/") {
		s.reject()
		return
	}
	s.rejected = false
	s.transceiver.direction = DirectionInactive
}

// reject rejects the m-section and stops its transceiver.
func (s *mSection) reject() {
	s.rejected = true
	if s.transceiver != nil {
		s.transceiver.stopped = true
		s.transceiver.direction = DirectionStopped
	}
}

func anyAccepted(secs []*mSection) bool {
	for _, s := range secs {
		if !s.rejected {
			return true
		}
	}
	return false
}

// firstCodec returns the first payload type of an RTP m-section and its
// a=rtpmap and a=fmtp values (RFC 8829 §5.3.1: an answer lists codecs the
// offer had).
func firstCodec(m *sdp.MediaDescription) (string, []sdp.AttrValue) {
	if len(m.Formats) == 0 {
		return "", nil
	}
	pt := m.Formats[0]
	var attrs []sdp.AttrValue
	if v, err := strconv.ParseUint(pt, 10, 8); err == nil {
		if rm, ok := m.RTPMap(uint8(v)); ok {
			attrs = append(attrs, rm)
		}
	}
	if f, ok := m.FMTP(pt); ok {
		attrs = append(attrs, f)
	}
	return pt, attrs
}

// markRejected applies an answer's port-zero m-sections. It reports
// whether the data section was rejected: no SCTP association will carry
// the channels then.
func (n *negotiation) markRejected(sess *sdp.SessionDescription) bool {
	dataRejected := false
	for i, m := range sess.Media {
		if i < len(n.sections) && m.Port == 0 {
			n.sections[i].rejected = true
			if t := n.sections[i].transceiver; t != nil {
				t.stopped = true
			}
			dataRejected = dataRejected || n.sections[i].kind == "application"
		}
	}
	n.settleTransceivers()
	return dataRejected
}

// settleTransceivers records the negotiated direction once an exchange
// completes: inactive for every live transceiver until media is composed.
func (n *negotiation) settleTransceivers() {
	for _, s := range n.sections {
		if t := s.transceiver; t != nil && !t.stopped {
			t.currentDirection, t.hasCurrent = DirectionInactive, true
		}
	}
}
