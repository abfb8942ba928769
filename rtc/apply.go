package rtc

import (
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// SetLocalDescription applies a local offer, answer, pranswer or rollback
// (RFC 8829 §5.4, W3C setLocalDescription). A zero Type creates and applies
// the right one for the current state (W3C setLocalDescription()). The SDP
// must be the one CreateOffer/CreateAnswer returned (munging is not
// supported; an empty SDP means "the last created").
func (pc *PeerConnection) SetLocalDescription(desc SessionDescription) error {
	if pc.closed {
		return ErrClosed
	}
	if desc.Type == SDPTypeNone {
		var err error
		if pc.signalingState == SignalingHaveRemoteOffer || pc.signalingState == SignalingHaveLocalPranswer {
			desc, err = pc.CreateAnswer()
		} else {
			desc, err = pc.CreateOffer()
		}
		if err != nil {
			return err
		}
	}
	switch desc.Type {
	case SDPTypeRollback:
		return pc.rollback()
	case SDPTypeOffer:
		if pc.signalingState != SignalingStable && pc.signalingState != SignalingHaveLocalOffer {
			return fmt.Errorf("%w: local offer in %v", ErrInvalidState, pc.signalingState)
		}
		if pc.lastOffer == nil {
			return fmt.Errorf("%w: SetLocalDescription(offer) without CreateOffer", ErrInvalidState)
		}
		if desc.SDP != "" && strings.TrimSpace(desc.SDP) != strings.TrimSpace(pc.lastOffer.text) {
			return fmt.Errorf("%w: the offer differs from the last CreateOffer (SDP munging is not supported)", ErrUnsupported)
		}
		// Commit the m-sections the offer introduced (RFC 8829 §5.4 step 3).
		for _, s := range pc.offerSections {
			if s.transceiver != nil && s.transceiver.mid == "" {
				s.transceiver.mid = s.mid
			}
			if n, err := strconv.Atoi(s.mid); err == nil && n >= pc.midCounter {
				pc.midCounter = n + 1
			}
		}
		pc.sections = pc.offerSections
		pc.pendingLocal = pc.lastOffer
		pc.everOffered = true
		pc.setSignalingState(SignalingHaveLocalOffer)
	case SDPTypeAnswer, SDPTypePranswer:
		if pc.signalingState != SignalingHaveRemoteOffer && pc.signalingState != SignalingHaveLocalPranswer {
			return fmt.Errorf("%w: local %v in %v", ErrInvalidState, desc.Type, pc.signalingState)
		}
		if pc.lastAnswer == nil {
			return fmt.Errorf("%w: SetLocalDescription(answer) without CreateAnswer", ErrInvalidState)
		}
		if desc.SDP != "" && strings.TrimSpace(desc.SDP) != strings.TrimSpace(pc.lastAnswer.text) {
			return fmt.Errorf("%w: the answer differs from the last CreateAnswer (SDP munging is not supported)", ErrUnsupported)
		}
		ld := *pc.lastAnswer
		ld.typ = desc.Type
		// RFC 8842 §5.3: the answerer's a=setup fixes the DTLS role.
		pc.dtlsClient = ld.setup == sdp.SetupActive
		pc.dtlsRoleKnown = true
		if desc.Type == SDPTypePranswer {
			pc.pendingLocal = &ld
			pc.setSignalingState(SignalingHaveLocalPranswer)
		} else {
			pc.currentLocal, pc.pendingLocal = &ld, nil
			pc.currentRemote, pc.pendingRemote = pc.pendingRemote, nil
			pc.beforeRemoteOffer = savedNegotiation{}
			pc.settleTransceivers()
			pc.setSignalingState(SignalingStable)
		}
	default:
		return fmt.Errorf("%w: type %v", ErrInvalidSDP, desc.Type)
	}
	pc.startICE()
	if pc.signalingState == SignalingStable || pc.signalingState == SignalingHaveLocalPranswer {
		pc.transport.start(pc)
	}
	pc.drainAll()
	return nil
}

// answerSetup returns the a=setup of a local answer. RFC 8842 §5.2: "the
// answerer MUST use either 'active' or 'passive'"; against actpass we take
// active (DTLS client), as browsers do.
func (pc *PeerConnection) answerSetup() sdp.Setup {
	if pc.dtlsRoleKnown {
		return setupFor(pc.dtlsClient)
	}
	if pc.remoteSetup == sdp.SetupActive {
		return sdp.SetupPassive
	}
	return sdp.SetupActive
}

// startICE starts gathering at the first SetLocalDescription (RFC 8829
// §5.4: "begin gathering") and sets the ICE role.
func (pc *PeerConnection) startICE() {
	if pc.iceStarted {
		return
	}
	pc.iceStarted = true
	// RFC 8445 §6.1.1: the offerer is controlling, unless it is lite and
	// the peer is full.
	role := ice.RoleControlled
	if pc.everOffered && !pc.cfg.ICELite {
		role = ice.RoleControlling
	}
	pc.ice.SetRole(role)
	pc.ice.EndOfLocalAddresses()
	pc.timeouts.mark(layerICE)
	pc.drainICE()
}

// SetRemoteDescription applies a remote offer, answer, pranswer or rollback
// (RFC 8829 §5.5, W3C setRemoteDescription). The description is parsed and
// validated before anything changes: on error the PeerConnection is as it was.
// A remote offer in have-local-offer rolls the local offer back first (W3C
// §4.4.1.6 implicit rollback, "perfect negotiation").
func (pc *PeerConnection) SetRemoteDescription(desc SessionDescription) error {
	if pc.closed {
		return ErrClosed
	}
	if desc.Type == SDPTypeRollback {
		return pc.rollback()
	}
	switch desc.Type {
	case SDPTypeOffer:
		switch pc.signalingState {
		case SignalingStable, SignalingHaveRemoteOffer:
		case SignalingHaveLocalOffer:
		default:
			return fmt.Errorf("%w: remote offer in %v", ErrInvalidState, pc.signalingState)
		}
	case SDPTypeAnswer, SDPTypePranswer:
		if pc.signalingState != SignalingHaveLocalOffer && pc.signalingState != SignalingHaveRemotePranswer {
			return fmt.Errorf("%w: remote %v in %v", ErrInvalidState, desc.Type, pc.signalingState)
		}
	default:
		return fmt.Errorf("%w: type %v", ErrInvalidSDP, desc.Type)
	}
	sess, err := parseSDP(desc.SDP, pc.cfg.maxSDPSize())
	if err != nil {
		return err
	}
	rp, err := pc.validateRemote(sess, desc.Type)
	if err != nil {
		return err
	}
	if desc.Type == SDPTypeOffer && pc.signalingState == SignalingHaveLocalOffer {
		if err := pc.rollback(); err != nil {
			return err
		}
	}
	// Commit.
	d := desc
	switch desc.Type {
	case SDPTypeOffer:
		_, pc.remoteBundle = sess.BundleGroup()
		if pc.signalingState != SignalingHaveRemoteOffer {
			// A second remote offer replaces the first: a rollback
			// still returns to the stable state before both.
			pc.beforeRemoteOffer = pc.saveNegotiation()
		}
		pc.applyRemoteSections(sess)
		pc.pendingRemote = &d
		pc.lastAnswer = nil // an answer created for an earlier offer answers other m-sections
	case SDPTypePranswer:
		pc.pendingRemote = &d
	case SDPTypeAnswer:
		pc.markRejected(sess)
		pc.currentRemote, pc.pendingRemote = &d, nil
		pc.currentLocal, pc.pendingLocal = pc.pendingLocal, nil
	}
	pc.remoteSetup = rp.setup
	pc.remoteFingerprints = rp.fingerprints
	pc.remoteSCTPPort = rp.sctpPort
	pc.remoteMaxMessage = rp.maxMessage
	if desc.Type != SDPTypeOffer {
		// RFC 8842 §5.3: the answer's a=setup fixes the roles.
		pc.dtlsClient = rp.setup == sdp.SetupPassive
		pc.dtlsRoleKnown = true
	}
	if rp.lite && !pc.cfg.ICELite {
		pc.ice.SetRole(ice.RoleControlling)
	}
	if err := pc.ice.SetRemoteCredentials(rp.ufrag, rp.pwd); err != nil {
		return layerErr("ice", err)
	}
	pc.remoteUfrag = rp.ufrag
	for _, c := range rp.candidates {
		if pc.remoteCands >= pc.cfg.maxRemoteCandidates() {
			break
		}
		if err := pc.ice.AddRemoteCandidate(c); err == nil {
			pc.remoteCands++
		}
	}
	if rp.endOfCandidates {
		pc.ice.EndOfRemoteCandidates()
	}
	pc.timeouts.mark(layerICE)
	switch desc.Type {
	case SDPTypeOffer:
		pc.setSignalingState(SignalingHaveRemoteOffer)
	case SDPTypePranswer:
		pc.setSignalingState(SignalingHaveRemotePranswer)
		pc.transport.start(pc)
	case SDPTypeAnswer:
		pc.setSignalingState(SignalingStable)
		pc.transport.start(pc)
	}
	pc.drainICE()
	pc.drainAll()
	return pc.takeErr()
}

// remoteParams is what a remote description says about the one transport.
type remoteParams struct {
	ufrag, pwd      string
	fingerprints    []dtls.Fingerprint
	setup           sdp.Setup
	sctpPort        uint16
	maxMessage      int // -1 absent
	candidates      []ice.Candidate
	endOfCandidates bool
	lite            bool
}

// validateRemote checks that a description can be applied (W3C
// OperationError otherwise) and extracts the transport parameters from the
// BUNDLE-tagged m-section.
func (pc *PeerConnection) validateRemote(sess *sdp.SessionDescription, typ SDPType) (remoteParams, error) {
	var rp remoteParams
	if len(sess.Media) == 0 {
		return rp, fmt.Errorf("%w: no m-sections", ErrUnsupported)
	}
	if typ != SDPTypeOffer {
		// RFC 8829 §5.10: an answer has the offer's m-sections, in order.
		if len(sess.Media) != len(pc.sections) {
			return rp, fmt.Errorf("%w: answer has %d m-sections, the offer %d", ErrUnsupported, len(sess.Media), len(pc.sections))
		}
		for i, m := range sess.Media {
			if id := mid(m); id != "" && id != pc.sections[i].mid {
				return rp, fmt.Errorf("%w: answer m-section %d has mid %q, offered %q", ErrUnsupported, i, id, pc.sections[i].mid)
			}
		}
	}
	seen := map[string]bool{}
	for i, m := range sess.Media {
		id := mid(m)
		if id == "" {
			return rp, fmt.Errorf("%w: m-section %d has no a=mid (RFC 8843 requires one)", ErrUnsupported, i)
		}
		if seen[id] {
			return rp, fmt.Errorf("%w: duplicate mid %q", ErrUnsupported, id)
		}
		seen[id] = true
		if typ == SDPTypeOffer && i < len(pc.sections) && pc.currentRemote != nil && pc.sections[i].mid != id {
			return rp, fmt.Errorf("%w: m-section %d changed mid", ErrUnsupported, i)
		}
	}
	tag := bundleTag(sess)
	if tag == nil {
		return rp, fmt.Errorf("%w: every m-section is rejected", ErrUnsupported)
	}
	// RFC 8839 §5.4, RFC 8122 §5: media level first, else session level.
	ufrag, pwd, _ := sess.ICECredentials(tag)
	if ufrag == "" || pwd == "" {
		return rp, fmt.Errorf("%w: no ICE credentials (a=ice-ufrag/a=ice-pwd) in m-section %q", ErrUnsupported, mid(tag))
	}
	if len(ufrag) < 4 || len(ufrag) > 256 || len(pwd) < 22 || len(pwd) > 256 {
		return rp, fmt.Errorf("%w: ICE credentials of the wrong length (RFC 8839 §5.4)", ErrUnsupported)
	}
	fps, _ := sess.Fingerprints(tag) // checked by parseSDP
	if len(fps) == 0 {
		return rp, fmt.Errorf("%w: no a=fingerprint", ErrUnsupported)
	}
	for _, f := range fps {
		df, err := dtls.ParseFingerprint(string(f.AppendValue(nil)))
		if err != nil {
			continue // RFC 8122 §5: unknown hash functions are skipped
		}
		rp.fingerprints = append(rp.fingerprints, df)
	}
	if len(rp.fingerprints) == 0 {
		return rp, fmt.Errorf("%w: no usable a=fingerprint (sha-256/384/512)", ErrUnsupported)
	}
	setup, _ := sess.Setup(tag) // checked by parseSDP
	switch {
	case typ == SDPTypeOffer && setup == sdp.SetupNone:
		setup = sdp.SetupActpass // RFC 8842 §5.2: absent means actpass in an offer
	case typ != SDPTypeOffer && setup == sdp.SetupNone:
		setup = sdp.SetupActive // RFC 4145 §4: default active
	case typ != SDPTypeOffer && setup != sdp.SetupActive && setup != sdp.SetupPassive:
		return rp, fmt.Errorf("%w: answer with a=setup:%v (RFC 8842 §5.2 requires active or passive)", ErrUnsupported, setup)
	}
	if setup == sdp.SetupHoldconn {
		return rp, fmt.Errorf("%w: a=setup:holdconn", ErrUnsupported)
	}
	if err := pc.checkRemoteSetup(typ, setup); err != nil {
		return rp, err
	}
	rp.ufrag, rp.pwd, rp.setup, rp.lite = ufrag, pwd, setup, sess.ICELite()
	rp.maxMessage = -1
	for _, m := range sess.Media {
		if m.Port == 0 {
			continue
		}
		if m.Media == "application" {
			if !strings.Contains(m.Proto, "DTLS/SCTP") {
				return rp, fmt.Errorf("%w: m=application with proto %q", ErrUnsupported, m.Proto)
			}
			rp.sctpPort = 5000 // RFC 8841 §5: default
			if p, ok, _ := m.SCTPPort(); ok {
				rp.sctpPort = p
			}
			if n, ok, _ := m.MaxMessageSize(); ok {
				rp.maxMessage = int(min(n, math.MaxInt))
			}
		}
		rp.endOfCandidates = rp.endOfCandidates || m.EndOfCandidates()
		for v := range m.Attributes.Values(sdp.AttrCandidate) {
			// Only UDP candidates with an IP address are taken from a
			// description; hostname (mDNS) candidates come by trickle.
			c, err := ice.ParseCandidate(v)
			if err == nil && c.Protocol == shared.UDP && c.Hostname == "" {
				rp.candidates = append(rp.candidates, c)
			}
		}
	}
	return rp, nil
}

// checkRemoteSetup refuses a remote a=setup that does not complement ours.
// RFC 8842 §5.3: against an offer of "active" the answerer "MUST" use
// "passive", and against "passive" it uses "active" (only "actpass" leaves
// the choice). Once the DTLS role is established, a remote offer that
// demands the other role asks for a new DTLS association (RFC 8842 §5.5),
// which is not supported: applying it would leave the negotiated role and
// the running DTLS endpoint disagreeing.
func (pc *PeerConnection) checkRemoteSetup(typ SDPType, setup sdp.Setup) error {
	if typ != SDPTypeOffer {
		if pc.pendingLocal == nil {
			return nil
		}
		if ours := pc.pendingLocal.setup; ours != sdp.SetupActpass && setup == ours {
			return fmt.Errorf("%w: answer a=setup:%v against our a=setup:%v (RFC 8842 §5.3)", ErrUnsupported, setup, ours)
		}
		return nil
	}
	if pc.dtlsRoleKnown && (setup == sdp.SetupActive && pc.dtlsClient || setup == sdp.SetupPassive && !pc.dtlsClient) {
		return fmt.Errorf("%w: offer a=setup:%v would swap the established DTLS role (a new DTLS association, RFC 8842 §5.5)", ErrUnsupported, setup)
	}
	return nil
}

// applyRemoteSections records a remote offer's m-sections (RFC 8829 §5.10):
// a data section is accepted; an RTP audio/video section gets a transceiver
// and is answered inactive with the offer's first codec, so it stays in the
// BUNDLE group (rejecting the offerer-tagged m-section would move the
// transport, RFC 8843 §7.3.3); other sections are rejected.
func (pc *PeerConnection) applyRemoteSections(sess *sdp.SessionDescription) {
	var secs []*mSection
	dataTaken := false
	_, bundled := sess.BundleGroup()
	for _, m := range sess.Media {
		id := mid(m)
		s := pc.sectionByMid(id)
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
			if s.transceiver == nil {
				kind := MediaKindAudio
				if m.Media == "video" {
					kind = MediaKindVideo
				}
				t := &Transceiver{kind: kind, mid: id, direction: DirectionRecvOnly}
				pc.transceivers = append(pc.transceivers, t)
				s.transceiver = t
			}
			// TODO(media): send and receive once rtc-rtp/rtc-srtp are
			// composed; until then the section is negotiated inactive.
			s.pt, s.codec = firstCodec(m)
			if s.pt == "" || !strings.Contains(m.Proto, "RTP/") {
				s.rejected = true
				s.transceiver.stopped = true
				s.transceiver.direction = DirectionStopped
			} else {
				s.rejected = false
				s.transceiver.direction = DirectionInactive
			}
		default:
			s.rejected = true
		}
		// Without BUNDLE each m-section would need its own transport; only
		// one is supported (max-bundle), so the first accepted one is kept
		// and the others are rejected.
		if !bundled && !s.rejected {
			for _, prev := range secs {
				if !prev.rejected {
					s.rejected = true
					if s.transceiver != nil {
						s.transceiver.stopped = true
						s.transceiver.direction = DirectionStopped
					}
					break
				}
			}
		}
		secs = append(secs, s)
		if n, err := strconv.Atoi(id); err == nil && n >= pc.midCounter {
			pc.midCounter = n + 1
		}
	}
	pc.sections = secs
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
	if n, err := strconv.ParseUint(pt, 10, 8); err == nil {
		if rm, ok := m.RTPMap(uint8(n)); ok {
			attrs = append(attrs, rm)
		}
	}
	if f, ok := m.FMTP(pt); ok {
		attrs = append(attrs, f)
	}
	return pt, attrs
}

