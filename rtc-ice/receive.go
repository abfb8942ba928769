package ice

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// HandleRead feeds one datagram that arrived on one of the local addresses
// (Transport.Local) from Transport.Peer. STUN messages are consumed; other
// datagrams from a known pair come out of PollRead. msg.Message is borrowed
// for the duration of the call. Malformed or unauthenticated input is
// counted in Stats.Dropped and reported with an error; the agent is
// unaffected. A response that matches no outstanding transaction (a late
// duplicate) is counted and dropped without an error.
func (a *Agent) HandleRead(msg shared.TaggedBytes) (err error) {
	defer func() { err = a.reportLostEvents(err) }()
	if a.closed {
		return ErrClosed
	}
	now := a.clock.Advance(msg.Now)
	tr := msg.Transport
	tr.Local = netip.AddrPortFrom(tr.Local.Addr().Unmap(), tr.Local.Port())
	tr.Peer = netip.AddrPortFrom(tr.Peer.Addr().Unmap(), tr.Peer.Port())
	if !a.cfg.peerAllowed(tr.Peer.Addr()) && !a.isServer(tr.Peer) {
		a.stats.Ignored++
		return nil
	}
	// A STUN server's answer to srflx gathering comes first, even when the
	// STUN server is also our TURN server.
	if stun.IsMessage(msg.Message) && msg.Message[0]&0x01 == 0x01 {
		if t := a.txByID(stun.TransactionID(msg.Message[8:20])); t != nil && t.kind == txGather {
			if l := a.localByBase(tr.Local); l != nil {
				err = a.receive(now, l, tr.Peer, msg.Message)
				a.updateState()
				return err
			}
		}
	}
	// Datagrams from a TURN server we allocated on go to its client.
	for _, r := range a.relays {
		if r.socket == tr.Local && r.server == tr.Peer {
			err := r.client.HandleRead(shared.TaggedBytes{Now: now, Transport: tr, Message: msg.Message})
			a.drainRelay(r)
			a.maybeNominate(now)
			a.updateState()
			return err
		}
	}
	if tr.Protocol == shared.TCP {
		err := a.handleTCP(now, tr, msg.Message)
		a.maybeNominate(now)
		a.updateState()
		return err
	}
	l := a.localByBase(tr.Local)
	if l == nil {
		a.stats.Dropped++
		return ErrUnknownLocalAddress
	}
	err = a.receive(now, l, tr.Peer, msg.Message)
	a.maybeNominate(now)
	a.updateState()
	return err
}

// isServer reports whether addr is a configured STUN or TURN server.
func (a *Agent) isServer(addr netip.AddrPort) bool {
	for _, s := range a.cfg.STUNServers {
		if netip.AddrPortFrom(s.Addr().Unmap(), s.Port()) == addr {
			return true
		}
	}
	for _, s := range a.cfg.TURNServers {
		if netip.AddrPortFrom(s.Address.Addr().Unmap(), s.Address.Port()) == addr {
			return true
		}
	}
	return false
}

func (a *Agent) localByBase(base netip.AddrPort) *localCand {
	for _, l := range a.locals {
		if l.base == base && (l.Type == CandidateHost || l.Type == CandidateRelay) {
			return l
		}
	}
	return nil
}

// receive handles one datagram that arrived at local candidate l from peer.
func (a *Agent) receive(now time.Time, l *localCand, peer netip.AddrPort, b []byte) error {
	if !stun.IsMessage(b) {
		return a.receiveData(now, l, peer, b)
	}
	err := a.receiveSTUN(now, l, peer, b)
	// a.msg.Raw aliases the caller's datagram, which the caller reuses or
	// lets go once HandleRead returns: the parse scratch must not keep it
	// alive for the agent's idle life (issue 18).
	a.msg.Raw = nil
	return err
}

// receiveSTUN parses a STUN message into a.msg and handles it.
func (a *Agent) receiveSTUN(now time.Time, l *localCand, peer netip.AddrPort, b []byte) error {
	m := &a.msg
	if err := stun.Parse(b, m); err != nil {
		a.stats.Dropped++
		return ErrBadMessage
	}
	if m.HasFingerprint() && m.CheckFingerprint() != nil {
		a.stats.Dropped++
		return ErrBadMessage
	}
	switch m.Type {
	case stun.BindingRequest:
		return a.handleRequest(now, l, peer, m)
	case stun.BindingSuccess, stun.BindingError:
		return a.handleResponse(now, l, peer, m)
	case stun.BindingIndication:
		// A keepalive (RFC 8445 §11); nothing to answer.
		if p := a.pairFor(l.base, peer); p != nil {
			p.lastHeard = now
		}
		return nil
	}
	a.stats.Dropped++
	return ErrBadMessage
}

