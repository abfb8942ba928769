// Package browser runs headless Chromium (/usr/bin/chromium) as a
// probe.Prober: one tab per peer connection, driven over the DevTools
// protocol with chromedp, with the flags of shared/BROWSERS.md.
package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

//go:embed page.html
var page []byte

// Path is where the Debian chromium package installs the browser.
const Path = "/usr/bin/chromium"

// Require skips t when Chromium is missing, unless SANSRTC_REQUIRE_INTEROP=1,
// in which case it fails.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(Path); err != nil {
		if os.Getenv("SANSRTC_REQUIRE_INTEROP") == "1" {
			t.Fatalf("chromium not found at %s (apt-get install -y chromium): %v", Path, err)
		}
		t.Skipf("chromium not found at %s; install it (apt-get install -y chromium) or set SANSRTC_REQUIRE_INTEROP=1 to fail", Path)
	}
}

// Flags are exactly the flags of shared/BROWSERS.md (the user data dir is
// added per run; chromedp adds --remote-debugging-port=0).
func Flags() []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns,MediaRouter,DialMediaRouteProvider,OptimizationHints,NetworkTimeServiceQuerying,Translate"),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
}

// Browser is one headless Chromium process and the page server.
type Browser struct {
	ctx     context.Context
	cancel  func()
	dir     string
	srv     *http.Server
	pageURL string
}

// Start launches Chromium with a fresh profile and serves the probe page on
// 127.0.0.1.
func Start(ctx context.Context) (*Browser, error) {
	dir, err := os.MkdirTemp("", "sansrtc-chromium-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})}
	go srv.Serve(ln)
	opts := append(Flags(), chromedp.UserDataDir(dir))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		srv.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("browser: starting chromium: %w", err)
	}
	b := &Browser{ctx: bctx, dir: dir, srv: srv, pageURL: "http://" + ln.Addr().String() + "/"}
	b.cancel = func() { bcancel(); acancel() }
	return b, nil
}

// Close stops Chromium, the page server and removes the profile.
func (b *Browser) Close() {
	b.cancel()
	b.srv.Close()
	os.RemoveAll(b.dir)
}

// Context returns the browser's chromedp context (for screenshots of other pages).
func (b *Browser) Context() context.Context { return b.ctx }

// Prober is a probe.Prober running in one tab.
type Prober struct {
	ctx    context.Context
	cancel func()
	// Media makes Offer add an audio and a video transceiver before the
	// data channels (the answerer must handle, here reject, them).
	Media bool
}

// NewProber opens a tab on the probe page.
func (b *Browser) NewProber() (*Prober, error) {
	tctx, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(tctx, chromedp.Navigate(b.pageURL)); err != nil {
		cancel()
		return nil, err
	}
	return &Prober{ctx: tctx, cancel: cancel}, nil
}

// call evaluates fn(args...) in the page, awaiting a promise.
func call[T any](ctx context.Context, p *Prober, fn string, args ...any) (T, error) {
	var zero T
	parts := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return zero, err
		}
		parts[i] = string(b)
	}
	expr := fn + "(" + strings.Join(parts, ",") + ")"
	tctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return zero, fmt.Errorf("browser: %s: %w", fn, err)
	}
	return v, nil
}

type cfg struct {
	InBand       []string `json:"inBand"`
	NegotiatedID int      `json:"negotiatedID"`
	Media        bool     `json:"media"`
}

func scenario() cfg { return cfg{InBand: probe.InBand, NegotiatedID: probe.NegotiatedID} }

// Offer implements probe.Prober.
func (p *Prober) Offer(ctx context.Context) (string, error) {
	c := scenario()
	c.Media = p.Media
	return call[string](ctx, p, "offer", c)
}

// TransceiverStates returns "mid:currentDirection" of the tab's transceivers.
func (p *Prober) TransceiverStates(ctx context.Context) (string, error) {
	return call[string](ctx, p, "transceiverStates")
}

// Accept implements probe.Prober.
func (p *Prober) Accept(ctx context.Context, sdp string) error {
	_, err := call[chromedp.Void](ctx, p, "accept", sdp)
	return err
}

// Answer implements probe.Prober.
func (p *Prober) Answer(ctx context.Context, sdp string) (string, error) {
	return call[string](ctx, p, "answer", sdp)
}

// OpenChannels implements probe.Prober.
func (p *Prober) OpenChannels(ctx context.Context) error {
	_, err := call[chromedp.Void](ctx, p, "openChannels", scenario())
	return err
}

// WaitOpen implements probe.Prober.
func (p *Prober) WaitOpen(ctx context.Context, label string) error {
	_, err := call[bool](ctx, p, "waitOpen", label)
	return err
}

// Echo implements probe.Prober.
func (p *Prober) Echo(ctx context.Context, label string, size int, binary bool) error {
	msg, err := call[string](ctx, p, "echo", label, size, binary)
	if err != nil {
		return err
	}
	if msg != "" {
		return probe.Failf("%s: %s", label, msg)
	}
	return nil
}

// SendText implements probe.Prober.
func (p *Prober) SendText(ctx context.Context, label, text string) error {
	_, err := call[bool](ctx, p, "sendText", label, text)
	return err
}

// Close implements probe.Prober.
func (p *Prober) Close(ctx context.Context, label string) error {
	_, err := call[bool](ctx, p, "closeChannel", label)
	return err
}

// WaitClosed implements probe.Prober.
func (p *Prober) WaitClosed(ctx context.Context, label string) error {
	_, err := call[bool](ctx, p, "waitClosed", label)
	return err
}

// Shutdown implements probe.Prober.
func (p *Prober) Shutdown() {
	_, _ = call[bool](context.Background(), p, "shutdown")
	p.cancel()
}
