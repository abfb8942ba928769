package browser

import (
	"context"
	"testing"

	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/pion"
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
	peers.ProbeBothWays(t, func(t *testing.T) (peers.EchoPeer, string) {
		peer := pion.NewEchoPeer()
		return peer, peers.ServeSignaling(t, peer)
	}, b.NewProber)
}
