package network

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/firefox"
	"github.com/sansrtc/rtc/tools/interop/pion"
)

// stockFlags are Chromium's no-phone-home flags only: no WebRTC loopback
// flag, mDNS obfuscation left on (tools/README.md, "Stock browsers").
func stockFlags(dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(peers.ChromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
	}
}

// stockPage offers a data channel, takes the answer, waits until the
// channel is open and echoes one message, reporting the setup time and
// the selected pair.
const stockPage = `<!doctype html><meta charset="utf-8"><title>stock</title><script>
"use strict";
let pc, dc, opened, t0;
async function offer() {
  pc = new RTCPeerConnection();
  dc = pc.createDataChannel("stock");
  opened = new Promise((res, rej) => { dc.onopen = res; pc.onconnectionstatechange = () => { if (pc.connectionState === "failed") rej(new Error("connection failed")); }; });
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise(r => pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") r(); }));
  }
  return pc.localDescription.sdp;
}
async function accept(sdp) {
  t0 = performance.now();
  await pc.setRemoteDescription({ type: "answer", sdp });
  await opened;
  const setup = performance.now() - t0;
  const got = new Promise(r => dc.onmessage = e => r(e.data));
  dc.send("hello over the LAN");
  const echo = await got;
  let local = "", remote = "";
  const stats = await pc.getStats();
  // The transport's selected pair; else a nominated, succeeded one.
  let pair;
  stats.forEach(s => { if (s.type === "transport" && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
  stats.forEach(s => { if (!pair && s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s; });
  if (pair) {
    const l = stats.get(pair.localCandidateId), r = stats.get(pair.remoteCandidateId);
    local = l.candidateType + " " + l.protocol + " " + (l.address || "") + ":" + l.port;
    remote = r.candidateType + " " + r.protocol + " " + (r.address || "") + ":" + r.port;
  }
  return JSON.stringify({ setup, echo, local, remote });
}
async function answerOffer(sdp) {
  pc = new RTCPeerConnection();
  opened = new Promise((res, rej) => {
    pc.ondatachannel = e => { dc = e.channel; if (dc.readyState === "open") res(); else dc.onopen = res; };
    pc.onconnectionstatechange = () => { if (pc.connectionState === "failed") rej(new Error("connection failed")); };
  });
  t0 = performance.now();
  await pc.setRemoteDescription({ type: "offer", sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise(r => pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") r(); }));
  }
  return pc.localDescription.sdp;
}
async function answered() {
  await opened;
  const setup = performance.now() - t0;
  const got = new Promise(r => dc.onmessage = e => r(e.data));
  dc.send("hello over the LAN");
  const echo = await got;
  return JSON.stringify({ setup, echo, local: "", remote: "" });
}
</script>`

type stockResult struct {
	Setup  float64 `json:"setup"`
	Echo   string  `json:"echo"`
	Local  string  `json:"local"`
	Remote string  `json:"remote"`
}

// TestStockChromiumOffersOnLAN: headless Chromium with default WebRTC
// settings offers a data channel to rtc/examples/answer bound to the LAN
// address 192.168.77.2 in a private namespace, without mDNS resolution.
// The offer carries only mDNS .local host candidates; the connection must
// come up through the peer-reflexive candidate of Chromium's checks (RFC
// 8445 §7.3.1.3) and echo a message. Issue 19: DTLS 1.3 with
// X25519MLKEM768 on the wire (tshark on the namespace's lo) and in the
// example's stats line; the ClientHello-to-application-data time is logged
// with the setup time (logFigure).
func TestStockChromiumOffersOnLAN(t *testing.T) {
	peers.RequireChromium(t)
	if !InNamespace(t) {
		return
	}
	capture := firefox.StartCapture(t)
	peer := startAnswer(t)
	r := stockChromiumOffers(t, peer)
	checkStatsLine(t, peer, "DTLS 1.3", "X25519MLKEM768")
	w := checkWire(t, capture, peer.Port(), "chromium", "1.3")
	t.Logf("stock Chromium offerer on the LAN, peer-reflexive path: pair local %q remote %q", r.Local, r.Remote)
	logFigure(t, "chromium", "offerer", w, r.Setup)
}

// countingResolver records what the driver asked and got.
type countingResolver struct {
	r       driver.HostResolver
	mu      sync.Mutex
	asked   []string
	answers map[string]netip.Addr
}

