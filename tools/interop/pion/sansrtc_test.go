package pion

import (
	"os"
	"testing"

	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/sansrtc"
)

// TestPion runs the data channel scenario between a Pion prober and the
// sansrtc echo peer, both directions.
func TestPion(t *testing.T) {
	peers.ProbeBothWays(t, func(t *testing.T) (peers.EchoPeer, string) {
		var log *os.File
		if testing.Verbose() {
			log = os.Stderr
		}
		peer := sansrtc.Start(log)
		return peer, peer.URL
	}, NewProber)
}
