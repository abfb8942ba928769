package rtc

import (
	"encoding/binary"
	"fmt"
	"io"
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
	typ SDPType
	// sd is the parsed description, without candidates, never modified;
	// nil once the exchange is settled (dropSession): session parses text
	// again for the rare reader after that.
	sd     *sdp.SessionDescription
	text   string    // sd marshalled: what was returned
	tagged int       // the m-section candidates go in; -1 if none
	setup  sdp.Setup // the a=setup in it
}

// session returns the parsed description: sd, or text parsed again once sd
// was let go (dropSession). text is what sd marshalled to, so it parses to
// the same description; should it not, nil (a caller then sees no
// m-sections rather than a wrong one).
func (d *localDesc) session() *sdp.SessionDescription {
	if d.sd != nil {
		return d.sd
	}
	cfg := sdp.Config{MaxSize: len(d.text) + 1}
	sd, err := cfg.Parse(d.text)
	if err != nil {
		return nil
	}
	return sd
}

// dropSession lets the parsed description go (about 1.2 KB for a data-only
// PeerConnection, issue 18): once the exchange is settled, only
// LocalDescription with candidates, a rollback and a renegotiation's
// settling read it again, and they parse text (session).
func (d *localDesc) dropSession() {
	if d != nil {
		d.sd = nil
	}
}

// render the description with the local candidates gathered so far
// (RFC 8829 §4.1.9); complete adds a=end-of-candidates (RFC 8840 §8.2).
func render(d *localDesc, cands []string, complete bool) SessionDescription {
	if d == nil {
		return SessionDescription{}
	}
	if d.tagged < 0 || len(cands) == 0 && !complete {
		return SessionDescription{Type: d.typ, SDP: d.text}
	}
	parsed := d.session()
	if parsed == nil || d.tagged >= len(parsed.Media) {
		return SessionDescription{Type: d.typ, SDP: d.text}
	}
	sd := parsed.Clone()
	md := sd.Media[d.tagged]
	for _, c := range cands {
		md.AddAttr(sdp.AttrCandidate, strings.TrimPrefix(c, "candidate:"))
	}
	if complete {
		md.AddFlag(sdp.AttrEndOfCandidates)
	}
	text, err := sd.Marshal()
	if err != nil {
		// Only our own candidates were added to a description that
		// marshalled; a candidate the grammar refuses is left out.
		return SessionDescription{Type: d.typ, SDP: d.text}
	}
	return SessionDescription{Type: d.typ, SDP: string(text)}
}

// localParams returns the transport parameters a local description carries.
func (pc *PeerConnection) localParams() localParams {
	return localParams{ufrag: pc.tr.localUfrag, pwd: pc.tr.localPwd, fingerprint: pc.tr.fingerprint,
		lite: pc.cfg.ICELite, sctpPort: pc.cfg.sctpPort(), maxMessage: pc.cfg.maxMessageSize()}
}

// CreateOffer returns an offer (RFC 8829 §5.2). It contains an
// m=application section once a data channel exists, and one m-section per
// transceiver, all in one BUNDLE group (max-bundle). Apply it with
// SetLocalDescription.
func (pc *PeerConnection) CreateOffer() (SessionDescription, error) {
	if pc.closed {
		return SessionDescription{}, ErrClosed
	}
	return pc.neg.createOffer(pc.localParams())
}

// CreateAnswer returns an answer to the remote offer (RFC 8829 §5.3): the
// data section is accepted, media sections are answered inactive for now.
func (pc *PeerConnection) CreateAnswer() (SessionDescription, error) {
	if pc.closed {
		return SessionDescription{}, ErrClosed
	}
	if pc.neg.state != SignalingHaveRemoteOffer && pc.neg.state != SignalingHaveLocalPranswer {
		return SessionDescription{}, fmt.Errorf("%w: CreateAnswer in %v", ErrInvalidState, pc.neg.state)
	}
	d, err := pc.neg.buildSDP(SDPTypeAnswer, pc.neg.sections, pc.neg.answerSetup(), pc.localParams())
	if err != nil {
		return SessionDescription{}, err
	}
	pc.neg.lastAnswer = d
	return SessionDescription{Type: SDPTypeAnswer, SDP: d.text}, nil
}

