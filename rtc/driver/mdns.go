package driver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sansrtc/rtc/rtc-ice/mdns"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"golang.org/x/net/ipv4"
)

// ErrResolverClosed is returned by MDNSResolver.LookupHost after Close.
var ErrResolverClosed = errors.New("driver: mdns resolver closed")

// MDNSConfig configures an MDNSResolver.
type MDNSConfig struct {
	// Interface is the name of the LAN interface to ask on ("eth0").
	Interface string
	// Address is the interface's IPv4 address and Network its on-link
	// prefix (192.168.77.2, 192.168.77.0/24): answers from a source
	// outside Network are dropped (RFC 6762 §11). If Address is invalid,
	// the first IPv4 address of Interface is used with its prefix.
	Address netip.Addr
	Network netip.Prefix
	// Timeout bounds one name's resolution (mdns.Config.Timeout). If
	// zero, 5 s.
	Timeout time.Duration
	// MaxNames bounds the names published at once for our own host
	// candidates (PublishHostname, every connection together). If zero,
	// 256.
	MaxNames int
}

// MDNSStats counts what an MDNSResolver dropped.
type MDNSStats struct {
	// Dropped counts datagrams the Querier refused (bad messages,
	// sources off the link); see mdns.Querier.Stats for the reasons.
	Dropped uint64
	// SendErrors counts queries and responses the socket failed to send.
	SendErrors uint64
	// Published is the number of names PublishHostname added and
	// UnpublishHostname has not withdrawn; Refused counts the
	// PublishHostname calls refused (limit, address off the interface).
	Published, Refused uint64
	// Responder counts what the Responder answering for the published
	// names did (answers, goodbyes, rate-limited and suppressed
	// questions).
	Responder mdns.ResponderStats
}

// MDNSResolver resolves the mDNS ".local" names of remote ICE host
// candidates (draft-ietf-mmusic-mdns-ice-candidates) with the sans-I/O
// rtc-ice/mdns Querier, and answers for the names of our own
// (rtc.Configuration.MDNSHostCandidates; it is a HostPublisher, see
// mdns_publish.go) with the Responder, on a UDP socket bound to 224.0.0.251:5353 on one
// interface (SO_REUSEADDR, shared with other responders), joined to the
// group, sending with IP TTL 255 on that interface (RFC 6762 §11) and
// accepting answers only from sources inside the interface's prefix. One
// goroutine runs the Querier and its timer, one reads the socket. Set it
// as Config.Resolver so the driver answers the PeerConnection's
// unresolved candidates with it.
type MDNSResolver struct {
	udp   *net.UDPConn
	pc    *ipv4.PacketConn
	local netip.AddrPort
	q     *mdns.Querier
	resp  *mdns.Responder
	ifi   *net.Interface

	pub publishQueue // mdns_publish.go

	in      chan mdnsDatagram
	asks    chan ask
	done    chan struct{}
	wg      sync.WaitGroup
	looped  chan struct{} // closed when the loop returned (its goodbyes sent)
	closing sync.Once

	network netip.Prefix

	dropped, sendErrs atomic.Uint64
}

type mdnsDatagram struct {
	b    []byte
	from netip.AddrPort
}

type ask struct {
	name  string
	reply chan netip.Addr // invalid address: failed
}

