package driver

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc-ice/mdns"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// This file publishes the mDNS names of our own host candidates
// (rtc.Configuration.MDNSHostCandidates, draft-ietf-mmusic-mdns-ice-candidates
// §3.1): the PeerConnection draws a "<uuid>.local" name per local address
// and reports it (rtc.EventPublishHostname); the driver hands it to
// Config.Resolver when that is a HostPublisher (an MDNSResolver), whose
// Responder announces it and answers queries for it on the resolver's
// interface until the connection closes, then sends its goodbye.

// HostPublisher answers mDNS queries for the names of our own host
// candidates. The driver calls PublishHostname for each
// rtc.EventPublishHostname of a connection, and UnpublishHostname for each
// of its names when it closes. Neither may block. MDNSResolver is one.
type HostPublisher interface {
	PublishHostname(name string, addr netip.Addr) error
	UnpublishHostname(name string) error
}

// Errors of PublishHostname.
var (
	// ErrNotOnInterface: the address is not one of the resolver's
	// interface, so the name is not answered there (draft §3.1.1 answers
	// on the interface of the address only).
	ErrNotOnInterface = errors.New("driver: mdns: address not on the resolver's interface")
	// ErrTooManyNames: MDNSConfig.MaxNames names are published.
	ErrTooManyNames = errors.New("driver: mdns: too many published names")
)

// defaultMaxNames is MDNSConfig.MaxNames when zero.
const defaultMaxNames = 256

// publishQueue hands PublishHostname and UnpublishHostname to the
// resolver's loop without blocking the caller (a driver loop): the checks
// run at once under mu, the Responder is changed on the loop.
type publishQueue struct {
	mu       sync.Mutex
	names    map[string]netip.Addr // published and not withdrawn
	ops      []publishOp
	max      int
	refused  uint64
	snapshot mdns.ResponderStats
	wake     chan struct{} // capacity 1
}

type publishOp struct {
	name     string
	addr     netip.Addr
	withdraw bool
}

func (p *publishQueue) stats(s *MDNSStats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.Published, s.Refused, s.Responder = uint64(len(p.names)), p.refused, p.snapshot
}

// newResponder makes the resolver's Responder: the same socket address
// and on-link prefix as its Querier, TTL 120 s (RFC 6762 §10), and a
// name limit for all connections together. Its Rand is unused: the names
// come from the PeerConnections.
func newResponder(local netip.AddrPort, cfg MDNSConfig) (*mdns.Responder, error) {
	r, err := mdns.NewResponder(mdns.Config{Locals: []netip.AddrPort{local}, Networks: []netip.Prefix{cfg.Network},
		MaxNames: maxNames(cfg), MaxEvents: 64})
	if err != nil {
		return nil, fmt.Errorf("driver: mdns: %w", err)
	}
	return r, nil
}

func maxNames(cfg MDNSConfig) int {
	if cfg.MaxNames > 0 {
		return cfg.MaxNames
	}
	return defaultMaxNames
}

// PublishHostname has the resolver's Responder announce name (a
// "<uuid>.local" name) for addr and answer queries for it, on the
// resolver's interface only: addr must be inside its on-link prefix or one
// of its addresses. It never blocks; the announcement leaves from the
// resolver's goroutine. Errors: mdns.ErrBadName, ErrNotOnInterface,
// ErrTooManyNames (MDNSConfig.MaxNames), mdns.ErrNameInUse,
// ErrResolverClosed.
func (r *MDNSResolver) PublishHostname(name string, addr netip.Addr) error {
	addr = addr.Unmap()
	key := mdnsKey(name)
	p := &r.pub
	p.mu.Lock()
	defer p.mu.Unlock()
	err := r.checkPublish(key, addr)
	if err != nil {
		p.refused++
		return err
	}
	if _, ok := p.names[key]; ok {
		return nil // the same name for the same address again
	}
	if p.names == nil {
		p.names = map[string]netip.Addr{}
	}
	p.names[key] = addr
	p.ops = append(p.ops, publishOp{name: key, addr: addr})
	p.signal()
	return nil
}

// checkPublish runs under r.pub.mu.
func (r *MDNSResolver) checkPublish(key string, addr netip.Addr) error {
	select {
	case <-r.done:
		return ErrResolverClosed
	default:
	}
	if !mdns.IsICEName(key) {
		return mdns.ErrBadName
	}
	if a, ok := r.pub.names[key]; ok && a != addr {
		return mdns.ErrNameInUse
	}
	if !r.onInterface(addr) {
		return fmt.Errorf("%w: %s", ErrNotOnInterface, addr)
	}
	if _, ok := r.pub.names[key]; !ok && len(r.pub.names) >= r.pub.max {
		return ErrTooManyNames
	}
	return nil
}

// onInterface reports whether addr is inside the resolver's on-link
// prefix or one of its interface's addresses.
func (r *MDNSResolver) onInterface(addr netip.Addr) bool {
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() {
		return false
	}
	if r.network.Contains(addr) {
		return true
	}
	addrs, err := r.ifi.Addrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == addr.WithZone("") {
				return true
			}
		}
	}
	return false
}

