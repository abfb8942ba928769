package rtc

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// SDPType is the type of a session description (W3C RTCSdpType).
type SDPType uint8

// Description types. The zero value means "implicit" for SetLocalDescription
// (W3C setLocalDescription() without an argument).
const (
	SDPTypeNone SDPType = iota
	SDPTypeOffer
	SDPTypePranswer
	SDPTypeAnswer
	SDPTypeRollback
)

// String returns the W3C name.
func (t SDPType) String() string {
	return [...]string{"", "offer", "pranswer", "answer", "rollback", "unknown"}[min(int(t), 5)]
}

// ParseSDPType parses "offer", "pranswer", "answer" or "rollback".
func ParseSDPType(s string) (SDPType, error) {
	switch s {
	case "offer":
		return SDPTypeOffer, nil
	case "pranswer":
		return SDPTypePranswer, nil
	case "answer":
		return SDPTypeAnswer, nil
	case "rollback":
		return SDPTypeRollback, nil
	}
	return SDPTypeNone, fmt.Errorf("%w: unknown description type %q", ErrInvalidSDP, s)
}

// SessionDescription is an offer or answer (W3C RTCSessionDescriptionInit).
type SessionDescription struct {
	Type SDPType
	SDP  string
}

// localDesc is a local description as CreateOffer/CreateAnswer built it,
// with the candidates kept apart so that LocalDescription can show the
// candidates gathered so far (RFC 8829 §4.1.9).
type localDesc struct {
	typ    SDPType
	sd     *sdp.SessionDescription // without candidates; never modified
	text   string                  // sd marshalled: what was returned
	tagged int                     // the m-section candidates go in; -1 if none
	setup  sdp.Setup               // the a=setup in it
}

// render the description with the current local candidates.
func (pc *PeerConnection) render(d *localDesc) SessionDescription {
	if d == nil {
		return SessionDescription{}
	}
	complete := pc.iceGatheringState == ICEGatheringComplete
	if d.tagged < 0 || len(pc.localCandidates) == 0 && !complete {
		return SessionDescription{Type: d.typ, SDP: d.text}
	}
	sd := d.sd.Clone()
	md := sd.Media[d.tagged]
	for _, c := range pc.localCandidates {
		md.AddAttr(sdp.AttrCandidate, strings.TrimPrefix(c, "candidate:"))
	}
	if complete {
		md.AddFlag(sdp.AttrEndOfCandidates) // RFC 8840 §8.2
	}
	text, err := sd.Marshal()
	if err != nil {
		// Only our own candidates were added to a description that
		// marshalled; a candidate the grammar refuses is left out.
		return SessionDescription{Type: d.typ, SDP: d.text}
	}
	return SessionDescription{Type: d.typ, SDP: string(text)}
}

func (pc *PeerConnection) sectionByMid(mid string) *mSection {
	for _, s := range pc.sections {
		if s.mid == mid {
			return s
		}
	}
	return nil
}

func (pc *PeerConnection) dataSection() *mSection {
	for _, s := range pc.sections {
		if s.kind == "application" && !s.rejected {
			return s
		}
	}
	return nil
}

// CreateOffer returns an offer (RFC 8829 §5.2). It contains an
// m=application section once a data channel exists, and one m-section per
// transceiver, all in one BUNDLE group (max-bundle). Apply it with
// SetLocalDescription.
func (pc *PeerConnection) CreateOffer() (SessionDescription, error) {
	if pc.closed {
		return SessionDescription{}, ErrClosed
	}
	// RFC 8829 §5.2.2: existing m-sections keep their order; new ones are appended.
	sections := append([]*mSection(nil), pc.sections...)
	taken := map[string]bool{}
	for _, s := range sections {
		taken[s.mid] = true
	}
	newMid := func() string {
		for i := pc.midCounter; ; i++ {
			m := strconv.Itoa(i)
			if !taken[m] {
				taken[m] = true
				return m
			}
		}
	}
	hasData := false
	for _, s := range sections {
		if s.kind == "application" && !s.rejected {
			hasData = true
		}
	}
	for _, t := range pc.transceivers {
		if t.mid == "" && !t.stopped {
			sections = append(sections, &mSection{mid: newMid(), kind: t.kind.String(), transceiver: t})
		}
	}
	if !hasData && pc.wantData {
		sections = append(sections, &mSection{mid: newMid(), kind: "application"})
	}
	setup := sdp.SetupActpass
	if pc.dtlsRoleKnown {
		// RFC 8842 §5.5: a subsequent offer keeps the established role.
		setup = setupFor(pc.dtlsClient)
	}
	d, err := pc.buildSDP(SDPTypeOffer, sections, setup)
	if err != nil {
		return SessionDescription{}, err
	}
	pc.offerSections = sections
	pc.lastOffer = d
	return SessionDescription{Type: SDPTypeOffer, SDP: d.text}, nil
}

// CreateAnswer returns an answer to the remote offer (RFC 8829 §5.3): the
// data section is accepted, media sections are rejected (port 0) for now.
func (pc *PeerConnection) CreateAnswer() (SessionDescription, error) {
	if pc.closed {
		return SessionDescription{}, ErrClosed
	}
	if pc.signalingState != SignalingHaveRemoteOffer && pc.signalingState != SignalingHaveLocalPranswer {
		return SessionDescription{}, fmt.Errorf("%w: CreateAnswer in %v", ErrInvalidState, pc.signalingState)
	}
	pc.answering = true
	d, err := pc.buildSDP(SDPTypeAnswer, pc.sections, pc.answerSetup())
	pc.answering = false
	if err != nil {
		return SessionDescription{}, err
	}
	pc.lastAnswer = d
	return SessionDescription{Type: SDPTypeAnswer, SDP: d.text}, nil
}

