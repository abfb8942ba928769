package rtc

import (
	"errors"
	"strings"
	"testing"
)

func newTestPC(t *testing.T) *PeerConnection {
	t.Helper()
	pc, err := NewPeerConnection(Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// offerAnswer runs one offer/answer from "from" to "to", checking every step,
// and returns the answer, which "from" has not applied yet.
func offerAnswer(t *testing.T, from, to *PeerConnection) SessionDescription {
	t.Helper()
	o, err := from.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := from.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	if err := to.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	ans, err := to.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := to.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	return ans
}

// TestOfferAttributes checks what browsers need in an offer (RFC 8829 §5.2.1,
// RFC 8841, RFC 8842, RFC 8843).
func TestOfferAttributes(t *testing.T) {
	pc := newTestPC(t)
	if _, err := pc.CreateDataChannel("a", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"v=0\r\n", "a=group:BUNDLE 0\r\n", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
		"a=ice-ufrag:", "a=ice-pwd:", "a=fingerprint:sha-256 ", "a=setup:actpass\r\n", "a=mid:0\r\n",
		"a=sctp-port:5000\r\n", "a=max-message-size:262144\r\n"} {
		if !strings.Contains(o.SDP, want) {
			t.Errorf("offer lacks %q:\n%s", want, o.SDP)
		}
	}
	if _, err := parseSDP(o.SDP, 1<<20); err != nil {
		t.Errorf("own offer does not parse: %v", err)
	}
}

// TestSignalingStates walks the JSEP state machine (RFC 8829 §3.2, W3C §4.3.1).
func TestSignalingStates(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateAnswer(); !errors.Is(err, ErrInvalidState) {
		t.Errorf("CreateAnswer in stable: %v", err)
	}
	o, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(o); err != nil || a.SignalingState() != SignalingHaveLocalOffer {
		t.Fatalf("SLD(offer): %v %v", err, a.SignalingState())
	}
	// Rollback returns to stable; the offer can be applied again.
	if err := a.SetLocalDescription(SessionDescription{Type: SDPTypeRollback}); err != nil || a.SignalingState() != SignalingStable {
		t.Fatalf("rollback: %v %v", err, a.SignalingState())
	}
	if err := a.SetLocalDescription(SessionDescription{}); err != nil || a.SignalingState() != SignalingHaveLocalOffer {
		t.Fatalf("implicit SLD: %v %v", err, a.SignalingState())
	}
	// An answer in have-local-offer from the wrong side is refused.
	if err := a.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: "garbage"}); !errors.Is(err, ErrInvalidSDP) {
		t.Errorf("garbage: %v", err)
	}
	if a.SignalingState() != SignalingHaveLocalOffer {
		t.Errorf("state changed by a failed SRD: %v", a.SignalingState())
	}
	glareThenAnswer(t, a, b)
}

// glareThenAnswer: a is in have-local-offer; b offers too (glare) and a
// applies b's offer (implicit rollback, W3C §4.4.1.6), then answers.
func glareThenAnswer(t *testing.T, a, b *PeerConnection) {
	t.Helper()
	if _, err := b.CreateDataChannel("y", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	bo, err := b.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetLocalDescription(bo); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRemoteDescription(b.LocalDescription()); err != nil || a.SignalingState() != SignalingHaveRemoteOffer {
		t.Fatalf("implicit rollback: %v %v", err, a.SignalingState())
	}
	ans, err := a.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ans.SDP, "a=setup:active") {
		t.Errorf("answer to actpass should be active:\n%s", ans.SDP)
	}
	if err := a.SetLocalDescription(ans); err != nil || a.SignalingState() != SignalingStable {
		t.Fatalf("SLD(answer): %v %v", err, a.SignalingState())
	}
	if err := b.SetRemoteDescription(a.LocalDescription()); err != nil || b.SignalingState() != SignalingStable {
		t.Fatalf("SRD(answer): %v %v", err, b.SignalingState())
	}
	if !a.neg.client || b.neg.client {
		t.Errorf("DTLS roles: a client %v, b client %v; want a client (active)", a.neg.client, b.neg.client)
	}
	// Answer in stable is refused.
	if err := b.SetRemoteDescription(ans); !errors.Is(err, ErrInvalidState) {
		t.Errorf("answer in stable: %v", err)
	}
}