// UnpublishHostname withdraws name: the Responder sends its goodbye (RFC
// 6762 §10.1, TTL 0) and stops answering. It never blocks. Errors:
// mdns.ErrUnknownName, ErrResolverClosed (Close already said goodbye).
func (r *MDNSResolver) UnpublishHostname(name string) error {
	key := mdnsKey(name)
	p := &r.pub
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-r.done:
		return ErrResolverClosed
	default:
	}
	if _, ok := p.names[key]; !ok {
		return mdns.ErrUnknownName
	}
	delete(p.names, key)
	p.ops = append(p.ops, publishOp{name: key, withdraw: true})
	p.signal()
	return nil
}

// signal wakes the loop; runs under mu.
func (p *publishQueue) signal() {
	select {
	case p.wake <- struct{}{}:
	default: // already woken: the loop takes every op queued
	}
}

// publish applies the queued operations on the loop. The checks already
// ran, so the Responder refusing one is a driver bug; it is counted as
// refused.
func (r *MDNSResolver) publish(now time.Time) {
	p := &r.pub
	p.mu.Lock()
	ops := p.ops
	p.ops = nil
	p.mu.Unlock()
	failed := 0
	for _, op := range ops {
		var err error
		if op.withdraw {
			err = r.resp.Unpublish(op.name)
		} else {
			err = r.resp.PublishName(op.name, op.addr)
		}
		if err != nil {
			failed++
		}
	}
	if failed > 0 {
		p.mu.Lock()
		p.refused += uint64(failed)
		p.mu.Unlock()
	}
	r.respTimeout(now) // the announcements start now
}

// answer hands a datagram read to the Responder too. A malformed or
// off-link datagram was already counted as dropped by the Querier, which
// saw the same bytes first; the Responder's own counters are in
// MDNSStats.Responder.
func (r *MDNSResolver) answer(tb shared.TaggedBytes) {
	// A name published since the loop last woke is answered already:
	// the query may race the wake-up.
	r.pub.mu.Lock()
	pending := len(r.pub.ops) > 0
	r.pub.mu.Unlock()
	if pending {
		r.publish(tb.Now)
	}
	if err := r.resp.HandleRead(tb); errors.Is(err, shared.ErrQueueFull) {
		r.dropped.Add(1) // conflict events lost: drainResponder counts them anyway
	}
}

// respTimeout gives the Responder the time (it never fails).
func (r *MDNSResolver) respTimeout(now time.Time) {
	if err := r.resp.HandleTimeout(now); err != nil {
		r.dropped.Add(1)
	}
}

// drainResponder sends the Responder's announcements, answers and
// goodbyes to the group, and drops its events (EventPublished is ours;
// EventConflict is counted in its stats: another host answering for one
// of our random names is an attacker or a broken responder, and the name
// stays ours, RFC 6762 §9 not applied).
func (r *MDNSResolver) drainResponder() {
	for {
		w, ok := r.resp.PollWrite()
		if !ok {
			break
		}
		if _, err := r.udp.WriteToUDPAddrPort(w.Message, w.Transport.Peer); err != nil {
			r.sendErrs.Add(1)
		}
	}
	for {
		if _, ok := r.resp.PollEvent(); !ok {
			break
		}
	}
	s := r.resp.Stats()
	r.pub.mu.Lock()
	r.pub.snapshot = s
	r.pub.mu.Unlock()
}

// goodbye withdraws every name as the resolver closes (the socket is
// still open): RFC 6762 §10.1 goodbyes, so that LAN caches forget them.
func (r *MDNSResolver) goodbye() {
	if err := r.resp.Close(); err != nil {
		r.dropped.Add(1)
	}
	r.drainResponder()
	r.pub.mu.Lock()
	clear(r.pub.names)
	r.pub.mu.Unlock()
}

// publishHostname hands a name of the connection's to the publisher
// (rtc.EventPublishHostname).
func (c *Conn) publishHostname(name string, addr netip.Addr) {
	p, ok := c.d.cfg.Resolver.(HostPublisher)
	if !ok {
		c.log.Debug("driver: mDNS name not published: Config.Resolver is not a HostPublisher (an MDNSResolver); only peer-reflexive pairs will connect", "name", name)
		return
	}
	if err := p.PublishHostname(name, addr); err != nil {
		c.log.Debug("driver: mDNS name not published", "name", name, "addr", addr, "err", err)
	}
}

// unpublishHostnames withdraws the connection's names as it closes.
func (c *Conn) unpublishHostnames() {
	p, ok := c.d.cfg.Resolver.(HostPublisher)
	if !ok {
		return
	}
	for _, h := range c.pc.PublishedHostnames() {
		// A name refused at publication is unknown here: nothing to withdraw.
		if err := p.UnpublishHostname(h.Hostname); err != nil && !errors.Is(err, mdns.ErrUnknownName) {
			c.log.Debug("driver: mDNS name not withdrawn", "name", h.Hostname, "err", err)
		}
	}
}
