package ice

import (
	"encoding/binary"
	"errors"
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
	rtt       time.Duration  // the last round-trip time of a check (0: none yet)
}

func (p *pair) foundationKey() string { return p.local.Foundation + ":" + p.remote.Foundation }

func (p *pair) info() PairInfo {
	l := p.local.Candidate
	if p.validLocal != nil {
		l = p.validLocal.Candidate
	}
	pi := PairInfo{Local: l, Remote: p.remote.Candidate, Priority: p.priority, Nominated: p.nominated, RTT: p.rtt}
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
	for _, t := range slices.Clone(a.txs) {
		if t.pair == q {
			a.removeTx(t)
		}
	}
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
	// msg is the request, kept for a triggered check on a pair whose check
	// is in progress (tick): its timers are the engine's.
	msg  []byte
	sent bool // the engine sent it once already (later sends are retransmissions)
	// sentAt is when it was sent first; rtx says it was retransmitted, so
	// its response gives no RTT sample (Karn's algorithm, RFC 6298 §3).
	sentAt  time.Time
	rtx     bool
	retries int // txGather: how many earlier requests to this server timed out
}

func (a *Agent) newTxID() txID {
	var id txID
	a.txCount++
	// Read into the agent's scratch array: a local array would escape to
	// the heap through the io.Reader (one allocation per request).
	_, err := io.ReadFull(a.rand, a.idScratch[:])
	id = a.idScratch
	if err != nil || a.txByID(id) != nil {
		// A broken or repeating Rand is a configuration error; mix in a
		// counter so IDs stay unique among outstanding requests (the
		// transaction engine refuses a duplicate) and the agent keeps
		// working deterministically.
		binary.BigEndian.PutUint64(id[4:], binary.BigEndian.Uint64(id[4:])^a.txCount)
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
	t := &transaction{id: id, kind: txCheck, pair: p, useCandidate: useCandidate, priority: prio, role: a.role}
	if p.state != pairSucceeded {
		p.state = pairInProgress
	}
	a.stats.ChecksSent++
	a.startTx(now, t, msg, a.txSchedule(a.checkRTO(), a.cfg.maxTransmissions()), p.local.Protocol)
}

// txSchedule is the retransmission schedule of a check, consent check or
// server request: rc transmissions starting rto apart and doubling up to
// MaxCheckRTO, then that wait (RFC 8445 §14.3); over TCP one transmission
// and tcpCheckTimeout.
func (a *Agent) txSchedule(rto time.Duration, rc int) stun.Schedule {
	last := rto
	for i := 1; i < rc && last < a.cfg.maxCheckRTO(); i++ {
		last *= 2
	}
	return stun.Schedule{RTO: rto, MaxRTO: a.cfg.maxCheckRTO(), Rc: rc, LastWait: min(last, a.cfg.maxCheckRTO()), Ti: tcpCheckTimeout}
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

// startTx runs t (its request is msg, handed over) through the STUN
// transaction engine, rtc-stun's Client: RFC 8489 §6.2 retransmissions with
// the schedule of the kind of request, and a timeout event at the end.
// Before the agent was told the time the start waits for the first
// HandleTimeout, so no timer starts from the zero time.
func (a *Agent) startTx(now time.Time, t *transaction, msg []byte, s stun.Schedule, proto shared.TransportProtocol) {
	a.txs = append(a.txs, t)
	if now.IsZero() || t.kind == txCheck {
		// The agent keeps a copy of the request for a deferred start, and
		// of a check for tick to send again as a triggered check; the
		// engine keeps its own for retransmissions. t.msg: nil, or a
		// recycled transaction's.
		t.msg = append(t.msg[:0], msg...)
	}
	if now.IsZero() {
		a.deferred = append(a.deferred, deferredTx{t: t, s: s, proto: proto})
		a.wantTick = true
		a.ReleaseWrite(msg)
		return
	}
	err := a.engine.Start(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Protocol: proto}, Message: msg}, s)
	// The engine copied the request: msg goes back to the free list now,
	// where flushEngine takes it for the first transmission, so a request
	// costs one agent buffer rather than two (issue 18).
	a.ReleaseWrite(msg)
	a.engineStarted(now, t, err)
}

// deferredTx is a request started before the agent knew the time.
type deferredTx struct {
	t     *transaction
	s     stun.Schedule
	proto shared.TransportProtocol
}

// engineStart starts a deferred request (startDeferred).
func (a *Agent) engineStart(now time.Time, t *transaction, s stun.Schedule, proto shared.TransportProtocol) {
	a.engineStarted(now, t, a.engine.Start(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Protocol: proto}, Message: t.msg}, s))
}

