package congestion

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

//go:embed page.html
var page string

// browserStats is what page.html's stats() returns.
type browserStats struct {
	T                        float64 // ms
	State                    string
	BytesSent, PacketsSent   float64
	NackCount                float64
	RetransmittedPacketsSent float64
	RetransmittedBytesSent   float64
	TargetBitrate            float64
	FrameWidth               float64
	FramesEncoded            float64
	QualityLimitationReason  string
	AvailableOutgoingBitrate float64
	RTT                      float64
	FramesDecoded            float64
	PacketsReceived          float64
	InNackCount              float64
	PacketsLost              float64
}

func eval[T any](ctx context.Context, fn string, args ...any) (T, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			var zero T
			return zero, err
		}
		parts[i] = string(b)
	}
	return peers.Eval[T](ctx, fn+"("+strings.Join(parts, ",")+")")
}

// session is Chromium sending its fake camera to the reflect peer through
// a Relay.
type session struct {
	tab   context.Context
	relay *Relay
	// answer is the SDP the reflect peer answered (before the rewrite).
	answer string
}

func logger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return nil
}

// chromiumLog returns, when SANSRTC_CHROMIUM_LOG names a file, the flags
// that make Chromium log its bandwidth estimation (GoogCC, delay- and
// loss-based) to that file: a diagnostic for a run that fails.
func chromiumLog(t *testing.T) []chromedp.ExecAllocatorOption {
	name := os.Getenv("SANSRTC_CHROMIUM_LOG")
	if name == "" {
		return nil
	}
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return []chromedp.ExecAllocatorOption{
		chromedp.Flag("enable-logging", "stderr"),
		chromedp.Flag("vmodule", "goog_cc_network_control=2,delay_based_bwe=2,loss_based_bwe_v2=2,send_side_bandwidth_estimation=2,trendline_estimator=1,probe_controller=1,transport_feedback_adapter=2,rtp_transport_controller_send=2"),
		chromedp.CombinedOutput(f),
	}
}

