package ice

import (
	"slices"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Nomination, pair selection and the W3C connection state.

// nominationPending reports whether a controlling agent still has to nominate.
func (a *Agent) nominationPending() bool {
	return a.role == RoleControlling && !a.cfg.Lite && a.nominated == nil && a.nominating == nil &&
		!a.firstValid.IsZero() && !a.closed && a.bestValid() != nil
}

// maybeNominate implements regular nomination (RFC 8445 §8.1.1): once the
// best valid pair is the best pair still possible, or NominationDelay after
// the first valid pair, the controlling agent repeats the check on it with
// USE-CANDIDATE.
func (a *Agent) maybeNominate(now time.Time) {
	if !a.nominationPending() {
		return
	}
	best := a.bestValid()
	if best == nil {
		return
	}
	if now.Before(a.firstValid.Add(a.cfg.nominationDelay())) {
		for _, p := range a.pairs {
			if p.priority > best.priority && p.state != pairFailed && p.state != pairSucceeded {
				return // a better pair may still succeed
			}
		}
	}
	a.nominating = best
	a.enqueueTriggered(best)
}

func (a *Agent) bestValid() *pair {
	var best *pair
	for _, p := range a.pairs {
		if p.valid && (best == nil || p.priority > best.priority) {
			best = p
		}
	}
	return best
}

// setNominated records a nomination and prunes the checklist (RFC 8445
// §8.1.2): waiting and frozen pairs of lower priority are dropped, and
// in-progress ones stop retransmitting.
func (a *Agent) setNominated(now time.Time, p *pair) {
	if a.nominated != nil && a.nominated != p {
		a.nominated.nominated = false
	}
	p.nominated = true
	a.nominated = p
	if a.nominating == p {
		a.nominating = nil
	}
	for _, q := range a.pairs {
		if q == p || q.priority > p.priority {
			continue
		}
		if q.state == pairWaiting || q.state == pairFrozen {
			q.state = pairFailed
		}
	}
	for _, t := range slices.Clone(a.txs) {
		if t.kind == txCheck && t.pair != p && t.pair.priority < p.priority && t.pair.state == pairInProgress {
			t.pair.state = pairFailed
			a.removeTx(t)
		}
	}
	a.updateSelected(now)
}

// updateSelected picks the pair data goes out on: the nominated pair, or
// before nomination the best valid pair (RFC 8445 §12.1 allows sending on
// a valid pair before nomination; browsers do).
func (a *Agent) updateSelected(now time.Time) {
	sel := a.nominated
	if sel == nil {
		sel = a.bestValid()
	}
	if sel == nil {
		return
	}
	if sel == a.selected {
		// The selected pair became nominated (RFC 8445 §8.1.1; for the
		// controlled agent, the peer's USE-CANDIDATE, §7.3.1.5): the pair
		// is usable for the peer too (a DTLS client retransmits its first
		// flight then, which the peer may have dropped before).
		if sel.nominated && !a.selNominated {
			a.selNominated = true
			a.pushEvent(Event{Kind: EventPairNominated, Pair: sel.info()})
		}
		return
	}
	a.selected = sel
	a.selNominated = sel.nominated
	a.restarting = false
	a.lastConsent = now
	a.pendingSince = time.Time{}
	a.consentLost = false
	a.scheduleConsent(now)
	a.pushEvent(Event{Kind: EventSelectedPairChanged, Pair: sel.info()})
}

// updateState derives the W3C connection state.
func (a *Agent) updateState() {
	if a.closed {
		return
	}
	s := a.deriveState()
	a.setConnState(s)
}

func (a *Agent) deriveState() ConnectionState {
	if a.consentLost {
		return StateFailed
	}
	if a.selected != nil {
		if !a.pendingSince.IsZero() && a.clock.Now().Sub(a.pendingSince) >= a.cfg.disconnectedTimeout() {
			return StateDisconnected
		}
		if a.selected.nominated && a.remoteEOC && a.gatherState == GatheringComplete && (a.cfg.Lite || !a.checking()) {
			return StateCompleted
		}
		return StateConnected
	}
	if fd := a.failDeadline(); !fd.IsZero() && !a.clock.Now().Before(fd) {
		// RFC 8445 §8.1 and RFC 8863 §4: nothing can be selected any more.
		return StateFailed
	}
	if len(a.pairs) == 0 || (a.remote.ufrag == "" && !a.cfg.Lite) {
		// With no pair, even after end-of-candidates, the peer's checks
		// can still make a peer-reflexive one (RFC 8445 §7.3.1.3): wait
		// for them until failDeadline.
		if a.connState == StateChecking {
			return StateChecking
		}
		return StateNew
	}
	return StateChecking
}

// progress records a sign that a pair may still become usable (a new pair,
// the remote credentials, a check from the peer): the FailedTimeout runs
// from the last one.
func (a *Agent) progress() { a.progressAt = a.clock.Now() }

// failDeadline is when the agent fails for want of a usable pair, once no
// pair is selected and none is left to check (zero when that does not
// apply). RFC 8863 §4: "While the timer is still running, the ICE agent
// MUST NOT update a checklist state from Running to Failed, even if there
// are no pairs left in the checklist to check". After end-of-candidates
// that is the PAC timer; without it, FailedTimeout after the last progress
// (RFC 8445 §8.1: nothing can be selected any more).
func (a *Agent) failDeadline() time.Time {
	if a.closed || a.selected != nil || a.progressAt.IsZero() || (a.remote.ufrag == "" && !a.cfg.Lite) || a.checking() {
		return time.Time{}
	}
	d := a.progressAt.Add(a.cfg.failedTimeout())
	if a.remoteEOC && a.gatherState == GatheringComplete && len(a.pending) == 0 && !a.pacStart.IsZero() {
		d = shared.Earliest(d, a.pacStart.Add(a.cfg.failedTimeout()))
	}
	return d
}

// checking reports whether any pair is still to be checked or in flight.
func (a *Agent) checking() bool {
	for _, p := range a.pairs {
		if p.state <= pairInProgress {
			return true
		}
	}
	return false
}
