package pc

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"net/netip"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/tools/internal/benchutil"
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

// BenchmarkThroughputLoops is issue 18's "throughput scales with loops
// across several connections": conns pairs, both ends of every pair on one
// driver of loops loops (as one server process holds many connections),
// each pair streaming 64 KiB reliable ordered messages a->b at once with
// the flow control of BenchmarkThroughput. One op is one message on every
// connection; MB/s is the aggregate. Pion has no loops; it runs the same
// connections for reference.
func BenchmarkThroughputLoops(b *testing.B) {
	const size, conns = 64 << 10, 4
	for _, impl := range []string{"sansrtc/loops=1", "sansrtc/loops=2", "pion"} {
		b.Run(fmt.Sprintf("%s/%dconns", impl, conns), func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
			defer cancel()
			var ps []pair
			var d *driver.Driver
			switch impl {
			case "sansrtc/loops=1", "sansrtc/loops=2":
				loops := 1
				if impl == "sansrtc/loops=2" {
					loops = 2
				}
				d = driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Loops: loops})
				defer d.Close()
			}
			for range conns {
				var p pair
				var err error
				if d != nil {
					p, err = newOurPair(ctx, d, d)
				} else {
					p, err = newPionPair(ctx, pionAPI())
				}
				if err != nil {
					b.Fatal(err)
				}
				defer p.close()
				ps = append(ps, p)
			}
			msg := make([]byte, size)
			b.SetBytes(int64(size * conns))
			b.ResetTimer()
			cpu0, wall0 := benchutil.ProcessCPU(), time.Now()
			defer func() {
				// The cores the process kept busy: what more loops can use.
				b.ReportMetric((benchutil.ProcessCPU()-cpu0).Seconds()/time.Since(wall0).Seconds(), "cores")
			}()
			errs := make(chan error, conns)
			for _, p := range ps {
				go func() {
					for range b.N {
						if err := p.send(msg, 1<<20); err != nil {
							errs <- err
							return
						}
					}
					errs <- p.received(ctx, b.N)
				}()
			}
			for range ps {
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			}
		})
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
