package ice

import (
	"encoding/binary"
	"io"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
)

// localCand is a local candidate with where its packets physically leave.
type localCand struct {
	Candidate
	// base is the address checks on this candidate come from as the peer
	// sees them before NAT: the host address, or the relayed address.
	base netip.AddrPort
	// relay is set for relayed candidates: the allocation carrying them.
	relay *relayAlloc
}

type remoteCand struct {
	Candidate
	// learned: a peer-reflexive candidate learned from a check (RFC 8445
	// §7.3.1.3), counted against MaxPeerReflexive; false once signalled.
	learned bool
}

// credentials of one ICE session (RFC 8445 §5.3).
type credentials struct {
	ufrag, pwd string
	integrity  *stun.Integrity // HMAC keyed with pwd (RFC 8489 §9.1.1)
}

func newCreds(ufrag, pwd string) credentials {
	// ICE passwords are ice-chars (ASCII), so the short-term key is the
	// password's bytes (RFC 8445 §7.2.2).
	return credentials{ufrag: ufrag, pwd: pwd, integrity: stun.NewIntegrity([]byte(pwd))}
}

// Agent is an ICE agent for one component (WebRTC with rtcp-mux and BUNDLE
// needs exactly one). It never touches a socket: the caller tells it its
// local addresses, feeds it every datagram that arrives on them, and sends
// every datagram it polls from the address that datagram names.
type Agent struct {
	cfg   Config
	rand  io.Reader
	clock shared.Clock

	tieBreaker uint64
	local      credentials
	remote     credentials
	prevLocal  credentials // answered during an ICE restart
	prevRemote credentials // used for consent on the old pair during a restart
	// pacStart is when checks could start: the remote credentials were set
	// (RFC 8863 §4 starts the PAC timer then).
	pacStart time.Time
	// progressAt is the last sign that a pair may still become usable: the
	// remote credentials, a new pair, the peer's check. See failDeadline.
	progressAt time.Time

	locals  []*localCand
	remotes []*remoteCand
	pending []*remoteCand // remote candidates waiting for name resolution
	pairs   []*pair
	trigger shared.Queue[*pair]
	txs     []*transaction // outstanding requests (their timers: engine)
	// engine is the one STUN transaction machine (rtc-stun's Client) that
	// retransmits and times out every request the agent sends.
	engine   *stun.Client
	deferred []deferredTx // started before the agent knew the time
	txCount  uint64       // requests made, to keep IDs unique (newTxID)
	// consentTx is the latest consent check's transaction, recycled by the
	// next one.
	consentTx *transaction

	awaitServers int   // server names the caller still resolves (AddServers)
	selected     *pair // see selNominated below
	nominated    *pair // the pair nominated in this session
	nominating   *pair // controlling: nomination check in flight
	firstValid   time.Time
	nextTick     time.Time // pacing (Ta); zero = idle (see wantTick)
	consentAt    time.Time // next consent check on the selected pair
	lastConsent  time.Time // last consent response on the selected pair
	pendingSince time.Time // first unanswered consent check since the last response
	relays       []*relayAlloc
	tcpConns     map[netip.AddrPort]*tcpConn // TCP connections by remote address

	out    shared.Queue[shared.TaggedBytes]
	events shared.EventQueue[Event]
	reads  shared.Queue[shared.TaggedBytes]
	free   shared.FreeList // returned write buffers (ReleaseWrite)

	msg     stun.Message
	unknown []stun.AttrType
	stats   Stats

	// The small fields, together so that the struct has no padding (issue
	// 18: 1408 bytes, a 1408-byte size class; 1448 and 1536 before).
	// idScratch receives newTxID's and scheduleConsent's random bytes.
	idScratch  txID
	role       Role
	restarting bool
	// refusedReported: EventCandidateRefused went out this session.
	refusedReported bool
	gatherState     GatheringState
	hostsDone       bool
	selNominated    bool // the nomination flag last reported for selected
	remoteEOC       bool
	connState       ConnectionState
	wantTick        bool
	consentLost     bool
	closed          bool
}