// TestBadRemoteDescriptions: each gets a clear error and leaves the state alone.
func TestBadRemoteDescriptions(t *testing.T) {
	src := newTestPC(t)
	if _, err := src.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := src.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	good := o.SDP
	cases := map[string]struct {
		sdp  string
		want error
	}{
		"garbage":               {"hello world", ErrInvalidSDP},
		"empty":                 {"", ErrInvalidSDP},
		"no ICE":                {dropLines(good, "a=ice-ufrag", "a=ice-pwd"), ErrUnsupported},
		"no fingerprint":        {dropLines(good, "a=fingerprint"), ErrUnsupported},
		"no mid":                {dropLines(good, "a=mid"), ErrUnsupported},
		"bad setup":             {strings.Replace(good, "a=setup:actpass", "a=setup:sideways", 1), ErrInvalidSDP},
		"bad fingerprint value": {strings.Replace(good, "a=fingerprint:sha-256 ", "a=fingerprint:sha-256 ZZ", 1), ErrInvalidSDP},
	}
	for name, tc := range cases {
		pc := newTestPC(t)
		err := pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: tc.sdp})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
		if pc.SignalingState() != SignalingStable || pc.RemoteDescription().SDP != "" {
			t.Errorf("%s: state changed to %v", name, pc.SignalingState())
		}
		// The PeerConnection still works.
		if err := pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: good}); err != nil {
			t.Errorf("%s: good offer after a bad one: %v", name, err)
		}
	}
}

// TestAnswerWithoutICECredentials: a bad answer gets a clear error and
// leaves have-local-offer; the good answer still applies.
func TestAnswerWithoutICECredentials(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	ao, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(ao); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemoteDescription(ao); err != nil {
		t.Fatal(err)
	}
	ba, err := b.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	err = a.SetRemoteDescription(SessionDescription{Type: SDPTypeAnswer, SDP: dropLines(ba.SDP, "a=ice-ufrag", "a=ice-pwd")})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "ICE credentials") {
		t.Errorf("answer without ICE credentials: %v", err)
	}
	if a.SignalingState() != SignalingHaveLocalOffer {
		t.Errorf("state after bad answer: %v", a.SignalingState())
	}
	if err := a.SetRemoteDescription(ba); err != nil {
		t.Errorf("good answer after bad: %v", err)
	}
}

func dropLines(sdp string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(sdp, "\r\n") {
		drop := false
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				drop = true
			}
		}
		if !drop {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\r\n")
}

// TestMediaAnsweredRecvOnly: an audio m-section of a remote offer gets a
// recvonly transceiver (W3C webrtc §4.4.1.6) and is answered recvonly with
// the offer's codec, inside the BUNDLE group; an unsupported one is
// rejected with port 0.
func TestMediaAnsweredRecvOnly(t *testing.T) {
	src := newTestPC(t)
	if _, err := src.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := src.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	sdp := strings.Replace(o.SDP, "a=group:BUNDLE 0", "a=group:BUNDLE 1 0", 1)
	i := strings.Index(sdp, "m=application")
	audio := "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n"
	sdp = sdp[:i] + audio + sdp[i:]
	sdp = strings.Replace(sdp, "a=msid-semantic: WMS\r\n", "a=msid-semantic: WMS\r\n", 1)
	// Move session ICE to the audio section too (it is the tagged one now).
	pc := newTestPC(t)
	ufrag := lineWith(o.SDP, "a=ice-ufrag:")
	pwd := lineWith(o.SDP, "a=ice-pwd:")
	fp := lineWith(o.SDP, "a=fingerprint:")
	sdp = strings.Replace(sdp, "a=mid:1\r\n", "a=mid:1\r\n"+ufrag+"\r\n"+pwd+"\r\n"+fp+"\r\na=setup:actpass\r\n", 1)
	if err := pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: sdp}); err != nil {
		t.Fatal(err)
	}
	ans, err := pc.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "a=group:BUNDLE 1 0\r\n", "a=rtpmap:111 opus/48000/2\r\n", "a=recvonly\r\n"} {
		if !strings.Contains(ans.SDP, want) {
			t.Errorf("answer lacks %q:\n%s", want, ans.SDP)
		}
	}
	tr := pc.Transceivers()
	if len(tr) != 1 || tr[0].Mid() != "1" || tr[0].Stopped() || tr[0].Kind() != MediaKindAudio || tr[0].Direction() != DirectionRecvOnly {
		t.Errorf("transceivers: %+v", tr[0])
	}
	if err := pc.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	if d, ok := tr[0].CurrentDirection(); !ok || d != DirectionRecvOnly {
		t.Errorf("current direction %v %v", d, ok)
	}
	// A non-RTP media section is rejected.
	pc2 := newTestPC(t)
	sdp2 := strings.Replace(sdp, "m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=audio 9 TCP/MRCPv2 1", 1)
	if err := pc2.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: sdp2}); err != nil {
		t.Fatal(err)
	}
	ans2, err := pc2.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ans2.SDP, "m=audio 0 TCP/MRCPv2 1") {
		t.Errorf("unsupported section not rejected:\n%s", ans2.SDP)
	}
}