// NewMDNSResolver binds the socket on cfg.Interface and starts the
// resolver. Close stops it.
func NewMDNSResolver(cfg MDNSConfig) (*MDNSResolver, error) {
	ifi, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("driver: mdns: %w", err)
	}
	if !cfg.Address.IsValid() {
		cfg.Address, cfg.Network, err = firstIPv4(ifi)
		if err != nil {
			return nil, err
		}
	}
	if !cfg.Network.IsValid() {
		cfg.Network = netip.PrefixFrom(cfg.Address, 24).Masked()
	}
	local := netip.AddrPortFrom(cfg.Address, mdns.GroupIPv4.Port())
	q, err := mdns.NewQuerier(mdns.Config{Locals: []netip.AddrPort{local}, Networks: []netip.Prefix{cfg.Network}, Timeout: cfg.Timeout})
	if err != nil {
		return nil, fmt.Errorf("driver: mdns: %w", err)
	}
	resp, err := newResponder(local, cfg)
	if err != nil {
		return nil, err
	}
	udp, err := net.ListenMulticastUDP("udp4", ifi, net.UDPAddrFromAddrPort(mdns.GroupIPv4))
	if err != nil {
		return nil, fmt.Errorf("driver: mdns: %w", err)
	}
	p := ipv4.NewPacketConn(udp)
	if err := errors.Join(p.SetMulticastInterface(ifi), p.SetMulticastTTL(255), p.SetMulticastLoopback(true)); err != nil {
		udp.Close()
		return nil, fmt.Errorf("driver: mdns: %w", err)
	}
	r := &MDNSResolver{udp: udp, pc: p, local: local, network: cfg.Network, q: q, resp: resp, ifi: ifi,
		in: make(chan mdnsDatagram, 64), asks: make(chan ask), done: make(chan struct{}), looped: make(chan struct{})}
	r.pub.wake, r.pub.max = make(chan struct{}, 1), maxNames(cfg)
	r.wg.Add(2)
	go r.read()
	go r.loop()
	return r, nil
}

func firstIPv4(ifi *net.Interface) (netip.Addr, netip.Prefix, error) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, netip.Prefix{}, fmt.Errorf("driver: mdns: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if p, err := netip.ParsePrefix(n.String()); err == nil && p.Addr().Is4() {
				return p.Addr(), p.Masked(), nil
			}
		}
	}
	return netip.Addr{}, netip.Prefix{}, fmt.Errorf("driver: mdns: interface %s has no IPv4 address", ifi.Name)
}

// Stats returns the counters.
func (r *MDNSResolver) Stats() MDNSStats {
	s := MDNSStats{Dropped: r.dropped.Load(), SendErrors: r.sendErrs.Load()}
	r.pub.stats(&s)
	return s
}

// LookupHost resolves one ".local" name, waiting at most until ctx ends or
// the Querier gives up (MDNSConfig.Timeout). A name that is not an mDNS
// ICE name fails at once.
func (r *MDNSResolver) LookupHost(ctx context.Context, name string) (netip.Addr, error) {
	if !mdns.IsICEName(name) {
		return netip.Addr{}, fmt.Errorf("driver: mdns: %q is not an mDNS ICE candidate name", name)
	}
	a := ask{name: name, reply: make(chan netip.Addr, 1)}
	select {
	case r.asks <- a:
	case <-r.done:
		return netip.Addr{}, ErrResolverClosed
	case <-ctx.Done():
		return netip.Addr{}, ctx.Err()
	}
	select {
	case addr := <-a.reply:
		if !addr.IsValid() {
			return addr, fmt.Errorf("driver: mdns: no answer for %s", name)
		}
		return addr, nil
	case <-r.done:
		return netip.Addr{}, ErrResolverClosed
	case <-ctx.Done():
		return netip.Addr{}, ctx.Err()
	}
}

// Close stops the resolver and closes its socket; pending lookups fail
// with ErrResolverClosed. The names still published get their goodbyes
// first (RFC 6762 §10.1).
func (r *MDNSResolver) Close() error {
	var err error
	r.closing.Do(func() {
		r.pub.mu.Lock() // PublishHostname checks done under it
		close(r.done)
		r.pub.mu.Unlock()
		<-r.looped
		err = r.udp.Close()
		r.wg.Wait()
	})
	return err
}

// read hands every datagram to the loop. The IP TTL is not checked: RFC
// 6762 §11 asks senders for 255 only for pre-2004 queriers that dropped
// anything else, and Chromium's responder sends with TTL 1; the on-link
// check is the Querier's source address check (MDNSConfig.Network).
func (r *MDNSResolver) read() {
	defer r.wg.Done()
	for {
		b := make([]byte, mdns.MaxMessageSize)
		n, _, src, err := r.pc.ReadFrom(b)
		if err != nil {
			return
		}
		ua, ok := src.(*net.UDPAddr)
		if !ok {
			continue
		}
		from := ua.AddrPort()
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		select {
		case r.in <- mdnsDatagram{b[:n], from}:
		case <-r.done:
			return
		}
	}
}