// buildSDP builds a local description of sections (RFC 8829 §5.2.1,
// §5.3.1). Every accepted m-section carries the one transport's ICE and
// DTLS parameters; candidates go into the first (the tagged one) when the
// description is rendered.
func (pc *PeerConnection) buildSDP(typ SDPType, sections []*mSection, setup sdp.Setup) (*localDesc, error) {
	pc.sessionVersion++
	sd := sdp.NewSession(pc.sessionID, pc.sessionVersion)
	var bundle []string
	for _, s := range sections {
		if !s.rejected {
			bundle = append(bundle, s.mid)
		}
	}
	// RFC 8843 §7.3: an answerer only groups what the offer grouped.
	if len(bundle) > 0 && (!pc.answering || pc.remoteBundle) {
		// RFC 8843 §7: one BUNDLE group; max-bundle puts every m-section in it.
		sd.Attributes.AddValue(sdp.Group{Semantics: "BUNDLE", MIDs: bundle})
	}
	sd.Attributes.AddValue(sdp.MSIDSemantic{Semantic: "WMS"})
	if pc.cfg.ICELite {
		sd.Attributes.AddFlag(sdp.AttrICELite)
	}
	d := &localDesc{typ: typ, sd: sd, tagged: -1, setup: setup}
	for _, s := range sections {
		if s.rejected {
			sd.AddMedia(rejectedMedia(s))
			continue
		}
		var md *sdp.MediaDescription
		if s.kind == "application" {
			md = sdp.NewMedia("application", 9, "UDP/DTLS/SCTP", "webrtc-datachannel")
		} else if s.pt != "" {
			md = sdp.NewMedia(s.kind, 9, "UDP/TLS/RTP/SAVPF", s.pt)
		} else {
			md = sdp.NewMedia(s.kind, 9, "UDP/TLS/RTP/SAVPF") // AddCodec below adds the format
		}
		md.WithDiscardConnection() // RFC 8829 §5.2.1: port 9, c=IN IP4 0.0.0.0
		md.AddAttr(sdp.AttrICEUfrag, pc.localUfrag).AddAttr(sdp.AttrICEPwd, pc.localPwd)
		md.Add(sdp.ICEOptions{"trickle"})
		md.Add(sdp.NewFingerprint(pc.fingerprint.Algorithm, pc.fingerprint.Value))
		md.Add(setup).AddAttr(sdp.AttrMID, s.mid)
		if s.kind == "application" {
			// RFC 8841 §5.1, §6.1.
			md.AddAttr(sdp.AttrSCTPPort, strconv.Itoa(int(pc.cfg.sctpPort())))
			md.AddAttr(sdp.AttrMaxMessageSize, strconv.Itoa(pc.cfg.maxMessageSize()))
		} else {
			// TODO(media): codecs come with rtc-rtp/rtc-media; until then a
			// local media section is offered inactive with a placeholder
			// Opus/VP8 payload type so the description stays well formed.
			md.SetDirection(sdp.DirectionInactive).AddFlag(sdp.AttrRTCPMux)
			if s.pt != "" {
				for _, v := range s.codec {
					md.Add(v)
				}
			} else {
				md.AddCodec(mediaPlaceholder(s.kind))
			}
		}
		if d.tagged < 0 {
			d.tagged = len(sd.Media)
		}
		sd.AddMedia(md)
	}
	// rtc-sdp refuses to write a value its field's grammar does not allow
	// (issue 11: no remote bytes in our SDP unvalidated).
	text, err := sd.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	d.text = string(text)
	return d, nil
}

// rejectedMedia is a rejected m-section (RFC 8829 §5.3.1: port zero, the
// offer's protocol and formats, the mid kept).
func rejectedMedia(s *mSection) *sdp.MediaDescription {
	proto := s.proto
	if proto == "" {
		proto = "UDP/TLS/RTP/SAVPF"
	}
	fmts := s.formats
	if len(fmts) == 0 {
		fmts = []string{"0"}
	}
	md := sdp.NewMedia(s.kind, 0, proto, fmts...).WithDiscardConnection()
	return md.AddAttr(sdp.AttrMID, s.mid).SetDirection(sdp.DirectionInactive)
}

// randUint64 draws a session id from the configured source (RFC 8866 §5.2:
// a numeric session id; JSEP §5.2.1 wants it below 2^63).
func (pc *PeerConnection) randUint64() uint64 {
	var b [8]byte
	if _, err := pc.cfg.rand().Read(b[:]); err != nil {
		return 1
	}
	return binary.BigEndian.Uint64(b[:]) >> 1
}

// mediaPlaceholder is the codec a local media section is offered with
// until media is composed.
func mediaPlaceholder(kind string) sdp.Codec {
	if kind == "video" {
		return sdp.Codec{PayloadType: 96, Name: "VP8", ClockRate: 90000}
	}
	return sdp.Codec{PayloadType: 111, Name: "opus", ClockRate: 48000, Channels: 2}
}
