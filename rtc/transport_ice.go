package rtc

import (
	"errors"
	"fmt"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// This file is the ICE half of the transport part: the agent's events
// become W3C events and the selected pair, and relayed datagrams go to
// DTLS.

// maxUnresolved bounds UnresolvedHostnames (the agent's MaxCandidates
// bounds the candidates themselves).
const maxUnresolved = 64

// startGathering starts ICE at the first SetLocalDescription (RFC 8829
// §5.4: "begin gathering") with the role JSEP gives (RFC 8445 §6.1.1).
func (t *transport) startGathering(role ice.Role) {
	if t.started {
		return
	}
	t.started = true
	a := t.agent()
	a.SetRole(role)
	a.EndOfLocalAddresses()
}

// restart starts an ICE restart: new local credentials (RFC 8445 §9).
func (t *transport) restart() error {
	if err := t.agent().Restart(); err != nil {
		return layerErr("ice", err)
	}
	t.localUfrag, t.localPwd = t.ice.LocalCredentials()
	t.localCandidates = nil
	return nil
}

// setRemote applies the ICE parameters of a remote description. The
// candidates beyond maxCands (or that the agent refuses for its own
// limits) are cut, and the cut is reported (EventICECandidateError).
func (t *transport) setRemote(rp *remoteParams, maxCands int, out *sink) error {
	a := t.agent()
	if err := a.SetRemoteCredentials(rp.ufrag, rp.pwd); err != nil {
		return layerErr("ice", err)
	}
	t.remoteUfrag = rp.ufrag
	refused, first := 0, ice.Candidate{}
	for _, c := range rp.candidates {
		err := ErrLimit
		if t.remoteCands < maxCands {
			err = a.AddRemoteCandidate(c)
		}
		switch {
		case err == nil:
			t.remoteCands++
		case errors.Is(err, ErrLimit) || errors.Is(err, ice.ErrCandidateLimit):
			if refused == 0 {
				first = c
			}
			refused++
		}
	}
	if refused > 0 {
		out.emit(Event{Kind: EventICECandidateError, Candidate: ICECandidateInit{Candidate: first.String()},
			Err: fmt.Errorf("%w: %d candidates of the remote description refused (MaxRemoteCandidates %d)", ErrLimit, refused, maxCands)})
	}
	if rp.endOfCandidates {
		a.EndOfRemoteCandidates()
	}
	return nil
}

// addRemoteCandidate adds one trickled candidate (W3C addIceCandidate);
// an empty one is end-of-candidates.
func (t *transport) addRemoteCandidate(c string, maxCands int) error {
	if c == "" {
		t.agent().EndOfRemoteCandidates()
		return nil
	}
	if t.remoteCands >= maxCands {
		return ErrLimit
	}
	if err := t.agent().AddRemoteCandidateString(c); err != nil {
		if errors.Is(err, ice.ErrDuplicateCandidate) || errors.Is(err, ice.ErrUnsupported) {
			return nil // W3C: unsupported candidates (TCP, other components) are ignored
		}
		return layerErr("ice", err)
	}
	t.remoteCands++
	return nil
}

// drainICE turns the agent's events into W3C events and transport state,
// and feeds relayed datagrams to DTLS.
func (t *transport) drainICE(now time.Time, out *sink) {
	// Without a call through agent() since the last pass the agent has
	// nothing new: its Poll* only pop. Skipping it spares every record a
	// PollEvent of an empty queue of 568-byte events (3% of the CPU of
	// small data-channel messages, issue 18).
	if !t.iceFed {
		return
	}
	t.iceFed = false
	for {
		e, ok := t.ice.PollEvent()
		if !ok {
			break
		}
		t.iceEvent(now, e, out)
	}
	// The peer's first check after our first flight: it may have
	// dropped the ClientHello that went out before it knew the pair.
	if t.conn != nil && !t.checkKicked && t.ice.Stats().RequestsReceived > t.checksAtStart {
		t.checkKicked = true
		t.kickDTLS(out)
	}
	// Relayed data comes out of the agent unwrapped.
	for {
		tb, ok := t.ice.PollRead()
		if !ok {
			return
		}
		switch stun.Classify(tb.Message) {
		case stun.KindDTLS:
			out.emitError("dtls", t.handleDTLS(tb, true, out))
		case stun.KindRTP, stun.KindRTCP:
			// SRTP over TURN or ICE-TCP: the PeerConnection hands it to
			// the media part (takeAgentMedia) and gives it back.
			t.agentMedia = append(t.agentMedia, tb)
			continue
		default:
			out.stats.Dropped++
		}
		// DTLS borrowed it (or copied it while it waits for its path).
		t.ice.ReleaseRead(tb.Message)
	}
}

func (t *transport) iceEvent(now time.Time, e ice.Event, out *sink) {
	switch e.Kind {
	case ice.EventLocalCandidate:
		cand, ok := t.conceal(e.Candidate, out) // mdns_publish.go
		if !ok {
			break
		}
		c := cand.String()
		t.localCandidates = append(t.localCandidates, c)
		out.emit(Event{Kind: EventICECandidate, Candidate: ICECandidateInit{Candidate: c, SDPMid: t.candidateMid, UsernameFragment: t.localUfrag}})
	case ice.EventGatheringState:
		t.setGathering(e.GatheringState, out)
	case ice.EventConnectionState:
		if s := ICEConnectionState(e.ConnectionState); s != t.iceState {
			t.iceState = s
			out.emit(Event{Kind: EventICEConnectionStateChange, ICEConnectionState: s})
		}
	case ice.EventSelectedPairChanged:
		t.selected, t.hasSelected = e.Pair.Transport, true
		t.selectedRTT = e.Pair.RTT
		// Relayed pairs and TCP pairs (ICE-TCP, RFC 4571 framing) carry
		// DTLS through the agent, which wraps and frames it.
		t.selectedRelay = e.Pair.Local.Type == ice.CandidateRelay || e.Pair.Transport.Protocol == shared.TCP
		if t.conn != nil {
			t.dtlsConn().SetTransport(t.selected)
			t.feedEarly(out)
		} else {
			t.startDTLS(now, out)
		}
	case ice.EventPairNominated:
		// The peer's USE-CANDIDATE (or our nomination) on the pair DTLS
		// already runs on: the peer now accepts DTLS on it. A browser
		// drops our ClientHello before it nominated (Firefox as the
		// offerer), so resend the first flight now instead of after the
		// retransmission timer (RFC 6347 §4.2.4 allows other triggers).
		t.kickDTLS(out)
	case ice.EventCandidateRefused:
		out.emit(Event{Kind: EventICECandidateError, Candidate: ICECandidateInit{Candidate: e.Candidate.String()},
			Err: fmt.Errorf("%w: the ICE agent refused remote candidates (its candidate limits)", ErrLimit)})
	case ice.EventResolveHostname:
		// An mDNS (".local") or FQDN remote candidate: the agent holds it
		// until ResolveHostname. Browsers that hide host addresses still
		// connect through the peer-reflexive candidate their checks
		// create, so an unanswered one is counted, not an error.
		out.stats.UnresolvedCandidates++
		if len(t.unresolved) < maxUnresolved {
			t.unresolved = append(t.unresolved, e.Hostname)
		}
		out.emit(Event{Kind: EventResolveHostname, Hostname: e.Hostname})
	case ice.EventTCPConnect:
		out.emit(Event{Kind: EventTCPConnect, Transport: e.Pair.Transport})
	}
}

func (t *transport) setGathering(g ice.GatheringState, out *sink) {
	s := t.gathering
	switch g {
	case ice.GatheringGathering:
		s = ICEGatheringGathering
	case ice.GatheringComplete:
		s = ICEGatheringComplete
	}
	if s == t.gathering {
		return
	}
	t.gathering = s
	out.emit(Event{Kind: EventICEGatheringStateChange, ICEGatheringState: s})
	if s == ICEGatheringComplete {
		out.emit(Event{Kind: EventICECandidate}) // W3C: the null candidate ends the candidates
	}
}

// kickDTLS resends the DTLS client's current handshake flight at once
// (dtls CommandRetransmit): the path just became usable for the peer.
// It does nothing for a server or once the handshake is done.
func (t *transport) kickDTLS(out *sink) {
	if t.conn == nil || !t.client || t.phase != DTLSTransportConnecting {
		return
	}
	if err := t.dtlsConn().HandleEvent(dtls.Command{Kind: dtls.CommandRetransmit}); err != nil {
		out.emitError("dtls", err)
		return
	}
	t.kicks++
}

// dtlsRetransmitInitial chooses DTLS's first retransmission timeout from
// ICE's round-trip time the way libwebrtc does (p2p/base/dtls_transport.cc,
// ConfigureHandshakeTimeout): twice the RTT, clamped to 50 ms..3 s, and
// the DTLS default (RFC 6347 §4.2.4.1: 1 s) without an estimate.
func dtlsRetransmitInitial(rtt time.Duration) time.Duration {
	if rtt <= 0 {
		return 0
	}
	return min(max(2*rtt, 50*time.Millisecond), 3*time.Second)
}