// pairFor finds the pair a datagram from peer on base belongs to, including
// the selected pair kept across a restart.
func (a *Agent) pairFor(base, peer netip.AddrPort) *pair {
	if s := a.selected; s != nil && s.local.base == base && s.remote.Address == peer {
		return s
	}
	return a.findPair(base, peer)
}

func (a *Agent) receiveData(now time.Time, l *localCand, peer netip.AddrPort, b []byte) error {
	p := a.pairFor(l.base, peer)
	if p == nil {
		a.stats.Dropped++
		return ErrUnknownPeer
	}
	p.lastHeard = now
	data := append(a.bufferFor(len(b)), b...)
	local := l.base
	if l.Protocol == shared.TCP {
		if c := a.tcpConns[peer]; c != nil {
			local = c.local
		}
	}
	err := a.reads.Push(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{
		Local: local, Peer: peer, Protocol: l.Protocol}, Message: data})
	if err != nil {
		a.stats.Dropped++
		return err
	}
	a.stats.DataReceived++
	return nil
}

// handleRequest answers a connectivity check (RFC 8445 §7.3).
func (a *Agent) handleRequest(now time.Time, l *localCand, peer netip.AddrPort, m *stun.Message) error {
	// RFC 8445 §7: "the FINGERPRINT mechanism MUST be used for connectivity
	// checks". Without it the request may not even be ICE: drop it unanswered.
	if !m.HasFingerprint() {
		a.stats.Dropped++
		return ErrBadMessage
	}
	creds := a.local
	user, err := m.Username()
	if err != nil || !m.HasIntegrity() {
		// RFC 8489 §9.1.3: missing USERNAME or MESSAGE-INTEGRITY is a 400.
		a.stats.Dropped++
		a.respondError(l, peer, m, stun.CodeBadRequest, creds, false)
		return ErrBadMessage
	}
	creds, ok := a.credsForUsername(user)
	if !ok {
		a.stats.Dropped++
		a.respondError(l, peer, m, stun.CodeUnauthorized, a.local, false)
		return ErrBadMessage
	}
	if creds.integrity.Check(m) != nil {
		a.stats.Dropped++
		a.respondError(l, peer, m, stun.CodeUnauthorized, creds, false)
		return ErrBadMessage
	}
	// RFC 8489 §6.3.1: "If the request contains one or more unknown
	// comprehension-required attributes, the server replies with an error
	// response with an error code of 420 (Unknown Attribute) and includes
	// an UNKNOWN-ATTRIBUTES attribute in the response that lists the
	// unknown comprehension-required attributes."
	if a.unknown = m.UnknownRequired(a.unknown[:0]); len(a.unknown) > 0 {
		a.stats.Dropped++
		a.respondError(l, peer, m, stun.CodeUnknownAttribute, creds, true)
		return ErrBadMessage
	}
	prio, err := m.Priority()
	if err != nil {
		a.stats.Dropped++
		a.respondError(l, peer, m, stun.CodeBadRequest, creds, true)
		return ErrBadMessage
	}
	a.stats.RequestsReceived++
	// RFC 8445 §7.3.1.1: repair role conflicts.
	if tb, err := m.ICEControlling(); err == nil && a.role == RoleControlling {
		a.stats.RoleConflicts++
		defer a.redrawTieBreakerIfEqual(tb)
		// "If the agent's tie-breaker value is larger than or equal to the
		// contents of the ICE-CONTROLLING attribute, the agent generates a
		// Binding error response ... 487 (Role Conflict)".
		if a.tieBreaker >= tb {
			a.respondError(l, peer, m, stun.CodeRoleConflict, creds, true)
			return nil
		}
		a.switchRole(RoleControlled)
	} else if tb, err := m.ICEControlled(); err == nil && a.role == RoleControlled {
		a.stats.RoleConflicts++
		defer a.redrawTieBreakerIfEqual(tb)
		// "If the agent's tie-breaker value is larger than or equal to the
		// contents of the ICE-CONTROLLED attribute, the agent switches to
		// the controlling role."
		if a.tieBreaker >= tb {
			a.switchRole(RoleControlling)
		} else {
			a.respondError(l, peer, m, stun.CodeRoleConflict, creds, true)
			return nil
		}
	}
	if creds.ufrag != a.local.ufrag {
		// A check of the previous session keeps the old pair alive; it has
		// no other pair to answer on.
		p := a.pairFor(l.base, peer)
		if p == nil {
			a.stats.Dropped++
			return ErrUnknownPeer
		}
		a.respondSuccess(l, peer, m, creds)
		p.lastHeard = now
		return nil
	}
	// Find or form the pair first: a check from an address we refuse to
	// pair is not answered, or the peer would select a pair we never check
	// (RFC 8445 §7.3.1.3: the response, the prflx candidate and the
	// triggered check go together).
	p, err := a.pairForCheck(l, peer, prio)
	if p == nil {
		a.stats.Dropped++
		return err
	}
	a.respondSuccess(l, peer, m, creds)
	a.learnFromRequest(now, p, m.UseCandidate())
	return nil
}

