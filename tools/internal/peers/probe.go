package peers

import (
	"net/http/httptest"
	"testing"

	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

// EchoPeer is the far side of the probe scenario (tools/interop/probe): a
// peer reached over HTTP signalling that echoes on every channel.
type EchoPeer interface {
	// ClosedCount says how many channels with label the peer saw close.
	ClosedCount(label string) int
	Close()
}

// ProbeBothWays runs the data channel scenario (probe.Run) in both
// directions, the prober offering and then the peer offering, as one
// subtest each with a fresh peer and a fresh prober. newPeer returns the
// peer and the base URL of its signalling server.
func ProbeBothWays[P probe.Prober](t *testing.T, newPeer func(t *testing.T) (EchoPeer, string), newProber func() (P, error)) {
	for _, dir := range []probe.Direction{probe.ProberOffers, probe.PeerOffers} {
		t.Run(dir.String(), func(t *testing.T) {
			peer, url := newPeer(t)
			defer peer.Close()
			p, err := newProber()
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown()
			probe.Run(t, p, url, dir, peer.ClosedCount)
		})
	}
}

// ServeSignaling serves h over HTTP on 127.0.0.1 (signaling.Server) until
// the test ends and returns the server's base URL.
func ServeSignaling(t testing.TB, h signaling.Handler) string {
	srv := httptest.NewServer(signaling.Server(h))
	t.Cleanup(srv.Close)
	return srv.URL
}
