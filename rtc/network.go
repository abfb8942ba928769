package rtc

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// This file holds what a real network needs from the caller: ICE server
// URLs with DNS names (asked with EventResolveICEServer), TURN over TCP and
// TLS (TURNTransport), and ICE-TCP connections (EventTCPConnect).

// TURNTransport says how the caller reaches one TURN server (RFC 8656
// §3.1): the datagrams PollWrite returns for it name it as
// Transport.Peer, with Transport.Protocol shared.UDP or shared.TCP.
type TURNTransport struct {
	// Address is the server's transport address (Transport.Peer).
	Address netip.AddrPort
	// Protocol is shared.UDP ("turn:...?transport=udp", the default) or
	// shared.TCP ("?transport=tcp" or "turns:").
	Protocol shared.TransportProtocol
	// TLS: a "turns:" URL. The caller wraps the TCP connection in TLS
	// (crypto/tls, RFC 8656 §3.1) with ServerName for verification; the
	// STUN/ChannelData framing inside is the same as over TCP.
	TLS bool
	// ServerName is the URL's host (an IP literal or a DNS name).
	ServerName string
}

// iceServerURL is one parsed ICE server URL (RFC 7064, RFC 7065).
type iceServerURL struct {
	turn       bool
	tls        bool
	proto      shared.TransportProtocol
	host       string // a DNS name or an IP literal
	port       uint16
	user, pass string
}

// parseICEServerURL parses "stun:host[:port]", "turn:host[:port][?transport=udp|tcp]"
// and "turns:host[:port][?transport=tcp]" (RFC 7064 §3.1, RFC 7065 §3.1).
// The host may be an IPv4 literal, an IPv6 literal in brackets, or a DNS
// name (resolved by the caller, EventResolveICEServer).
func parseICEServerURL(raw string, s ICEServer) (iceServerURL, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return iceServerURL{}, fmt.Errorf("rtc: ICE server URL %q has no scheme", raw)
	}
	u := iceServerURL{proto: shared.UDP, port: 3478}
	switch strings.ToLower(scheme) {
	case "stun":
	case "turn":
		u.turn = true
	case "turns":
		u.turn, u.tls, u.proto, u.port = true, true, shared.TCP, 5349
	case "stuns":
		return iceServerURL{}, fmt.Errorf("%w: stuns URLs (STUN over TLS) %q", ErrUnsupported, raw)
	default:
		return iceServerURL{}, fmt.Errorf("rtc: ICE server URL scheme %q", scheme)
	}
	hostport, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		if !u.turn {
			return iceServerURL{}, fmt.Errorf("rtc: ICE server URL %q: stun URLs take no query (RFC 7064 §3.1)", raw)
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return iceServerURL{}, fmt.Errorf("rtc: ICE server URL %q: %w", raw, err)
		}
		switch t := strings.ToLower(q.Get("transport")); {
		case t == "tcp":
			u.proto = shared.TCP
		case t == "udp" && !u.tls:
		default:
			return iceServerURL{}, fmt.Errorf("rtc: ICE server URL %q: transport %q", raw, t)
		}
	}
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return iceServerURL{}, fmt.Errorf("rtc: ICE server URL %q: bad port", raw)
		}
		u.port = uint16(n)
	}
	if host == "" || strings.ContainsAny(host, "/@ ") {
		return iceServerURL{}, fmt.Errorf("rtc: ICE server URL %q: bad host", raw)
	}
	u.host = host
	if u.turn {
		u.user, u.pass = s.Username, s.Credential
	}
	return u, nil
}

// servers returns the agent's STUN and TURN servers for u at addr.
func (u iceServerURL) servers(addr netip.Addr) ([]netip.AddrPort, []ice.TURNServer) {
	ap := netip.AddrPortFrom(addr.Unmap(), u.port)
	if !u.turn {
		return []netip.AddrPort{ap}, nil
	}
	return nil, []ice.TURNServer{{Address: ap, Protocol: u.proto, Username: u.user, Password: u.pass}}
}

// iceServers is what the configuration's ICE servers became: servers with
// IP literals go to the agent at once; DNS names wait for the caller.
type iceServers struct {
	stun    []netip.AddrPort
	turn    []ice.TURNServer
	pending map[string][]iceServerURL // by host name
	names   []string                  // pending names in configuration order
	turnTr  []TURNTransport
}

// empty reports whether s holds nothing (no server configured).
func (s *iceServers) empty() bool {
	return len(s.stun) == 0 && len(s.turn) == 0 && len(s.pending) == 0 && len(s.names) == 0 && len(s.turnTr) == 0
}

