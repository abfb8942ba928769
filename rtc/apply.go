package rtc

import (
	"fmt"
	"strconv"
	"strings"

	ice "github.com/sansrtc/rtc/rtc-ice"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
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
		if pc.neg.state == SignalingHaveRemoteOffer || pc.neg.state == SignalingHaveLocalPranswer {
			desc, err = pc.CreateAnswer()
		} else {
			desc, err = pc.CreateOffer()
		}
		if err != nil {
			return err
		}
	}
	if desc.Type == SDPTypeRollback {
		return pc.neg.rollback(&pc.out)
	}
	if err := pc.neg.applyLocal(desc, &pc.out); err != nil {
		return err
	}
	// RFC 8829 §5.4: gathering begins at the first SetLocalDescription.
	pc.tr.startGathering(pc.neg.iceRole(pc.cfg.ICELite))
	pc.negotiated()
	return nil
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
		return pc.neg.rollback(&pc.out)
	}
	if err := pc.neg.checkRemoteType(desc.Type); err != nil {
		return err
	}
	sess, err := parseSDP(desc.SDP, pc.cfg.maxSDPSize())
	if err != nil {
		return err
	}
	rp, err := pc.neg.validateRemote(sess, desc.Type)
	if err != nil {
		return err
	}
	if pc.neg.applyRemote(desc, sess, rp, &pc.out) {
		pc.data.failAll(ErrDataSectionRejected, &pc.out)
	}
	if err := pc.tr.setRemote(&rp, pc.cfg.maxRemoteCandidates(), &pc.out); err != nil {
		return err
	}
	if pc.tr.started {
		pc.tr.agent().SetRole(pc.neg.iceRole(pc.cfg.ICELite))
	}
	pc.neg.setState(nextRemoteState(desc.Type), &pc.out)
	pc.negotiated()
	return pc.out.report(nil)
}

// negotiated passes what a JSEP step decided down to the transport (DTLS
// starts once the exchange fixed the role and the fingerprints) and then
// moves the output along.
func (pc *PeerConnection) negotiated() {
	pc.tr.candidateMid = pc.neg.taggedMid()
	pc.settleMedia()
	if pc.neg.complete() && !pc.tr.ready {
		pc.tr.ready, pc.tr.client, pc.tr.fingerprints = true, pc.neg.client, pc.neg.remote.fingerprints
		pc.tr.startDTLS(pc.clock.Now(), &pc.out)
	}
	pc.step()
}

// applyLocal applies a local description (RFC 8829 §5.4).
func (n *negotiation) applyLocal(desc SessionDescription, out *sink) error {
	switch desc.Type {
	case SDPTypeOffer:
		return n.applyLocalOffer(desc, out)
	case SDPTypeAnswer, SDPTypePranswer:
		return n.applyLocalAnswer(desc, out)
	}
	return fmt.Errorf("%w: type %v", ErrInvalidSDP, desc.Type)
}

func (n *negotiation) applyLocalOffer(desc SessionDescription, out *sink) error {
	if n.state != SignalingStable && n.state != SignalingHaveLocalOffer {
		return fmt.Errorf("%w: local offer in %v", ErrInvalidState, n.state)
	}
	if n.lastOffer == nil {
		return fmt.Errorf("%w: SetLocalDescription(offer) without CreateOffer", ErrInvalidState)
	}
	if desc.SDP != "" && strings.TrimSpace(desc.SDP) != strings.TrimSpace(n.lastOffer.text) {
		return fmt.Errorf("%w: the offer differs from the last CreateOffer (SDP munging is not supported)", ErrUnsupported)
	}
	// Commit the m-sections the offer introduced (RFC 8829 §5.4 step 3).
	for _, s := range n.offerSections {
		if s.transceiver != nil && s.transceiver.mid == "" {
			s.transceiver.mid, s.transceiver.midBytes = s.mid, []byte(s.mid)
		}
		n.seeMid(s.mid)
	}
	n.sections = n.offerSections
	n.pendingLocal = n.lastOffer
	n.everOffered = true
	n.setState(SignalingHaveLocalOffer, out)
	return nil
}

func (n *negotiation) applyLocalAnswer(desc SessionDescription, out *sink) error {
	if n.state != SignalingHaveRemoteOffer && n.state != SignalingHaveLocalPranswer {
		return fmt.Errorf("%w: local %v in %v", ErrInvalidState, desc.Type, n.state)
	}
	if n.lastAnswer == nil {
		return fmt.Errorf("%w: SetLocalDescription(answer) without CreateAnswer", ErrInvalidState)
	}
	if desc.SDP != "" && strings.TrimSpace(desc.SDP) != strings.TrimSpace(n.lastAnswer.text) {
		return fmt.Errorf("%w: the answer differs from the last CreateAnswer (SDP munging is not supported)", ErrUnsupported)
	}
	ld := *n.lastAnswer
	ld.typ = desc.Type
	// RFC 8842 §5.3: the answerer's a=setup fixes the DTLS role.
	n.client, n.roleKnown = ld.setup == sdp.SetupActive, true
	if desc.Type == SDPTypePranswer {
		n.pendingLocal = &ld
		n.setState(SignalingHaveLocalPranswer, out)
		return nil
	}
	n.currentLocal, n.pendingLocal = &ld, nil
	n.currentRemote, n.pendingRemote = n.pendingRemote, nil
	n.beforeRemoteOffer = nil
	n.setState(SignalingStable, out)
	return nil
}