// NewAgent returns an agent in state new. Credentials come from the config
// or from Config.Rand.
func NewAgent(cfg Config) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Agent{cfg: cfg, rand: cfg.rand(), role: cfg.Role, awaitServers: cfg.AwaitServers}
	a.clock.Advance(cfg.Now)
	if cfg.Lite {
		a.role = RoleControlled
	}
	ufrag, pwd := cfg.LocalUfrag, cfg.LocalPassword
	var err error
	if ufrag == "" {
		if ufrag, err = randomICEString(a.rand, 8); err != nil {
			return nil, err
		}
	}
	if pwd == "" {
		if pwd, err = randomICEString(a.rand, 24); err != nil {
			return nil, err
		}
	}
	if !validUfrag(ufrag) || !validPwd(pwd) {
		return nil, ErrBadCredentials
	}
	a.local = newCreds(ufrag, pwd)
	var tb [8]byte
	if _, err := io.ReadFull(a.rand, tb[:]); err != nil {
		return nil, err
	}
	a.tieBreaker = binary.BigEndian.Uint64(tb[:])
	q := cfg.maxQueue()
	a.out = shared.NewQueue[shared.TaggedBytes](q)
	a.events = shared.NewEventQueue[Event](q)
	a.events.SetName("ice events")
	a.reads = shared.NewQueue[shared.TaggedBytes](q)
	a.trigger = shared.NewQueue[*pair](cfg.maxPairs())
	a.engine = stun.NewClient(stun.Config{MaxTransactions: cfg.maxPairs() + 64})
	return a, nil
}

const iceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func randomICEString(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = iceChars[b[i]&63]
	}
	return string(b), nil
}

// RFC 8839 §5.4: ice-ufrag is 4-256 ice-chars, ice-pwd 22-256.
func validUfrag(s string) bool { return len(s) >= 4 && len(s) <= 256 && isICEChars(s) }
func validPwd(s string) bool   { return len(s) >= 22 && len(s) <= 256 && isICEChars(s) }

// LocalCredentials returns the local ufrag and password for the SDP
// (a=ice-ufrag, a=ice-pwd).
func (a *Agent) LocalCredentials() (ufrag, pwd string) { return a.local.ufrag, a.local.pwd }

// Role returns the current role.
func (a *Agent) Role() Role { return a.role }

// Lite reports whether this is an ICE-lite agent (for a=ice-lite).
func (a *Agent) Lite() bool { return a.cfg.Lite }

// ConnectionState returns the current W3C connection state.
func (a *Agent) ConnectionState() ConnectionState { return a.connState }

// GatheringState returns the current W3C gathering state.
func (a *Agent) GatheringState() GatheringState { return a.gatherState }

// Stats returns counters.
func (a *Agent) Stats() Stats { return a.stats }

// SelectedPair returns the pair data goes out on, if any.
func (a *Agent) SelectedPair() (PairInfo, bool) {
	if a.selected == nil {
		return PairInfo{}, false
	}
	return a.selected.info(), true
}

// LocalCandidates returns the local candidates gathered so far.
func (a *Agent) LocalCandidates() []Candidate {
	out := make([]Candidate, 0, len(a.locals))
	for _, l := range a.locals {
		if l.Type != CandidatePeerReflexive {
			out = append(out, l.Candidate)
		}
	}
	return out
}

// SetRole sets the role before checks start (for example from the SDP
// offer/answer, RFC 8445 §6.1.1). A lite agent stays controlled.
func (a *Agent) SetRole(r Role) {
	if a.cfg.Lite || r == a.role {
		return
	}
	a.role = r
	a.recomputePriorities()
}