// start connects Chromium (offering one 1280x720 video track) and the
// reflect peer through a new Relay configured by cfg, and waits until the
// reflected video decodes.
func start(t *testing.T, cfg Config) *session {
	t.Helper()
	c := peers.StartChromiumT(t, context.Background(), chromiumLog(t)...)
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	t.Cleanup(func() { d.Close() })
	peer := echo.New(d, echo.Options{Media: true, Logger: logger(t), StatsInterval: 5 * time.Second})
	srv := httptest.NewServer(signaling.Server(peer))
	t.Cleanup(srv.Close)
	r, err := NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tab := c.OpenPage(t, page)
	off, err := eval[string](tab, "offer", 1280, 720)
	if err != nil {
		t.Fatal(err)
	}
	off, browser, err := RewriteCandidates(off, r.B())
	if err != nil {
		t.Fatalf("offer: %v", err)
	}
	r.SetBrowser(browser)
	ans, err := signaling.PostOffer(ctx, srv.URL, signaling.Description{Type: "offer", SDP: off})
	if err != nil {
		t.Fatal(err)
	}
	ansSDP, reflect, err := RewriteCandidates(ans.SDP, r.A())
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	r.SetPeer(reflect)
	if _, err := eval[bool](tab, "accept", ansSDP); err != nil {
		t.Fatal(err)
	}
	s := &session{tab: tab, relay: r, answer: ans.SDP}
	for {
		st := s.stats(t)
		if st.FramesDecoded > 0 {
			t.Logf("reflected video decoding after setup: %s", st.State)
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no reflected video: %+v, relay up %+v down %+v", st, r.Up(), r.Down())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *session) stats(t *testing.T) browserStats {
	t.Helper()
	st, err := eval[browserStats](s.tab, "stats")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkFeedback fails t unless the answer negotiates, for VP8, the
// transport-wide sequence number extension and transport-cc feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 sections 2 and 3),
// generic NACK (RFC 4585 section 4.2) and RTX (RFC 4588 section 8.6).
func checkFeedback(t *testing.T, answer string) {
	t.Helper()
	m := regexp.MustCompile(`a=rtpmap:(\d+) VP8/90000`).FindStringSubmatch(answer)
	if m == nil {
		t.Fatalf("answer has no VP8:\n%s", answer)
	}
	pt := m[1]
	for _, want := range []string{
		"transport-wide-cc-extensions-01",
		"a=rtcp-fb:" + pt + " transport-cc",
		"a=rtcp-fb:" + pt + " nack\r",
		"apt=" + pt,
	} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q:\n%s", want, answer)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// dur formats a measured delay, "never" when negative.
func dur(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(100 * time.Millisecond).String()
}

// sample is one second of the session.
type sample struct {
	at         time.Duration // since the sampling started
	wireBps    float64       // what Chromium put on the wire (relay input)
	deliverBps float64       // what the relay delivered to the peer
	st         browserStats
	up         DirStats
}

// sampler samples every second.
type sampler struct {
	s     *session
	t0    time.Time
	last  sample
	lastT time.Time
}

func newSampler(t *testing.T, s *session) *sampler {
	return &sampler{s: s, t0: time.Now(), lastT: time.Now(), last: sample{st: s.stats(t), up: s.relay.Up()}}
}

func (p *sampler) next(t *testing.T) sample {
	t.Helper()
	time.Sleep(time.Until(p.lastT.Add(time.Second)))
	now := time.Now()
	cur := sample{at: now.Sub(p.t0), st: p.s.stats(t), up: p.s.relay.Up()}
	dt := now.Sub(p.lastT).Seconds()
	cur.wireBps = float64(cur.up.InBytes-p.last.up.InBytes) * 8 / dt
	cur.deliverBps = float64(cur.up.OutBytes-p.last.up.OutBytes) * 8 / dt
	p.last, p.lastT = cur, now
	return cur
}

// TestChromiumFollowsTransportCC (issue 14, check 1): Chromium sends
// 1280x720 fake video unimpeded for 6 s; then the relay limits the
// browser-to-peer direction to 600 kbit/s (250 ms queue). The only
// signal Chromium gets is our transport-cc feedback (and the RTCP of the
// reflect peer): its wire rate (relay input, 2 s average, 10% tolerance) must settle under
// the limit within 15 s and stay there, and its estimate
// (availableOutgoingBitrate) must come down under the limit.
func TestChromiumFollowsTransportCC(t *testing.T) {
	peers.RequireChromium(t)
	const limit = 250_000
	s := start(t, Config{Seed: 14})
	checkFeedback(t, s.answer)
	p := newSampler(t, s)
	var free float64
	for i := 0; i < 6; i++ {
		x := p.next(t)
		t.Logf("free  %4.1fs wire %4.0f kbit/s avail %4.0f kbit/s target %4.0f kbit/s width %v", x.at.Seconds(), x.wireBps/1e3, x.st.AvailableOutgoingBitrate/1e3, x.st.TargetBitrate/1e3, x.st.FrameWidth)
		if i >= 3 {
			free += x.wireBps / 3
		}
	}
	if free < 1.5*limit {
		t.Skipf("Chromium sends only %.0f kbit/s unimpeded (a loaded machine starves its encoder): a %d kbit/s limit would not test anything", free/1e3, limit/1000)
	}
	if err := s.relay.SetUp(Impairment{Rate: limit}); err != nil {
		t.Fatal(err)
	}
	limited := time.Now()
	var win []sample
	settled := time.Duration(-1)
	var minAvail float64
	for i := 0; i < 17; i++ {
		x := p.next(t)
		win = append(win, x)
		avg := x.wireBps
		if len(win) >= 2 {
			avg = (win[len(win)-1].wireBps + win[len(win)-2].wireBps) / 2
		}
		t.Logf("limit %4.1fs wire %4.0f kbit/s (2 s avg %4.0f) delivered %4.0f avail %4.0f target %4.0f width %v queue-drops %d", time.Since(limited).Seconds(), x.wireBps/1e3, avg/1e3, x.deliverBps/1e3, x.st.AvailableOutgoingBitrate/1e3, x.st.TargetBitrate/1e3, x.st.FrameWidth, x.up.Overflow)
		if avg < limit*11/10 { // under the limit, 10% for the jitter of a 2 s window
			if settled < 0 {
				settled = time.Since(limited)
			}
		} else {
			settled = -1
		}
		if minAvail == 0 || x.st.AvailableOutgoingBitrate < minAvail {
			minAvail = x.st.AvailableOutgoingBitrate
		}
	}
	up := s.relay.Up()
	var tail float64 // the mean wire rate of the last 5 s
	for _, x := range win[len(win)-5:] {
		tail += x.wireBps / 5
	}
	t.Logf("unimpeded %.0f kbit/s; limit %d kbit/s; settled under it after %s; lowest estimate %.0f kbit/s; last 5 s %.0f kbit/s (%.0f%% of the limit); queue drops %d, longest queue wait %v",
		free/1e3, limit/1000, dur(settled), minAvail/1e3, tail/1e3, 100*tail/limit, up.Overflow, time.Duration(up.QueueDelayMaxNano).Round(time.Millisecond))
	// With truthful feedback Chromium uses the link: it settles near the
	// limit, not at its 30 kbit/s floor (see knownPaddingDefect).
	if !knownPaddingDefect && tail < limit/2 {
		// Logged, not failed: how much of the link Chromium's encoder fills
		// depends on the CPU it gets; TestChromiumRecoversAfterLimit checks
		// that our feedback no longer holds its estimate down.
		t.Logf("note: Chromium uses only %.0f kbit/s of the %d kbit/s link in the last 5 s", tail/1e3, limit/1000)
	}
	if settled < 0 || settled > 15*time.Second {
		t.Errorf("Chromium's wire rate did not settle under %d kbit/s within 15 s (settled %v)", limit/1000, settled)
	}
	if minAvail >= limit {
		t.Errorf("Chromium's estimate never came under the limit: lowest %.0f kbit/s", minAvail/1e3)
	}
}

// TestChromiumAnswersNACK (issue 14, check 2): the relay drops 5% of the
// browser's media packets (seeded). The reflect peer NACKs the holes
// (RFC 4585 section 6.2.1) and Chromium answers with RTX (RFC 4588): its
// outbound-rtp shows NACKs received and packets retransmitted, and the
// reflected video keeps decoding in every 2 s of the 16 s run.
func TestChromiumAnswersNACK(t *testing.T) {
	peers.RequireChromium(t)
	s := start(t, Config{Seed: 14, Up: Impairment{Loss: 0.05}})
	checkFeedback(t, s.answer)
	p := newSampler(t, s)
	first := p.last.st
	prev := first
	var x sample
	for i := 1; i <= 16; i++ {
		x = p.next(t)
		if i%2 == 0 {
			t.Logf("%4.1fs nacks %v rtx %v decoded %v (+%v) wire %4.0f kbit/s dropped %d", x.at.Seconds(), x.st.NackCount, x.st.RetransmittedPacketsSent, x.st.FramesDecoded, x.st.FramesDecoded-prev.FramesDecoded, x.wireBps/1e3, x.up.Lost)
			if x.st.FramesDecoded <= prev.FramesDecoded {
				t.Errorf("no reflected frame decoded between %v and %v", x.at-2*time.Second, x.at)
			}
			prev = x.st
		}
	}
	up := s.relay.Up()
	t.Logf("16 s with 5%% loss: relay dropped %d of %d browser packets; Chromium got %v NACKs and sent %v RTX packets (%v bytes); %v frames decoded from the reflection (%.1f/s)",
		up.Lost, up.In, x.st.NackCount-first.NackCount, x.st.RetransmittedPacketsSent-first.RetransmittedPacketsSent, x.st.RetransmittedBytesSent-first.RetransmittedBytesSent, x.st.FramesDecoded-first.FramesDecoded, (x.st.FramesDecoded-first.FramesDecoded)/16)
	if up.Lost == 0 {
		t.Fatal("the relay dropped nothing")
	}
	if x.st.NackCount-first.NackCount == 0 {
		t.Error("Chromium received no NACK")
	}
	if x.st.RetransmittedPacketsSent-first.RetransmittedPacketsSent == 0 {
		t.Error("Chromium retransmitted nothing")
	}
}

// knownPaddingDefect is true while the reflect peer's transport-cc
// feedback reports Chromium's RTX padding packets as not received: the
// PeerConnection (rtc/media.go, receive path) returns errRTXPadding from
// route before it hands the packet to the interceptor chain, so the
// TWCCReceiver never records their transport-wide sequence numbers.
// Chromium's loss-based estimator (loss_based_bwe_v2 "Switch to HOLD ...
// avg loss rate 0.02-0.07" with SANSRTC_CHROMIUM_LOG) then sees loss the
// relay never caused and holds its estimate. While true, a failed recovery
// skips TestChromiumRecoversAfterLimit instead of failing it; set it to
// false with the fix.
const knownPaddingDefect = false

// TestChromiumRecoversAfterLimit (issue 14): after 5 s at a 250 kbit/s
// limit, the limit is lifted; draft-ietf-rmcat-gcc-02 section 5.5 (the
// rate increases when no over-use is seen) and a truthful feedback (no
// packet reported lost: the relay drops none) must bring Chromium's
// estimate back over twice the limit within 12 s.
func TestChromiumRecoversAfterLimit(t *testing.T) {
	peers.RequireChromium(t)
	const limit = 250_000
	s := start(t, Config{Seed: 14})
	p := newSampler(t, s)
	for i := 0; i < 3; i++ {
		p.next(t)
	}
	if err := s.relay.SetUp(Impairment{Rate: limit}); err != nil {
		t.Fatal(err)
	}
	var low float64
	for i := 0; i < 5; i++ {
		x := p.next(t)
		low = x.st.AvailableOutgoingBitrate
		t.Logf("limit %4.1fs wire %4.0f kbit/s avail %4.0f kbit/s", x.at.Seconds(), x.wireBps/1e3, low/1e3)
	}
	if err := s.relay.SetUp(Impairment{}); err != nil {
		t.Fatal(err)
	}
	lifted := time.Now()
	recovered := time.Duration(-1)
	var x sample
	for i := 0; i < 12 && recovered < 0; i++ {
		x = p.next(t)
		t.Logf("free  %4.1fs wire %4.0f kbit/s avail %4.0f kbit/s", x.at.Seconds(), x.wireBps/1e3, x.st.AvailableOutgoingBitrate/1e3)
		if x.st.AvailableOutgoingBitrate > 2*limit {
			recovered = time.Since(lifted)
		}
	}
	up := s.relay.Up()
	t.Logf("estimate %.0f kbit/s at the end of the limit; after lifting it: %.0f kbit/s, over %d kbit/s after %s; relay drops %d (queue) %d (loss)",
		low/1e3, x.st.AvailableOutgoingBitrate/1e3, 2*limit/1000, dur(recovered), up.Overflow, up.Lost)
	if recovered < 0 {
		if knownPaddingDefect {
			t.Skipf("known defect (see knownPaddingDefect): Chromium's estimate stays at %.0f kbit/s with the limit lifted", x.st.AvailableOutgoingBitrate/1e3)
		}
		t.Errorf("Chromium's estimate did not recover over %d kbit/s within 12 s of lifting the limit", 2*limit/1000)
	}
}
