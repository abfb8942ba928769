package ice

import (
	"slices"
	"time"
)

// ICE restart (RFC 8445 §9).

// beginRestart resets the session (RFC 8445 §9). local says whether new
// local credentials are drawn (our restart) or kept (the peer's restart).
func (a *Agent) beginRestart(local bool) error {
	if local {
		ufrag, err := randomICEString(a.rand, 8)
		if err != nil {
			return err
		}
		pwd, err := randomICEString(a.rand, 24)
		if err != nil {
			return err
		}
		a.prevLocal = a.local
		a.local = newCreds(ufrag, pwd)
		a.prevRemote = a.remote
		a.remote = credentials{}
	} else {
		a.prevRemote = a.remote
	}
	a.restarting = true
	keep := a.selected
	// Transactions of the old session die except consent on the kept pair.
	for _, t := range slices.Clone(a.txs) {
		if t.kind != txConsent && t.kind != txGather {
			a.removeTx(t)
		}
	}
	a.trigger.Clear()
	a.pairs = nil
	a.remotes = nil
	a.pending = nil
	a.nominated, a.nominating = nil, nil
	a.firstValid = time.Time{}
	a.remoteEOC = false
	if keep != nil {
		keep.nominated = false
		a.selNominated = false
		keep.inTrigger = false
	}
	a.selected = keep
	// Local candidates are signalled again with the new credentials
	// (RFC 8838 §9: a new generation).
	if local {
		a.gatherState = GatheringNew
		a.setGatherState(GatheringGathering)
		for _, l := range a.locals {
			if l.Type == CandidatePeerReflexive || (a.cfg.RelayOnly && l.Type != CandidateRelay) {
				continue
			}
			a.emitCandidate(l)
		}
		a.checkGatheringDone()
	}
	// Drop learned prflx local candidates; they belong to the old session.
	locals := a.locals[:0]
	for _, l := range a.locals {
		if l.Type != CandidatePeerReflexive {
			locals = append(locals, l)
		}
	}
	clear(a.locals[len(locals):])
	a.locals = locals
	return nil
}
