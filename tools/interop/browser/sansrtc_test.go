package browser

import (
	"context"
	"os"
	"testing"

	"github.com/sansrtc/rtc/tools/internal/peers"
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
	peers.ProbeBothWays(t, func(t *testing.T) (peers.EchoPeer, string) {
		peer := sansrtc.Start(logWriter(t))
		return peer, peer.URL
	}, b.NewProber)
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
	peers.ProbeBothWays(t, func(t *testing.T) (peers.EchoPeer, string) {
		peer, err := b.NewEchoPeer()
		if err != nil {
			t.Fatal(err)
		}
		return peer, peers.ServeSignaling(t, peer)
	}, sansrtc.NewProber)
}

// TestChromiumOffersMedia: Chromium offers audio, video and data in one
// BUNDLE group; the sansrtc echo peer without Options.Media answers the
// media sections recvonly (the W3C default for a transceiver a remote
// offer creates: it receives and sends nothing), so Chromium's
// transceivers become sendonly, and the data channels work.
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
	// Media sections are answered recvonly (kept in the BUNDLE group).
	if st != "0:sendonly,1:sendonly" {
		t.Errorf("browser transceivers after the answer: %q, want both sendonly", st)
	}
}
