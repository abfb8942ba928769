package pion

import (
	"testing"

	"github.com/sansrtc/rtc/tools/internal/peers"
)

// TestPionSelf checks the harness itself: a Pion prober against a Pion echo peer.
func TestPionSelf(t *testing.T) {
	peers.ProbeBothWays(t, func(t *testing.T) (peers.EchoPeer, string) {
		peer := NewEchoPeer()
		return peer, peers.ServeSignaling(t, peer)
	}, NewProber)
}
