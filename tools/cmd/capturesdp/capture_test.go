package main

import (
	"context"
	"testing"
	"time"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// TestCaptureParses captures fresh SDPs from headless Chromium and checks
// that rtc-sdp parses each, marshals it back byte for byte, and reads the
// typed attributes of every section. It skips when Chromium is missing
// unless SANSRTC_REQUIRE_INTEROP=1.
func TestCaptureParses(t *testing.T) {
	peers.RequireChromium(t)
	if testing.Short() {
		t.Skip("starts a browser; skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sdps, version, err := Capture(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("browser: %s", version)
	for _, name := range []string{"offer", "offer_gathered", "answer", "answer_gathered", "simulcast_offer"} {
		text, ok := sdps[name]
		if !ok {
			t.Errorf("%s: not captured", name)
			continue
		}
		sd, err := sdp.Parse(text)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := sd.String(); got != text {
			t.Errorf("%s: round trip differs", name)
		}
		for _, md := range sd.Media {
			if _, err := md.Candidates(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if _, err := md.RTPMaps(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if _, err := md.ExtMaps(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if _, err := sd.Fingerprints(md); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if _, _, ok := sd.ICECredentials(md); !ok {
				t.Errorf("%s: no ICE credentials for %s", name, md.Media)
			}
		}
	}
	if sd, err := sdp.Parse(sdps["answer"]); err == nil {
		if s, _ := sd.Setup(sd.Media[0]); s != sdp.SetupActive {
			t.Errorf("answer setup %v, want active", s)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	in := "v=0\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\na=candidate:2 1 udp 1 192.0.2.1 5000 typ host\na=candidate:3 1 udp 1 ::1 5000 typ host\na=candidate:4 1 udp 1 x.local 5000 typ host\n"
	want := "v=0\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\na=candidate:3 1 udp 1 ::1 5000 typ host\r\n"
	if got := LoopbackOnly(in); got != want {
		t.Errorf("got %q", got)
	}
}
