package ice

import (
	"hash/fnv"
	"net/netip"
	"strconv"
	"strings"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// CandidateType is the ICE candidate type (RFC 8445 §5.1.1).
type CandidateType uint8

// Candidate types. The zero value is CandidateHost.
const (
	CandidateHost            CandidateType = iota // an address of a local interface
	CandidateServerReflexive                      // the NAT binding a STUN server saw ("srflx")
	CandidatePeerReflexive                        // learned from a connectivity check ("prflx")
	CandidateRelay                                // a TURN relayed address
)

// String returns the SDP token: host, srflx, prflx or relay (RFC 8839 §5.1).
func (t CandidateType) String() string {
	switch t {
	case CandidateHost:
		return "host"
	case CandidateServerReflexive:
		return "srflx"
	case CandidatePeerReflexive:
		return "prflx"
	case CandidateRelay:
		return "relay"
	}
	return "CandidateType(" + strconv.Itoa(int(t)) + ")"
}

// typePreference is the recommended type preference (RFC 8445 §5.1.2.2):
// "126 for host candidates, 110 for peer-reflexive candidates, 100 for
// server-reflexive candidates, and 0 for relayed candidates."
func (t CandidateType) typePreference() uint32 {
	switch t {
	case CandidateHost:
		return 126
	case CandidatePeerReflexive:
		return 110
	case CandidateServerReflexive:
		return 100
	}
	return 0
}

// TCPType is the RFC 6544 §4.5 tcptype of a TCP candidate.
type TCPType uint8

// TCP candidate types.
const (
	TCPTypeNone         TCPType = iota // a UDP candidate
	TCPTypeActive                      // opens connections, port 9 in SDP
	TCPTypePassive                     // accepts connections
	TCPTypeSimultaneous                // simultaneous open ("so")
)

// String returns the SDP token: active, passive, so, or "" for none.
func (t TCPType) String() string {
	switch t {
	case TCPTypeActive:
		return "active"
	case TCPTypePassive:
		return "passive"
	case TCPTypeSimultaneous:
		return "so"
	}
	return ""
}

// Extension is one "name value" pair after the standard candidate fields
// (RFC 8839 §5.1 cand-extension), such as "generation 0" or "network-id 1".
type Extension struct {
	Name, Value string
}

// Candidate is one ICE candidate (RFC 8445 §5.1) in the form the SDP
// candidate attribute carries it (RFC 8839 §5.1).
type Candidate struct {
	Foundation string                   // 1-32 ice-chars
	Component  uint16                   // 1 for RTP (and everything with rtcp-mux)
	Protocol   shared.TransportProtocol // UDP or TCP
	Priority   uint32
	// Address is the transport address. When Hostname is set (an mDNS
	// ".local" name, RFC 8839 §5.1 allows an FQDN), Address has the port
	// and an invalid IP until the name is resolved.
	Address  netip.AddrPort
	Hostname string
	Type     CandidateType
	// Related is the raddr/rport pair: the base of a srflx or prflx
	// candidate, the mapped address of a relayed one (may be invalid).
	Related netip.AddrPort
	TCPType TCPType
	// Extensions are kept in order, including generation, ufrag,
	// network-id and network-cost.
	Extensions []Extension
}

// Extension returns the value of the named extension.
func (c *Candidate) Extension(name string) (string, bool) {
	for _, e := range c.Extensions {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// Resolved reports whether the candidate has an IP address to send to.
func (c *Candidate) Resolved() bool { return c.Address.Addr().IsValid() }

// Priority computes a candidate priority (RFC 8445 §5.1.2.1):
// priority = (2^24)*(type preference) + (2^8)*(local preference) + (2^0)*(256 - component ID).
func Priority(t CandidateType, localPref uint16, component uint16) uint32 {
	return t.typePreference()<<24 | uint32(localPref)<<8 | uint32(256-int(component)&0xFF)
}

// MaxPriority is the largest valid candidate priority (RFC 8445 §5.1.2.1:
// "The priority MUST be a positive integer between 1 and (2**31 - 1),
// inclusive").
const MaxPriority = 1<<31 - 1

// PairPriority computes a candidate pair priority (RFC 8445 §6.1.2.3):
// 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G the controlling agent's candidate
// priority and D the controlled agent's. Priorities above MaxPriority (a
// peer may send up to 2^32-1) count as MaxPriority, so the sum never wraps
// past 2^64 and such a pair sorts with the best valid ones, not below them.
func PairPriority(controlling, controlled uint32) uint64 {
	g, d := uint64(min(controlling, MaxPriority)), uint64(min(controlled, MaxPriority))
	p := min(g, d)<<32 + 2*max(g, d)
	if g > d {
		p++
	}
	return p
}

// foundation derives a foundation (RFC 8445 §5.1.1.3): candidates that have
// the same type, base IP address, server and transport share one.
func foundation(t CandidateType, base netip.Addr, server netip.Addr, proto shared.TransportProtocol) string {
	h := fnv.New32a()
	var b [40]byte
	buf := append(b[:0], byte(t), byte(proto))
	buf = append(buf, base.AsSlice()...)
	buf = append(buf, 0xFF)
	buf = append(buf, server.AsSlice()...)
	h.Write(buf)
	return strconv.FormatUint(uint64(h.Sum32()), 10)
}

// String formats the candidate as the SDP attribute value, starting with
// "candidate:" (RFC 8839 §5.1), as browsers trickle it.
func (c Candidate) String() string {
	var sb strings.Builder
	sb.Grow(96)
	sb.WriteString("candidate:")
	sb.WriteString(c.Foundation)
	sb.WriteByte(' ')
	sb.WriteString(strconv.Itoa(int(c.Component)))
	if c.Protocol == shared.TCP {
		sb.WriteString(" tcp ")
	} else {
		sb.WriteString(" udp ")
	}
	sb.WriteString(strconv.FormatUint(uint64(c.Priority), 10))
	sb.WriteByte(' ')
	if c.Hostname != "" {
		sb.WriteString(c.Hostname)
	} else {
		sb.WriteString(c.Address.Addr().Unmap().String())
	}
	sb.WriteByte(' ')
	port := c.Address.Port()
	if c.Protocol == shared.TCP && c.TCPType == TCPTypeActive {
		port = 9 // RFC 6544 §4.5: active candidates use port 9 (discard)
	}
	sb.WriteString(strconv.Itoa(int(port)))
	sb.WriteString(" typ ")
	sb.WriteString(c.Type.String())
	if c.Type != CandidateHost {
		rel := c.Related
		ip := "0.0.0.0"
		if rel.Addr().IsValid() {
			ip = rel.Addr().Unmap().String()
		} else if c.Address.Addr().Is6() && !c.Address.Addr().Is4In6() {
			ip = "::"
		}
		sb.WriteString(" raddr ")
		sb.WriteString(ip)
		sb.WriteString(" rport ")
		sb.WriteString(strconv.Itoa(int(rel.Port())))
	}
	if c.Protocol == shared.TCP && c.TCPType != TCPTypeNone {
		sb.WriteString(" tcptype ")
		sb.WriteString(c.TCPType.String())
	}
	for _, e := range c.Extensions {
		if e.Name == "tcptype" {
			continue
		}
		sb.WriteByte(' ')
		sb.WriteString(e.Name)
		sb.WriteByte(' ')
		sb.WriteString(e.Value)
	}
	return sb.String()
}

// Limits on candidate attribute text.
const (
	maxCandidateLen  = 1024
	maxFoundationLen = 32
	maxExtensions    = 16
)

// ParseCandidate parses an SDP candidate attribute (RFC 8839 §5.1). It
// accepts "a=candidate:...", "candidate:..." or the bare value, and the
// transports UDP and TCP (any case). Unknown extensions are kept.
func ParseCandidate(s string) (Candidate, error) {
	var c Candidate
	if len(s) > maxCandidateLen {
		return c, &CandidateError{Input: truncate(s), Reason: "too long"}
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "a=")
	s = strings.TrimPrefix(s, "candidate:")
	f := strings.Fields(s)
	if len(f) < 8 {
		return c, &CandidateError{Input: truncate(s), Reason: "too few fields"}
	}
	fail := func(r string) (Candidate, error) {
		return Candidate{}, &CandidateError{Input: truncate(s), Reason: r}
	}
	if len(f[0]) == 0 || len(f[0]) > maxFoundationLen || !isICEChars(f[0]) {
		return fail("bad foundation")
	}
	c.Foundation = f[0]
	comp, err := strconv.ParseUint(f[1], 10, 16)
	if err != nil || comp == 0 || comp > 256 || len(f[1]) > 3 {
		return fail("bad component")
	}
	c.Component = uint16(comp)
	switch strings.ToLower(f[2]) {
	case "udp":
		c.Protocol = shared.UDP
	case "tcp":
		c.Protocol = shared.TCP
	default:
		return fail("unsupported transport " + f[2])
	}
	prio, err := strconv.ParseUint(f[3], 10, 32)
	if err != nil || len(f[3]) > 10 {
		return fail("bad priority")
	}
	c.Priority = uint32(prio)
	port, err := strconv.ParseUint(f[5], 10, 16)
	if err != nil {
		return fail("bad port")
	}
	if ip, err := netip.ParseAddr(f[4]); err == nil {
		if ip.Zone() != "" {
			return fail("zoned address")
		}
		c.Address = netip.AddrPortFrom(ip.Unmap(), uint16(port))
	} else {
		if !isHostname(f[4]) {
			return fail("bad connection address")
		}
		c.Hostname = strings.ToLower(f[4])
		c.Address = netip.AddrPortFrom(netip.Addr{}, uint16(port))
	}
	if f[6] != "typ" {
		return fail("missing typ")
	}
	switch f[7] {
	case "host":
		c.Type = CandidateHost
	case "srflx":
		c.Type = CandidateServerReflexive
	case "prflx":
		c.Type = CandidatePeerReflexive
	case "relay":
		c.Type = CandidateRelay
	default:
		return fail("unknown candidate type " + f[7])
	}
	rest := f[8:]
	var raddr netip.Addr
	var haveRaddr bool
	for len(rest) > 0 {
		if len(rest) < 2 {
			return fail("extension without value")
		}
		name, val := rest[0], rest[1]
		rest = rest[2:]
		switch name {
		case "raddr":
			a, err := netip.ParseAddr(val)
			if err != nil {
				// mDNS candidates may carry a hostname raddr; ignore it.
				continue
			}
			raddr, haveRaddr = a.Unmap(), true
		case "rport":
			p, err := strconv.ParseUint(val, 10, 16)
			if err != nil {
				return fail("bad rport")
			}
			c.Related = netip.AddrPortFrom(raddr, uint16(p))
		case "tcptype":
			switch val {
			case "active":
				c.TCPType = TCPTypeActive
			case "passive":
				c.TCPType = TCPTypePassive
			case "so":
				c.TCPType = TCPTypeSimultaneous
			default:
				return fail("bad tcptype")
			}
		default:
			if len(c.Extensions) == maxExtensions {
				return fail("too many extensions")
			}
			c.Extensions = append(c.Extensions, Extension{Name: name, Value: val})
		}
	}
	if haveRaddr {
		c.Related = netip.AddrPortFrom(raddr, c.Related.Port())
	}
	if c.Related.Addr().IsValid() && c.Related.Addr().IsUnspecified() {
		c.Related = netip.AddrPortFrom(netip.Addr{}, c.Related.Port())
	}
	if c.Protocol == shared.TCP && c.TCPType == TCPTypeNone {
		return fail("tcp candidate without tcptype")
	}
	return c, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// isICEChars reports whether s is made of ice-char (ALPHA / DIGIT / "+" / "/").
func isICEChars(s string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '+' || ch == '/') {
			return false
		}
	}
	return true
}

func isHostname(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
			return false
		}
	}
	return true
}
