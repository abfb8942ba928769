package ice

import (
	"encoding/binary"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TCP candidates (RFC 6544). The caller owns the TCP sockets: it listens on
// the address given to AddLocalAddress(addr, shared.TCP) (the passive
// candidate) and, when the agent asks with EventTCPConnect, dials the remote
// passive candidate and reports the connection with TCPConnected (or
// TCPConnectFailed). Every segment read from a connection goes to HandleRead
// with Transport.Protocol = shared.TCP, Local = the connection's local
// address and Peer = the remote address; the agent frames and deframes
// messages with the RFC 4571 two-byte length.

// tcpConnectTimeout bounds how long a connection request may stay
// unanswered before its pair fails.
const tcpConnectTimeout = 10 * time.Second

// tcpCheckTimeout is how long a check sent over TCP waits for its response;
// it is not retransmitted (RFC 6544 §7.1 relies on TCP).
const tcpCheckTimeout = 8 * time.Second

// tcpConn is one TCP connection the caller owns, keyed by remote address.
type tcpConn struct {
	local netip.AddrPort // the connection's local address
	cand  *localCand     // the active or passive candidate it belongs to
	buf   []byte         // a partial RFC 4571 frame
}

// tcpLocalPreference implements RFC 6544 §4.2: local preference =
// (2^13) * direction-pref + other-pref, with active 6, passive 4 and
// other-pref 8191 minus the address rank.
func tcpLocalPreference(t TCPType, rank int) uint16 {
	dir := 4
	if t == TCPTypeActive {
		dir = 6
	}
	return uint16(dir<<13 + max(8191-rank, 0))
}

// addTCPHost adds the passive and active host candidates for addr.
func (a *Agent) addTCPHost(addr netip.AddrPort) error {
	if len(a.locals)+2 > a.cfg.maxCandidates() {
		return ErrCandidateLimit
	}
	rank := 0
	for _, l := range a.locals {
		if l.Protocol == shared.TCP && l.TCPType == TCPTypePassive {
			rank++
		}
	}
	for _, t := range []TCPType{TCPTypePassive, TCPTypeActive} {
		c := &localCand{base: addr}
		if t == TCPTypeActive {
			// An active candidate has no listening port: its base is the
			// address with port 0, and its connections get their own.
			c.base = netip.AddrPortFrom(addr.Addr(), 0)
		}
		c.Candidate = Candidate{
			Foundation: foundation(CandidateHost, addr.Addr(), netip.Addr{}, shared.TCP),
			Component:  1,
			Protocol:   shared.TCP,
			Priority:   Priority(CandidateHost, tcpLocalPreference(t, rank), 1),
			Address:    c.base,
			Type:       CandidateHost,
			TCPType:    t,
		}
		if t == TCPTypeActive {
			c.Address = netip.AddrPortFrom(addr.Addr(), 9)
		}
		a.locals = append(a.locals, c)
		if !a.cfg.RelayOnly {
			a.emitCandidate(c)
			for _, r := range a.remotes {
				a.addPair(c, r)
			}
		}
	}
	a.schedule()
	a.checkGatheringDone()
	return nil
}

// tcpPairable says whether a TCP local and remote candidate form a pair
// (RFC 6544 §6.2): active with passive, simultaneous-open with itself; a
// passive local only pairs with a peer-reflexive remote learned from an
// incoming connection.
func tcpPairable(l *localCand, r *remoteCand) bool {
	switch l.TCPType {
	case TCPTypeActive:
		return r.TCPType == TCPTypePassive || (r.Type == CandidatePeerReflexive && r.TCPType == TCPTypeNone)
	case TCPTypePassive:
		return r.Type == CandidatePeerReflexive
	}
	return false
}

// TCPConnected reports that the connection EventTCPConnect asked for is up:
// local is its local address, remote the passive candidate it reached.
func (a *Agent) TCPConnected(local, remote netip.AddrPort) error {
	if a.closed {
		return ErrClosed
	}
	var found bool
	for _, p := range a.pairs {
		if p.local.Protocol != shared.TCP || p.local.TCPType != TCPTypeActive || p.remote.Address != remote || p.connectAt.IsZero() {
			continue
		}
		found = true
		p.connectAt = time.Time{}
		if a.tcpConns == nil {
			a.tcpConns = make(map[netip.AddrPort]*tcpConn)
		}
		a.tcpConns[remote] = &tcpConn{local: local, cand: p.local}
		p.tcpLocal = local
		p.state = pairWaiting
		a.enqueueTriggered(p)
	}
	if !found {
		return ErrUnknownPeer
	}
	return nil
}

// TCPConnectFailed reports that the connection to remote could not be made;
// its pairs fail.
func (a *Agent) TCPConnectFailed(remote netip.AddrPort) {
	for _, p := range a.pairs {
		if p.local.Protocol == shared.TCP && p.remote.Address == remote && !p.connectAt.IsZero() {
			p.connectAt = time.Time{}
			p.state = pairFailed
		}
	}
	a.updateState()
}

// TCPClosed reports that the caller's TCP connection to remote closed; the
// pairs that used it fail (a later check asks for a new connection).
func (a *Agent) TCPClosed(remote netip.AddrPort) {
	c := a.tcpConns[remote]
	if c == nil {
		return
	}
	delete(a.tcpConns, remote)
	for _, p := range a.pairs {
		if p.local == c.cand && p.remote.Address == remote {
			p.state = pairFailed
			p.valid = false
			p.tcpLocal = netip.AddrPort{}
		}
	}
	a.updateState()
}

// needsConnect reports whether a check on p must wait for a connection, and
// asks the caller for it the first time.
func (a *Agent) needsConnect(now time.Time, p *pair) bool {
	if p.local.Protocol != shared.TCP || p.local.TCPType != TCPTypeActive {
		return false
	}
	if c := a.tcpConns[p.remote.Address]; c != nil {
		return false
	}
	if p.connectAt.IsZero() {
		p.connectAt = now.Add(tcpConnectTimeout)
		p.state = pairInProgress
		a.pushEvent(Event{Kind: EventTCPConnect, Pair: p.info()})
	}
	return true
}

// tcpTimers fails pairs whose connection was never reported.
func (a *Agent) tcpTimers(now time.Time) time.Time {
	var next time.Time
	for _, p := range a.pairs {
		if p.connectAt.IsZero() {
			continue
		}
		if !now.Before(p.connectAt) {
			p.connectAt = time.Time{}
			p.state = pairFailed
			continue
		}
		next = shared.Earliest(next, p.connectAt)
	}
	return next
}

// sendTCP frames msg (RFC 4571 §2: a 16-bit length, then the message) on
// the connection to peer.
func (a *Agent) sendTCP(l *localCand, peer netip.AddrPort, msg []byte) error {
	c := a.tcpConns[peer]
	if c == nil || len(msg) > 0xFFFF {
		a.ReleaseWrite(msg)
		return ErrUnknownPeer
	}
	// RFC 4571 §2: a 16-bit length, then the datagram.
	b := binary.BigEndian.AppendUint16(a.bufferFor(2+len(msg)), uint16(len(msg)))
	b = append(b, msg...)
	a.ReleaseWrite(msg)
	return a.out.Push(shared.TaggedBytes{Now: a.clock.Now(),
		Transport: shared.TransportContext{Local: c.local, Peer: peer, Protocol: shared.TCP}, Message: b})
}

// handleTCP reassembles RFC 4571 frames from a connection's segments and
// hands each to receive.
func (a *Agent) handleTCP(now time.Time, tr shared.TransportContext, b []byte) error {
	c := a.tcpConns[tr.Peer]
	if c == nil || c.local != tr.Local {
		// A new connection accepted on a passive candidate.
		var l *localCand
		for _, x := range a.locals {
			if x.Protocol == shared.TCP && x.TCPType == TCPTypePassive && x.base == tr.Local {
				l = x
			}
		}
		if l == nil {
			a.stats.Dropped++
			return ErrUnknownLocalAddress
		}
		if len(a.tcpConns) >= a.cfg.maxCandidates() {
			a.stats.Dropped++
			return ErrCandidateLimit
		}
		if a.tcpConns == nil {
			a.tcpConns = make(map[netip.AddrPort]*tcpConn)
		}
		c = &tcpConn{local: tr.Local, cand: l}
		a.tcpConns[tr.Peer] = c
	}
	// The buffer holds at most one partial frame, which RFC 4571's 16-bit
	// length bounds to 65537 bytes, plus the segment being handled. It is
	// kept for the connection's life, so reassembly allocates nothing once
	// it has grown.
	c.buf = append(c.buf, b...)
	off := 0
	var first error
	for len(c.buf)-off >= 2 {
		n := int(binary.BigEndian.Uint16(c.buf[off:]))
		if len(c.buf)-off < 2+n {
			break
		}
		frame := c.buf[off+2 : off+2+n : off+2+n]
		off += 2 + n
		if err := a.receive(now, c.cand, tr.Peer, frame); err != nil && first == nil {
			first = err
		}
		if c2 := a.tcpConns[tr.Peer]; c2 != c {
			break // the connection was replaced while handling the frame
		}
	}
	// Move the partial frame, if any, to the front.
	c.buf = c.buf[:copy(c.buf, c.buf[off:])]
	return first
}