// engineStarted sends what the engine queued for a request it was given,
// or fails the request when the engine refused it (err).
func (a *Agent) engineStarted(now time.Time, t *transaction, err error) {
	if err != nil {
		// The engine holds MaxPairs+64 transactions; more is a bug, not
		// input: fail the request as if it timed out.
		a.stats.Dropped++
		a.removeTx(t)
		a.txFailed(now, t)
		return
	}
	a.flushEngine(now)
}

// startDeferred starts the requests made before the first time.
func (a *Agent) startDeferred(now time.Time) {
	d := a.deferred
	a.deferred = nil
	for _, x := range d {
		if slices.Contains(a.txs, x.t) {
			a.engineStart(now, x.t, x.s, x.proto)
		}
	}
}

// flushEngine sends what the transaction engine wants sent, on the path of
// each request (TURN and TCP framing included), and ends the transactions
// that timed out.
func (a *Agent) flushEngine(now time.Time) {
	for {
		tb, ok := a.engine.PollWrite()
		if !ok {
			break
		}
		t := a.txByID(stun.TransactionID(tb.Message[8:20]))
		if t == nil {
			continue // cancelled while queued
		}
		if t.sent {
			a.stats.Retransmissions++
			t.rtx = true
		} else {
			t.sentAt = now
		}
		t.sent = true
		l, peer := t.local, t.server
		if t.kind != txGather {
			l, peer = t.pair.local, t.pair.remote.Address
		}
		// The engine's buffer goes back to it at once; what goes out is
		// the agent's own (given back with ReleaseWrite), so neither
		// allocates in steady state.
		msg := append(a.bufferFor(len(tb.Message)), tb.Message...)
		a.engine.ReleaseWrite(tb.Message)
		if a.send(l, peer, msg) != nil {
			a.stats.Dropped++
		}
	}
	for {
		ev, ok := a.engine.PollEvent()
		if !ok {
			return
		}
		t := a.txByID(ev.TransactionID)
		if t == nil || ev.Kind != stun.EventTimeout {
			continue // responses are handled (and cancelled) by handleResponse
		}
		a.dropTx(t)
		a.txFailed(now, t)
	}
}

// expireTransactions retransmits or fails transactions whose timer is due.
func (a *Agent) expireTransactions(now time.Time) {
	if err := a.engine.HandleTimeout(now); err != nil {
		a.stats.Dropped++ // a full engine queue: what is due stays due
	}
	a.flushEngine(now)
}

// retryFailedPairs starts another round of checks on every failed pair
// when all of them failed, none is selected and the PAC timer (RFC 8863
// §4: FailedTimeout) leaves room for a whole round. RFC 8445 checks a pair
// once (with retransmissions); under heavy loss (40%) every transmission
// of a pair can be lost, and about one connection in seven failed with
// both peers reachable. A new round costs one check per pair per Ta.
func (a *Agent) retryFailedPairs(now time.Time) {
	if a.cfg.Lite || a.selected != nil || a.remote.ufrag == "" || len(a.pairs) == 0 || a.checking() {
		return
	}
	round := time.Duration(a.cfg.maxTransmissions()) * a.cfg.maxCheckRTO()
	if a.pacStart.IsZero() || now.Add(round).After(a.pacStart.Add(a.cfg.failedTimeout())) {
		return // no time left for a whole round: fail on time instead
	}
	for _, p := range a.pairs {
		if p.state == pairFailed && p.connectAt.IsZero() {
			p.state = pairWaiting
		}
	}
	a.stats.RetryRounds++
	a.schedule()
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

// removeTx ends t early: no more retransmissions, no event.
func (a *Agent) removeTx(t *transaction) {
	if a.dropTx(t) {
		// Not yet in the engine when it was deferred; ErrUnknownTransaction
		// is then expected.
		if err := a.engine.HandleEvent(stun.Command{Cancel: t.id}); err != nil && !errors.Is(err, stun.ErrUnknownTransaction) {
			a.stats.Dropped++
		}
	}
}

// dropTx forgets t's bookkeeping; it reports whether t was outstanding.
func (a *Agent) dropTx(t *transaction) bool {
	i := slices.Index(a.txs, t)
	if i < 0 {
		return false
	}
	a.txs = slices.Delete(a.txs, i, i+1)
	return true
}

func (a *Agent) txFailed(now time.Time, t *transaction) {
	switch t.kind {
	case txGather:
		// Under heavy loss all Rc transmissions to the STUN server can be
		// lost (0.64^7 = 4% at 40% loss each way), and without its srflx
		// candidate a peer behind a NAT may be unreachable: ask again, up
		// to gatherRetries more times, before gathering completes; not once
		// a pair is selected (a dead server then only delays completion).
		if t.retries < gatherRetries && !a.closed && a.selected == nil {
			a.startSrflxRetry(now, t.local, t.server, t.retries+1)
			return
		}
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
