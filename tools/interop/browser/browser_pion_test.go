package browser

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/pion"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

// TestHarnessChromiumPion checks the harness itself: Chromium against a Pion
// echo peer, both directions.
func TestHarnessChromiumPion(t *testing.T) {
	Require(t)
	if testing.Short() {
		t.Skip("harness self-check; run without -short")
	}
	b, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, dir := range []probe.Direction{probe.ProberOffers, probe.PeerOffers} {
		t.Run(dir.String(), func(t *testing.T) {
			peer := pion.NewEchoPeer()
			defer peer.Close()
			srv := httptest.NewServer(signaling.Server(peer))
			defer srv.Close()
			p, err := b.NewProber()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown()
			probe.Run(t, p, srv.URL, dir, peer.ClosedCount)
		})
	}
}
