package ice

import (
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	turn "github.com/sansrtc/rtc/rtc-turn"
)

// relayAlloc is one TURN allocation made from a host address (RFC 8445
// §5.1.1.2): the agent drives its client and turns the relayed address
// into a relayed candidate.
type relayAlloc struct {
	client *turn.Client
	socket netip.AddrPort // the caller's local address talking to the server
	server netip.AddrPort
	proto  shared.TransportProtocol
	host   *localCand
	cand   *localCand // the relayed candidate once allocated
	done   bool       // allocation finished (either way), for the gathering state
}

// startRelay creates a TURN client on host candidate h's socket.
func (a *Agent) startRelay(now time.Time, h *localCand, s TURNServer) {
	fam := turn.FamilyIPv4
	if h.base.Addr().Is6() {
		fam = turn.FamilyIPv6
	}
	c, err := turn.NewClient(turn.Config{
		Server:   netip.AddrPortFrom(s.Address.Addr().Unmap(), s.Address.Port()),
		Local:    h.base,
		Protocol: s.Protocol,
		Username: s.Username,
		Password: s.Password,
		Rand:     a.rand,
		Family:   fam,
		Software: a.cfg.Software,
		MaxQueue: a.cfg.maxQueue(),
	})
	if err != nil {
		return
	}
	r := &relayAlloc{client: c, socket: h.base, server: c.Server(), proto: s.Protocol, host: h}
	a.relays = append(a.relays, r)
	if err := c.Allocate(); err != nil {
		r.done = true
	}
	a.drainRelay(r)
}

// flushRelayWrites moves the TURN client's datagrams to the outbox.
func (a *Agent) flushRelayWrites(r *relayAlloc) {
	for {
		tb, ok := r.client.PollWrite()
		if !ok {
			return
		}
		if a.out.Push(tb) != nil {
			a.stats.Dropped++
		}
	}
}

// drainRelay handles everything the TURN client produced: datagrams for the
// server, allocation events, and data relayed from peers.
func (a *Agent) drainRelay(r *relayAlloc) {
	a.flushRelayWrites(r)
	for {
		ev, ok := r.client.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case turn.EventAllocated:
			a.relayAllocated(r, ev)
		case turn.EventAllocateFailed:
			r.done = true
			a.checkGatheringDone()
		case turn.EventAllocationLost:
			for _, p := range a.pairs {
				if p.local == r.cand && p.state != pairFailed {
					p.state = pairFailed
					p.valid = false
				}
			}
		}
	}
	now := a.clock.Now()
	for {
		d, ok := r.client.PollRead()
		if !ok {
			break
		}
		if r.cand == nil {
			a.stats.Dropped++
			continue
		}
		a.receive(now, r.cand, d.Peer, d.Data)
		r.client.ReleaseRead(d.Data) // receive copied what it keeps
	}
	a.flushRelayWrites(r)
}

// relayAllocated adds the relayed candidate (RFC 8445 §5.1.1.2: its base is
// itself, its related address the mapped address) and, without STUN
// servers, the server-reflexive candidate the allocation revealed.
func (a *Agent) relayAllocated(r *relayAlloc, ev turn.Event) {
	r.done = true
	defer a.checkGatheringDone()
	if len(a.locals) >= a.cfg.maxCandidates() {
		return
	}
	c := &localCand{base: ev.Relayed, relay: r}
	c.Candidate = Candidate{
		Foundation: foundation(CandidateRelay, r.host.base.Addr(), r.server.Addr(), shared.UDP),
		Component:  1,
		Protocol:   shared.UDP,
		Priority:   Priority(CandidateRelay, uint16(r.host.Priority>>8), 1),
		Address:    ev.Relayed,
		Type:       CandidateRelay,
		Related:    ev.Mapped,
	}
	r.cand = c
	a.locals = append(a.locals, c)
	a.emitCandidate(c)
	for _, rc := range a.remotes {
		a.addPair(c, rc)
	}
	if !a.cfg.RelayOnly && ev.Mapped.IsValid() {
		a.addSrflx(r.host, ev.Mapped, r.server.Addr())
	}
	a.schedule()
}
