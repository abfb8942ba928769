package ice

import (
	"encoding/json"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

func TestPriorityVectors(t *testing.T) {
	// testdata/ice_priority_computed.json: RFC 8445 §5.1.2.1 and §6.1.2.3
	// formulas evaluated for the recommended preferences (computed values).
	b, err := os.ReadFile("testdata/ice_priority_computed.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Candidates []struct {
			Type      string `json:"candidate_type"`
			TypePref  uint32 `json:"type_preference"`
			LocalPref uint16 `json:"local_preference"`
			Component uint16 `json:"component_id"`
			Priority  uint32 `json:"priority"`
		} `json:"candidate_priorities"`
		Pairs []struct {
			G   uint32 `json:"G_controlling_candidate_priority"`
			D   uint32 `json:"D_controlled_candidate_priority"`
			Hex string `json:"pair_priority_hex"`
		} `json:"pair_priorities"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	// A vector file that lost its entries must fail, not pass vacuously.
	if len(v.Candidates) < 4 || len(v.Pairs) < 2 {
		t.Fatalf("%d candidate and %d pair vectors", len(v.Candidates), len(v.Pairs))
	}
	types := map[string]CandidateType{"host": CandidateHost, "srflx": CandidateServerReflexive, "prflx": CandidatePeerReflexive, "relay": CandidateRelay}
	for _, c := range v.Candidates {
		typ, ok := types[c.Type]
		if !ok {
			t.Fatalf("unknown candidate type %q in the vectors", c.Type)
		}
		if typ.typePreference() != c.TypePref {
			t.Errorf("%s: type preference %d, vector says %d", c.Type, typ.typePreference(), c.TypePref)
		}
		if got := Priority(typ, c.LocalPref, c.Component); got != c.Priority {
			t.Errorf("%s comp %d: got %d want %d", c.Type, c.Component, got, c.Priority)
		}
	}
	for _, p := range v.Pairs {
		want, err := strconv.ParseUint(strings.TrimPrefix(p.Hex, "0x"), 16, 64)
		if err != nil {
			t.Fatalf("vector %q: %v", p.Hex, err)
		}
		if got := PairPriority(p.G, p.D); got != want {
			t.Errorf("G=%d D=%d: got %#x want %s", p.G, p.D, got, p.Hex)
		}
	}
}

// RFC 8445 §5.1.2.1: "The priority MUST be a positive integer between 1
// and (2**31 - 1), inclusive", which keeps the §6.1.2.3 formula in 64
// bits. A peer may still send up to 2^32-1 (PRIORITY, a=candidate); the
// pair priority must not wrap and sort such a pair below real ones.
func TestPairPriorityNeverWraps(t *testing.T) {
	const top = 1<<31 - 1
	best := PairPriority(top, top)
	for _, v := range [][2]uint32{{1<<32 - 1, 1<<32 - 1}, {1 << 31, 1 << 31}, {1<<32 - 1, 1}, {1, 1<<32 - 1}, {1<<32 - 1, top}} {
		got := PairPriority(v[0], v[1])
		if got > best {
			t.Errorf("PairPriority(%d, %d) = %#x above the largest valid %#x", v[0], v[1], got, best)
		}
		if low := PairPriority(min(v[0], top), 1); got < low {
			t.Errorf("PairPriority(%d, %d) = %#x wrapped below %#x", v[0], v[1], got, low)
		}
	}
	// Monotonic across the half-way point of both inputs.
	prev := uint64(0)
	for _, g := range []uint32{1, 1<<30 - 1, 1 << 30, top - 1, top, top + 1, 1<<32 - 1} {
		p := PairPriority(g, g)
		if p < prev {
			t.Fatalf("PairPriority(%d, %d) = %#x below the previous %#x", g, g, p, prev)
		}
		prev = p
	}
}

func loadTrickle(t testing.TB) []string {
	b, err := os.ReadFile("testdata/rfc8829_trickle_candidates.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Candidates []struct {
			Attr string `json:"attr"`
			Line string `json:"sdp_attribute_line"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range v.Candidates {
		out = append(out, c.Attr, c.Line)
	}
	return out
}

func TestParseRFC8829Candidates(t *testing.T) {
	// RFC 8829 §7.2, §7.3 trickle blobs, as the attribute and as the SDP line.
	for _, s := range loadTrickle(t) {
		c, err := ParseCandidate(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		c2, err := ParseCandidate(c.String())
		if err != nil {
			t.Fatalf("%q: reparse: %v", c.String(), err)
		}
		if diff := cmp.Diff(c, c2, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
			t.Fatalf("%q round trip: %s", s, diff)
		}
	}
	c, err := ParseCandidate("candidate:1 1 udp 255 192.0.2.100 12100 typ relay raddr 198.51.100.100 rport 11100")
	must(t, err)
	want := Candidate{Foundation: "1", Component: 1, Protocol: shared.UDP, Priority: 255,
		Address: netip.MustParseAddrPort("192.0.2.100:12100"), Type: CandidateRelay,
		Related: netip.MustParseAddrPort("198.51.100.100:11100")}
	if diff := cmp.Diff(want, c, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Fatal(diff)
	}
}

func TestParseCandidateForms(t *testing.T) {
	cases := []struct {
		in   string
		want string // String() of the result, "" for an error
	}{
		{"candidate:0 1 UDP 2122252543 192.0.2.4 61665 typ host generation 0 ufrag abcd network-id 1",
			"candidate:0 1 udp 2122252543 192.0.2.4 61665 typ host generation 0 ufrag abcd network-id 1"},
		{"a=candidate:1 1 udp 1 2001:db8::1 5000 typ host", "candidate:1 1 udp 1 2001:db8::1 5000 typ host"},
		{"candidate:2 1 udp 2113937151 0b5e7c1d-aa.local 54321 typ host generation 0",
			"candidate:2 1 udp 2113937151 0b5e7c1d-aa.local 54321 typ host generation 0"},
		{"candidate:3 1 tcp 1518280447 192.0.2.4 9 typ host tcptype active generation 0",
			"candidate:3 1 tcp 1518280447 192.0.2.4 9 typ host tcptype active generation 0"},
		{"candidate:4 1 udp 100 198.51.100.1 3478 typ relay raddr 0.0.0.0 rport 0",
			"candidate:4 1 udp 100 198.51.100.1 3478 typ relay raddr 0.0.0.0 rport 0"},
		// The shapes Chromium trickles (addresses moved to documentation ranges).
		{"candidate:1467250027 1 udp 2122260223 192.0.2.196 46243 typ host generation 0 ufrag EEtu network-id 1 network-cost 10",
			"candidate:1467250027 1 udp 2122260223 192.0.2.196 46243 typ host generation 0 ufrag EEtu network-id 1 network-cost 10"},
		{"candidate:3986127416 1 tcp 1518280447 192.0.2.196 9 typ host tcptype active generation 0 ufrag EEtu network-id 1",
			"candidate:3986127416 1 tcp 1518280447 192.0.2.196 9 typ host tcptype active generation 0 ufrag EEtu network-id 1"},
		{"candidate:2999745851 1 udp 1686052607 203.0.113.7 60003 typ srflx raddr 192.0.2.196 rport 46243 generation 0 ufrag EEtu network-id 1 network-cost 10",
			"candidate:2999745851 1 udp 1686052607 203.0.113.7 60003 typ srflx raddr 192.0.2.196 rport 46243 generation 0 ufrag EEtu network-id 1 network-cost 10"},
		{"candidate:1718893476 1 udp 2113937151 8D2A3F4C-1E5B-4C8D-9B7A-2F1E3D4C5B6A.local 54321 typ host generation 0 ufrag EEtu network-cost 999",
			"candidate:1718893476 1 udp 2113937151 8d2a3f4c-1e5b-4c8d-9b7a-2f1e3d4c5b6a.local 54321 typ host generation 0 ufrag EEtu network-cost 999"},
		{"candidate:1 1 udp 1 192.0.2.1 5000", ""},                     // no typ
		{"candidate:1 1 udp 1 192.0.2.1 5000 typ bogus", ""},           // unknown type
		{"candidate:1 1 sctp 1 192.0.2.1 5000 typ host", ""},           // transport
		{"candidate:1 0 udp 1 192.0.2.1 5000 typ host", ""},            // component 0
		{"candidate:1 1 udp 4294967296 192.0.2.1 5000 typ host", ""},   // priority overflow
		{"candidate:1 1 udp 1 192.0.2.1 65536 typ host", ""},           // port overflow
		{"candidate:1 1 udp 1 192.0.2.1 5000 typ host generation", ""}, // dangling extension
		{"candidate:1 1 tcp 1 192.0.2.1 5000 typ host", ""},            // tcp without tcptype
		{"candidate:a_b 1 udp 1 192.0.2.1 5000 typ host", ""},          // foundation chars
		{"candidate:1 1 udp 1 fe80::1%eth0 5000 typ host", ""},         // zone
		{"candidate:1 1 udp 1 bad_host! 5000 typ host", ""},            // hostname chars
	}
	for _, c := range cases {
		got, err := ParseCandidate(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("%q: want an error, got %v", c.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got.String(), c.want)
		}
	}
}

func TestParseCandidatePrefixesFail(t *testing.T) {
	// Every strict prefix that cuts a mandatory field must fail to parse.
	s := "candidate:1 1 udp 2113929471 203.0.113.100 10100 typ host"
	for i := 0; i < len(s)-len(" host"); i++ {
		if _, err := ParseCandidate(s[:i]); err == nil {
			t.Errorf("prefix %q parsed", s[:i])
		}
	}
}

func TestCandidateLimitTooLong(t *testing.T) {
	long := "candidate:1 1 udp 1 192.0.2.1 5000 typ host"
	for len(long) <= maxCandidateLen {
		long += " x y"
	}
	if _, err := ParseCandidate(long); err == nil {
		t.Fatal("over-long candidate parsed")
	}
}

func TestLocalPreferenceDualStack(t *testing.T) {
	// RFC 8421 §4: IPv6 and IPv4 interleave, IPv6 first.
	a, err := NewAgent(Config{Rand: zeroRand{}})
	must(t, err)
	must(t, a.AddLocalAddress(netip.MustParseAddrPort("192.0.2.1:1"), shared.UDP))
	must(t, a.AddLocalAddress(netip.MustParseAddrPort("[2001:db8::1]:1"), shared.UDP))
	must(t, a.AddLocalAddress(netip.MustParseAddrPort("192.0.2.2:1"), shared.UDP))
	must(t, a.AddLocalAddress(netip.MustParseAddrPort("[2001:db8::2]:1"), shared.UDP))
	var prio []uint32
	for _, c := range a.LocalCandidates() {
		prio = append(prio, c.Priority)
	}
	// Order of preference: 2001:db8::1, 192.0.2.1, 2001:db8::2, 192.0.2.2.
	if !(prio[1] > prio[0] && prio[0] > prio[3] && prio[3] > prio[2]) {
		t.Fatalf("priorities %v", prio)
	}
}

type zeroRand struct{}

func (zeroRand) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(i * 7)
	}
	return len(b), nil
}
