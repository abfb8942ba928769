package turn

import (
	"errors"
	"net/netip"
	"slices"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// maxAuthRetries bounds the 401/438 retries of one request, so a server
// that keeps changing its nonce cannot loop the client.
const maxAuthRetries = 3

func (r *request) method() stun.Method {
	switch r.kind {
	case reqAllocate:
		return stun.MethodAllocate
	case reqRefresh:
		return stun.MethodRefresh
	case reqPermission:
		return stun.MethodCreatePermission
	}
	return stun.MethodChannelBind
}

// start sends req as a new transaction.
func (c *Client) start(req *request) error {
	if c.clock.Now().IsZero() {
		// Not told the time yet: send at the first HandleTimeout, so the
		// retransmission timer starts from a real time.
		c.deferred = append(c.deferred, req)
		return nil
	}
	id, err := stun.NewTransactionID(c.cfg.rand())
	if err != nil {
		return err
	}
	msg, err := c.build(req, id)
	if err != nil {
		return err
	}
	err = c.tx.HandleWrite(shared.TaggedBytes{Now: c.clock.Now(), Transport: c.transport(), Message: msg})
	if err != nil {
		return err
	}
	c.reqs[id] = req
	c.stats.Requests++
	c.drainTx()
	return nil
}

// build encodes req (RFC 8656 §7.1, §8, §9.1, §11.1) with the long-term
// credential attributes once the server has given a realm and nonce
// (RFC 8489 §9.2.3.2).
func (c *Client) build(req *request, id stun.TransactionID) ([]byte, error) {
	b := stun.NewBuilder(make([]byte, 0, 256), stun.MessageType{Method: req.method(), Class: stun.ClassRequest}, id)
	switch req.kind {
	case reqAllocate:
		b.AddRequestedTransport(17) // UDP, RFC 8656 §18.8
		if c.cfg.Lifetime > 0 {
			b.AddLifetime(c.requestedLifetime())
		}
		if c.cfg.Family == FamilyIPv6 {
			b.AddRequestedAddressFamily(uint8(FamilyIPv6))
		}
	case reqRefresh:
		b.AddLifetime(req.lifetime)
	case reqPermission:
		for _, ip := range req.peers {
			b.AddXORPeerAddress(netip.AddrPortFrom(ip, 0))
		}
	case reqChannelBind:
		b.AddChannelNumber(req.channel)
		b.AddXORPeerAddress(req.peer)
	}
	if c.cfg.Software != "" {
		b.AddSoftware(c.cfg.Software)
	}
	if c.nonce != "" {
		req.authed = true
		b.AddUsername(c.cfg.Username)
		b.AddRealm(c.realm)
		b.AddNonce(c.nonce)
		if c.alg != 0 {
			// RFC 8489 §9.2.4: echo the server's list and name the choice.
			b.AddPasswordAlgorithms(c.algs)
			b.AddPasswordAlgorithm(c.alg)
		}
		if c.alg == stun.PasswordAlgorithmSHA256 {
			b.AddMessageIntegritySHA256(c.integ)
		} else {
			b.AddMessageIntegrity(c.integ)
		}
	}
	b.AddFingerprint()
	return b.Bytes()
}

// drainTx moves the transaction machine's output to ours and handles the
// transactions that ended.
func (c *Client) drainTx() {
	for {
		tb, ok := c.tx.PollWrite()
		if !ok {
			break
		}
		if c.out.Push(tb) != nil {
			c.stats.Dropped++ // retransmission covers it
			continue
		}
		c.lastSent = c.clock.Now()
	}
	for {
		ev, ok := c.tx.PollEvent()
		if !ok {
			return
		}
		req := c.reqs[ev.TransactionID]
		if req == nil {
			continue
		}
		delete(c.reqs, ev.TransactionID)
		if ev.Kind != stun.EventResponse {
			c.fail(req, ErrTimeout)
			continue
		}
		c.onResponse(req, ev.Response)
	}
}

func (c *Client) onResponse(req *request, raw []byte) {
	m := &c.msg
	if err := stun.Parse(raw, m); err != nil {
		c.stats.Dropped++
		c.fail(req, ErrBadMessage)
		return
	}
	if m.Type.Class == stun.ClassError {
		code, reason, err := m.ErrorCode()
		if err != nil {
			c.fail(req, ErrBadMessage)
			return
		}
		switch {
		case code == stun.CodeUnauthorized && req.retries < maxAuthRetries && (!req.authed || c.realmChanged(m)):
			// RFC 8489 §9.2.4: learn realm, nonce and algorithms, retry.
			if c.learnAuth(m) == nil {
				req.retries++
				c.retry(req)
				return
			}
		case code == stun.CodeStaleNonce && req.retries < maxAuthRetries:
			// RFC 8489 §9.2.5: 438 carries a fresh nonce; retry with it.
			if nonce, err := m.Nonce(); err == nil && len(nonce) > 0 {
				c.nonce = string(nonce)
				if realm, err := m.Realm(); err == nil && len(realm) > 0 && string(realm) != c.realm {
					c.learnAuth(m)
				}
				req.retries++
				c.retry(req)
				return
			}
		}
		c.fail(req, &Error{Method: req.method(), Code: code, Reason: string(reason)})
		return
	}
	// RFC 8489 §9.2.5: a response to an authenticated request must carry
	// valid integrity; otherwise it is discarded.
	if req.authed && (c.integ == nil || c.integ.Check(m) != nil) {
		c.stats.Dropped++
		c.fail(req, ErrBadMessage)
		return
	}
	c.succeed(req, m)
}

func (c *Client) realmChanged(m *stun.Message) bool {
	r, err := m.Realm()
	return err == nil && string(r) != c.realm
}

// learnAuth takes REALM, NONCE and PASSWORD-ALGORITHMS from a 401 and
// derives the long-term key (RFC 8489 §9.2.2), preferring SHA-256 when the
// server offers it.
func (c *Client) learnAuth(m *stun.Message) error {
	realm, err1 := m.Realm()
	nonce, err2 := m.Nonce()
	if err1 != nil || err2 != nil {
		return ErrBadMessage
	}
	c.realm, c.nonce = string(realm), string(nonce)
	c.algs, _ = m.PasswordAlgorithms(c.algs[:0])
	c.alg = 0
	if slices.Contains(c.algs, stun.PasswordAlgorithmSHA256) {
		c.alg = stun.PasswordAlgorithmSHA256
	} else if len(c.algs) > 0 {
		c.alg = stun.PasswordAlgorithmMD5
	}
	key, err := LongTermKey(c.alg, c.cfg.Username, c.realm, c.cfg.Password)
	if err != nil {
		return err
	}
	c.integ = stun.NewIntegrity(key)
	return nil
}

func (c *Client) retry(req *request) {
	if err := c.start(req); err != nil {
		c.fail(req, err)
	}
}

func (c *Client) succeed(req *request, m *stun.Message) {
	now := c.clock.Now()
	switch req.kind {
	case reqAllocate:
		relayed, err := m.XORRelayedAddress()
		if err != nil || !c.usableRelayed(unmap(relayed)) {
			c.stats.Dropped++
			c.fail(req, ErrBadMessage)
			return
		}
		c.relayed = unmap(relayed)
		if mapped, err := m.XORMappedAddress(); err == nil {
			c.mapped = unmap(mapped)
		}
		c.setLifetime(now, m)
		c.state = stateAllocated
		c.event(Event{Kind: EventAllocated, Relayed: c.relayed, Mapped: c.mapped, Lifetime: c.lifetime})
	case reqRefresh:
		c.refreshing = false
		if req.lifetime == 0 {
			c.state, c.closeDone = stateClosed, true // no event after Close
			return
		}
		if lt, err := m.Lifetime(); err == nil && lt == 0 {
			// RFC 8656 §8: a lifetime of 0 deletes the allocation. We asked
			// for more, so the server ended it: it is lost.
			c.state = stateFailed
			c.relayed, c.mapped = netip.AddrPort{}, netip.AddrPort{}
			c.event(Event{Kind: EventAllocationLost, Err: ErrAllocationEnded})
			return
		}
		c.setLifetime(now, m)
		c.event(Event{Kind: EventRefreshed, Lifetime: c.lifetime})
	case reqPermission:
		for _, ip := range req.peers {
			if p := c.perms[ip]; p != nil {
				c.permissionInstalled(now, ip, p)
				c.event(Event{Kind: EventPermissionCreated, Peer: netip.AddrPortFrom(ip, 0)})
			}
		}
	case reqChannelBind:
		ch := c.chans[req.peer]
		if ch == nil {
			return
		}
		first := !ch.bound
		ch.bound, ch.pending = true, false
		ch.refreshAt = now.Add(channelRefresh)
		// RFC 8656 §11.2: a ChannelBind also installs or refreshes the
		// permission for the peer's IP.
		if p := c.perms[req.peer.Addr()]; p != nil {
			c.permissionInstalled(now, req.peer.Addr(), p)
		}
		if first {
			c.event(Event{Kind: EventChannelBound, Peer: ch.peer, Channel: ch.num})
		}
	}
}

func (c *Client) permissionInstalled(now time.Time, ip netip.Addr, p *permission) {
	p.installed, p.pending = true, false
	p.refreshAt = now.Add(permissionRefresh)
	q := p.queue
	p.queue = nil
	for _, d := range q {
		if ch := c.chans[d.Peer]; ch != nil && ch.bound {
			c.sendChannelData(ch, d.Data)
		} else {
			c.sendIndication(d)
		}
	}
}

// setLifetime reads LIFETIME and schedules the refresh a minute before
// expiry, or at 80% of a short lifetime (RFC 8656 §8: refresh "before the
// allocation expires").
//
// The server's value is clamped to [minLifetime, maxLifetime]: a LIFETIME
// of 0 or 1 s would make the refresh due at once after every answer (a
// refresh storm the server controls), and a huge one would never refresh.
func (c *Client) setLifetime(now time.Time, m *stun.Message) {
	lt := defaultLifetime
	if s, err := m.Lifetime(); err == nil {
		lt = time.Duration(s) * time.Second
	}
	lt = min(max(lt, minLifetime), maxLifetime)
	c.lifetime = lt
	early := min(time.Minute, lt/5)
	c.refreshAt = now.Add(lt - early)
}

// usableRelayed reports whether a relayed address from an Allocate success
// can carry data (RFC 8656 §7.3): a unicast address of the family asked
// for (REQUESTED-ADDRESS-FAMILY, IPv4 by default), with a port.
func (c *Client) usableRelayed(a netip.AddrPort) bool {
	ip := a.Addr()
	wantV6 := c.cfg.Family == FamilyIPv6
	if !ip.IsValid() || a.Port() == 0 || ip.Is4() == wantV6 {
		return false
	}
	return !ip.IsUnspecified() && !ip.IsMulticast() && ip != netip.IPv4Unspecified() && ip != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func (c *Client) fail(req *request, err error) {
	switch req.kind {
	case reqAllocate:
		c.state = stateFailed
		c.event(Event{Kind: EventAllocateFailed, Err: err})
	case reqRefresh:
		c.refreshing = false
		if req.lifetime == 0 {
			c.state, c.closeDone, c.closeErr = stateClosed, true, err // no event after Close
			return
		}
		var te *Error
		if errors.As(err, &te) && te.Code == stun.CodeAllocationMismatch || c.state == stateAllocated {
			c.state = stateFailed
			c.event(Event{Kind: EventAllocationLost, Err: err})
		}
	case reqPermission:
		for _, ip := range req.peers {
			if p := c.perms[ip]; p != nil {
				// A failed refresh means the server's permission will lapse:
				// forget it, so the next write asks again.
				delete(c.perms, ip)
				c.event(Event{Kind: EventPermissionFailed, Peer: netip.AddrPortFrom(ip, 0), Err: err})
			}
		}
	case reqChannelBind:
		if ch := c.chans[req.peer]; ch != nil {
			// Without a (refreshed) binding, data goes in indications.
			delete(c.chans, req.peer)
			delete(c.byNum, ch.num)
			c.event(Event{Kind: EventChannelFailed, Peer: req.peer, Channel: req.channel, Err: err})
		}
	}
}
