// Package browser runs headless Chromium (/usr/bin/chromium) as a
// probe.Prober: one tab per peer connection, driven over the DevTools
// protocol with chromedp, with the loopback-only flags of tools/internal/peers
// (ChromiumFlags).
package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

//go:embed page.html
var page []byte

// Path is where the Debian chromium package installs the browser.
const Path = peers.ChromiumPath

// Require skips t when Chromium is missing, unless SANSRTC_REQUIRE_INTEROP=1,
// in which case it fails.
func Require(t testing.TB) {
	t.Helper()
	peers.RequireChromium(t)
}

// Flags are the loopback-only Chromium flags of tools/internal/peers (the
// user data dir is added per run; chromedp adds --remote-debugging-port=0).
func Flags() []chromedp.ExecAllocatorOption { return peers.ChromiumFlags() }

// Browser is one headless Chromium process and the page server.
type Browser struct {
	chromium *peers.Chromium
	stop     func()
	pageURL  string
}

// Start launches Chromium with a fresh profile and serves the probe page on
// 127.0.0.1.
func Start(ctx context.Context) (*Browser, error) {
	url, stop, err := peers.ServePage(page)
	if err != nil {
		return nil, err
	}
	c, err := peers.StartChromium(ctx)
	if err != nil {
		stop()
		return nil, fmt.Errorf("browser: %w", err)
	}
	return &Browser{chromium: c, stop: stop, pageURL: url}, nil
}

// Close stops Chromium, the page server and removes the profile.
func (b *Browser) Close() {
	b.chromium.Close()
	b.stop()
}

// Context returns the browser's chromedp context (for screenshots of other pages).
func (b *Browser) Context() context.Context { return b.chromium.Context() }

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
	tctx, cancel, err := b.chromium.NewTab(b.pageURL)
	if err != nil {
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
	v, err := peers.Eval[T](tctx, expr)
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
