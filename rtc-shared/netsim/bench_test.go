package netsim_test

import (
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-shared/netsim/echo"
)

// BenchmarkEchoOverLossyLink measures the simulator's own cost: one op is
// one echoed message (about four steps at 30% loss).
func BenchmarkEchoOverLossyLink(b *testing.B) {
	sim := netsim.New(netsim.Config{Seed: 1})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond, Jitter: 2 * time.Millisecond, Loss: 0.3})
	c := echo.NewClient(echo.ClientConfig{Local: clientAddr, Peer: serverAddr, Count: 1 << 30, Size: 100, MaxRetransmits: 1000})
	sim.Add(c, clientAddr)
	sim.Add(echo.NewServer(0), serverAddr)
	c.Start(sim.Now())
	b.ReportAllocs()
	target := 0
	for b.Loop() {
		target++
		if err := sim.Run(func() bool { return c.Stats().Completed >= target }, 1_000_000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sim.Stats().Steps)/float64(target), "steps/msg")
}
