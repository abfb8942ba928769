package rtc

import (
	"errors"
	"fmt"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// This file is the ICE half of the transport part: the agent's events
// become W3C events and the selected pair, and relayed datagrams go to
// DTLS.

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
	for {
		e, ok := t.ice.PollEvent()
		if !ok {
			break
		}
		t.iceEvent(now, e, out)
	}
	// Relayed data comes out of the agent unwrapped.
	for {
		tb, ok := t.ice.PollRead()
		if !ok {
			return
		}
		if stun.Classify(tb.Message) == stun.KindDTLS {
			out.emitError("dtls", t.handleDTLS(tb, true, out))
		} else {
			out.stats.Dropped++
		}
		// DTLS borrowed it (or copied it while it waits for its path).
		t.ice.ReleaseRead(tb.Message)
	}
}

func (t *transport) iceEvent(now time.Time, e ice.Event, out *sink) {
	switch e.Kind {
	case ice.EventLocalCandidate:
		c := e.Candidate.String()
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
		t.selectedRelay = e.Pair.Local.Type == ice.CandidateRelay
		if t.conn != nil {
			t.dtlsConn().SetTransport(t.selected)
			t.feedEarly(out)
		} else {
			t.startDTLS(now, out)
		}
	case ice.EventCandidateRefused:
		out.emit(Event{Kind: EventICECandidateError, Candidate: ICECandidateInit{Candidate: e.Candidate.String()},
			Err: fmt.Errorf("%w: the ICE agent refused remote candidates (its candidate limits)", ErrLimit)})
	case ice.EventResolveHostname:
		// An mDNS (".local") or FQDN remote candidate: the agent holds it
		// until ResolveHostname. Browsers that hide host addresses still
		// connect through the peer-reflexive candidate their checks
		// create, so this is counted, not raised as an error.
		out.stats.UnresolvedCandidates++
		t.unresolved = append(t.unresolved, e.Hostname)
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
