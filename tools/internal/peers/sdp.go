package peers

import (
	"net/netip"
	"strings"
)

// CandidateAddr returns the connection address of an a=candidate: (or
// candidate:) line (RFC 8839 §5.1: the fifth field) and its transport
// ("udp", "tcp", lower case). ok is false when the line is not a
// candidate or the address is not an IP address (an mDNS name, say).
func CandidateAddr(line string) (addr netip.Addr, transport string, ok bool) {
	line = strings.TrimPrefix(line, "a=")
	if !strings.HasPrefix(line, "candidate:") {
		return netip.Addr{}, "", false
	}
	f := strings.Fields(line)
	if len(f) < 6 {
		return netip.Addr{}, "", false
	}
	a, err := netip.ParseAddr(f[4])
	if err != nil {
		return netip.Addr{}, "", false
	}
	return a, strings.ToLower(f[2]), true
}

// LoopbackOnly removes every a=candidate line whose address is not a
// loopback IP address (BROWSERS.md), drops empty lines, and ends every
// line with CRLF.
func LoopbackOnly(sdp string) string {
	lines := strings.Split(strings.ReplaceAll(sdp, "\r\n", "\n"), "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "a=candidate:") {
			if a, _, ok := CandidateAddr(l); !ok || !a.IsLoopback() {
				continue
			}
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	return b.String()
}