func (c *countingResolver) LookupHost(ctx context.Context, name string) (netip.Addr, error) {
	a, err := c.r.LookupHost(ctx, name)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, name)
	if err == nil {
		c.answers[name] = a
	}
	return a, err
}

// TestStockChromiumMDNSResolved: as TestStockChromiumOffersOnLAN, with
// the driver resolving Chromium's .local candidates through an
// MDNSResolver on veth0 (rtc-ice/mdns Querier, 224.0.0.251:5353, TTL
// 255): Chromium's own mDNS responder answers, every name resolves to an
// address of the LAN, and the channel opens.
func TestStockChromiumMDNSResolved(t *testing.T) {
	peers.RequireChromium(t)
	if !InNamespace(t) {
		return
	}
	m, err := driver.NewMDNSResolver(driver.MDNSConfig{Interface: "veth0"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Close(); err != nil {
			t.Errorf("closing the resolver: %v", err)
		}
	}()
	res := &countingResolver{r: m, answers: map[string]netip.Addr{}}
	d := driver.New(driver.Config{Addresses: []netip.Addr{LAN}, Resolver: res})
	defer d.Close()
	r := stockChromiumOffers(t, echo.New(d, echo.Options{}))
	// The lookups run beside the connection; give them the Querier's time.
	deadline := time.Now().Add(6 * time.Second)
	for {
		res.mu.Lock()
		n, asked := len(res.answers), len(res.asked)
		res.mu.Unlock()
		if (asked > 0 && n == asked) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.mu.Lock()
	defer res.mu.Unlock()
	if len(res.asked) == 0 {
		t.Fatal("the driver asked the resolver for no name")
	}
	lan := netip.MustParsePrefix("192.168.77.0/24")
	for _, name := range res.asked {
		a, ok := res.answers[name]
		if !ok {
			t.Errorf("%s: not resolved (stats %+v)", name, m.Stats())
			continue
		}
		if !lan.Contains(a) {
			t.Errorf("%s resolved to %v, outside the LAN", name, a)
		}
	}
	t.Logf("stock Chromium offerer, names resolved by mDNS %v: pair local %q remote %q; resolver stats %+v", res.answers, r.Local, r.Remote, m.Stats())
	t.Logf("figure browser=chromium role=offerer path=mdns setup=%.0fms", r.Setup)
}

// stockChromiumOffers runs stock Chromium offering a data channel to
// peer, checks that the offer has only .local host candidates and that a
// message comes back, closes Chromium's connection and returns what the
// page measured.
func stockChromiumOffers(t *testing.T, peer signalingPeer) stockResult {
	t.Helper()
	return stockChromiumSessions(t, peer, 1)[0]
}

// stockChromiumSessions runs n tabs of one stock Chromium at once, each
// offering a data channel to its own session of peer, as
// stockChromiumOffers describes.
func stockChromiumSessions(t *testing.T, peer signalingPeer, n int) []stockResult {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, stockFlags(dir)...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	url, stop, err := peers.ServePage([]byte(stockPage))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	tabs := []context.Context{bctx}
	for range n - 1 {
		tctx, tcancel := chromedp.NewContext(bctx) // a new tab of the same browser
		defer tcancel()
		if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
			t.Fatalf("opening a tab: %v", err)
		}
		tabs = append(tabs, tctx)
	}
	// Every tab offers and gets its answer first, then all connect at once.
	var answers []string
	for _, tab := range tabs {
		offer, err := peers.Eval[string](tab, "offer()")
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("SANSRTC_DEBUG_SDP") != "" {
			t.Logf("chromium offer:\n%s", offer)
		}
		var hosts, locals int
		for _, l := range strings.Split(offer, "\n") {
			if strings.HasPrefix(l, "a=candidate:") && strings.Contains(l, " typ host") {
				hosts++
				if strings.Contains(l, ".local ") {
					locals++
				}
			}
		}
		if hosts == 0 || locals != hosts {
			t.Fatalf("stock Chromium offered %d host candidates, %d of them mDNS names; want only .local names:\n%s", hosts, locals, offer)
		}
		ans, err := peer.Answer(ctx, signaling.Description{Type: "offer", SDP: offer})
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, ans.SDP)
	}
	results := make([]stockResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, tab := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw, err := peers.Eval[string](tab, "accept("+quote(answers[i])+")")
			if err != nil {
				errs[i] = fmt.Errorf("chromium tab %d did not connect: %w", i, err)
				return
			}
			errs[i] = json.Unmarshal([]byte(raw), &results[i])
		}()
	}
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if r.Echo != "hello over the LAN" {
			t.Fatalf("tab %d: echo %q", i, r.Echo)
		}
		if !strings.Contains(r.Remote, LAN.String()) {
			t.Errorf("tab %d: selected remote candidate %q, want our LAN address %s", i, r.Remote, LAN)
		}
	}
	for i, tab := range tabs {
		if _, err := peers.Eval[bool](tab, "pc.close(), true"); err != nil {
			t.Errorf("closing Chromium's connection in tab %d: %v", i, err)
		}
	}
	return results
}