// markRejected applies an answer's port-zero m-sections. A rejected data
// section fails the data channels: no SCTP association will carry them.
func (pc *PeerConnection) markRejected(sess *sdp.SessionDescription) {
	dataRejected := false
	for i, m := range sess.Media {
		if i < len(pc.sections) && m.Port == 0 {
			pc.sections[i].rejected = true
			if t := pc.sections[i].transceiver; t != nil {
				t.stopped = true
			}
			dataRejected = dataRejected || pc.sections[i].kind == "application"
		}
	}
	pc.settleTransceivers()
	if dataRejected {
		for _, d := range pc.channels {
			pc.emit(Event{Kind: EventDataChannelError, Channel: d, Err: ErrDataSectionRejected})
		}
		pc.closeAllChannels()
	}
}

// settleTransceivers records the negotiated direction once an exchange
// completes: inactive for every live transceiver until media is composed.
func (pc *PeerConnection) settleTransceivers() {
	for _, s := range pc.sections {
		if t := s.transceiver; t != nil && !t.stopped {
			t.currentDirection, t.hasCurrent = DirectionInactive, true
		}
	}
}

// rollback discards the pending offer, local or remote (RFC 8829 §5.7:
// "The effect of rollback MUST be the same regardless of whether
// setLocalDescription or setRemoteDescription is called"). Rollback of a
// pranswer is refused, as W3C does (webrtc-pc #2235).
func (pc *PeerConnection) rollback() error {
	switch pc.signalingState {
	case SignalingHaveLocalOffer:
		pc.pendingLocal = nil
		// m-sections introduced by the offer go away; their transceivers
		// lose the mid they were given (W3C rollback step).
		var keep []*mSection
		for _, s := range pc.sections {
			if pc.currentLocal != nil && pc.currentLocal.sd.MediaByMID(s.mid) != nil {
				keep = append(keep, s)
			} else if s.transceiver != nil {
				s.transceiver.mid = ""
			}
		}
		pc.sections = keep
	case SignalingHaveRemoteOffer:
		pc.pendingRemote = nil
		pc.lastAnswer = nil
		pc.restoreNegotiation(pc.beforeRemoteOffer)
	default:
		return fmt.Errorf("%w: rollback in %v", ErrInvalidState, pc.signalingState)
	}
	pc.beforeRemoteOffer = savedNegotiation{}
	pc.setSignalingState(SignalingStable)
	return nil
}

