package rtc

import (
	"slices"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// negotiation is the JSEP part of the PeerConnection (RFC 8829): the
// signaling state, the descriptions, the m-sections and transceivers, and
// what the remote description says about the transport. Each step is a
// function of its inputs (the description, the state, and the local
// transport parameters it is given), validated by RFC step before
// anything changes; it reports the W3C signaling events into the sink and
// never calls the PeerConnection, which passes the outcome down to the
// transport and data parts.
type negotiation struct {
	// pc owns the transceivers a remote offer creates (they carry it for
	// their verbs); negotiation never calls it.
	pc *PeerConnection

	sessionID, sessionVersion uint64

	// JSEP state (RFC 8829 §4.1.9-4.1.12).
	currentLocal, pendingLocal   *localDesc
	currentRemote, pendingRemote *SessionDescription
	lastOffer, lastAnswer        *localDesc        // as CreateOffer/CreateAnswer built them
	beforeRemoteOffer            *savedNegotiation // nil outside have-remote-offer
	offerSections                []*mSection
	sections                     []*mSection
	transceivers                 []*Transceiver
	midCounter                   int

	remoteSD *sdp.SessionDescription // the last remote description applied
	extIDs   map[string]uint16       // header extension ids of the session (RFC 8285, one per URI with BUNDLE)
	cname    string                  // RTCP CNAME of our streams (RFC 7022)
	settled  *localDesc              // the local description media was last settled for

	// The one-byte fields, together so that the struct has no padding
	// (issue 18).
	state        SignalingState
	wantData     bool // a data channel exists: an m=application section is wanted
	needed       bool // W3C [[NegotiationNeeded]]
	everOffered  bool // a local offer was applied once (ICE role, RFC 8445 §6.1.1)
	remoteSetup  sdp.Setup
	remoteBundle bool // the remote offer had a BUNDLE group
	// The DTLS role (RFC 8842 §5.3), once known.
	roleKnown bool
	client    bool

	// The remote transport parameters.
	remote remoteTransport
}

// remoteTransport is what the last remote description said about the
// transport that is kept after it was applied (credentials and candidates
// go to ICE and are not kept here).
type remoteTransport struct {
	fingerprints []dtls.Fingerprint
	sctpPort     uint16
	maxMessage   int // -1 absent
	lite         bool
}

// localParams are the local transport parameters a local description
// carries; the PeerConnection takes them from the transport part and the
// configuration.
type localParams struct {
	ufrag, pwd  string
	fingerprint dtls.Fingerprint
	lite        bool
	sctpPort    uint16
	maxMessage  int
}

// setState moves the signaling state and reports it. Back in stable, a
// negotiation still needed fires negotiationneeded again (W3C §4.7.3).
func (n *negotiation) setState(s SignalingState, out *sink) {
	if n.state == s {
		return
	}
	n.state = s
	out.emit(Event{Kind: EventSignalingStateChange, SignalingState: s})
	if s == SignalingStable && n.needed && n.pending() {
		out.emit(Event{Kind: EventNegotiationNeeded})
	}
}

// need records that a change needs negotiation. W3C §4.7.3 "update the
// negotiation-needed flag": it only fires in stable (outside it, the
// return to stable checks again), and "if connection.[[NegotiationNeeded]]
// is already true, abort these steps": one event until the application
// negotiates.
func (n *negotiation) need(out *sink) {
	already := n.needed
	n.needed = true
	if n.state == SignalingStable && !already {
		out.emit(Event{Kind: EventNegotiationNeeded})
	}
}

// pending reports whether something created since the last offer needs
// a new one (W3C "check if negotiation is needed"), and clears the flag
// when nothing does.
func (n *negotiation) pending() bool {
	if n.wantData && n.dataSection() == nil {
		return true
	}
	for _, t := range n.transceivers {
		if t.mid == "" && !t.stopped || n.mediaChanged(t) {
			return true
		}
	}
	n.needed = false
	return false
}

// complete reports whether an exchange has fixed the DTLS role and the
// remote fingerprints, so that DTLS may start (an answer, or a pranswer).
func (n *negotiation) complete() bool {
	switch n.state {
	case SignalingStable, SignalingHaveLocalPranswer, SignalingHaveRemotePranswer:
		return n.roleKnown
	}
	return false
}

// hasMedia reports whether an RTP m-section is negotiated.
func (n *negotiation) hasMedia() bool {
	for _, t := range n.transceivers {
		if t.hasCurrent && !t.stopped {
			return true
		}
	}
	return false
}

func (n *negotiation) sectionByMid(mid string) *mSection {
	for _, s := range n.sections {
		if s.mid == mid {
			return s
		}
	}
	return nil
}

func (n *negotiation) dataSection() *mSection {
	for _, s := range n.sections {
		if s.kind == "application" && !s.rejected {
			return s
		}
	}
	return nil
}

// taggedMid returns the mid of the BUNDLE-tagged m-section, the first
// accepted one (RFC 8843 §7.2.1): trickled candidates carry it.
func (n *negotiation) taggedMid() string {
	secs := n.sections
	if len(secs) == 0 {
		secs = n.offerSections
	}
	for _, s := range secs {
		if !s.rejected {
			return s.mid
		}
	}
	return ""
}

// answerSetup returns the a=setup of a local answer. RFC 8842 §5.2: "the
// answerer MUST use either 'active' or 'passive'"; against actpass we take
// active (DTLS client), as browsers do.
func (n *negotiation) answerSetup() sdp.Setup {
	if n.roleKnown {
		return setupFor(n.client)
	}
	if n.remoteSetup == sdp.SetupActive {
		return sdp.SetupPassive
	}
	return sdp.SetupActive
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

func (n *negotiation) save() *savedNegotiation {
	v := &savedNegotiation{sections: slices.Clone(n.sections), transceivers: slices.Clone(n.transceivers),
		midCounter: n.midCounter, remoteBundle: n.remoteBundle}
	for _, s := range n.sections {
		v.sectionVals = append(v.sectionVals, *s)
	}
	for _, t := range n.transceivers {
		v.transceiverVals = append(v.transceiverVals, *t)
	}
	return v
}

// restore undoes a remote offer (RFC 8829 §5.7): the m-sections and
// transceivers are as before it, and the transceivers it created are
// stopped and removed.
func (n *negotiation) restore(v *savedNegotiation) {
	if v == nil {
		return
	}
	for _, t := range n.transceivers {
		if !slices.Contains(v.transceivers, t) {
			t.stopped, t.direction, t.mid, t.midBytes = true, DirectionStopped, "", nil
		}
	}
	for i, s := range v.sections {
		*s = v.sectionVals[i]
	}
	for i, t := range v.transceivers {
		*t = v.transceiverVals[i]
	}
	n.sections, n.transceivers = v.sections, v.transceivers
	n.midCounter, n.remoteBundle = v.midCounter, v.remoteBundle
}
