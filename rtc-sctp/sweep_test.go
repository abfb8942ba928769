package sctp

import (
	"fmt"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestSeedSweep runs short transfers, partial reliability and resets over
// many seeds and harsh links (only with SANSRTC_LONG=1).
func TestSeedSweep(t *testing.T) {
	if !long() {
		t.Skip("SANSRTC_LONG=1 runs the seed sweep")
	}
	for seed := uint64(100); seed < 160; seed++ {
		for _, loss := range []float64{0.05, 0.2, 0.35} {
			t.Run(fmt.Sprintf("seed=%d/loss=%v", seed, loss), func(t *testing.T) {
				link := netsim.LinkConfig{Delay: 10 * time.Millisecond, Jitter: 8 * time.Millisecond, Loss: loss,
					Reorder: 0.1, ReorderDelay: 15 * time.Millisecond, Duplicate: 0.05, Corrupt: 0.01}
				// No DTLS here: corruption must be caught by the CRC32c.
				cfg := Config{PeerMaxMessageSize: -1, DisableInterleaving: seed%2 == 0, ReceiveBufferSize: 64 << 10, DisableZeroChecksum: true,
					MaxRetransmits: 30} // at 35% loss, 11 timeouts in a row do happen
				sim, a, b := simPair(t, seed, link, cfg)
				a.total, a.msg, a.tmpl = 256<<10, 1+int(seed*7919)%20000, Message{Stream: uint16(seed % 5), PPID: 53}
				b.checkSeq, b.keep = true, false
				if err := sim.Run(func() bool { return b.got >= a.total || b.fail != "" }, 20_000_000); err != nil {
					t.Fatalf("seed %d: %v at %d (events a %v b %v)", seed, err, b.got, a.events, b.events)
				}
				if b.fail != "" {
					t.Fatal(b.fail)
				}
				// Close while a partially reliable unordered flow runs.
				for i := range 50 {
					must(t, a.a.HandleWrite(Message{Stream: 7, PPID: 51, Unordered: true, Policy: PRRetransmits, PolicyValue: 1, Data: make([]byte, 100+i*37)}))
				}
				must(t, a.a.ResetStreams(7))
				must(t, a.a.Close())
				if err := sim.Run(func() bool { return a.has(EventClosed) && b.has(EventClosed) }, 20_000_000); err != nil {
					t.Fatalf("seed %d: close: %v", seed, err)
				}
			})
		}
	}
}