func lineWith(sdp, prefix string) string {
	for _, l := range strings.Split(sdp, "\r\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestAnswerWithoutBundle: an offer without a BUNDLE group gets an answer
// without one (RFC 8843 §7.3); only the first m-section is accepted.
func TestAnswerWithoutBundle(t *testing.T) {
	src := newTestPC(t)
	if _, err := src.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := src.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	sdp := dropLines(o.SDP, "a=group:BUNDLE")
	pc := newTestPC(t)
	if err := pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: sdp}); err != nil {
		t.Fatal(err)
	}
	ans, err := pc.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ans.SDP, "a=group:BUNDLE") || !strings.Contains(ans.SDP, "m=application 9 ") {
		t.Errorf("answer:\n%s", ans.SDP)
	}
}

// TestDTLSRoleFromSetup: RFC 8842 §5.3 — an answer's a=setup must
// complement the offer's, and once the role is established a remote offer
// may not swap it (§5.5, a new association, not supported). Either is
// refused and leaves the state and the role as they were.
func TestDTLSRoleFromSetup(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	ans := offerAnswer(t, a, b)
	if err := a.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
	if a.neg.client || !b.neg.client {
		t.Fatalf("roles after actpass/active: a client %v, b client %v", a.neg.client, b.neg.client)
	}
	// a re-offers (passive, keeping its role); an answer of passive too is refused.
	ans = offerAnswer(t, a, b)
	if !strings.Contains(ans.SDP, "a=setup:active") {
		t.Fatalf("re-answer keeps b active:\n%s", ans.SDP)
	}
	bad := SessionDescription{Type: SDPTypeAnswer, SDP: strings.ReplaceAll(ans.SDP, "a=setup:active", "a=setup:passive")}
	if err := a.SetRemoteDescription(bad); !errors.Is(err, ErrUnsupported) {
		t.Errorf("passive answer to a passive offer: %v", err)
	}
	if a.neg.client || a.SignalingState() != SignalingHaveLocalOffer {
		t.Errorf("after the refused answer: a client %v, state %v", a.neg.client, a.SignalingState())
	}
	if err := a.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
	// b re-offers with a=setup:active; one that asks a to become active is refused.
	o, err := b.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.SDP, "a=setup:active") {
		t.Fatalf("b's re-offer keeps its role:\n%s", o.SDP)
	}
	swap := SessionDescription{Type: SDPTypeOffer, SDP: strings.ReplaceAll(o.SDP, "a=setup:active", "a=setup:passive")}
	if err := a.SetRemoteDescription(swap); !errors.Is(err, ErrUnsupported) {
		t.Errorf("offer swapping the DTLS role: %v", err)
	}
	if a.SignalingState() != SignalingStable {
		t.Errorf("state after the refused offer: %v", a.SignalingState())
	}
	if err := a.SetRemoteDescription(o); err != nil {
		t.Errorf("b's re-offer keeping the roles: %v", err)
	}
}