// SetRemoteCredentials sets the remote ufrag and password (a=ice-ufrag,
// a=ice-pwd). After Restart, a new ufrag starts the new session's checks.
func (a *Agent) SetRemoteCredentials(ufrag, pwd string) error {
	if a.closed {
		return ErrClosed
	}
	if len(ufrag) == 0 || len(ufrag) > 256 || len(pwd) == 0 || len(pwd) > 256 {
		return ErrBadCredentials
	}
	if a.remote.ufrag == ufrag && a.remote.pwd == pwd {
		return nil
	}
	if a.remote.ufrag != "" && a.remote.ufrag != ufrag && !a.restarting {
		// The peer restarted ICE (RFC 8445 §9): start over, keeping data
		// on the selected pair until the new session selects one.
		a.beginRestart(false)
	}
	a.remote = newCreds(ufrag, pwd)
	a.pacStart = a.clock.Now()
	a.progress()
	a.schedule()
	a.updateState()
	return nil
}

// AddLocalAddress tells the agent about a local transport address the
// caller can send from and receive on (a host candidate, RFC 8445 §5.1.1.1).
// With STUN or TURN servers configured, gathering srflx and relayed
// candidates from it starts too. Call EndOfLocalAddresses after the last.
func (a *Agent) AddLocalAddress(addr netip.AddrPort, proto shared.TransportProtocol) error {
	if a.closed {
		return ErrClosed
	}
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	if !addr.IsValid() || addr.Port() == 0 {
		return ErrUnsupported
	}
	for _, l := range a.locals {
		if l.Type == CandidateHost && l.base == addr && l.Protocol == proto {
			return ErrDuplicateCandidate
		}
	}
	if proto == shared.TCP {
		if a.gatherState == GatheringNew || a.gatherState == GatheringComplete {
			a.setGatherState(GatheringGathering)
		}
		return a.addTCPHost(addr)
	}
	if len(a.locals) >= a.cfg.maxCandidates() {
		return ErrCandidateLimit
	}
	if a.gatherState == GatheringNew || a.gatherState == GatheringComplete {
		a.setGatherState(GatheringGathering)
	}
	c := &localCand{base: addr}
	c.Candidate = Candidate{
		Foundation: foundation(CandidateHost, addr.Addr(), netip.Addr{}, proto),
		Component:  1,
		Protocol:   proto,
		Address:    addr,
		Type:       CandidateHost,
	}
	c.Priority = Priority(CandidateHost, a.localPreference(addr.Addr()), 1)
	a.locals = append(a.locals, c)
	if !a.cfg.RelayOnly {
		a.emitCandidate(c)
		for _, r := range a.remotes {
			a.addPair(c, r)
		}
	}
	if !a.cfg.Lite {
		a.startGathering(c)
	}
	a.schedule()
	a.checkGatheringDone()
	return nil
}

// localPreference implements RFC 8421 §4: addresses are preferred in the
// order the caller adds them, with IPv6 and IPv4 interleaved, IPv6 first:
// the i-th IPv6 address gets 65535-2i and the i-th IPv4 address 65534-2i,
// whatever order the families arrive in.
func (a *Agent) localPreference(ip netip.Addr) uint16 {
	rank := 0
	for _, l := range a.locals {
		if l.Type == CandidateHost && l.Address.Addr().Is4() == ip.Is4() {
			rank++
		}
	}
	pref := 65535 - 2*rank
	if ip.Is4() {
		pref--
	}
	return uint16(max(pref, 0))
}

// EndOfLocalAddresses says every local address has been added; gathering
// completes once the STUN and TURN servers have answered or timed out.
func (a *Agent) EndOfLocalAddresses() {
	a.hostsDone = true
	if a.gatherState == GatheringNew {
		a.setGatherState(GatheringGathering)
	}
	a.checkGatheringDone()
}

// Restart starts an ICE restart (RFC 8445 §9) with new local credentials
// drawn from Config.Rand: local candidates are signalled again, and data
// stays on the selected pair until the new session selects one. Give the
// peer the new credentials, then call SetRemoteCredentials with its new ones.
func (a *Agent) Restart() error {
	if a.closed {
		return ErrClosed
	}
	return a.beginRestart(true)
}