// credsForUsername finds the session a check's USERNAME names. RFC 8445
// §7.3: USERNAME is "local-ufrag:remote-ufrag" for us, matched exactly once
// the remote ufrag is known (by SDP or trickle). Before that, a check that
// beat the answer is taken with any non-empty remote part without a colon.
// During a restart, the previous session's checks (ours or the peer's) are
// answered with the credentials they were made with.
func (a *Agent) credsForUsername(user []byte) (credentials, bool) {
	switch {
	case usernameIs(user, a.local.ufrag, a.remote.ufrag):
		return a.local, true
	case !a.restarting:
		return credentials{}, false
	case a.prevRemote.ufrag != "" && usernameIs(user, a.local.ufrag, a.prevRemote.ufrag):
		return a.local, true // the peer restarted; its old session's consent
	case a.prevLocal.ufrag != "" && a.prevRemote.ufrag != "" && usernameIs(user, a.prevLocal.ufrag, a.prevRemote.ufrag):
		return a.prevLocal, true // we restarted; the old session's consent
	}
	return credentials{}, false
}

// usernameIs reports whether user is "local:remote", or "local:<x>" with x
// non-empty and without a colon when remote is not known yet.
func usernameIs(user []byte, local, remote string) bool {
	if len(user) <= len(local) || user[len(local)] != ':' || string(user[:len(local)]) != local {
		return false
	}
	rest := user[len(local)+1:]
	if remote != "" {
		return string(rest) == remote
	}
	return len(rest) > 0 && bytes.IndexByte(rest, ':') < 0
}

// pairForCheck finds the pair a check from peer on l belongs to, or forms
// it with a peer-reflexive remote candidate for an unknown source (RFC 8445
// §7.3.1.3). Peer-reflexive candidates have their own budget
// (MaxPeerReflexive), so checks from many new addresses never use up the
// room for signalled candidates. It returns nil and the reason when the
// pair is refused.
func (a *Agent) pairForCheck(l *localCand, peer netip.AddrPort, prio uint32) (*pair, error) {
	if p := a.findPair(l.base, peer); p != nil {
		return p, nil
	}
	r := a.remoteByAddr(peer)
	isNew := r == nil
	if isNew {
		if a.learnedRemotes() >= a.cfg.maxPeerReflexive() {
			a.refuse(Candidate{Component: 1, Protocol: l.Protocol, Priority: prio, Address: peer, Type: CandidatePeerReflexive})
			return nil, ErrCandidateLimit
		}
		r = &remoteCand{learned: true, Candidate: Candidate{
			Foundation: foundation(CandidatePeerReflexive, peer.Addr(), netip.Addr{}, l.Protocol),
			Component:  1,
			Protocol:   l.Protocol,
			Priority:   prio,
			Address:    peer,
			Type:       CandidatePeerReflexive,
		}}
	}
	if !a.pairable(l, r) {
		return nil, ErrUnknownPeer // RelayOnly, or another family
	}
	p := a.addPair(l, r)
	if p == nil {
		a.refuse(r.Candidate)
		return nil, ErrCandidateLimit
	}
	if isNew {
		a.remotes = append(a.remotes, r)
	}
	return p, nil
}

// learnedRemotes counts the remote candidates learned from checks
// (peer-reflexive, not signalled).
func (a *Agent) learnedRemotes() int {
	n := 0
	for _, r := range a.remotes {
		if r.learned {
			n++
		}
	}
	return n
}

// refuse counts a candidate (or its pair) refused by a limit, and reports
// the first of the session with EventCandidateRefused.
func (a *Agent) refuse(c Candidate) {
	a.stats.CandidatesRefused++
	if !a.refusedReported {
		a.refusedReported = true
		a.pushEvent(Event{Kind: EventCandidateRefused, Candidate: c})
	}
}

