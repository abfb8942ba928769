package driver

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/sansrtc/rtc/rtc"
	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// HostResolver resolves the hostname of a remote ICE candidate to an
// address. LookupHost may block; the driver calls it on a goroutine of its
// own, never on a loop.
type HostResolver interface {
	LookupHost(ctx context.Context, name string) (netip.Addr, error)
}

// Limits of candidate name resolution.
const (
	// maxResolvedNames bounds the names one connection asks the resolver
	// for (a remote peer's description could list thousands): names past
	// it stay unresolved, counted by the log line.
	maxResolvedNames = 32
	// resolveTimeout bounds one lookup.
	resolveTimeout = 10 * time.Second
)

// resolveNames asks Config.Resolver for every remote candidate hostname
// the PeerConnection holds unresolved and has not been asked for yet
// (draft-ietf-mmusic-mdns-ice-candidates §3.2.2: resolve, then pair). It
// runs on the loop, after every Conn.Do (where remote descriptions and
// candidates are applied). The answers come back through Conn.Do as
// PeerConnection.ResolveHostname; a failed lookup answers the invalid
// address, which tells the agent the candidate is dropped.
func (c *Conn) resolveNames() {
	r := c.d.cfg.Resolver
	if r == nil || c.closed {
		return
	}
	for _, name := range c.pc.UnresolvedHostnames() {
		if _, ok := c.asked[name]; ok {
			continue
		}
		if len(c.asked) >= maxResolvedNames {
			c.log.Debug("driver: too many candidate hostnames, the rest stay unresolved", "limit", maxResolvedNames)
			return
		}
		if c.asked == nil {
			c.asked = make(map[string]struct{})
		}
		c.asked[name] = struct{}{}
		go c.resolve(r, name)
	}
}

// resolve looks name up and hands the answer to the PeerConnection.
func (c *Conn) resolve(r HostResolver, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	start := time.Now()
	addr, err := r.LookupHost(ctx, name)
	if err != nil {
		c.log.Debug("driver: candidate hostname not resolved", "name", name, "err", err)
		addr = netip.Addr{}
	} else {
		c.log.Debug("driver: candidate hostname resolved", "name", name, "addr", addr, "after", time.Since(start))
	}
	err = c.Do(func(pc *rtc.PeerConnection) error { return pc.ResolveHostname(name, addr) })
	if err != nil && !errors.Is(err, ErrClosed) {
		c.log.Debug("driver: resolved hostname refused", "name", name, "err", err)
	}
}

// trickleHostnames adds the hostname (mDNS) UDP candidates of a remote
// description that rtc applied (it takes only candidates with an IP
// address from descriptions; hostname candidates come by trickle) as
// trickled candidates, so that the agent asks for their names. It runs on
// the loop right after SetRemoteDescription, only with a Config.Resolver,
// and adds at most maxResolvedNames candidates. A candidate the
// PeerConnection refuses is logged and skipped: the description itself
// was applied.
func (c *Conn) trickleHostnames(pc *rtc.PeerConnection, sdp string) {
	if c.d.cfg.Resolver == nil {
		return
	}
	n := 0
	for line := range strings.Lines(sdp) {
		v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "a=")
		if !ok || !strings.HasPrefix(v, "candidate:") {
			continue
		}
		cand, err := ice.ParseCandidate(v)
		if err != nil || cand.Hostname == "" || cand.Protocol != shared.UDP {
			continue
		}
		if n++; n > maxResolvedNames {
			c.log.Debug("driver: too many hostname candidates in the remote description", "limit", maxResolvedNames)
			return
		}
		if err := pc.AddICECandidate(rtc.ICECandidateInit{Candidate: v}); err != nil {
			c.log.Debug("driver: hostname candidate refused", "candidate", v, "err", err)
		}
	}
}

// Limits of ICE server name resolution.
const (
	// maxServerNames bounds the ICE server names one connection looks
	// up (each runs on a goroutine); the PeerConnection asks once per
	// distinct name of its configuration. Names past it are answered as
	// failed at once.
	maxServerNames = 16
	// serverResolveTimeout bounds one lookup (the old synchronous lookup
	// in NewPeerConnection had 5 s; off the loop, the same bound).
	serverResolveTimeout = 5 * time.Second
)

// resolveICEServer answers rtc.EventResolveICEServer (issue 16: the core
// asks, the driver resolves off the loop and answers): it runs on the
// loop, starts the lookup on a goroutine and returns at once, so neither
// NewPeerConnection nor the loop waits for DNS. RFC 7064 §3.1 and RFC
// 7065 §3.1 allow a host name in stun:/turn:/turns: URLs; the URL's name
// stays the certificate name of a turns: server (rtc.TURNTransport).
func (c *Conn) resolveICEServer(name string) {
	if c.closed {
		return
	}
	c.serverNames++
	if c.serverNames > maxServerNames {
		c.log.Debug("driver: too many ICE server names, answered as failed", "name", name, "limit", maxServerNames)
		if err := c.pc.ResolveICEServer(name, nil); err != nil {
			c.log.Debug("driver: ICE server answer refused", "name", name, "err", err)
		}
		c.dirty = true
		return
	}
	go c.lookupICEServer(name)
}

// lookupICEServer resolves name with Config.DNS (net.DefaultResolver if
// nil) and hands the addresses, IPv4 first, to the PeerConnection; none
// when the lookup failed, which ends gathering through that server.
func (c *Conn) lookupICEServer(name string) {
	r := c.d.cfg.DNS
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(context.Background(), serverResolveTimeout)
	defer cancel()
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	start := time.Now()
	ips, err := r.LookupNetIP(ctx, "ip", name)
	addrs := orderServerAddrs(ips)
	if err != nil || len(addrs) == 0 {
		c.log.Warn("driver: ICE server name not resolved", "name", name, "err", err)
		addrs = nil
	} else {
		c.log.Debug("driver: ICE server name resolved", "name", name, "addrs", addrs, "after", time.Since(start))
	}
	err = c.Do(func(pc *rtc.PeerConnection) error { return pc.ResolveICEServer(name, addrs) })
	if err != nil && !errors.Is(err, ErrClosed) {
		c.log.Debug("driver: ICE server answer refused", "name", name, "err", err)
	}
}

// orderServerAddrs unmaps ips and puts IPv4 addresses first (the driver's
// host addresses are IPv4 more often than not; the PeerConnection uses
// at most four).
func orderServerAddrs(ips []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		if ip = ip.Unmap(); ip.Is4() {
			out = append(out, ip)
		}
	}
	for _, ip := range ips {
		if ip = ip.Unmap(); ip.IsValid() && !ip.Is4() {
			out = append(out, ip)
		}
	}
	return out
}