// HandleEvent applies a Command; it is the same as calling the method of
// the same name.
func (a *Agent) HandleEvent(c Command) (err error) {
	defer func() { err = a.reportLostEvents(err) }()
	if a.closed {
		return ErrClosed
	}
	switch c.Kind {
	case CmdAddLocalAddress:
		return a.AddLocalAddress(c.Address, c.Protocol)
	case CmdEndOfLocalAddresses:
		a.EndOfLocalAddresses()
	case CmdAddRemoteCandidate:
		return a.AddRemoteCandidate(c.Candidate)
	case CmdEndOfRemoteCandidates:
		a.EndOfRemoteCandidates()
	case CmdSetRemoteCredentials:
		return a.SetRemoteCredentials(c.Ufrag, c.Password)
	case CmdResolveHostname:
		return a.ResolveHostname(c.Hostname, c.Address.Addr())
	case CmdRestart:
		return a.Restart()
	default:
		return ErrUnsupported
	}
	return nil
}

// PollEvent returns the next event.
func (a *Agent) PollEvent() (Event, bool) { return a.events.Pop() }

// PollWrite returns the next datagram to send: send Message from
// Transport.Local to Transport.Peer. The bytes belong to the caller; handing
// them back with ReleaseWrite after sending lets the agent reuse them.
func (a *Agent) PollWrite() (shared.TaggedBytes, bool) { return a.out.Pop() }

// ReleaseWrite gives a buffer returned by PollWrite back to the agent for
// reuse, once the caller has sent it and will not touch it again. Optional:
// it only saves allocations.
func (a *Agent) ReleaseWrite(b []byte) { a.free.Put(b, bufferBounds) }

// ReleaseIdle gives back what the agent keeps only for reuse: the buffers
// handed back with ReleaseWrite (up to 32, of up to 128 KiB for relayed
// datagrams) and the storage of its empty queues (shared.Queue.Release).
// Nothing queued is touched and no ICE state changes. The owner calls it
// when the connection has been idle a while (rtc: shared.IdleAfter without
// a DTLS record); consent checks then take back what they use (a buffer
// and a queue slot or two each way) once, and allocate nothing after that.
func (a *Agent) ReleaseIdle() {
	a.free.Clear()
	a.free = nil
	a.out.Release()
	a.reads.Release()
	a.trigger.Release()
	a.events.Release()
}

// bufferBounds: the agent keeps up to 32 released buffers of 128 bytes to
// 128 KiB (a relayed datagram of up to 64 KiB fits; larger ones are let go).
var bufferBounds = shared.BufferBounds{Count: 32, MinCap: 128, MaxCap: 128 << 10}

// buffer returns a buffer for a STUN message the agent builds. 128 bytes
// hold a connectivity or consent check with ufrags of up to 20 characters
// each (about 100 bytes with 8-character ones: RFC 8445 §7.2.2's
// attributes) and its response (76 bytes with an IPv6 address), which is
// what an idle connection keeps (issue 18); a longer message grows the
// buffer once, and the bigger buffer is then reused.
func (a *Agent) buffer() []byte { return a.bufferFor(128) }

// bufferFor returns an empty buffer with room for n bytes, reusing one
// handed back with ReleaseWrite/ReleaseRead when it is big enough.
func (a *Agent) bufferFor(n int) []byte { return a.free.Get(n, bufferBounds) }

// ReleaseRead gives a buffer returned by PollRead back to the agent for
// reuse. Optional, like ReleaseWrite.
func (a *Agent) ReleaseRead(b []byte) { a.ReleaseWrite(b) }

// PollRead returns the next non-STUN datagram that arrived on a candidate
// pair; Transport names the pair (for a relayed pair, Local is the relayed
// address and Peer the remote candidate). The bytes belong to the caller.
func (a *Agent) PollRead() (shared.TaggedBytes, bool) { return a.reads.Pop() }

