package congestion

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// RewriteCandidates returns sdp with its first UDP component-1 loopback
// IPv4 candidate moved to the relay address to (RFC 8839 section 5.1: "a=candidate:"
// foundation component-id transport priority connection-address port
// "typ" cand-type ...) and every other candidate line dropped (one candidate, one path), so that no
// path bypasses the relay. It also returns that candidate's original
// address: where that side's packets come from. It fails when the SDP
// has no such candidate.
func RewriteCandidates(sdp string, to netip.AddrPort) (string, netip.AddrPort, error) {
	var from netip.AddrPort
	nl := "\n"
	if strings.Contains(sdp, "\r\n") {
		nl = "\r\n"
	}
	// RFC 8866 section 5 ends lines with CRLF; a bare LF is accepted too
	// (section 5: "parsers SHOULD be tolerant"), so split on LF.
	lines := strings.Split(strings.TrimRight(sdp, "\r\n"), "\n")
	out := lines[:0]
	for _, ln := range lines {
		ln = strings.TrimSuffix(ln, "\r")
		if !strings.HasPrefix(ln, "a=candidate:") {
			out = append(out, ln)
			continue
		}
		f := strings.Fields(ln)
		if len(f) < 8 || f[1] != "1" || !strings.EqualFold(f[2], "udp") {
			continue
		}
		addr, err := netip.ParseAddr(f[4])
		if err != nil || !addr.Is4() || !addr.IsLoopback() || from.IsValid() {
			continue
		}
		port, err := strconv.ParseUint(f[5], 10, 16)
		if err != nil {
			continue
		}
		from = netip.AddrPortFrom(addr, uint16(port))
		f[4], f[5] = to.Addr().String(), strconv.Itoa(int(to.Port()))
		out = append(out, strings.Join(f, " "))
	}
	if !from.IsValid() {
		return "", from, fmt.Errorf("congestion: no UDP 127.0.0.1 candidate in the SDP")
	}
	return strings.Join(out, nl) + nl, from, nil
}
