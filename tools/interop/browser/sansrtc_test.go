package browser

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/probe"
	"github.com/sansrtc/rtc/tools/interop/sansrtc"
)

// TestChromium runs the data channel scenario between headless Chromium
// and the sansrtc echo peer, both directions.
func TestChromium(t *testing.T) {
	Require(t)
	if os.Getenv("SANSRTC_DEBUG_SDP") != "" {
		probe.Debug = t.Logf
		defer func() { probe.Debug = nil }()
	}
	b, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, dir := range []probe.Direction{probe.ProberOffers, probe.PeerOffers} {
		t.Run(dir.String(), func(t *testing.T) {
			peer := sansrtc.Start(logWriter(t))
			defer peer.Close()
			p, err := b.NewProber()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown()
			probe.Run(t, p, peer.URL, dir, peer.ClosedCount)
		})
	}
}

func logWriter(t *testing.T) *os.File {
	if testing.Verbose() {
		return os.Stderr
	}
	return nil
}

// TestSansrtcProberChromiumEcho: our PeerConnection opens the channels and
// checks the echoes of a Chromium tab, both directions.
func TestSansrtcProberChromiumEcho(t *testing.T) {
	Require(t)
	b, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, dir := range []probe.Direction{probe.ProberOffers, probe.PeerOffers} {
		t.Run(dir.String(), func(t *testing.T) {
			peer, err := b.NewEchoPeer()
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			srv := httptest.NewServer(signaling.Server(peer))
			defer srv.Close()
			p, err := sansrtc.NewProber()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown()
			probe.Run(t, p, srv.URL, dir, peer.ClosedCount)
		})
	}
}

// TestChromiumOffersMedia: Chromium offers audio, video and data in one
// BUNDLE group; the sansrtc echo peer answers the media sections inactive
// (media is not composed yet) and the data channels work.
func TestChromiumOffersMedia(t *testing.T) {
	Require(t)
	b, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	peer := sansrtc.Start(nil)
	defer peer.Close()
	p, err := b.NewProber()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown()
	p.Media = true
	probe.Run(t, p, peer.URL, probe.ProberOffers, peer.ClosedCount)
	st, err := p.TransceiverStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Media sections are answered inactive (kept in the BUNDLE group).
	if st != "0:inactive,1:inactive" {
		t.Errorf("browser transceivers after the answer: %q, want both inactive", st)
	}
}