// learnFromRequest does the checklist side of an incoming check on p: a
// triggered check (RFC 8445 §7.3.1.4) and nomination by USE-CANDIDATE
// (§7.3.1.5).
func (a *Agent) learnFromRequest(now time.Time, p *pair, useCandidate bool) {
	a.progress()
	p.lastHeard = now
	if a.cfg.Lite {
		// RFC 8445 §7.3.2 (lite): the pair is valid when a check arrives;
		// USE-CANDIDATE nominates it.
		p.state = pairSucceeded
		p.valid = true
		if useCandidate && !p.nominated {
			a.setNominated(now, p)
		}
		return
	}
	if useCandidate && a.role == RoleControlled {
		if p.state == pairSucceeded && p.valid {
			if !p.nominated {
				a.setNominated(now, p)
			}
		} else {
			p.nominateOnSuccess = true
		}
	}
	switch p.state {
	case pairSucceeded:
		// RFC 8445 §7.3.1.4: no triggered check for a succeeded pair.
	case pairInProgress:
		// RFC 8445 §7.3.1.4 cancels the check in progress and queues a
		// triggered one. The triggered queue is paced by Ta like every new
		// check (§6.1.4.2), so a peer checking every few milliseconds cannot
		// make us send more than one check per Ta; when its turn comes, the
		// check in progress is sent again (tick), which the peer sees just
		// as soon, and a slow path cannot starve its own checks.
		if a.remote.ufrag != "" {
			a.enqueueTriggered(p)
		}
	case pairFailed, pairFrozen, pairWaiting:
		p.state = pairWaiting
		if a.remote.ufrag != "" {
			a.enqueueTriggered(p)
		}
	}
}

func (a *Agent) remoteByAddr(addr netip.AddrPort) *remoteCand {
	for _, r := range a.remotes {
		if r.Address == addr {
			return r
		}
	}
	return nil
}

// redrawTieBreakerIfEqual draws a new tie-breaker when the peer's equals
// ours. RFC 8445 §7.3.1.1 resolves equal values the same way on both sides,
// so two agents with equal tie-breakers (by chance, 2^-64, or because a peer
// echoes ours) swap roles in lockstep forever; a fresh value from Rand
// decides the next conflict.
func (a *Agent) redrawTieBreakerIfEqual(peer uint64) {
	if peer != a.tieBreaker {
		return
	}
	var b [8]byte
	if _, err := io.ReadFull(a.rand, b[:]); err != nil {
		a.tieBreaker = ^a.tieBreaker // a broken Rand: still break the tie
		return
	}
	a.tieBreaker = binary.BigEndian.Uint64(b[:])
}

func (a *Agent) switchRole(r Role) {
	if a.role == r {
		return
	}
	a.role = r
	a.recomputePriorities()
	a.pushEvent(Event{Kind: EventRoleChanged, Role: r})
}

// respondSuccess sends the Binding success response (RFC 8445 §7.3.1.2):
// XOR-MAPPED-ADDRESS of the source, MESSAGE-INTEGRITY with the local
// password, FINGERPRINT. It allocates nothing when the caller recycles
// write buffers with ReleaseWrite.
func (a *Agent) respondSuccess(l *localCand, peer netip.AddrPort, m *stun.Message, creds credentials) {
	b := stun.NewBuilder(a.buffer(), stun.BindingSuccess, m.TransactionID)
	b.AddXORMappedAddress(peer)
	b.AddMessageIntegrity(creds.integrity)
	b.AddFingerprint()
	if msg, err := b.Bytes(); err != nil || a.send(l, peer, msg) != nil {
		a.stats.Dropped++
	}
}

// respondError sends a Binding error response with code; a 420 lists the
// attributes UnknownRequired left in a.unknown. With auth it carries
// MESSAGE-INTEGRITY (RFC 8489 §9.1.3: not on 400/401 answers to requests
// that failed authentication).
func (a *Agent) respondError(l *localCand, peer netip.AddrPort, m *stun.Message, code stun.ErrorCode, creds credentials, auth bool) {
	b := stun.NewBuilder(a.buffer(), stun.BindingError, m.TransactionID)
	b.AddErrorCode(code, "")
	if code == stun.CodeUnknownAttribute {
		b.AddUnknownAttributes(a.unknown)
	}
	if auth {
		b.AddMessageIntegrity(creds.integrity)
	}
	b.AddFingerprint()
	if msg, err := b.Bytes(); err != nil || a.send(l, peer, msg) != nil {
		a.stats.Dropped++
	}
}

func (a *Agent) txByID(id txID) *transaction {
	for _, t := range a.txs {
		if t.id == id {
			return t
		}
	}
	return nil
}