// savedNegotiation is the m-section and transceiver bookkeeping as it was
// before a remote offer was applied, for its rollback.
type savedNegotiation struct {
	sections        []*mSection
	sectionVals     []mSection
	transceivers    []*Transceiver
	transceiverVals []Transceiver
	midCounter      int
	remoteBundle    bool
}

func (pc *PeerConnection) saveNegotiation() savedNegotiation {
	v := savedNegotiation{sections: slices.Clone(pc.sections), transceivers: slices.Clone(pc.transceivers),
		midCounter: pc.midCounter, remoteBundle: pc.remoteBundle}
	for _, s := range pc.sections {
		v.sectionVals = append(v.sectionVals, *s)
	}
	for _, t := range pc.transceivers {
		v.transceiverVals = append(v.transceiverVals, *t)
	}
	return v
}

// restoreNegotiation undoes a remote offer (RFC 8829 §5.7): the m-sections
// and transceivers are as before it, and the transceivers it created are
// stopped and removed.
func (pc *PeerConnection) restoreNegotiation(v savedNegotiation) {
	for _, t := range pc.transceivers {
		if !slices.Contains(v.transceivers, t) {
			t.stopped, t.direction, t.mid = true, DirectionStopped, ""
		}
	}
	for i, s := range v.sections {
		*s = v.sectionVals[i]
	}
	for i, t := range v.transceivers {
		*t = v.transceiverVals[i]
	}
	pc.sections, pc.transceivers = v.sections, v.transceivers
	pc.midCounter, pc.remoteBundle = v.midCounter, v.remoteBundle
}