// HandleWrite sends an application datagram on the selected pair. msg is
// copied. It fails with ErrNoSelectedPair before a pair is usable and with
// ErrConsentExpired after consent is lost.
func (a *Agent) HandleWrite(msg []byte) (err error) {
	defer func() { err = a.reportLostEvents(err) }()
	if a.closed {
		return ErrClosed
	}
	if a.consentLost {
		return ErrConsentExpired
	}
	p := a.selected
	if p == nil {
		return ErrNoSelectedPair
	}
	if l := p.local; l.relay != nil && l.Protocol != shared.TCP {
		err = a.sendRelay(l, p.remote.Address, msg) // copies msg once
	} else {
		err = a.send(l, p.remote.Address, append(a.bufferFor(len(msg)), msg...))
	}
	if err != nil {
		return err
	}
	a.stats.DataSent++
	return nil
}

// PollTimeout returns the next deadline: a check to pace, a
// retransmission, nomination, consent, a TURN refresh, the failure timeout;
// or the latest time seen while a datagram, an event or a read waits to be
// polled (the shared drain rule). TimeoutReason names it.
//
// Give the agent the time first (Config.Now, as a PeerConnection does):
// then every deadline is a real one. Only an agent created without
// Config.Now that has work before its first HandleRead or HandleTimeout
// (checks after SetRemoteCredentials, a TURN allocation after
// AddLocalAddress) reports the Unix epoch (TimeoutReason "start"): a time
// already past, asking for that first HandleTimeout.
func (a *Agent) PollTimeout() (time.Time, bool) {
	d, why := a.deadline()
	if why == "start" {
		return time.Unix(0, 0), true
	}
	return a.clock.Timeout(d, a.outputPending())
}

// TimeoutReason names why PollTimeout reports its deadline: "pending"
// (output waits to be polled), "start" (see PollTimeout), "pace" (the next
// paced check, RFC 8445 §6.1.4.2), "rtx" (a check, consent or STUN
// retransmission or its timeout), "consent" (the next consent check,
// RFC 7675), "consent-expiry", "disconnected", "nominate", "tcp-connect",
// "failed" (FailedTimeout, RFC 8863), "turn/" and the TURN client's
// reason, or "" for none.
func (a *Agent) TimeoutReason() string {
	if a.outputPending() {
		return "pending"
	}
	_, why := a.deadline()
	return why
}

func (a *Agent) outputPending() bool {
	return a.out.Len() > 0 || a.events.Len() > 0 || a.reads.Len() > 0
}

// deadline returns the earliest timer of the agent and its name.
func (a *Agent) deadline() (time.Time, string) {
	if a.closed {
		return time.Time{}, ""
	}
	var d time.Time
	why := ""
	pick := func(t time.Time, reason string) {
		if e := shared.Earliest(d, t); !e.IsZero() && e != d {
			d, why = e, reason
		}
	}
	if a.wantTick {
		if a.clock.Now().IsZero() {
			return time.Time{}, "start"
		}
		pick(a.clock.Now(), "pace")
	}
	pick(a.nextTick, "pace")
	if t, ok := a.engine.PollTimeout(); ok {
		pick(t, "rtx")
	}
	pick(a.consentAt, "consent")
	for _, p := range a.pairs {
		pick(p.connectAt, "tcp-connect")
	}
	if a.selected != nil && !a.consentLost && !a.cfg.Lite {
		pick(a.lastConsent.Add(a.cfg.consentTimeout()), "consent-expiry")
		if dt := a.pendingSince.Add(a.cfg.disconnectedTimeout()); !a.pendingSince.IsZero() && dt.After(a.clock.Now()) {
			pick(dt, "disconnected")
		}
	}
	if a.nominationPending() {
		pick(a.firstValid.Add(a.cfg.nominationDelay()), "nominate")
	}
	if a.connState != StateFailed {
		pick(a.failDeadline(), "failed")
	}
	for _, r := range a.relays {
		if t, ok := r.client.PollTimeout(); ok {
			if t.Equal(time.Unix(0, 0)) && a.clock.Now().IsZero() {
				return time.Time{}, "start"
			}
			pick(t, "turn/"+r.client.TimeoutReason())
		}
	}
	return d, why
}