func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// dropUDP are nftables rules that drop every UDP datagram in the
// namespace except mDNS (port 5353), in and out.
var dropUDP = [][]string{
	{"nft", "add", "table", "inet", "noudp"},
	{"nft", "add", "chain", "inet", "noudp", "in", "{ type filter hook input priority 0; policy accept; }"},
	{"nft", "add", "chain", "inet", "noudp", "out", "{ type filter hook output priority 0; policy accept; }"},
	{"nft", "add", "rule", "inet", "noudp", "in", "meta", "l4proto", "udp", "udp", "dport", "!=", "5353", "drop"},
	{"nft", "add", "rule", "inet", "noudp", "out", "meta", "l4proto", "udp", "udp", "dport", "!=", "5353", "drop"},
}

// TestStockChromiumICETCP: as TestStockChromiumOffersOnLAN with every UDP
// datagram dropped (nftables): the driver's ICE-TCP passive candidate
// (Config.ICETCP) is the only way, and stock Chromium connects over it.
func TestStockChromiumICETCP(t *testing.T) {
	peers.RequireChromium(t)
	peers.Require(t, "nft", "apt-get install -y nftables")
	if !InNamespace(t, dropUDP...) {
		return
	}
	d := driver.New(driver.Config{Addresses: []netip.Addr{LAN}, ICETCP: true})
	defer d.Close()
	r := stockChromiumOffers(t, echo.New(d, echo.Options{}))
	if !strings.Contains(r.Remote, "tcp") || !strings.Contains(r.Local, "tcp") {
		t.Errorf("selected pair local %q remote %q, want TCP", r.Local, r.Remote)
	}
	t.Logf("stock Chromium offerer with UDP dropped, ICE-TCP: pair local %q remote %q", r.Local, r.Remote)
	t.Logf("figure browser=chromium role=offerer path=ice-tcp setup=%.0fms", r.Setup)
}

// TestStockChromiumTCPPort: as TestStockChromiumICETCP, with one fixed
// ICE-TCP port for every session (rtc/examples/answer with -tcp-port, and
// -udp-port on the same number: driver.Config.TCPPort and SinglePort) and
// two Chromium tabs connecting at once: both select a pair on that one
// port, routed by their checks' ufrags.
func TestStockChromiumTCPPort(t *testing.T) {
	peers.RequireChromium(t)
	peers.Require(t, "nft", "apt-get install -y nftables")
	if !InNamespace(t, dropUDP...) {
		return
	}
	const port = 3478 // fixed: the namespace is ours
	peer := startAnswer(t, "-udp-port", fmt.Sprint(port), "-tcp-port", fmt.Sprint(port))
	rs := stockChromiumSessions(t, peer, 2)
	want := fmt.Sprintf("host tcp %v:%d", LAN, port)
	for i, r := range rs {
		if r.Remote != want || !strings.Contains(r.Local, "tcp") {
			t.Errorf("tab %d: selected pair local %q remote %q, want remote %q", i, r.Local, r.Remote, want)
		}
		t.Logf("stock Chromium tab %d, UDP dropped, one ICE-TCP port: pair local %q remote %q", i, r.Local, r.Remote)
		t.Logf("figure browser=chromium role=offerer path=ice-tcp-port tab=%d setup=%.0fms", i, r.Setup)
	}
}

