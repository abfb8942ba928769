package pion

import (
	"testing"

	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/sansrtc"
)

// TestSansrtcProberPionEcho: our PeerConnection opens the channels (in-band,
// unordered, negotiated) and checks the echoes of a Pion echo peer, both
// directions.
func TestSansrtcProberPionEcho(t *testing.T) {
	peers.ProbeBothWays(t, func(t *testing.T) (peers.EchoPeer, string) {
		peer := NewEchoPeer()
		return peer, peers.ServeSignaling(t, peer)
	}, sansrtc.NewProber)
}