// parseICEServers turns W3C ICE server URLs into agent configuration.
func parseICEServers(servers []ICEServer) (iceServers, error) {
	var r iceServers
	for _, s := range servers {
		for _, raw := range s.URLs {
			u, err := parseICEServerURL(raw, s)
			if err != nil {
				return iceServers{}, err
			}
			if ip, err := netip.ParseAddr(u.host); err == nil {
				st, tu := u.servers(ip)
				r.stun, r.turn = append(r.stun, st...), append(r.turn, tu...)
				r.addTURN(u, ip)
				continue
			}
			if r.pending == nil {
				r.pending = map[string][]iceServerURL{}
			}
			name := strings.ToLower(strings.TrimSuffix(u.host, "."))
			if _, ok := r.pending[name]; !ok {
				r.names = append(r.names, name)
			}
			r.pending[name] = append(r.pending[name], u)
		}
	}
	return r, nil
}

func (r *iceServers) addTURN(u iceServerURL, ip netip.Addr) {
	if u.turn {
		r.turnTr = append(r.turnTr, TURNTransport{Address: netip.AddrPortFrom(ip.Unmap(), u.port),
			Protocol: u.proto, TLS: u.tls, ServerName: u.host})
	}
}

// maxServerAddrs bounds the addresses one resolved name adds (A and AAAA
// records of one host): the agent gathers from each.
const maxServerAddrs = 4

// ResolveICEServer answers EventResolveICEServer: addrs are the addresses
// the caller's DNS lookup found for name (at most 4 are used; none when
// the lookup failed). Gathering through that server starts at once.
func (pc *PeerConnection) ResolveICEServer(name string, addrs []netip.Addr) error {
	if pc.closed {
		return ErrClosed
	}
	key := strings.ToLower(strings.TrimSuffix(name, "."))
	var urls []iceServerURL
	ok := false
	if pc.servers != nil {
		urls, ok = pc.servers.pending[key]
	}
	if !ok {
		return fmt.Errorf("%w: ICE server name %q was not asked for", ErrInvalidState, name)
	}
	delete(pc.servers.pending, key)
	var st []netip.AddrPort
	var tu []ice.TURNServer
	n := 0
	for _, a := range addrs {
		if !a.IsValid() || n == maxServerAddrs {
			continue
		}
		n++
		for _, u := range urls {
			s, t := u.servers(a)
			st, tu = append(st, s...), append(tu, t...)
			pc.servers.addTURN(u, a)
		}
	}
	err := layerErr("ice", pc.tr.agent().AddServers(st, tu))
	pc.step()
	return err
}

// TURNTransport returns how to reach the TURN server at addr (a
// datagram's Transport.Peer): TCP or UDP, and whether TLS wraps it.
func (pc *PeerConnection) TURNTransport(addr netip.AddrPort) (TURNTransport, bool) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	if pc.servers == nil {
		return TURNTransport{}, false
	}
	for _, t := range pc.servers.turnTr {
		if t.Address == addr {
			return t, true
		}
	}
	return TURNTransport{}, false
}

// TURNTransports lists the TURN servers known so far (IP literals, and
// names the caller resolved).
func (pc *PeerConnection) TURNTransports() []TURNTransport {
	if pc.servers == nil {
		return nil
	}
	return append([]TURNTransport(nil), pc.servers.turnTr...)
}

// AddLocalTCPAddress tells the PeerConnection about a local TCP port the
// caller listens on (RFC 6544): a passive host candidate on addr and an
// active one on its IP. Connections accepted on it and dialled for
// EventTCPConnect carry RFC 4571 framed segments: pass what is read to
// HandleRead with Transport.Protocol shared.TCP (Local the connection's
// local address, Peer its remote one), and write what PollWrite returns
// with Protocol shared.TCP to the connection to Transport.Peer as is
// (already framed). Priorities prefer UDP (RFC 6544 §4.2).
func (pc *PeerConnection) AddLocalTCPAddress(addr netip.AddrPort) error {
	if pc.closed {
		return ErrClosed
	}
	err := pc.tr.agent().AddLocalAddress(addr, shared.TCP)
	if err != nil && err != ice.ErrDuplicateCandidate {
		return layerErr("ice", err)
	}
	pc.step()
	return nil
}

// TCPConnected answers EventTCPConnect: the connection from local to
// remote is up.
func (pc *PeerConnection) TCPConnected(local, remote netip.AddrPort) error {
	if pc.closed {
		return ErrClosed
	}
	err := layerErr("ice", pc.tr.agent().TCPConnected(local, remote))
	pc.step()
	return err
}

// TCPConnectFailed answers EventTCPConnect: the connection to remote could
// not be made (its pair fails).
func (pc *PeerConnection) TCPConnectFailed(remote netip.AddrPort) {
	if pc.closed {
		return
	}
	pc.tr.agent().TCPConnectFailed(remote)
	pc.step()
}

// TCPClosed says the TCP connection to remote closed (accepted or dialled).
func (pc *PeerConnection) TCPClosed(remote netip.AddrPort) {
	if pc.closed {
		return
	}
	pc.tr.agent().TCPClosed(remote)
	pc.step()
}
