package rtc

import (
	"strings"
	"testing"
	"time"

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

// TestICEServers parses W3C ICE server URLs.
func TestICEServers(t *testing.T) {
	stun, turn, err := parseICEServers([]ICEServer{
		{URLs: []string{"stun:127.0.0.1:3478"}},
		{URLs: []string{"turn:127.0.0.1:3479?transport=udp", "turn:127.0.0.1"}, Username: "u", Credential: "p"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stun) != 1 || stun[0].String() != "127.0.0.1:3478" {
		t.Errorf("stun %v", stun)
	}
	if len(turn) != 2 || turn[0].Username != "u" || turn[0].Password != "p" || turn[1].Address.Port() != 3478 {
		t.Errorf("turn %+v", turn)
	}
	for _, bad := range []string{"stun:example.com", "turns:127.0.0.1", "http://x", "nocolon"} {
		if _, _, err := parseICEServers([]ICEServer{{URLs: []string{bad}}}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
