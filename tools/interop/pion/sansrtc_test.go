package pion

import (
	"os"
	"testing"

	"github.com/sansrtc/rtc/tools/interop/probe"
	"github.com/sansrtc/rtc/tools/interop/sansrtc"
)

// TestPion runs the data channel scenario between a Pion prober and the
// sansrtc echo peer, both directions.
func TestPion(t *testing.T) {
	for _, dir := range []probe.Direction{probe.ProberOffers, probe.PeerOffers} {
		t.Run(dir.String(), func(t *testing.T) {
			var log *os.File
			if testing.Verbose() {
				log = os.Stderr
			}
			peer := sansrtc.Start(log)
			defer peer.Close()
			p, err := NewProber()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown()
			probe.Run(t, p, peer.URL, dir, peer.ClosedCount)
		})
	}
}