// parseICEServers turns W3C ICE server URLs into agent configuration. Only
// IP literals are accepted: the PeerConnection does no name resolution.
func parseICEServers(servers []ICEServer) ([]netip.AddrPort, []ice.TURNServer, error) {
	var stun []netip.AddrPort
	var turn []ice.TURNServer
	for _, s := range servers {
		for _, raw := range s.URLs {
			scheme, rest, ok := strings.Cut(raw, ":")
			if !ok {
				return nil, nil, fmt.Errorf("rtc: ICE server URL %q has no scheme", raw)
			}
			hostport, query, _ := strings.Cut(rest, "?")
			q, _ := url.ParseQuery(query)
			defPort := "3478"
			if scheme == "stuns" || scheme == "turns" {
				return nil, nil, fmt.Errorf("rtc: %s URLs are not supported", scheme)
			}
			if _, err := netip.ParseAddrPort(hostport); err != nil {
				hostport += ":" + defPort
			}
			ap, err := netip.ParseAddrPort(hostport)
			if err != nil {
				return nil, nil, fmt.Errorf("rtc: ICE server %q: need an IP literal: %w", raw, err)
			}
			switch scheme {
			case "stun":
				stun = append(stun, ap)
			case "turn":
				proto := shared.UDP
				if q.Get("transport") == "tcp" {
					proto = shared.TCP
				}
				turn = append(turn, ice.TURNServer{Address: ap, Protocol: proto, Username: s.Username, Password: s.Credential})
			default:
				return nil, nil, fmt.Errorf("rtc: ICE server URL scheme %q", scheme)
			}
		}
	}
	return stun, turn, nil
}
