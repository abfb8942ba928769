package sdp

import (
	"net/netip"
	"strconv"
	"strings"
)

// Candidate is the value of a=candidate (RFC 8839 §5.1):
//
//	candidate-attribute = "candidate" ":" foundation SP component-id SP
//	                      transport SP priority SP connection-address SP
//	                      port SP cand-type [SP rel-addr] [SP rel-port]
//	                      *(SP cand-extension)
//
// TCP candidates carry "tcptype" (RFC 6544 §4.5); browsers add extension
// pairs such as "generation 0 ufrag abcd network-id 1 network-cost 10",
// kept in order in Extensions. Address may be an IP address or an mDNS
// name ("<uuid>.local", draft-ietf-mmusic-mdns-ice-candidates).
type Candidate struct {
	Foundation string
	Component  uint16 // 1 RTP, 2 RTCP
	Transport  string // "udp" or "tcp" (case kept as received)
	Priority   uint32
	Address    string
	Port       uint16
	Type       string // "host", "srflx", "prflx", "relay"
	// RelatedAddress and RelatedPort are raddr/rport; HasRelated says
	// whether they were present (rport needs a raddr before it).
	RelatedAddress string
	RelatedPort    uint16
	HasRelated     bool
	// TCPType is "active", "passive" or "so" (RFC 6544), or empty.
	TCPType string
	// Extensions are the other name/value pairs, in order.
	Extensions []CandidateExtension
}

// CandidateExtension is one extension pair of a candidate.
type CandidateExtension struct {
	Key   string
	Value string
}

// Candidate types (RFC 8839 §5.1).
const (
	CandidateHost  = "host"
	CandidateSrflx = "srflx"
	CandidatePrflx = "prflx"
	CandidateRelay = "relay"
)

// ParseCandidate parses a candidate value, with or without the leading
// "candidate:" (as in a trickled RTCIceCandidate.candidate string).
func ParseCandidate(v string) (Candidate, error) {
	var c Candidate
	if err := parseCandidate(v, &c, true); err != nil {
		return Candidate{}, err
	}
	return c, nil
}

// checkCandidate checks a candidate value against the grammar without
// keeping its extensions (so without allocating).
func checkCandidate(v string) error {
	if candidateOK(v) {
		return nil
	}
	var c Candidate
	return parseCandidate(v, &c, false) // the same rules, for the reason
}

// scanField splits s at its first space, reporting whether the part
// before is non-empty and every byte of it in class: one pass where a cut
// and a class check take two.
func scanField(s string, class uint16) (field, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] != ' ' {
		if charClass[s[i]]&class == 0 {
			return "", "", false
		}
		i++
	}
	if i == len(s) {
		return s, "", i > 0
	}
	return s[:i], s[i+1:], i > 0
}

// candidateOK is parseCandidate without keeping anything, in one pass
// over the value; it accepts exactly what parseCandidate accepts
// (FuzzAttributes holds checkTyped, which uses it, to ParseCandidate).
func candidateOK(v string) bool {
	v = strings.TrimPrefix(v, "candidate:")
	f0, v, ok0 := scanField(v, classICE)   // foundation = 1*32ice-char
	f1, v, ok1 := scanField(v, classDigit) // component-id = 1*3DIGIT
	_, v, ok2 := scanField(v, classToken)  // transport
	f3, v, ok3 := scanField(v, classDigit) // priority
	_, v, ok4 := scanField(v, classVChar)  // connection-address
	f5, v, ok5 := scanField(v, classDigit) // port
	if !(ok0 && ok1 && ok2 && ok3 && ok4 && ok5) || len(f0) > 32 || len(f1) > 3 || len(v) < 5 || v[:4] != "typ " {
		return false
	}
	comp, err1 := parseDec(f1, 16)
	_, err3 := parseDec(f3, 32)
	_, err5 := parseDec(f5, 16)
	if err1 != nil || comp == 0 || err3 != nil || err5 != nil {
		return false
	}
	_, rest, ok := scanField(v[4:], classToken) // cand-type
	if !ok {
		return false
	}
	raddr := false
	for rest != "" {
		var k, val string
		var okK, okV bool
		if k, rest, okK = scanField(rest, classToken); !okK || rest == "" {
			return false
		}
		if val, rest, okV = scanField(rest, classVChar); !okV {
			return false
		}
		switch k {
		case "raddr":
			if raddr {
				return false
			}
			raddr = true
		case "rport":
			if _, err := parseDec(val, 16); err != nil || !raddr {
				return false
			}
		case "tcptype":
			if val != "active" && val != "passive" && val != "so" {
				return false
			}
		}
	}
	return true
}

