package rtc

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestTrickle: descriptions without candidates; candidates go through
// EventICECandidate -> AddICECandidate, ending with end-of-candidates
// (RFC 8838; W3C icecandidate with a null candidate).
func TestTrickle(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 21})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	a := newPeer(t, sim, 21, "a", addrA)
	b := newPeer(t, sim, 21, "b", addrB)
	dc, err := a.pc.CreateDataChannel("t", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	strip := func(sdp string) string { return dropLines(sdp, "a=candidate", "a=end-of-candidates") }
	o, err := a.pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(o.SDP, "a=candidate") {
		t.Fatalf("CreateOffer returned candidates before gathering")
	}
	if err := a.pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	a.Drain()
	if err := b.pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: strip(a.pc.LocalDescription().SDP)}); err != nil {
		t.Fatal(err)
	}
	ans, err := b.pc.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.pc.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	b.Drain()
	if err := a.pc.SetRemoteDescription(SessionDescription{Type: SDPTypeAnswer, SDP: strip(b.pc.LocalDescription().SDP)}); err != nil {
		t.Fatal(err)
	}
	a.Drain()
	if n := trickleAll(t, a, b); n < 2 {
		t.Fatalf("trickled %d candidates", n)
	}
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 20000); err != nil {
		t.Fatalf("not open after trickle: %v", err)
	}
	// A candidate for an unknown mid is refused.
	if err := a.pc.AddICECandidate(ICECandidateInit{Candidate: "candidate:1 1 udp 1 192.0.2.9 9 typ host", SDPMid: "nope"}); err == nil {
		t.Errorf("candidate for an unknown mid accepted")
	}
}

// trickleAll hands each side's candidate events to the other and returns
// how many candidates went across; each side must end with
// end-of-candidates.
func trickleAll(t *testing.T, a, b *peer) int {
	t.Helper()
	trickled := 0
	for _, p := range [][2]*peer{{a, b}, {b, a}} {
		eoc := false
		for _, e := range p[0].Events {
			if e.Kind != EventICECandidate {
				continue
			}
			if e.Candidate.Candidate == "" {
				eoc = true
			} else {
				trickled++
			}
			if err := p[1].pc.AddICECandidate(e.Candidate); err != nil {
				t.Fatalf("AddICECandidate(%+v): %v", e.Candidate, err)
			}
		}
		if !eoc {
			t.Errorf("%s: no end-of-candidates event", p[0].name)
		}
	}
	return trickled
}

// TestICEServers parses W3C ICE server URLs (RFC 7064, RFC 7065): IP
// literals go to the agent, DNS names wait for the caller, turns: is TCP
// with TLS on port 5349.
func TestICEServers(t *testing.T) {
	r, err := parseICEServers([]ICEServer{
		{URLs: []string{"stun:127.0.0.1:3478", "stun:stun.example.org"}},
		{URLs: []string{"turn:127.0.0.1:3479?transport=udp", "turn:127.0.0.1", "turn:[::1]:3480?transport=tcp",
			"turns:127.0.0.2", "TURNS:Turn.Example.org.:443?transport=tcp"}, Username: "u", Credential: "p"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.stun) != 1 || r.stun[0].String() != "127.0.0.1:3478" {
		t.Errorf("stun %v", r.stun)
	}
	if len(r.turn) != 4 || r.turn[0].Username != "u" || r.turn[0].Password != "p" || r.turn[1].Address.Port() != 3478 {
		t.Errorf("turn %+v", r.turn)
	}
	if r.turn[2].Protocol != shared.TCP || r.turn[2].Address.String() != "[::1]:3480" {
		t.Errorf("turn over tcp %+v", r.turn[2])
	}
	want := TURNTransport{Address: netip.MustParseAddrPort("127.0.0.2:5349"), Protocol: shared.TCP, TLS: true, ServerName: "127.0.0.2"}
	if len(r.turnTr) != 4 || r.turnTr[3] != want {
		t.Errorf("turn transports %+v", r.turnTr)
	}
	if len(r.names) != 2 || r.names[0] != "stun.example.org" || r.names[1] != "turn.example.org" {
		t.Errorf("names %v", r.names)
	}
	if u := r.pending["turn.example.org"]; len(u) != 1 || !u[0].tls || u[0].port != 443 || u[0].proto != shared.TCP {
		t.Errorf("pending %+v", u)
	}
	for _, bad := range []string{"stuns:127.0.0.1", "turns:127.0.0.1?transport=udp", "stun:127.0.0.1?transport=tcp",
		"turn:127.0.0.1:0", "turn:127.0.0.1:99999", "turn:127.0.0.1?transport=sctp", "turn:", "http://x", "nocolon"} {
		if _, err := parseICEServers([]ICEServer{{URLs: []string{bad}}}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
