package peers

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where the Debian chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// RequireChromium skips t when Chromium is missing, or fails it when
// SANSRTC_REQUIRE_INTEROP=1.
func RequireChromium(t testing.TB) {
	t.Helper()
	Require(t, ChromiumPath, "apt-get install -y chromium")
}

// ChromiumFlags are exactly the flags of shared/BROWSERS.md and the
// binary path. StartChromium adds the fresh --user-data-dir; chromedp adds
// --remote-debugging-port=0.
func ChromiumFlags() []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		// Chromium keeps only the last --disable-features: list all here.
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

// Chromium is one running headless Chromium process with its own profile.
type Chromium struct {
	ctx    context.Context
	cancel func()
	dir    string
}

// StartChromium launches Chromium with ChromiumFlags, a fresh user data
// directory and the extra options (field trials, say), and waits until
// its first tab is up. ctx bounds the browser's life. Close stops it.
func StartChromium(ctx context.Context, extra ...chromedp.ExecAllocatorOption) (*Chromium, error) {
	dir, err := os.MkdirTemp("", "sansrtc-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(ChromiumFlags(), extra...)
	opts = append(opts, chromedp.UserDataDir(dir))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	c := &Chromium{ctx: bctx, cancel: func() { bcancel(); acancel() }, dir: dir}
	if err := chromedp.Do(bctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("peers: starting chromium: %w", err)
	}
	return c, nil
}

// StartChromiumT is StartChromium for a test: it skips or fails t when
// Chromium is missing (RequireChromium), fails t when the browser does not
// start, and stops the browser when the test ends.
func StartChromiumT(t testing.TB, ctx context.Context, extra ...chromedp.ExecAllocatorOption) *Chromium {
	t.Helper()
	RequireChromium(t)
	c, err := StartChromium(ctx, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Context is the browser's first tab; chromedp contexts derived from it
// open new tabs.
func (c *Chromium) Context() context.Context { return c.ctx }

// Close stops Chromium and removes its profile.
func (c *Chromium) Close() {
	c.cancel()
	os.RemoveAll(c.dir)
}

// NewTab opens a tab on url. cancel closes the tab.
func (c *Chromium) NewTab(url string) (tab context.Context, cancel func(), err error) {
	tab, cancel = chromedp.NewContext(c.ctx)
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		cancel()
		return nil, nil, err
	}
	return tab, cancel, nil
}

// OpenPage serves html on 127.0.0.1 (ServePage) and opens a tab on it,
// both closed when t ends. It fails t on error.
func (c *Chromium) OpenPage(t testing.TB, html string) context.Context {
	t.Helper()
	url, stop, err := ServePage([]byte(html))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	tab, cancel, err := c.NewTab(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return tab
}

// Eval evaluates the JavaScript expression js in the tab ctx, awaits it
// when it is a promise, and decodes the result (JSON) into a T. Use
// chromedp.Void for no result.
func Eval[T any](ctx context.Context, js string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}
