package ice

import (
	"encoding/binary"
	"io"
	"net/netip"
	"slices"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// txID is a STUN transaction ID.
type txID = stun.TransactionID

// pairState is the state of a candidate pair (RFC 8445 §6.1.2.6).
type pairState uint8

const (
	// pairFrozen: not checked yet, waiting for a pair of the same foundation.
	pairFrozen pairState = iota
	// pairWaiting: to be checked when it is the highest-priority waiting pair.
	pairWaiting
	// pairInProgress: a check was sent, no response yet.
	pairInProgress
	// pairSucceeded: a check produced a successful, symmetric response.
	pairSucceeded
	// pairFailed: the check timed out or got an unrecoverable error.
	pairFailed
)

func (s pairState) String() string {
	return [...]string{"frozen", "waiting", "in-progress", "succeeded", "failed"}[s]
}

// pair is one entry of the checklist. A pair is keyed by where its packets
// go: the local base and the remote address.
type pair struct {
	local    *localCand
	remote   *remoteCand
	state    pairState
	priority uint64
	valid    bool // a check on it succeeded (RFC 8445 §7.2.5.3.2)
	// nominated: this pair carries the nomination of its session.
	nominated bool
	// nominateOnSuccess: the controlled agent saw USE-CANDIDATE before its
	// own check succeeded (RFC 8445 §7.3.1.5).
	nominateOnSuccess bool
	// validLocal is the local candidate matching the mapped address of the
	// successful check (prflx or srflx behind a NAT), for the valid pair's
	// priority (RFC 8445 §7.2.5.3.2).
	validLocal *localCand
	inTrigger  bool
	removed    bool // evicted from the checklist (evictFor)
	lastHeard  time.Time
	// connectAt is when an unanswered TCP connection request times out
	// (zero when none is outstanding).
	connectAt time.Time
	tcpLocal  netip.AddrPort // the TCP connection's local address, once known
}

func (p *pair) foundationKey() string { return p.local.Foundation + ":" + p.remote.Foundation }

func (p *pair) info() PairInfo {
	l := p.local.Candidate
	if p.validLocal != nil {
		l = p.validLocal.Candidate
	}
	pi := PairInfo{Local: l, Remote: p.remote.Candidate, Priority: p.priority, Nominated: p.nominated}
	pi.Transport.Local = p.local.base
	pi.Transport.Peer = p.remote.Address
	pi.Transport.Protocol = p.local.Protocol
	if p.local.relay == nil && p.local.Protocol == shared.TCP && p.tcpLocal.IsValid() {
		pi.Transport.Local = p.tcpLocal
	}
	if p.local.relay != nil {
		pi.Transport.Local = p.local.relay.socket
		pi.Transport.Peer = p.local.relay.server
		pi.Transport.Protocol = p.local.relay.proto
	}
	return pi
}

func (a *Agent) pairPriority(local, remote uint32) uint64 {
	if a.role == RoleControlling {
		return PairPriority(local, remote)
	}
	return PairPriority(remote, local)
}

func (a *Agent) findPair(base, remote netip.AddrPort) *pair {
	for _, p := range a.pairs {
		if p.local.base == base && p.remote.Address == remote {
			return p
		}
	}
	return nil
}

// pairable reports whether l and r may form a pair (RFC 8445 §6.1.2.2).
// Server-reflexive local candidates are never paired: their base is
// (RFC 8445 §6.1.2.4), and the host pair covers it.
func (a *Agent) pairable(l *localCand, r *remoteCand) bool {
	if l.Type == CandidateServerReflexive || l.Type == CandidatePeerReflexive {
		return false
	}
	if a.cfg.RelayOnly && l.Type != CandidateRelay {
		return false
	}
	if l.Protocol != r.Protocol || l.Address.Addr().Is4() != r.Address.Addr().Is4() {
		return false
	}
	if l.Protocol == shared.TCP && !tcpPairable(l, r) {
		return false
	}
	// RFC 8445 §6.1.2.2: a link-local IPv6 address pairs only with link-local.
	return l.base.Addr().IsLinkLocalUnicast() == r.Address.Addr().IsLinkLocalUnicast()
}

// addPair forms a pair (RFC 8445 §6.1.2.2) unless it is not pairable or
// over MaxPairs; with pairable l and r, nil means the limit refused it.
func (a *Agent) addPair(l *localCand, r *remoteCand) *pair {
	if !a.pairable(l, r) {
		return nil
	}
	if p := a.findPair(l.base, r.Address); p != nil {
		return p
	}
	p := &pair{local: l, remote: r}
	p.priority = a.pairPriority(l.Priority, r.Priority)
	if len(a.pairs) >= a.cfg.maxPairs() && !a.evictFor(p) {
		return nil
	}
	// RFC 8445 §6.1.2.6: the first pair of each foundation starts waiting.
	p.state = pairWaiting
	fk := p.foundationKey()
	for _, q := range a.pairs {
		if q.foundationKey() == fk && q.state != pairFailed {
			p.state = pairFrozen
			break
		}
	}
	a.pairs = append(a.pairs, p)
	a.sortPairs()
	a.progress()
	return p
}

// evictFor makes room for p in a full checklist. RFC 8445 §6.1.2.5: keep
// the highest-priority pairs, so the lowest frozen or waiting pair goes if
// p beats it. A pair of a signalled candidate may also evict a pair of a
// peer-reflexive candidate learned from a check that is not valid, whatever
// its priority (the peer chose that priority): checks from new addresses
// must never starve the signalled candidates.
func (a *Agent) evictFor(p *pair) bool {
	worst := -1
	if !p.remote.learned {
		for i, q := range a.pairs {
			if q.remote.learned && !q.valid && q != a.selected && q != a.nominating &&
				(worst < 0 || q.priority < a.pairs[worst].priority) {
				worst = i
			}
		}
	}
	if worst < 0 {
		for i, q := range a.pairs {
			if q.state <= pairWaiting && !q.inTrigger && (worst < 0 || q.priority < a.pairs[worst].priority) {
				worst = i
			}
		}
		if worst < 0 || a.pairs[worst].priority >= p.priority {
			return false
		}
	}
	a.removePair(worst)
	return true
}

// removePair drops pairs[i] with its checks; a triggered-queue entry is
// skipped when it comes up (removed).
func (a *Agent) removePair(i int) {
	q := a.pairs[i]
	q.removed = true
	a.pairs = slices.Delete(a.pairs, i, i+1)
	a.txs = slices.DeleteFunc(a.txs, func(t *transaction) bool { return t.pair == q })
}

func (a *Agent) sortPairs() {
	slices.SortStableFunc(a.pairs, func(x, y *pair) int {
		switch {
		case x.priority > y.priority:
			return -1
		case x.priority < y.priority:
			return 1
		}
		return 0
	})
}

// recomputePriorities runs after a role change (RFC 8445 §7.2.5.1).
func (a *Agent) recomputePriorities() {
	for _, p := range a.pairs {
		lp := p.local.Priority
		if p.validLocal != nil {
			lp = p.validLocal.Priority
		}
		p.priority = a.pairPriority(lp, p.remote.Priority)
	}
	a.sortPairs()
}

// schedule makes sure a paced tick is coming if there is work.
func (a *Agent) schedule() {
	if a.cfg.Lite || a.closed || a.remote.ufrag == "" || !a.nextTick.IsZero() || a.wantTick {
		return
	}
	if a.trigger.Len() > 0 || a.hasWork() {
		a.wantTick = true
	}
}

func (a *Agent) hasWork() bool {
	for _, p := range a.pairs {
		if p.state == pairWaiting || p.state == pairFrozen {
			return true
		}
	}
	return false
}

// tick sends at most one new check (RFC 8445 §6.1.4.2): the head of the
// triggered-check queue, else the highest-priority waiting pair, else a
// frozen pair whose foundation is not being checked.
func (a *Agent) tick(now time.Time) {
	if a.cfg.Lite || a.remote.ufrag == "" {
		return
	}
	p := a.nextPair()
	if p == nil {
		return
	}
	if !a.needsConnect(now, p) {
		use := a.role == RoleControlling && p == a.nominating
		if t := a.checkInFlight(p); t != nil && t.useCandidate == use && p.local.Protocol != shared.TCP {
			// A triggered check on a pair whose check is in progress
			// (RFC 8445 §7.3.1.4): send that check again, in its turn.
			a.stats.Retransmissions++
			if a.send(p.local, p.remote.Address, append(a.buffer(), t.msg...)) != nil {
				a.stats.Dropped++
			}
		} else {
			a.sendCheck(now, p, use)
		}
	}
	a.nextTick = now.Add(a.cfg.ta())
}

func (a *Agent) nextPair() *pair {
	for {
		p, ok := a.trigger.Pop()
		if !ok {
			break
		}
		p.inTrigger = false
		if p.removed {
			continue
		}
		if p.state != pairFailed || p == a.nominating {
			return p
		}
	}
	for _, p := range a.pairs {
		if p.state == pairWaiting {
			return p
		}
	}
	for _, p := range a.pairs {
		if p.state != pairFrozen {
			continue
		}
		fk := p.foundationKey()
		busy := false
		for _, q := range a.pairs {
			if (q.state == pairWaiting || q.state == pairInProgress) && q.foundationKey() == fk {
				busy = true
				break
			}
		}
		if !busy {
			return p
		}
	}
	for _, p := range a.pairs {
		if p.state == pairFrozen {
			return p
		}
	}
	return nil
}

func (a *Agent) enqueueTriggered(p *pair) {
	if p.inTrigger || a.cfg.Lite {
		return
	}
	if a.trigger.Push(p) == nil {
		p.inTrigger = true
	}
	a.schedule()
}

// txKind says what a transaction is for.
type txKind uint8

const (
	txCheck   txKind = iota // connectivity check (RFC 8445 §7.2.4)
	txConsent               // consent freshness (RFC 7675)
	txGather                // srflx discovery from a STUN server (RFC 8445 §5.1.1.2)
)

// transaction is an outstanding Binding request.
type transaction struct {
	id           txID
	role         Role // the role the request claimed
	kind         txKind
	pair         *pair
	local        *localCand // for txGather
	server       netip.AddrPort
	useCandidate bool
	priority     uint32 // PRIORITY we sent, for a prflx local candidate
	msg          []byte
	sent         int
	rto          time.Duration
	deadline     time.Time
	maxSends     int
}

func (a *Agent) newTxID() txID {
	var id txID
	if _, err := io.ReadFull(a.rand, id[:]); err != nil {
		// A broken Rand is a configuration error; fall back to a counter so
		// the agent keeps working deterministically.
		binary.BigEndian.PutUint64(id[4:], a.stats.ChecksSent+a.stats.Retransmissions+1)
	}
	return id
}

// buildCheck builds a connectivity check (RFC 8445 §7.2.2): USERNAME
// "remote:local", PRIORITY of a prflx candidate from this base, the role
// attribute with our tie-breaker, USE-CANDIDATE when nominating,
// MESSAGE-INTEGRITY with the remote password, and FINGERPRINT.
func (a *Agent) buildCheck(id txID, l *localCand, rem credentials, useCandidate bool) ([]byte, uint32) {
	// RFC 8445 §7.2.2: "The PRIORITY attribute MUST be included ... set
	// equal to the priority that would be assigned ... to a
	// peer-reflexive candidate" from this base.
	prio := Priority(CandidatePeerReflexive, uint16(l.Priority>>8), 1)
	if l.Type == CandidateRelay {
		prio = l.Priority // a relayed base is never seen as prflx
	}
	b := stun.NewBuilder(a.buffer(), stun.BindingRequest, stun.TransactionID(id))
	b.AddUsername(rem.ufrag + ":" + a.local.ufrag)
	if a.cfg.Software != "" {
		b.AddSoftware(a.cfg.Software)
	}
	b.AddPriority(prio)
	if a.role == RoleControlling {
		b.AddICEControlling(a.tieBreaker)
	} else {
		b.AddICEControlled(a.tieBreaker)
	}
	if useCandidate {
		b.AddUseCandidate()
	}
	b.AddMessageIntegrity(rem.integrity)
	b.AddFingerprint()
	msg, _ := b.Bytes() // cannot fail: every value is within its limit
	return msg, prio
}

func (a *Agent) sendCheck(now time.Time, p *pair, useCandidate bool) {
	id := a.newTxID()
	msg, prio := a.buildCheck(id, p.local, a.remote, useCandidate)
	t := &transaction{id: id, kind: txCheck, pair: p, useCandidate: useCandidate, priority: prio, role: a.role,
		rto: a.checkRTO(), maxSends: a.cfg.maxTransmissions()}
	if p.local.Protocol == shared.TCP {
		t.rto, t.maxSends = tcpCheckTimeout, 1 // reliable: sent once
	}
	t.msg = append([]byte(nil), msg...)
	if p.state != pairSucceeded {
		p.state = pairInProgress
	}
	a.txs = append(a.txs, t)
	a.stats.ChecksSent++
	a.transmit(now, t, msg)
}

// checkRTO is the first retransmission timeout of a new check (RFC 8445
// §14.3): "RTO = MAX (500ms, Ta * (Num-Waiting + Num-In-Progress))", with
// CheckRTO in place of 500 ms.
func (a *Agent) checkRTO() time.Duration {
	n := 0
	for _, p := range a.pairs {
		if p.state == pairWaiting || p.state == pairInProgress {
			n++
		}
	}
	return min(max(a.cfg.checkRTO(), time.Duration(n)*a.cfg.ta()), a.cfg.maxCheckRTO())
}

func (a *Agent) transmit(now time.Time, t *transaction, msg []byte) {
	t.sent++
	t.deadline = now.Add(t.rto)
	if now.IsZero() {
		// Sent before the agent was told the time: start the timer at the
		// first HandleTimeout.
		t.deadline = time.Time{}
		a.wantTick = true
	}
	var err error
	switch t.kind {
	case txGather:
		err = a.send(t.local, t.server, msg)
	default:
		err = a.send(t.pair.local, t.pair.remote.Address, msg)
	}
	if err != nil {
		a.stats.Dropped++
	}
}

// expireTransactions retransmits or fails transactions whose timer is due.
func (a *Agent) expireTransactions(now time.Time) {
	for i := 0; i < len(a.txs); i++ {
		t := a.txs[i]
		if t.deadline.IsZero() {
			t.deadline = now.Add(t.rto)
			continue
		}
		if now.Before(t.deadline) {
			continue
		}
		if t.sent < t.maxSends {
			t.rto = min(2*t.rto, a.cfg.maxCheckRTO())
			a.stats.Retransmissions++
			a.transmit(now, t, append(a.buffer(), t.msg...))
			continue
		}
		a.txs = slices.Delete(a.txs, i, i+1)
		i--
		a.txFailed(now, t)
	}
}

// checkInFlight returns an outstanding check on p, if any.
func (a *Agent) checkInFlight(p *pair) *transaction {
	for _, t := range a.txs {
		if t.pair == p && t.kind == txCheck {
			return t
		}
	}
	return nil
}

func (a *Agent) removeTx(t *transaction) {
	if i := slices.Index(a.txs, t); i >= 0 {
		a.txs = slices.Delete(a.txs, i, i+1)
	}
}

func (a *Agent) txFailed(now time.Time, t *transaction) {
	switch t.kind {
	case txGather:
		a.checkGatheringDone()
	case txConsent:
		// Consent loss is decided by time since the last response.
	case txCheck:
		p := t.pair
		if a.checkInFlight(p) != nil {
			return // a later check on the pair may still succeed
		}
		if p.state != pairSucceeded {
			p.state = pairFailed
		}
		if a.nominating == p {
			a.nominating = nil
		}
		a.updateState()
	}
}