// loop owns the Querier: datagrams, asks and the timer.
func (r *MDNSResolver) loop() {
	defer r.wg.Done()
	defer close(r.looped)
	waiting := map[string][]chan netip.Addr{}
	heard := map[string]heardRecord{}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-r.done:
			r.q.Close()
			r.goodbye() // mdns_publish.go
			return
		case d := <-r.in:
			r.hear(heard, d)
			tb := shared.TaggedBytes{Now: time.Now(), Transport: shared.TransportContext{Local: r.local, Peer: d.from}, Message: d.b}
			if err := r.q.HandleRead(tb); err != nil {
				r.dropped.Add(1)
			}
			r.answer(tb) // mdns_publish.go
		case <-r.pub.wake:
			r.publish(time.Now()) // mdns_publish.go
		case a := <-r.asks:
			key := mdnsKey(a.name)
			if h, ok := heard[key]; ok && time.Now().Before(h.expiry) {
				a.reply <- h.addr
				continue
			}
			waiting[key] = append(waiting[key], a.reply)
			if err := r.q.Resolve(a.name); err != nil {
				delete(waiting, key)
				a.reply <- netip.Addr{}
			}
			if err := r.q.HandleTimeout(time.Now()); err != nil {
				r.dropped.Add(1)
			}
		case now := <-timer.C:
			if err := r.q.HandleTimeout(now); err != nil {
				r.dropped.Add(1)
			}
			r.respTimeout(now) // mdns_publish.go
		}
		r.drain(waiting)
		r.drainResponder() // mdns_publish.go
		timer.Stop()
		at, ok := r.q.PollTimeout()
		if rat, rok := r.resp.PollTimeout(); rok {
			at, ok = shared.Earliest(at, rat), true
		}
		if ok {
			timer.Reset(max(time.Until(at), 0))
		}
	}
}

// drain sends the queries and answers the waiters (the one-pass drain
// rule of rtc-shared).
func (r *MDNSResolver) drain(waiting map[string][]chan netip.Addr) {
	for {
		w, ok := r.q.PollWrite()
		if !ok {
			break
		}
		if _, err := r.udp.WriteToUDPAddrPort(w.Message, w.Transport.Peer); err != nil {
			r.sendErrs.Add(1)
		}
	}
	for {
		ev, ok := r.q.PollEvent()
		if !ok {
			break
		}
		key := mdnsKey(ev.Name)
		for _, c := range waiting[key] {
			c <- ev.Addr // buffered, one send each
		}
		delete(waiting, key)
	}
}

// mdnsKey is a name as the waiters are kept: DNS names compare without
// case (RFC 1035 §2.3.3), a trailing dot ignored.
func mdnsKey(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// maxHeard bounds the announced records an MDNSResolver keeps.
const maxHeard = 64

// heardRecord is an address record heard unasked.
type heardRecord struct {
	addr   netip.Addr
	expiry time.Time
}

// hear keeps the address records of unsolicited responses from the link
// (RFC 6762 §8.3 announcements; Chromium announces each name once when it
// gathers, and does not answer queries for it again within our lookup),
// so that a later lookup is answered from them (RFC 6762 §10: records
// received are cached for their TTL). Only mDNS ICE names from a source
// inside the interface's prefix are kept, at most maxHeard (the soonest to
// expire makes room), for at most the TTL and never more than an hour.
func (r *MDNSResolver) hear(heard map[string]heardRecord, d mdnsDatagram) {
	if !r.network.Contains(d.from.Addr()) {
		return
	}
	m, err := mdns.Parse(d.b)
	if err != nil || !m.Response() {
		return
	}
	now := time.Now()
	for i := range m.Answers {
		rec := &m.Answers[i]
		addr, ok := rec.Addr()
		if !ok || !mdns.IsICEName(rec.Name) || rec.TTL == 0 {
			continue
		}
		key := mdnsKey(rec.Name)
		if _, ok := heard[key]; !ok && len(heard) >= maxHeard {
			var soonest string
			for k, h := range heard {
				if soonest == "" || h.expiry.Before(heard[soonest].expiry) {
					soonest = k
				}
			}
			delete(heard, soonest)
		}
		heard[key] = heardRecord{addr: addr, expiry: now.Add(min(time.Duration(rec.TTL)*time.Second, time.Hour))}
	}
}
