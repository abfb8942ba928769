package iceinterop

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// chromium starts headless Chromium (the flags of shared/BROWSERS.md) on a
// blank page served from 127.0.0.1 (Chromium gathers loopback host
// candidates, --allow-loopback-in-peer-connection, for such a page) and
// returns the tab to evaluate JavaScript in.
func chromium(t *testing.T) context.Context {
	t.Helper()
	return peers.StartChromiumT(t, context.Background()).OpenPage(t, "<!doctype html><title>ice</title>")
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	out, err := peers.Eval[T](ctx, js)
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	return out
}

// sdpICE is what we take from Chromium's SDP: credentials and loopback UDP
// candidates (BROWSERS.md: loopback only).
type sdpICE struct {
	ufrag, pwd string
	cands      []string
}

func parseSDP(sdp string) sdpICE {
	var s sdpICE
	for _, l := range strings.Split(sdp, "\r\n") {
		switch {
		case strings.HasPrefix(l, "a=ice-ufrag:"):
			s.ufrag = strings.TrimPrefix(l, "a=ice-ufrag:")
		case strings.HasPrefix(l, "a=ice-pwd:"):
			s.pwd = strings.TrimPrefix(l, "a=ice-pwd:")
		case strings.HasPrefix(l, "a=candidate:"):
			if a, tr, ok := peers.CandidateAddr(l); ok && a.Is4() && a.IsLoopback() && tr == "udp" {
				s.cands = append(s.cands, strings.TrimPrefix(l, "a="))
			}
		}
	}
	return s
}

// ourSDP is a minimal data-channel description carrying our ICE
// attributes. DTLS never completes (the fingerprint is made up): the test
// is about ICE, which Chromium reports in iceConnectionState.
func ourSDP(a *ice.Agent, setup string) string {
	u, p := a.LocalCredentials()
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n")
	fmt.Fprintf(&b, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n")
	fmt.Fprintf(&b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", u, p)
	fp := strings.TrimSuffix(strings.Repeat("AB:", 32), ":")
	fmt.Fprintf(&b, "a=fingerprint:sha-256 %s\r\na=setup:%s\r\na=mid:0\r\na=sctp-port:5000\r\n", fp, setup)
	for _, c := range a.LocalCandidates() {
		fmt.Fprintf(&b, "a=%s\r\n", c.String())
	}
	b.WriteString("a=end-of-candidates\r\n")
	return b.String()
}

const jsGather = `new Promise(r => { if (pc.iceGatheringState === "complete") r(); pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") r(); }; })`

// testChromium connects our agent with Chromium's ICE agent on loopback.
// ourRole controlling: we offer; controlled: Chromium offers.
func testChromium(t *testing.T, ourRole ice.Role) {
	ctx := chromium(t)
	r := peers.NewRunner(t)
	// Chromium also checks from its non-loopback sockets to our loopback
	// candidate: PeerPrefixes keeps the agent from answering those (the
	// runner fails the test if anything is sent off loopback).
	a, err := ice.NewAgent(ice.Config{Role: ourRole, PeerPrefixes: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	if err != nil {
		t.Fatal(err)
	}
	ep := &ourEP{a: a, t: t}
	ep.Endpoint = peers.Endpoint{Machine: a, Drain: ep.drain}
	must(t, a.HandleTimeout(time.Now()))
	local := r.ListenUDP(ep)
	must(t, a.AddLocalAddress(local, shared.UDP))
	a.EndOfLocalAddresses()
	ep.drain()

	var remote sdpICE
	if ourRole == ice.RoleControlled {
		offer := eval[string](t, ctx, `(async () => { window.pc = new RTCPeerConnection(); pc.createDataChannel("x");
			await pc.setLocalDescription(await pc.createOffer()); await `+jsGather+`; return pc.localDescription.sdp; })()`)
		remote = parseSDP(offer)
		eval[bool](t, ctx, fmt.Sprintf(`(async () => { await pc.setRemoteDescription({type: "answer", sdp: %q}); return true; })()`, ourSDP(a, "active")))
	} else {
		answer := eval[string](t, ctx, fmt.Sprintf(`(async () => { window.pc = new RTCPeerConnection();
			await pc.setRemoteDescription({type: "offer", sdp: %q});
			await pc.setLocalDescription(await pc.createAnswer()); await `+jsGather+`; return pc.localDescription.sdp; })()`, ourSDP(a, "actpass")))
		remote = parseSDP(answer)
	}
	if len(remote.cands) == 0 {
		t.Fatalf("Chromium gave no loopback UDP candidate")
	}
	must(t, a.SetRemoteCredentials(remote.ufrag, remote.pwd))
	for _, c := range remote.cands {
		if err := a.AddRemoteCandidateString(c); err != nil {
			t.Fatalf("%q: %v", c, err)
		}
	}
	a.EndOfRemoteCandidates()
	ep.drain()

	var chromeState string
	err = r.Run("connect", 10*time.Second, func() bool {
		sp, ok := a.SelectedPair()
		if !ok || !sp.Nominated {
			return false
		}
		chromeState = eval[string](t, ctx, `pc.iceConnectionState`)
		return chromeState == "connected" || chromeState == "completed"
	})
	if err != nil {
		t.Fatalf("%v: our states %v, Chromium %s", err, ep.states, eval[string](t, ctx, `pc.iceConnectionState`))
	}
	sp, _ := a.SelectedPair()
	t.Logf("our role %v: selected %s -> %s; our states %v; Chromium %s", ourRole, sp.Local.Address, sp.Remote.Address, ep.states, chromeState)
	if ourRole == ice.RoleControlling {
		// Chromium answered setup:active: its DTLS ClientHello must come up
		// through PollRead on the selected pair (RFC 7983: first byte 22).
		r.Run("dtls", 5*time.Second, func() bool { return len(ep.reads) > 0 })
		if len(ep.reads) == 0 || ep.reads[0][0] != 22 {
			t.Fatalf("no DTLS from Chromium on the pair: %d reads", len(ep.reads))
		}
	}
}

func TestChromiumControllingUs(t *testing.T)  { testChromium(t, ice.RoleControlled) }
func TestChromiumControlledByUs(t *testing.T) { testChromium(t, ice.RoleControlling) }