// iceRole is the ICE role of this side (RFC 8445 §6.1.1): a full agent
// facing a lite one is controlling and a lite agent facing a full one is
// controlled; otherwise the offerer (of the first exchange) is
// controlling. Before the remote description is known, a lite agent is
// controlled.
func (n *negotiation) iceRole(lite bool) ice.Role {
	remoteKnown := n.currentRemote != nil || n.pendingRemote != nil
	switch {
	case remoteKnown && n.remote.lite && !lite:
		return ice.RoleControlling
	case lite && (!remoteKnown || !n.remote.lite):
		return ice.RoleControlled
	case n.everOffered:
		return ice.RoleControlling
	}
	return ice.RoleControlled
}

// seeMid keeps the mid counter past every numeric mid in use.
func (n *negotiation) seeMid(mid string) {
	if v, err := strconv.Atoi(mid); err == nil && v >= n.midCounter {
		n.midCounter = v + 1
	}
}

// checkRemoteType refuses a remote description type the signaling state
// does not allow (RFC 8829 §5.5, W3C InvalidStateError).
func (n *negotiation) checkRemoteType(typ SDPType) error {
	switch typ {
	case SDPTypeOffer:
		switch n.state {
		case SignalingStable, SignalingHaveRemoteOffer, SignalingHaveLocalOffer:
			return nil
		}
		return fmt.Errorf("%w: remote offer in %v", ErrInvalidState, n.state)
	case SDPTypeAnswer, SDPTypePranswer:
		if n.state != SignalingHaveLocalOffer && n.state != SignalingHaveRemotePranswer {
			return fmt.Errorf("%w: remote %v in %v", ErrInvalidState, typ, n.state)
		}
		return nil
	}
	return fmt.Errorf("%w: type %v", ErrInvalidSDP, typ)
}

// applyRemote commits a validated remote description. It reports whether
// an answer rejected the data m-section (the channels then fail).
func (n *negotiation) applyRemote(desc SessionDescription, sess *sdp.SessionDescription, rp remoteParams, out *sink) (dataRejected bool) {
	d := desc
	switch desc.Type {
	case SDPTypeOffer:
		if n.state == SignalingHaveLocalOffer {
			n.rollbackLocalOffer() // W3C §4.4.1.6 implicit rollback
			n.setState(SignalingStable, out)
		}
		_, n.remoteBundle = sess.BundleGroup()
		if n.state != SignalingHaveRemoteOffer {
			// A second remote offer replaces the first: a rollback
			// still returns to the stable state before both.
			n.beforeRemoteOffer = n.save()
		}
		n.applyRemoteSections(sess, out)
		n.pendingRemote = &d
		n.lastAnswer = nil // an answer created for an earlier offer answers other m-sections
	case SDPTypePranswer:
		n.pendingRemote = &d
	case SDPTypeAnswer:
		dataRejected = n.markRejected(sess)
		n.currentRemote, n.pendingRemote = &d, nil
		n.currentLocal, n.pendingLocal = n.pendingLocal, nil
	}
	n.remoteSD = sess
	n.remoteSetup = rp.setup
	n.remote = remoteTransport{fingerprints: rp.fingerprints, sctpPort: rp.sctpPort, maxMessage: rp.maxMessage, lite: rp.lite}
	if desc.Type != SDPTypeOffer {
		// RFC 8842 §5.3: the answer's a=setup fixes the roles.
		n.client, n.roleKnown = rp.setup == sdp.SetupPassive, true
	}
	return dataRejected
}

// nextRemoteState is the signaling state a remote description leads to.
func nextRemoteState(typ SDPType) SignalingState {
	switch typ {
	case SDPTypeOffer:
		return SignalingHaveRemoteOffer
	case SDPTypePranswer:
		return SignalingHaveRemotePranswer
	}
	return SignalingStable
}

// rollback discards the pending offer, local or remote (RFC 8829 §5.7:
// "The effect of rollback MUST be the same regardless of whether
// setLocalDescription or setRemoteDescription is called"). Rollback of a
// pranswer is refused, as W3C does (webrtc-pc #2235).
func (n *negotiation) rollback(out *sink) error {
	switch n.state {
	case SignalingHaveLocalOffer:
		n.rollbackLocalOffer()
	case SignalingHaveRemoteOffer:
		n.pendingRemote = nil
		n.lastAnswer = nil
		n.restore(n.beforeRemoteOffer)
	default:
		return fmt.Errorf("%w: rollback in %v", ErrInvalidState, n.state)
	}
	n.beforeRemoteOffer = nil
	n.setState(SignalingStable, out)
	return nil
}

// hasMid reports whether sd has an m-section with mid (false for nil).
func hasMid(sd *sdp.SessionDescription, mid string) bool {
	return sd != nil && sd.MediaByMID(mid) != nil
}

// rollbackLocalOffer drops the pending local offer: the m-sections it
// introduced go away and their transceivers lose the mid they were given
// (W3C rollback step).
func (n *negotiation) rollbackLocalOffer() {
	n.pendingLocal = nil
	var keep []*mSection
	for _, s := range n.sections {
		if n.currentLocal != nil && hasMid(n.currentLocal.session(), s.mid) {
			keep = append(keep, s)
		} else if s.transceiver != nil {
			s.transceiver.mid, s.transceiver.midBytes = "", nil
		}
	}
	n.sections = keep
}
