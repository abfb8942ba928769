package ice

import (
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// A harsh network: 20% loss, 40 ms ± 40 ms delay, 20% reordering and 10%
// duplication on every link, for open hosts, cone NATs (srflx) and
// symmetric NATs (relay). Every seed must connect within 30 s.
func TestHarshNetwork(t *testing.T) {
	link := netsim.LinkConfig{Delay: 40 * time.Millisecond, Jitter: 40 * time.Millisecond, Loss: 0.2, Reorder: 0.2, Duplicate: 0.1}
	for seed := uint64(1); seed <= 2*seeds(); seed++ {
		for i, nats := range [][2]natKind{{natKinds[0], natKinds[0]}, {natKinds[3], natKinds[2]}, {natKinds[4], natKinds[4]}} {
			w := build(t, scenario{seed: seed, natA: nats[0], natB: nats[1], turn: i == 2, link: link}, Config{Role: RoleControlling}, Config{})
			err := w.sim.Run(func() bool {
				return (w.pa.nominated() && w.pb.nominated()) || w.sim.Elapsed() > 30*time.Second
			}, 500000)
			if err != nil || !(w.pa.nominated() && w.pb.nominated()) {
				t.Errorf("seed %d %s-%s: %v A %v B %v", seed, nats[0].name, nats[1].name, err, w.pa.states, w.pb.states)
			}
		}
	}
}
