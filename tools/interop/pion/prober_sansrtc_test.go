package pion

import (
	"net/http/httptest"
	"testing"

	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/probe"
	"github.com/sansrtc/rtc/tools/interop/sansrtc"
)

// TestSansrtcProberPionEcho: our PeerConnection opens the channels (in-band,
// unordered, negotiated) and checks the echoes of a Pion echo peer, both
// directions.
func TestSansrtcProberPionEcho(t *testing.T) {
	for _, dir := range []probe.Direction{probe.ProberOffers, probe.PeerOffers} {
		t.Run(dir.String(), func(t *testing.T) {
			peer := NewEchoPeer()
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