// handleResponse processes a Binding response (RFC 8445 §7.2.5).
func (a *Agent) handleResponse(now time.Time, l *localCand, peer netip.AddrPort, m *stun.Message) error {
	t := a.txByID(m.TransactionID)
	if t == nil {
		// A late duplicate (the answer to a retransmission of a check that
		// already succeeded) is normal on any network; a spoofed response
		// looks the same. Either way: counted, dropped, not an error.
		a.stats.Dropped++
		return nil
	}
	if t.kind == txGather {
		return a.handleGatherResponse(now, t, m)
	}
	rem := a.remote
	if t.kind == txConsent && a.restarting && a.prevRemote.ufrag != "" {
		rem = a.prevRemote
	}
	if rem.integrity == nil || rem.integrity.Check(m) != nil {
		a.stats.Dropped++
		return ErrBadMessage
	}
	a.removeTx(t)
	a.stats.ResponsesReceived++
	p := t.pair
	// RFC 8445 §7.2.5.2.1: the response must come back on the same path.
	if p.local.base != l.base || p.remote.Address != peer {
		if t.kind == txCheck && p.state != pairSucceeded {
			p.state = pairFailed
		}
		return nil
	}
	p.lastHeard = now
	if m.Type == stun.BindingError {
		code, _, _ := m.ErrorCode()
		if code == stun.CodeRoleConflict && t.kind == txCheck {
			// RFC 8445 §7.2.5.1: switch role (unless it already
			// switched since the request) and check again.
			if t.role == a.role {
				if a.role == RoleControlling {
					a.switchRole(RoleControlled)
				} else {
					a.switchRole(RoleControlling)
				}
			}
			p.state = pairWaiting
			a.enqueueTriggered(p)
			return nil
		}
		if t.kind == txCheck && p.state != pairSucceeded {
			p.state = pairFailed
		}
		return nil
	}
	if t.kind == txConsent {
		a.consentOK(now, p)
		return nil
	}
	mapped, err := m.XORMappedAddress()
	if err != nil {
		mapped, err = m.MappedAddress()
	}
	if err != nil {
		if p.state != pairSucceeded {
			p.state = pairFailed
		}
		return ErrBadMessage
	}
	a.checkSucceeded(now, t, p, mapped)
	return nil
}

// checkSucceeded marks the pair valid (RFC 8445 §7.2.5.3).
func (a *Agent) checkSucceeded(now time.Time, t *transaction, p *pair, mapped netip.AddrPort) {
	mapped = netip.AddrPortFrom(mapped.Addr().Unmap(), mapped.Port())
	// RFC 8445 §7.2.5.3.1: a mapped address that is no local candidate is
	// a peer-reflexive local candidate with the priority we sent.
	var vl *localCand
	for _, l := range a.locals {
		if l.Address == mapped && l.Protocol == p.local.Protocol {
			vl = l
			break
		}
	}
	if vl == nil && p.local.relay == nil && len(a.locals) < a.cfg.maxCandidates() {
		vl = &localCand{base: p.local.base}
		vl.Candidate = Candidate{
			Foundation: foundation(CandidatePeerReflexive, p.local.base.Addr(), netip.Addr{}, p.local.Protocol),
			Component:  1,
			Protocol:   p.local.Protocol,
			Priority:   t.priority,
			Address:    mapped,
			Type:       CandidatePeerReflexive,
			Related:    p.local.base,
		}
		a.locals = append(a.locals, vl)
	}
	if vl != nil && vl != p.local {
		p.validLocal = vl
		p.priority = a.pairPriority(vl.Priority, p.remote.Priority)
		a.sortPairs()
	}
	p.state = pairSucceeded
	p.valid = true
	if !t.rtx && !t.sentAt.IsZero() && now.After(t.sentAt) {
		p.rtt = now.Sub(t.sentAt)
	}
	if a.firstValid.IsZero() {
		a.firstValid = now
	}
	// RFC 8445 §7.2.5.3.3: unfreeze pairs of the same foundation.
	fk := p.foundationKey()
	for _, q := range a.pairs {
		if q.state == pairFrozen && q.foundationKey() == fk {
			q.state = pairWaiting
		}
	}
	switch {
	case t.useCandidate && a.role == RoleControlling:
		a.setNominated(now, p)
	case p.nominateOnSuccess && a.role == RoleControlled:
		p.nominateOnSuccess = false
		a.setNominated(now, p)
	}
	// RFC 8445 §8.1.1: "Once the controlling agent has successfully
	// nominated a candidate pair, the agent MUST NOT nominate another pair
	// for same component of the data stream within the ICE session." A
	// better pair that succeeds later is not nominated: doing it made the
	// controlled side switch on the nominating check while the controlling
	// side switched only on its response, so under loss the two selected
	// different pairs ("pairs disagree").
	a.updateSelected(now)
	a.schedule()
}
