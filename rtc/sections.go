package rtc

import (
	"fmt"
	"slices"
	"strings"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// applyRemoteSections records a remote offer's m-sections (RFC 8829 §5.10):
// a data section is accepted; an RTP audio/video section gets a
// transceiver and is answered with the codecs both sides have; one with no
// common codec is rejected and reported (EventError, ErrNoCodec); other
// sections are rejected.
func (n *negotiation) applyRemoteSections(sess *sdp.SessionDescription, out *sink) {
	var secs []*mSection
	dataTaken := false
	_, bundled := sess.BundleGroup()
	for _, m := range sess.Media {
		id := mid(m)
		s := n.sectionByMid(id)
		if s == nil {
			s = &mSection{mid: id, kind: m.Media}
		}
		// A copy of the formats: m.Formats is a window on the parser's
		// array of every format line of the description (64 or more
		// strings), which the section would otherwise keep alive for the
		// connection's life (about 1 KB, issue 18).
		s.proto, s.formats, s.rtpmaps = m.Proto, slices.Clone(m.Formats), offeredRTPMaps(m)
		switch {
		case m.Port == 0:
			s.reject()
		case m.Media == "application" && !dataTaken:
			s.rejected = false
			dataTaken = true
		case m.Media == "audio" || m.Media == "video":
			n.acceptMedia(s, m, out)
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

// acceptMedia gives a remote RTP section a transceiver (W3C webrtc
// §4.4.1.6: one made by AddTrack without a mid and of the same kind is
// associated, else a recvonly one is created) and decides its answer.
func (n *negotiation) acceptMedia(s *mSection, m *sdp.MediaDescription, out *sink) {
	kind := MediaKindAudio
	if m.Media == "video" {
		kind = MediaKindVideo
	}
	if s.transceiver == nil {
		s.transceiver = n.unassociated(kind)
	}
	if s.transceiver == nil {
		t := newTransceiver(n.pc, kind, DirectionRecvOnly)
		n.transceivers = append(n.transceivers, t)
		s.transceiver = t
	}
	s.transceiver.mid, s.transceiver.midBytes = s.mid, []byte(s.mid)
	s.remote = parseRemoteMedia(m)
	if !strings.Contains(m.Proto, "RTP/") || !n.answerMedia(s) {
		out.emitError("media", fmt.Errorf("%w: m-section %q offers no codec we support", ErrNoCodec, s.mid))
		s.reject()
		return
	}
	s.rejected = false
}

// unassociated returns a transceiver AddTrack made that has no mid yet.
func (n *negotiation) unassociated(kind MediaKind) *Transceiver {
	for _, t := range n.transceivers {
		if t.kind == kind && t.mid == "" && !t.stopped && !t.stopping && t.sender.track != nil {
			return t
		}
	}
	return nil
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
	return dataRejected
}
