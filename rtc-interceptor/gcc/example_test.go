package gcc_test

import (
	"fmt"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	"github.com/sansrtc/rtc/rtc-interceptor/gcc"
)

// The Estimator alone, fed by hand: the first packet sent asks for the
// initial probe clusters; feedback that shows the 1.8 Mbit/s cluster
// arriving at that rate raises the target, and a further probe follows.
// (In a PeerConnection the chain feeds it: gcc.NewChain.)
func Example() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // the remote clock's origin
	e := gcc.New(gcc.Config{StartBitrate: 300_000})
	e.OnPacketSent(interceptor.SentPacket{TransportSeq: 0, SendTime: start, Size: 1200})
	var probes []gcc.Probe
	for {
		p, ok := e.PollProbe()
		if !ok {
			break
		}
		probes = append(probes, p)
		fmt.Printf("probe %d at %d bit/s\n", p.ID, p.Bitrate)
	}
	// The pacer sends the second cluster: six 1200-byte packets 5.33 ms
	// apart; they arrive 20 ms later, equally spaced.
	var res []interceptor.PacketResult
	gap := 5333 * time.Microsecond
	for i := range 6 {
		sent := start.Add(time.Duration(i) * gap)
		e.OnPacketSent(interceptor.SentPacket{TransportSeq: int64(i + 1), SendTime: sent, Size: 1200, ProbeCluster: probes[1].ID})
		res = append(res, interceptor.PacketResult{
			TransportSeq: int64(i + 1), SendTime: sent, Size: 1200, ProbeCluster: probes[1].ID,
			Arrival: epoch.Add(time.Duration(i)*gap + 20*time.Millisecond),
		})
	}
	e.OnFeedback(start.Add(100*time.Millisecond), res)
	fmt.Printf("target %d bit/s\n", e.TargetBitrate())
	if p, ok := e.PollProbe(); ok {
		fmt.Printf("probe %d at %d bit/s\n", p.ID, p.Bitrate)
	}
	// Output:
	// probe 1 at 900000 bit/s
	// probe 2 at 1800000 bit/s
	// target 1800112 bit/s
	// probe 3 at 3600225 bit/s
}