// createOffer builds an offer: existing m-sections keep their order and
// new ones are appended (RFC 8829 §5.2.2).
func (n *negotiation) createOffer(local localParams) (SessionDescription, error) {
	sections := append([]*mSection(nil), n.sections...)
	taken := map[string]bool{}
	hasData := false
	for _, s := range sections {
		taken[s.mid] = true
		hasData = hasData || s.kind == "application" && !s.rejected
	}
	newMid := func() string {
		for i := n.midCounter; ; i++ {
			if m := strconv.Itoa(i); !taken[m] {
				taken[m] = true
				return m
			}
		}
	}
	for i, s := range sections {
		if t := s.transceiver; t != nil && t.stopping && !s.rejected {
			c := *s // RFC 8829 §5.2.2: a stopped transceiver's section is rejected
			c.rejected = true
			sections[i] = &c
		}
	}
	for _, t := range n.transceivers {
		if t.mid == "" && !t.stopped && !t.stopping {
			sections = n.placeSection(sections, &mSection{mid: newMid(), kind: t.kind.String(), transceiver: t})
		}
	}
	if !hasData && n.wantData {
		sections = append(sections, &mSection{mid: newMid(), kind: "application"})
	}
	setup := sdp.SetupActpass
	if n.roleKnown {
		// RFC 8842 §5.5: a subsequent offer keeps the established role.
		setup = setupFor(n.client)
	}
	d, err := n.buildSDP(SDPTypeOffer, sections, setup, local)
	if err != nil {
		return SessionDescription{}, err
	}
	n.offerSections = sections
	n.lastOffer = d
	return SessionDescription{Type: SDPTypeOffer, SDP: d.text}, nil
}

// placeSection puts a new m-section in the slot of a rejected one whose
// transceiver is stopped (recycling, RFC 8829 §5.2.2), else at the end.
func (n *negotiation) placeSection(sections []*mSection, s *mSection) []*mSection {
	for i, old := range sections {
		if old.rejected && old.kind != "application" && (old.transceiver == nil || old.transceiver.stopped) &&
			!n.inCurrentOffer(old) {
			sections[i] = s
			return sections
		}
	}
	return append(sections, s)
}

// inCurrentOffer reports whether a rejected section was rejected only in
// the offer being built (its slot is recycled in a later offer, after the
// rejection was negotiated).
func (n *negotiation) inCurrentOffer(s *mSection) bool {
	return s.transceiver != nil && s.transceiver.stopping
}

// buildSDP builds a local description of sections (RFC 8829 §5.2.1,
// §5.3.1). Every accepted m-section carries the one transport's ICE and
// DTLS parameters; candidates go into the first (the tagged one) when the
// description is rendered.
func (n *negotiation) buildSDP(typ SDPType, sections []*mSection, setup sdp.Setup, local localParams) (*localDesc, error) {
	n.sessionVersion++
	sd := sdp.NewSession(n.sessionID, n.sessionVersion)
	var bundle []string
	for _, s := range sections {
		if !s.rejected {
			bundle = append(bundle, s.mid)
		}
	}
	// RFC 8843 §7: one BUNDLE group; max-bundle puts every m-section in
	// it. §7.3: an answerer only groups what the offer grouped.
	if len(bundle) > 0 && (typ == SDPTypeOffer || n.remoteBundle) {
		sd.Attributes.AddValue(sdp.Group{Semantics: "BUNDLE", MIDs: bundle})
	}
	sd.Attributes.AddValue(sdp.MSIDSemantic{Semantic: "WMS"})
	if local.lite {
		sd.Attributes.AddFlag(sdp.AttrICELite)
	}
	d := &localDesc{typ: typ, sd: sd, tagged: -1, setup: setup}
	for _, s := range sections {
		if s.rejected {
			sd.AddMedia(rejectedMedia(s))
			continue
		}
		if d.tagged < 0 {
			d.tagged = len(sd.Media)
		}
		sd.AddMedia(n.acceptedMedia(s, setup, local, typ))
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

// acceptedMedia is an accepted m-section with the transport's ICE and
// DTLS parameters (RFC 8829 §5.2.1: port 9, c=IN IP4 0.0.0.0).
func (n *negotiation) acceptedMedia(s *mSection, setup sdp.Setup, local localParams, typ SDPType) *sdp.MediaDescription {
	var md *sdp.MediaDescription
	switch {
	case s.kind == "application":
		md = sdp.NewMedia("application", 9, "UDP/DTLS/SCTP", "webrtc-datachannel")
	default:
		md = sdp.NewMedia(s.kind, 9, "UDP/TLS/RTP/SAVPF") // AddCodec adds the formats
	}
	md.WithDiscardConnection()
	md.AddAttr(sdp.AttrICEUfrag, local.ufrag).AddAttr(sdp.AttrICEPwd, local.pwd)
	md.Add(sdp.ICEOptions{"trickle"})
	md.Add(sdp.NewFingerprint(local.fingerprint.Algorithm, local.fingerprint.Value))
	md.Add(setup).AddAttr(sdp.AttrMID, s.mid)
	if s.kind == "application" {
		// RFC 8841 §5.1, §6.1.
		md.AddAttr(sdp.AttrSCTPPort, strconv.Itoa(int(local.sctpPort)))
		md.AddAttr(sdp.AttrMaxMessageSize, strconv.Itoa(local.maxMessage))
		return md
	}
	n.rtpMedia(md, s, typ)
	return md
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
	md.AddAttr(sdp.AttrMID, s.mid).SetDirection(sdp.DirectionInactive)
	rejectedRTPMaps(md, s)
	return md
}

// randUint64 draws a session id from r (RFC 8866 §5.2: a numeric session
// id; JSEP §5.2.1 wants it below 2^63).
func randUint64(r io.Reader) uint64 {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 1
	}
	return binary.BigEndian.Uint64(b[:]) >> 1
}