// TestLocalAnswerIsTheLastCreated: SetLocalDescription(answer) applies the
// answer CreateAnswer built for the current remote offer (RFC 8829 §5.4:
// munging is not supported here; W3C: an answer that differs is refused),
// never one left from an earlier exchange.
func TestLocalAnswerIsTheLastCreated(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	ans, err := b.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	munged := SessionDescription{Type: SDPTypeAnswer, SDP: strings.Replace(ans.SDP, "a=max-message-size:", "a=max-message-size:1", 1)}
	if err := b.SetLocalDescription(munged); !errors.Is(err, ErrUnsupported) {
		t.Errorf("munged answer: %v", err)
	}
	if err := b.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
	// A second offer with one more m-section: the first answer is stale.
	if _, err := a.AddTransceiver(MediaKindAudio, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	o2, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(o2); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemoteDescription(o2); err != nil {
		t.Fatal(err)
	}
	if err := b.SetLocalDescription(SessionDescription{Type: SDPTypeAnswer}); !errors.Is(err, ErrInvalidState) {
		t.Errorf("answer without CreateAnswer for the new offer: %v", err)
	}
	if err := b.SetLocalDescription(SessionDescription{}); err != nil {
		t.Fatalf("implicit answer: %v", err)
	}
	if err := a.SetRemoteDescription(b.LocalDescription()); err != nil {
		t.Errorf("the implicit answer does not fit the offer: %v", err)
	}
}

// TestRollbackEitherSide: RFC 8829 §5.7 — a rollback has the same effect
// whichever of SetLocalDescription or SetRemoteDescription it is given to;
// rolling back a remote offer restores the m-sections as they were and
// stops and removes the transceivers the offer created.
func TestRollbackEitherSide(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRemoteDescription(SessionDescription{Type: SDPTypeRollback}); err != nil || a.SignalingState() != SignalingStable {
		t.Fatalf("SRD(rollback) of a local offer: %v %v", err, a.SignalingState())
	}
	if err := a.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	ans, err := b.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
	rollbackRemoteReoffer(t, a, b, o, ans)
}

// rollbackRemoteReoffer: a re-offers with a video section; b rolls it back
// from the local side, then applies and answers it again.
func rollbackRemoteReoffer(t *testing.T, a, b *PeerConnection, o, ans SessionDescription) {
	t.Helper()
	if _, err := a.AddTransceiver(MediaKindVideo, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	o2, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(o2); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemoteDescription(o2); err != nil {
		t.Fatal(err)
	}
	// The same offer again (have-remote-offer to have-remote-offer): the
	// rollback below must still return to the state before the first.
	if err := b.SetRemoteDescription(o2); err != nil {
		t.Fatal(err)
	}
	created := b.Transceivers()
	if len(created) != 1 {
		t.Fatalf("b transceivers after the offer: %d", len(created))
	}
	if err := b.SetLocalDescription(SessionDescription{Type: SDPTypeRollback}); err != nil || b.SignalingState() != SignalingStable {
		t.Fatalf("SLD(rollback) of a remote offer: %v %v", err, b.SignalingState())
	}
	if n := len(b.Transceivers()); n != 0 || !created[0].stopped || created[0].Mid() != "" {
		t.Errorf("after rollback: %d transceivers, created one stopped %v mid %q", n, created[0].stopped, created[0].Mid())
	}
	if len(b.neg.sections) != 1 || b.neg.sections[0].kind != "application" {
		t.Errorf("after rollback: %d m-sections", len(b.neg.sections))
	}
	if b.RemoteDescription().SDP != ans.SDP && b.RemoteDescription().SDP != o.SDP {
		t.Errorf("remote description after rollback is not the previous one")
	}
	// The same offer applies again and is answered with both sections.
	if err := b.SetRemoteDescription(o2); err != nil {
		t.Fatal(err)
	}
	ans2, err := b.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetLocalDescription(ans2); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRemoteDescription(ans2); err != nil {
		t.Fatal(err)
	}
	// Pranswer states are not rolled back (W3C).
	if err := b.SetRemoteDescription(SessionDescription{Type: SDPTypeRollback}); !errors.Is(err, ErrInvalidState) {
		t.Errorf("rollback in stable: %v", err)
	}
}

// TestNegotiationNeededOnce: W3C §4.7.3 — negotiationneeded fires once
// until the application negotiates, however many changes call for it.
func TestNegotiationNeededOnce(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	count := func() int {
		n := 0
		for {
			e, ok := a.PollEvent()
			if !ok {
				return n
			}
			if e.Kind == EventNegotiationNeeded {
				n++
			}
		}
	}
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddTransceiver(MediaKindAudio, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddTransceiver(MediaKindVideo, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d negotiationneeded events before negotiating, want 1", n)
	}
	if err := a.SetRemoteDescription(offerAnswer(t, a, b)); err != nil {
		t.Fatal(err)
	}
	count()
	// Negotiated: the next change fires again.
	if _, err := a.AddTransceiver(MediaKindAudio, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d negotiationneeded events after negotiating, want 1", n)
	}
}