// HandleTimeout runs everything due at now: retransmissions, the paced
// check, nomination, consent and TURN refreshes.
func (a *Agent) HandleTimeout(now time.Time) (err error) {
	defer func() { err = a.reportLostEvents(err) }()
	if a.closed {
		return nil // nothing runs after Close; an early or late call is harmless
	}
	now = a.clock.Advance(now)
	if a.progressAt.IsZero() && a.remote.ufrag != "" {
		a.pacStart, a.progressAt = now, now // credentials came before the first time
	}
	if a.pacStart.IsZero() && a.remote.ufrag != "" {
		// Credentials came before the first time and another Handle* call
		// set the clock first: the PAC timer runs from the first time seen,
		// not from the zero time (which failed a lite agent at once).
		a.pacStart = now
	}
	for _, r := range a.relays {
		r.client.HandleTimeout(now)
		a.drainRelay(r)
	}
	a.startDeferred(now)
	a.expireTransactions(now)
	a.retryFailedPairs(now)
	a.tcpTimers(now)
	if a.wantTick || (!a.nextTick.IsZero() && !now.Before(a.nextTick)) {
		a.wantTick = false
		a.nextTick = time.Time{}
		a.tick(now)
	}
	a.maybeNominate(now)
	a.consentTimers(now)
	a.updateState()
	return nil
}

// Close stops the agent: it stops checks and consent, releases TURN
// allocations (the deallocations come out of PollWrite) and reports closed.
func (a *Agent) Close() error {
	if a.closed {
		return nil
	}
	for _, r := range a.relays {
		r.client.Close()
		a.drainRelay(r)
	}
	a.closed = true
	a.txs = nil
	a.deferred = nil
	if err := a.engine.Close(); err != nil {
		a.stats.Dropped++ // cannot happen: Close of a STUN client returns nil
	}
	a.trigger.Clear()
	a.setConnState(StateClosed)
	return nil
}

func (a *Agent) pushEvent(e Event) {
	// The shared event rule: a full queue drops and counts the new event
	// (also in Stats.Dropped), and the Handle* call reports it
	// (reportLostEvents).
	if a.events.Len() == a.events.Cap() {
		a.stats.Dropped++
	}
	a.events.Push(e)
}

// reportLostEvents adds the event queue's unreported loss to err (an
// error wrapping shared.ErrQueueFull); the good path does not allocate.
func (a *Agent) reportLostEvents(err error) error { return a.events.Report(err) }

func (a *Agent) emitCandidate(c *localCand) {
	a.pushEvent(Event{Kind: EventLocalCandidate, Candidate: c.Candidate})
}

func (a *Agent) setGatherState(s GatheringState) {
	if a.gatherState == s {
		return
	}
	a.gatherState = s
	a.pushEvent(Event{Kind: EventGatheringState, GatheringState: s})
}

func (a *Agent) setConnState(s ConnectionState) {
	if a.connState == s {
		return
	}
	a.connState = s
	a.pushEvent(Event{Kind: EventConnectionState, ConnectionState: s})
}

// send queues msg (owned by the agent from now on) from local to peer.
func (a *Agent) send(l *localCand, peer netip.AddrPort, msg []byte) error {
	if l.Protocol == shared.TCP {
		return a.sendTCP(l, peer, msg)
	}
	if l.relay != nil {
		err := a.sendRelay(l, peer, msg)
		a.ReleaseWrite(msg)
		return err
	}
	return a.out.Push(shared.TaggedBytes{
		Now:       a.clock.Now(),
		Transport: shared.TransportContext{Local: l.base, Peer: peer, Protocol: l.Protocol},
		Message:   msg,
	})
}

// sendRelay sends msg to peer through relayed candidate l's allocation.
// msg is borrowed: the TURN client copies it into a Send indication or
// ChannelData (RFC 8656 §10, §12).
func (a *Agent) sendRelay(l *localCand, peer netip.AddrPort, msg []byte) error {
	err := l.relay.client.HandleWrite(turn.Datagram{Peer: peer, Data: msg})
	a.flushRelayWrites(l.relay)
	return err
}

// The agent speaks the shared sans-I/O contract.
var _ shared.Protocol[shared.TaggedBytes, []byte, Command, Event] = (*Agent)(nil)
