package rtc

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
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

// candidatesMarker is where the tagged m-section's candidates go when a
// local description is rendered.
const candidatesMarker = "a=x-sansrtc-candidates\r\n"

// localDesc is a local description with its candidates kept apart so that
// LocalDescription can show the candidates gathered so far (RFC 8829 §4.1.9).
type localDesc struct {
	typ      SDPType
	template string // the SDP with candidatesMarker in the tagged section
	setup    string // a=setup we put in it
}

// render the template with the current local candidates.
func (pc *PeerConnection) render(d *localDesc) SessionDescription {
	if d == nil {
		return SessionDescription{}
	}
	var sb strings.Builder
	for _, c := range pc.localCandidates {
		sb.WriteString("a=")
		sb.WriteString(c)
		sb.WriteString("\r\n")
	}
	if pc.iceGatheringState == ICEGatheringComplete {
		sb.WriteString("a=end-of-candidates\r\n")
	}
	return SessionDescription{Type: d.typ, SDP: strings.Replace(d.template, candidatesMarker, sb.String(), 1)}
}

// nextMid returns an unused mid. Mids are small integers as browsers use.
func (pc *PeerConnection) nextMid() string {
	for {
		m := strconv.Itoa(pc.midCounter)
		pc.midCounter++
		if pc.sectionByMid(m) == nil {
			return m
		}
	}
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
	mid := func() string {
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
			sections = append(sections, &mSection{mid: mid(), kind: t.kind.String(), transceiver: t})
		}
	}
	if !hasData && pc.wantData {
		sections = append(sections, &mSection{mid: mid(), kind: "application"})
	}
	setup := "actpass"
	if pc.dtlsRoleKnown {
		// RFC 8842 §5.5: a subsequent offer keeps the established role.
		setup = map[bool]string{true: "active", false: "passive"}[pc.dtlsClient]
	}
	sdp := pc.writeSDP(sections, setup)
	pc.offerSections = sections
	pc.lastOffer = sdp
	return SessionDescription{Type: SDPTypeOffer, SDP: strings.Replace(sdp, candidatesMarker, "", 1)}, nil
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
	// RFC 8842 §5.2: "the answerer MUST use either 'active' or 'passive'";
	// against actpass we take active (DTLS client), as browsers do.
	setup := "active"
	switch pc.remoteSetup {
	case "active":
		setup = "passive"
	case "passive":
		setup = "active"
	}
	if pc.dtlsRoleKnown {
		setup = map[bool]string{true: "active", false: "passive"}[pc.dtlsClient]
	}
	pc.answering = true
	sdp := pc.writeSDP(pc.sections, setup)
	pc.answering = false
	pc.lastAnswer = sdp
	return SessionDescription{Type: SDPTypeAnswer, SDP: strings.Replace(sdp, candidatesMarker, "", 1)}, nil
}

// writeSDP renders sections. Candidates go where candidatesMarker is.
func (pc *PeerConnection) writeSDP(sections []*mSection, setup string) string {
	var b strings.Builder
	pc.sessionVersion++
	fmt.Fprintf(&b, "v=0\r\no=- %d %d IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", pc.sessionID, pc.sessionVersion)
	var bundle []string
	for _, s := range sections {
		if !s.rejected {
			bundle = append(bundle, s.mid)
		}
	}
	// RFC 8843 §7.3: an answerer only groups what the offer grouped.
	if len(bundle) > 0 && (!pc.answering || pc.remoteBundle) {
		// RFC 8843 §7: one BUNDLE group; max-bundle puts every m-section in it.
		b.WriteString("a=group:BUNDLE " + strings.Join(bundle, " ") + "\r\n")
	}
	b.WriteString("a=msid-semantic: WMS\r\n")
	if pc.cfg.ICELite {
		b.WriteString("a=ice-lite\r\n")
	}
	tagged := true
	for _, s := range sections {
		if s.rejected {
			proto := s.proto
			if proto == "" {
				proto = "UDP/TLS/RTP/SAVPF"
			}
			fmts := strings.Join(s.formats, " ")
			if fmts == "" {
				fmts = "0"
			}
			// RFC 8829 §5.3.1: a rejected m-section has port zero.
			fmt.Fprintf(&b, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\n", s.kind, proto, fmts, s.mid)
			continue
		}
		switch s.kind {
		case "application":
			b.WriteString("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n")
		default:
			// TODO(media): codecs come with rtc-rtp/rtc-media; until then a
			// local media section is offered inactive with a placeholder
			// Opus/VP8 payload type so the description stays well formed.
			pt, _ := mediaPlaceholder(s.kind)
			if s.pt != "" {
				pt = s.pt
			}
			fmt.Fprintf(&b, "m=%s 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\n", s.kind, pt)
		}
		fmt.Fprintf(&b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n", pc.localUfrag, pc.localPwd)
		fmt.Fprintf(&b, "a=fingerprint:%s\r\na=setup:%s\r\na=mid:%s\r\n", pc.fingerprint, setup, s.mid)
		if s.kind == "application" {
			fmt.Fprintf(&b, "a=sctp-port:%d\r\na=max-message-size:%d\r\n", pc.cfg.sctpPort(), pc.cfg.maxMessageSize())
		} else {
			b.WriteString("a=inactive\r\na=rtcp-mux\r\n")
			if s.pt != "" {
				for _, l := range s.codecLines {
					b.WriteString("a=" + l + "\r\n")
				}
			} else {
				_, rtpmap := mediaPlaceholder(s.kind)
				b.WriteString("a=rtpmap:" + rtpmap + "\r\n")
			}
		}
		if tagged {
			b.WriteString(candidatesMarker)
			tagged = false
		}
	}
	return b.String()
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

// randString draws n characters from the ice-char set (RFC 8839 §5.4).
func (pc *PeerConnection) randString(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	if _, err := pc.cfg.rand().Read(b); err != nil {
		return strings.Repeat("a", n)
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

func mediaPlaceholder(kind string) (pt, rtpmap string) {
	if kind == "video" {
		return "96", "96 VP8/90000"
	}
	return "111", "111 opus/48000/2"
}
