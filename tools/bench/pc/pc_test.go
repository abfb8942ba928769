package pc

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// BenchmarkSetup measures offer to data channel open on loopback UDP
// (one op = one connection).
func BenchmarkSetup(b *testing.B) {
	b.Run("sansrtc", func(b *testing.B) {
		d := loopbackDriver()
		defer d.Close()
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			p, err := newOurPair(ctx, d, d)
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			p.close()
			b.StartTimer()
		}
	})
	b.Run("pion", func(b *testing.B) {
		api := pionAPI()
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			p, err := newPionPair(ctx, api)
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			p.close()
			b.StartTimer()
		}
	})
}

// BenchmarkThroughput sends reliable ordered messages a->b with
// bufferedAmount flow control (at most 1 MiB buffered); MB/s is the rate.
func BenchmarkThroughput(b *testing.B) {
	for _, size := range []int{16 << 10, 64 << 10} {
		for _, impl := range []string{"sansrtc", "pion"} {
			b.Run(fmt.Sprintf("%s/%dKiB", impl, size>>10), func(b *testing.B) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				var p pair
				var err error
				if impl == "sansrtc" {
					// One driver per end: each end has its own loop
					// goroutine, as two processes would.
					da, db := loopbackDriver(), loopbackDriver()
					defer da.Close()
					defer db.Close()
					p, err = newOurPair(ctx, da, db)
				} else {
					p, err = newPionPair(ctx, pionAPI())
				}
				if err != nil {
					b.Fatal(err)
				}
				defer p.close()
				msg := make([]byte, size)
				b.SetBytes(int64(size))
				b.ResetTimer()
				n := 0
				for b.Loop() {
					if err := p.send(msg, 1<<20); err != nil {
						b.Fatal(err)
					}
					n++
				}
				if err := p.received(ctx, n); err != nil {
					b.Fatalf("received: %v", err)
				}
				if op, ok := p.(*ourPair); ok {
					if op.stalls > 0 {
						b.Logf("%d flow-control waits of %v timed out", op.stalls, flowPoll)
					}
					op.report(b, n)
				}
				if pp, ok := p.(*pionPair); ok && pp.stalls > 0 {
					b.Logf("pion: %d flow-control waits of %v timed out", pp.stalls, flowPoll)
				}
			})
		}
	}
}

// BenchmarkMemoryCore is BenchmarkMemory for the sans-I/O core alone: 100
// pairs connected in memory, no sockets and no goroutines.
func BenchmarkMemoryCore(b *testing.B) {
	const pairs = 100
	for b.Loop() {
		heap0, g0 := heapAndGoroutines()
		var ps []*corePair
		for i := range pairs {
			p, err := newCorePair(i)
			if err != nil {
				b.Fatal(err)
			}
			ps = append(ps, p)
		}
		heap1, g1 := heapAndGoroutines()
		b.ReportMetric(float64(heap1-heap0)/(2*pairs), "heapB/pc")
		b.ReportMetric(float64(g1-g0)/(2*pairs), "goroutines/pc")
		runtime.KeepAlive(ps)
	}
}

// BenchmarkMemory establishes 100 connected pairs and reports the heap
// after GC and the goroutines per PeerConnection (200 PeerConnections).
func BenchmarkMemory(b *testing.B) {
	const pairs = 100
	for _, impl := range []string{"sansrtc", "pion"} {
		b.Run(impl, func(b *testing.B) {
			for b.Loop() {
				heap0, g0 := heapAndGoroutines()
				ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
				var ps []pair
				var closeAll func()
				if impl == "sansrtc" {
					d := loopbackDriver()
					closeAll = func() { d.Close() }
					for range pairs {
						p, err := newOurPair(ctx, d, d)
						if err != nil {
							b.Fatal(err)
						}
						ps = append(ps, p)
					}
				} else {
					api := pionAPI()
					closeAll = func() {}
					for range pairs {
						p, err := newPionPair(ctx, api)
						if err != nil {
							b.Fatal(err)
						}
						ps = append(ps, p)
					}
				}
				cancel()
				time.Sleep(200 * time.Millisecond)
				heap1, g1 := heapAndGoroutines()
				b.ReportMetric(float64(heap1-heap0)/(2*pairs), "heapB/pc")
				b.ReportMetric(float64(g1-g0)/(2*pairs), "goroutines/pc")
				for _, p := range ps {
					p.close()
				}
				closeAll()
			}
		})
	}
}

func heapAndGoroutines() (uint64, int) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

// report adds the SCTP counters of the sender per message (retransmissions,
// timeouts, packets each way); SANSRTC_BENCH_VERBOSE=1 also logs the
// congestion state.
func (p *ourPair) report(b *testing.B, n int) {
	var sa, sb rtc.LayerStats
	_ = p.a.Do(func(pc *rtc.PeerConnection) error { sa = pc.LayerStats(); return nil })
	_ = p.b.Do(func(pc *rtc.PeerConnection) error { sb = pc.LayerStats(); return nil })
	if n == 0 {
		return
	}
	per := func(v uint64) float64 { return float64(v) / float64(n) }
	b.ReportMetric(per(sa.SCTP.PacketsSent), "pkts/msg")
	b.ReportMetric(per(sb.SCTP.PacketsSent), "acks/msg")
	b.ReportMetric(per(sa.SCTP.Retransmissions), "rtx/msg")
	if os.Getenv("SANSRTC_BENCH_VERBOSE") != "" {
		b.Logf("sender %+v", sa.SCTP)
		b.Logf("receiver %+v", sb.SCTP)
		b.Logf("dtls sender %+v receiver %+v", sa.DTLS, sb.DTLS)
	}
}
