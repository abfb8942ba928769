package ice

import (
	"errors"
	"net/netip"
	"strings"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Remote candidates: trickle (RFC 8838), hostname resolution, end-of-candidates.

// AddRemoteCandidateString parses and adds a trickled candidate
// ("candidate:..." or "a=candidate:..."). An empty string (W3C
// addIceCandidate with an empty candidate) or "end-of-candidates" is the
// end-of-candidates indication.
func (a *Agent) AddRemoteCandidateString(s string) error {
	switch strings.TrimPrefix(strings.TrimSpace(s), "a=") {
	case "", "end-of-candidates": // RFC 8840 §8.2 as an attribute, or W3C's empty candidate
		a.EndOfRemoteCandidates()
		return nil
	}
	c, err := ParseCandidate(s)
	if err != nil {
		return err
	}
	return a.AddRemoteCandidate(c)
}

// AddRemoteCandidate adds a remote candidate at any time (RFC 8838 §11).
// Candidates for another component, TCP candidates and candidates whose
// "ufrag" extension names a previous session are ignored. A hostname
// candidate produces EventResolveHostname and is paired once resolved.
func (a *Agent) AddRemoteCandidate(c Candidate) error {
	if a.closed {
		return ErrClosed
	}
	if c.Protocol == shared.TCP && c.TCPType != TCPTypePassive {
		// Only remote passive candidates are dialled (RFC 6544 §6.2); an
		// active one shows up as peer-reflexive when it connects, and
		// simultaneous open is not supported.
		a.stats.Ignored++
		return nil
	}
	if c.Component != 1 {
		return ErrUnsupported
	}
	if u, ok := c.Extension("ufrag"); ok && a.remote.ufrag != "" && u != a.remote.ufrag {
		return nil // stale trickle from an earlier generation
	}
	// Peer-reflexive candidates learned from checks have their own budget
	// (MaxPeerReflexive): they never starve signalled ones.
	if len(a.remotes)-a.learnedRemotes()+len(a.pending) >= a.cfg.maxCandidates() {
		a.refuse(c)
		return ErrCandidateLimit
	}
	if c.Hostname != "" {
		// Names compare case-insensitively (RFC 4343); ParseCandidate
		// lowercases, a Candidate built by the caller may not be.
		c.Hostname = strings.ToLower(c.Hostname)
		for _, p := range a.pending {
			if p.Hostname == c.Hostname && p.Address.Port() == c.Address.Port() {
				return ErrDuplicateCandidate
			}
		}
		first := true
		for _, p := range a.pending {
			if p.Hostname == c.Hostname {
				first = false
			}
		}
		a.pending = append(a.pending, &remoteCand{Candidate: c})
		if first {
			a.pushEvent(Event{Kind: EventResolveHostname, Hostname: c.Hostname})
		}
		return nil
	}
	return a.addRemote(c)
}

func (a *Agent) addRemote(c Candidate) error {
	c.Address = netip.AddrPortFrom(c.Address.Addr().Unmap(), c.Address.Port())
	if c.Address.Addr().IsValid() && !a.cfg.peerAllowed(c.Address.Addr()) {
		a.stats.Ignored++
		return nil
	}
	if !c.Address.Addr().IsValid() || c.Address.Port() == 0 {
		return ErrUnsupported
	}
	for _, r := range a.remotes {
		if r.Address == c.Address && r.Protocol == c.Protocol {
			if r.Type == CandidatePeerReflexive && c.Type != CandidatePeerReflexive {
				// RFC 8445 §7.3.1.3: a signalled candidate replaces the
				// prflx one learned earlier; keep the pairs.
				r.Candidate = c
				r.learned = false
				a.recomputePriorities()
				return nil
			}
			return ErrDuplicateCandidate
		}
	}
	r := &remoteCand{Candidate: c}
	a.remotes = append(a.remotes, r)
	for _, l := range a.locals {
		if a.pairable(l, r) && a.addPair(l, r) == nil {
			a.refuse(c) // the checklist is full of better pairs
		}
	}
	a.schedule()
	a.updateState()
	return nil
}

// ResolveHostname completes an EventResolveHostname: addr is what the name
// resolved to, or the zero Addr when resolution failed (the candidates are
// then dropped).
func (a *Agent) ResolveHostname(name string, addr netip.Addr) error {
	name = strings.ToLower(name)
	keep := a.pending[:0]
	var err error
	for _, p := range a.pending {
		if p.Hostname != name {
			keep = append(keep, p)
			continue
		}
		if !addr.IsValid() {
			continue
		}
		c := p.Candidate
		c.Address = netip.AddrPortFrom(addr.Unmap(), c.Address.Port())
		if e := a.addRemote(c); e != nil && !errors.Is(e, ErrDuplicateCandidate) {
			err = e
		}
	}
	clear(a.pending[len(keep):])
	a.pending = keep
	return err
}

// EndOfRemoteCandidates records the remote end-of-candidates indication
// (RFC 8838 §8.2); only then can the agent fail or complete.
func (a *Agent) EndOfRemoteCandidates() {
	a.remoteEOC = true
	a.updateState()
}