func parseCandidate(v string, c *Candidate, keepExt bool) error {
	orig := v
	v = strings.TrimPrefix(v, "candidate:")
	bad := func(reason string) error { return attrErr("candidate", orig, reason) }
	var f [8]string
	for i := range 7 {
		a, b, ok := cutSpace(v)
		if !ok {
			return bad("needs foundation, component, transport, priority, address, port and typ")
		}
		f[i], v = a, b
	}
	c.Foundation = f[0]
	if !lenIn(c.Foundation, 1, 32, classICE) { // foundation = 1*32ice-char
		return bad("foundation must be 1-32 ice-chars")
	}
	comp, err := parseDec(f[1], 16)
	if err != nil || comp == 0 || len(f[1]) > 3 { // component-id = 1*3DIGIT
		return bad("bad component id")
	}
	c.Component = uint16(comp)
	c.Transport = f[2]
	if !isToken(c.Transport) { // transport = "UDP" / transport-extension (token)
		return bad("transport is not a token")
	}
	prio, err := parseDec(f[3], 32)
	if err != nil {
		return bad("bad priority")
	}
	c.Priority = uint32(prio)
	c.Address = f[4]
	if !isVChars(c.Address) { // connection-address: an IP literal or a name
		return bad("address is not printable ASCII")
	}
	port, err := parseDec(f[5], 16)
	if err != nil {
		return bad("bad port")
	}
	c.Port = uint16(port)
	if f[6] != "typ" {
		return bad(`expected "typ"`)
	}
	typ, rest, _ := cutOrAll(v, ' ')
	if !isToken(typ) { // candidate-types = "host" / ... / token
		return bad("missing or malformed candidate type")
	}
	c.Type = typ
	for rest != "" {
		k, r, ok := cutSpace(rest)
		if !ok {
			return bad("extension " + strconv.Quote(rest) + " has no value")
		}
		val, r2, _ := cutOrAll(r, ' ')
		if val == "" {
			return bad("extension " + strconv.Quote(k) + " has an empty value")
		}
		// extension-att-name = token; extension-att-value = *VCHAR.
		if !isToken(k) || !isVChars(val) {
			return bad("extension name is not a token or its value not printable ASCII")
		}
		rest = r2
		switch k {
		case "raddr":
			if c.HasRelated && c.RelatedAddress != "" {
				return bad("raddr twice")
			}
			c.RelatedAddress, c.HasRelated = val, true
		case "rport":
			if c.RelatedAddress == "" {
				return bad("rport without raddr")
			}
			p, err := parseDec(val, 16)
			if err != nil {
				return bad("bad rport")
			}
			c.RelatedPort, c.HasRelated = uint16(p), true
		case "tcptype":
			if val != "active" && val != "passive" && val != "so" { // RFC 6544 §4.5
				return bad(`tcptype must be "active", "passive" or "so"`)
			}
			c.TCPType = val
		default:
			if keepExt {
				c.Extensions = append(c.Extensions, CandidateExtension{k, val})
			}
		}
	}
	return nil
}

// AttrKey returns "candidate".
func (c Candidate) AttrKey() string { return "candidate" }

// AppendValue appends the candidate value: the fixed fields, then raddr,
// rport, tcptype and the extensions in order.
func (c Candidate) AppendValue(b []byte) []byte {
	b = append(b, c.Foundation...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(c.Component), 10)
	b = append(b, ' ')
	b = append(b, c.Transport...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(c.Priority), 10)
	b = append(b, ' ')
	b = append(b, c.Address...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(c.Port), 10)
	b = append(b, " typ "...)
	b = append(b, c.Type...)
	if c.HasRelated {
		b = append(b, " raddr "...)
		b = append(b, c.RelatedAddress...)
		b = append(b, " rport "...)
		b = strconv.AppendUint(b, uint64(c.RelatedPort), 10)
	}
	if c.TCPType != "" {
		b = append(b, " tcptype "...)
		b = append(b, c.TCPType...)
	}
	for _, e := range c.Extensions {
		b = append(b, ' ')
		b = append(b, e.Key...)
		b = append(b, ' ')
		b = append(b, e.Value...)
	}
	return b
}

// String returns "candidate:" and the value, the form of
// RTCIceCandidate.candidate.
func (c Candidate) String() string { return "candidate:" + string(c.AppendValue(nil)) }

// Extension returns the value of the extension named key.
func (c *Candidate) Extension(key string) (string, bool) {
	for _, e := range c.Extensions {
		if e.Key == key {
			return e.Value, true
		}
	}
	return "", false
}

// IsMDNS reports whether the address is an mDNS name ending in ".local".
func (c *Candidate) IsMDNS() bool { return strings.HasSuffix(c.Address, ".local") }

// AddrPort returns the address and port when the address is an IP literal.
func (c *Candidate) AddrPort() (netip.AddrPort, bool) {
	a, err := netip.ParseAddr(c.Address)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, c.Port), true
}

// Generation returns the browser "generation" extension, if present.
func (c *Candidate) Generation() (int, bool) { return c.intExt("generation") }

// NetworkID returns the browser "network-id" extension, if present.
func (c *Candidate) NetworkID() (int, bool) { return c.intExt("network-id") }

// NetworkCost returns the browser "network-cost" extension, if present.
func (c *Candidate) NetworkCost() (int, bool) { return c.intExt("network-cost") }

// Ufrag returns the browser "ufrag" extension, if present.
func (c *Candidate) Ufrag() (string, bool) { return c.Extension("ufrag") }

func (c *Candidate) intExt(k string) (int, bool) {
	v, ok := c.Extension(k)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}
