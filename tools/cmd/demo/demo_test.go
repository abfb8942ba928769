package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/tools/interop/browser"
)

// TestDemoInChromium opens the demo page in headless Chromium, connects,
// chats, checks the live stats and saves a screenshot (DEMO_SCREENSHOT=path).
func TestDemoInChromium(t *testing.T) {
	browser.Require(t)
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	srv := httptest.NewServer(Handler(d, echo.Options{Media: true}))
	defer srv.Close()
	b, err := browser.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tab, cancel := chromedp.NewContext(b.Context())
	defer cancel()
	ctx, cancel2 := context.WithTimeout(tab, 30*time.Second)
	defer cancel2()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/?auto")); err != nil {
		t.Fatal(err)
	}
	waitFor := func(expr string) {
		t.Helper()
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
			if err == nil && ok {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s", expr)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	waitFor(`document.getElementById("state").textContent === "connected" && !document.getElementById("msg").disabled`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("msg").value = "hello sansrtc"; document.getElementById("send").click(); true`)); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.getElementById("log").textContent.includes("echo: hello sansrtc")`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("blast").click(); true`)); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.getElementById("tput").textContent.includes("MB/s")`)
	waitFor(`document.getElementById("rtt").textContent.includes("ms")`)
	stats, err := chromedp.Run(ctx, chromedp.Evaluate[string](`["setup","rtt","bytes","msgs","tput"].map(i => i + ": " + document.getElementById(i).textContent).join("; ")`))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(stats)
	if !strings.Contains(stats, "setup: ") {
		t.Errorf("stats: %s", stats)
	}
	if path := os.Getenv("DEMO_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDemoCameraInChromium: the camera tab sends Chromium's fake camera
// and microphone; the Go peer reflects them and the page shows more than
// 10 frames decoded from what came back.
func TestDemoCameraInChromium(t *testing.T) {
	browser.Require(t)
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	srv := httptest.NewServer(Handler(d, echo.Options{Media: true}))
	defer srv.Close()
	b, err := browser.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tab, cancel := chromedp.NewContext(b.Context())
	defer cancel()
	ctx, cancel2 := context.WithTimeout(tab, 30*time.Second)
	defer cancel2()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/?camera")); err != nil {
		t.Fatal(err)
	}
	for {
		frames, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("frames").textContent`))
		if err == nil && len(frames) > 0 && frames[0] >= '0' && frames[0] <= '9' {
			n := 0
			if _, err := fmt.Sscan(frames, &n); err == nil && n > 10 {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("camera tab: no reflected frames decoded (frames %q, last error %v)", frames, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