// TestStockChromiumAnswersOnLAN: the other role. rtc/examples/answer on
// 192.168.77.2 offers a data channel (host candidate on the LAN) and
// resolves .local names on veth0 (-mdns); stock Chromium answers with only
// .local candidates and echoes back through it. DTLS 1.3 with
// X25519MLKEM768, checked and timed as in TestStockChromiumOffersOnLAN.
func TestStockChromiumAnswersOnLAN(t *testing.T) {
	peers.RequireChromium(t)
	if !InNamespace(t) {
		return
	}
	capture := firefox.StartCapture(t)
	r, p := stockChromiumAnswers(t, func() signalingPeer { return startAnswer(t, "-mdns", "veth0") })
	peer := p.(*answerExample)
	checkStatsLine(t, peer, "DTLS 1.3", "X25519MLKEM768")
	w := checkWire(t, capture, peer.Port(), "chromium", "1.3")
	logFigure(t, "chromium", "answerer", w, r.Setup)
}

// stockChromiumAnswers runs stock Chromium answering the offer (a data
// channel) of a peer that start gives (chromiumAttempts): its answer must
// carry .local candidates, and a message must come back. It closes
// Chromium's connection and returns what the page measured and the peer
// of the attempt that connected.
func stockChromiumAnswers(t *testing.T, start func() signalingPeer) (stockResult, signalingPeer) {
	t.Helper()
	r, peer, bctx, _ := chromiumAttempts(t, start, func(ctx context.Context, peer signalingPeer, bctx context.Context) (string, error) {
		off, err := peer.Offer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := peers.Eval[string](bctx, "answerOffer("+quote(off.SDP)+")")
		if err != nil {
			return "", fmt.Errorf("chromium answering: %w", err) // Chromium's: tried again
		}
		if !strings.Contains(ans, ".local ") {
			t.Errorf("stock Chromium's answer has no mDNS candidate:\n%s", ans)
		}
		if err := peer.Accept(ctx, signaling.Description{Type: "answer", SDP: ans, ID: off.ID}); err != nil {
			t.Fatal(err)
		}
		return peers.Eval[string](bctx, "answered()")
	})
	if _, err := peers.Eval[bool](bctx, "pc.close(), true"); err != nil {
		t.Errorf("closing Chromium's connection: %v", err)
	}
	return r, peer
}

// chromiumAttempts runs one connection between a fresh stock Chromium and
// a fresh peer from start: connect drives the page until the channel is
// open and returns the page's result, whose echo it checks. It returns
// the result, the peer and Chromium's tab (both live until t ends) and the
// number of attempts.
//
// A connection that does not come up within connectTimeout (connect
// returns an error for what Chromium did or did not do; a failure of the
// peer's signaling fails the test at once) is tried once more from
// scratch, after logging what Chromium and the peer saw (chromiumDiagJS,
// the example's log or Pion's pair); a second failure fails the test. CI has seen stock Chromium answer an offer and never
// connect, about once in eight runs of a Chromium-answerer case, with our
// answer example and with Pion alike, which no local run reproduced (more
// than 60 runs, also under load and beside the other browser tests).
func chromiumAttempts(t *testing.T, start func() signalingPeer, connect func(ctx context.Context, peer signalingPeer, bctx context.Context) (string, error)) (stockResult, signalingPeer, context.Context, int) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		peer := start()
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		t.Cleanup(cancel)
		bctx := startStockChromium(t, ctx)
		cctx, ccancel := context.WithTimeout(bctx, connectTimeout)
		raw, err := connect(cctx, peer, cctx)
		ccancel()
		if err != nil {
			diag, derr := peers.Eval[string](bctx, chromiumDiagJS)
			cancel()
			t.Logf("attempt %d: chromium did not connect: %v\nChromium: %s %v\n%s", attempt, err, diag, derr, peerLog(peer))
			if attempt == 2 {
				t.Fatalf("chromium did not connect in %d attempts", attempt)
			}
			continue
		}
		var r stockResult
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatal(err)
		}
		if r.Echo != "hello over the LAN" {
			t.Fatalf("echo %q", r.Echo)
		}
		return r, peer, bctx, attempt
	}
}

// peerLog is what a peer that did not connect has to say: the answer
// example's log, or Pion's errors and selected pair.
func peerLog(peer signalingPeer) string {
	switch p := peer.(type) {
	case *answerExample:
		return "the example's log:\n" + p.stderr.String()
	case *pion.EchoPeer:
		return fmt.Sprintf("Pion: errors %v, selected pair %q", p.Errs(), p.Pair())
	}
	return ""
}
