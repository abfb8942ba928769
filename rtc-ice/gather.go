package ice

import (
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// startGathering begins server-reflexive and relayed gathering from host
// candidate h through the caller's socket on h's address.
func (a *Agent) startGathering(h *localCand) {
	a.startServers(h, a.cfg.STUNServers, a.cfg.TURNServers)
}

// startServers gathers from host candidate h through the given servers.
func (a *Agent) startServers(h *localCand, stunServers []netip.AddrPort, turnServers []TURNServer) {
	now := a.clock.Now()
	if !a.cfg.RelayOnly {
		for _, s := range stunServers {
			s = netip.AddrPortFrom(s.Addr().Unmap(), s.Port())
			if s.Addr().Is4() != h.Address.Addr().Is4() {
				continue
			}
			a.startSrflx(now, h, s)
		}
	}
	for _, s := range turnServers {
		if s.Address.Addr().Unmap().Is4() != h.Address.Addr().Is4() {
			continue
		}
		a.startRelay(now, h, s)
	}
}

// AddServers adds STUN and TURN servers whose names the caller resolved
// (Config.AwaitServers counts the names still awaited; each call answers
// one, and an empty call says a resolution failed). Gathering from every
// host candidate already added starts at once; later host candidates
// gather from them too. The agent never resolves a name itself.
func (a *Agent) AddServers(stunServers []netip.AddrPort, turnServers []TURNServer) error {
	if a.closed {
		return ErrClosed
	}
	if a.awaitServers > 0 {
		a.awaitServers--
	}
	if a.gatherState == GatheringComplete && (len(stunServers) > 0 || len(turnServers) > 0) && len(a.locals) > 0 {
		a.setGatherState(GatheringGathering)
	}
	a.cfg.STUNServers = append(a.cfg.STUNServers[:len(a.cfg.STUNServers):len(a.cfg.STUNServers)], stunServers...)
	a.cfg.TURNServers = append(a.cfg.TURNServers[:len(a.cfg.TURNServers):len(a.cfg.TURNServers)], turnServers...)
	if !a.cfg.Lite {
		hosts := make([]*localCand, 0, len(a.locals))
		for _, l := range a.locals {
			if l.Type == CandidateHost && l.Protocol == shared.UDP {
				hosts = append(hosts, l)
			}
		}
		for _, h := range hosts {
			a.startServers(h, stunServers, turnServers)
		}
	}
	a.schedule()
	a.checkGatheringDone()
	return nil
}

// gatherRetries is how many times a server-reflexive request that timed out
// is made again before gathering from that server gives up.
const gatherRetries = 2

// startSrflx sends a Binding request to a STUN server (RFC 8445 §5.1.1.2).
func (a *Agent) startSrflx(now time.Time, h *localCand, server netip.AddrPort) {
	a.startSrflxRetry(now, h, server, 0)
}

func (a *Agent) startSrflxRetry(now time.Time, h *localCand, server netip.AddrPort, retries int) {
	id := a.newTxID()
	b := stun.NewBuilder(a.buffer(), stun.BindingRequest, stun.TransactionID(id))
	if a.cfg.Software != "" {
		b.AddSoftware(a.cfg.Software)
	}
	b.AddFingerprint()
	msg, err := b.Bytes()
	if err != nil {
		a.stats.Dropped++ // cannot happen: SOFTWARE is bounded by the builder
		return
	}
	t := &transaction{id: id, kind: txGather, local: h, server: server, retries: retries}
	a.startTx(now, t, msg, a.txSchedule(a.cfg.checkRTO(), a.cfg.maxTransmissions()), h.Protocol)
}

// handleGatherResponse turns a STUN server's answer into a srflx candidate,
// dropping it when it equals the base (RFC 8445 §5.1.3 redundancy).
func (a *Agent) handleGatherResponse(now time.Time, t *transaction, m *stun.Message) error {
	a.removeTx(t)
	defer a.checkGatheringDone()
	if m.Type != stun.BindingSuccess {
		return nil
	}
	mapped, err := m.XORMappedAddress()
	if err != nil {
		mapped, err = m.MappedAddress()
	}
	if err != nil {
		return ErrBadMessage
	}
	mapped = netip.AddrPortFrom(mapped.Addr().Unmap(), mapped.Port())
	a.addSrflx(t.local, mapped, t.server.Addr())
	return nil
}

func (a *Agent) addSrflx(h *localCand, mapped netip.AddrPort, server netip.Addr) {
	if mapped == h.base {
		return // redundant with the host candidate
	}
	for _, l := range a.locals {
		if l.Address == mapped && l.base == h.base {
			return
		}
	}
	if len(a.locals) >= a.cfg.maxCandidates() {
		return
	}
	c := &localCand{base: h.base}
	c.Candidate = Candidate{
		Foundation: foundation(CandidateServerReflexive, h.base.Addr(), server, h.Protocol),
		Component:  1,
		Protocol:   h.Protocol,
		Priority:   Priority(CandidateServerReflexive, uint16(h.Priority>>8), 1),
		Address:    mapped,
		Type:       CandidateServerReflexive,
		Related:    h.base,
	}
	a.locals = append(a.locals, c)
	if !a.cfg.RelayOnly {
		a.emitCandidate(c)
	}
}

// checkGatheringDone moves gathering to complete when the host list is
// final and no server request is outstanding (RFC 8838 §8.2).
func (a *Agent) checkGatheringDone() {
	if !a.hostsDone || a.awaitServers > 0 || a.gatherState == GatheringComplete {
		return
	}
	for _, t := range a.txs {
		if t.kind == txGather {
			return
		}
	}
	for _, r := range a.relays {
		if !r.done {
			return
		}
	}
	a.setGatherState(GatheringComplete)
	a.updateState()
}
