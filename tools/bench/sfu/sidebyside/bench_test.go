package sidebyside

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// window is how many packets Pion's publisher may be ahead of what was
// read at the far end (loopback UDP drops what overflows a socket buffer;
// 64 full-size packets are 71 KB).
const window = 64

// cpuMeter reports the process CPU time over a benchmark's timed part.
type cpuMeter struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuMeter {
	t, ok := cpuTime()
	return cpuMeter{start: t, ok: ok}
}

// perPacket reports CPU ns per packet and packets/s per core.
func (m cpuMeter) perPacket(b *testing.B, packets int) { m.perPacketLess(b, packets, 0) }

// perPacketLess is perPacket less a measurement's own cost per packet.
func (m cpuMeter) perPacketLess(b *testing.B, packets int, less time.Duration) {
	end, ok := cpuTime()
	if !m.ok || !ok || packets == 0 {
		return
	}
	ns := float64(end-m.start)/float64(packets) - float64(less)
	b.ReportMetric(ns, "cpu-ns/pkt")
	b.ReportMetric(1e9/ns, "pkts/s/core")
}

// BenchmarkForward is the SFU forwarding cost (issue 13): receive SRTP,
// decrypt, route, rewrite, encrypt, send.
//
//   - sansrtc/sfu: the SFU's two PeerConnections alone, fed sealed
//     datagrams directly (ns/op and allocs/op are per forwarded packet).
//   - {sansrtc,pion}/pipeline-N: publisher → SFU → N viewers in one
//     process, process CPU per published packet. N=1 minus N=0 is one
//     SFU forward plus one viewer receive, so it estimates the SFU's part
//     the same way for both stacks (a receive costs about what the SFU's
//     receive costs).
func BenchmarkForward(b *testing.B) {
	b.Run("sansrtc/sfu", benchOurForwardOnly)
	for _, n := range []int{0, 1} {
		name := map[int]string{0: "pipeline-0", 1: "pipeline-1"}[n]
		b.Run("sansrtc/"+name, func(b *testing.B) { benchOurPipeline(b, n) })
		b.Run("pion/"+name, func(b *testing.B) { benchPionPipeline(b, n) })
	}
}

func benchOurForwardOnly(b *testing.B) {
	f, err := newForwardOnly()
	if err != nil {
		b.Fatal(err)
	}
	defer f.s.close()
	const chunk = 4096
	// Warm: the chain's retransmission history (1024 packets) fills and
	// the pools reach their size.
	if err := f.fill(2048); err != nil {
		b.Fatal(err)
	}
	for _, dg := range f.ring {
		if err := f.forward(dg); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.fill(chunk); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(payloadSize)
	cpu := startCPU()
	var sealing time.Duration // the publisher's CPU, not the SFU's
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%chunk == 0 {
			b.StopTimer()
			t0, _ := cpuTime()
			if err := f.fill(chunk); err != nil {
				b.Fatal(err)
			}
			t1, _ := cpuTime()
			sealing += t1 - t0
			b.StartTimer()
		}
		if err := f.forward(f.ring[i%chunk]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.perPacketLess(b, b.N, sealing/time.Duration(b.N))
}

func benchOurPipeline(b *testing.B, viewers int) {
	s, err := newOurSFU(viewers)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	for range 2048 {
		s.publish(time.Millisecond, 90)
	}
	before := s.delivered()
	b.ReportAllocs()
	b.SetBytes(payloadSize)
	cpu := startCPU()
	b.ResetTimer()
	for range b.N {
		s.publish(time.Millisecond, 90)
	}
	b.StopTimer()
	cpu.perPacket(b, b.N)
	if got := s.delivered() - before; got != b.N*viewers {
		b.Fatalf("viewers read %d packets, want %d", got, b.N*viewers)
	}
	if n, last := s.errs(); n > 0 {
		b.Fatalf("%d errors, last: %v", n, last)
	}
}

func benchPionPipeline(b *testing.B, viewers int) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := newPionSFU(ctx, pionAPI(), viewers)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	far := s.viewers
	if viewers == 0 {
		far = s.in
	}
	run := func(n int) {
		base := far.get()
		for i := range n {
			for (i - (far.get()-base)/max(viewers, 1)) >= window {
				select {
				case <-far.wake:
				case <-time.After(2 * time.Second):
					b.Fatalf("pion: stalled at %d of %d packets (lost on loopback?)", far.get()-base, i*max(viewers, 1))
				}
			}
			if err := s.publish(90); err != nil {
				b.Fatal(err)
			}
		}
		if err := far.atLeast(ctx, base+n*max(viewers, 1), 2*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	run(2048)
	b.ReportAllocs()
	b.SetBytes(payloadSize)
	cpu := startCPU()
	b.ResetTimer()
	run(b.N)
	b.StopTimer()
	cpu.perPacket(b, b.N)
}

// warmSeconds of media run before a fan-out is measured: the
// retransmission histories (1024 packets, both stacks) are full, so the
// heap is the steady state's.
const warmSeconds = 4

// fanoutRate is 2.5 Mbit/s of 1100-byte payloads: 284 packets a second.
const fanoutRate = 2_500_000 / 8 / payloadSize

// BenchmarkFanout: one 2.5 Mbit/s publisher to 100 viewers in one
// process. One op is one second of media. cpu-ms/s/viewer is the process
// CPU per second of media per viewer (sansrtc on a virtual clock, as fast
// as it goes; Pion paced in real time); heap-KB/viewer is the live heap
// after GC per viewer over the process before the rig, with both ends of
// each viewer's connection (the SFU's and the viewer's) in it.
func BenchmarkFanout(b *testing.B) {
	b.Run("sansrtc", func(b *testing.B) { benchOurFanout(b, 100) })
	b.Run("pion", func(b *testing.B) { benchPionFanout(b, 100) })
}

// heapNow is the live heap after a collection, and the goroutines.
func heapNow() (uint64, int) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

// heapProfile writes the live heap to $SFU_HEAPPROFILE when set (where a
// viewer's memory goes).
func heapProfile(b *testing.B) {
	name := os.Getenv("SFU_HEAPPROFILE")
	if name == "" {
		return
	}
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// fanoutMetrics reports CPU per media second per viewer and memory and
// goroutines per viewer.
func fanoutMetrics(b *testing.B, cpu cpuMeter, viewers int, heap0, heap1 uint64, g0, g1 int) {
	if end, ok := cpuTime(); ok && cpu.ok {
		b.ReportMetric(float64(end-cpu.start)/1e6/float64(b.N)/float64(viewers), "cpu-ms/s/viewer")
	}
	b.ReportMetric(float64(int64(heap1)-int64(heap0))/1024/float64(viewers), "heap-KB/viewer")
	b.ReportMetric(float64(g1-g0)/float64(viewers), "goroutines/viewer")
}

func benchOurFanout(b *testing.B, viewers int) {
	heap0, g0 := heapNow()
	s, err := newOurSFU(viewers)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	dt := time.Second / fanoutRate
	for range warmSeconds * fanoutRate {
		s.publish(dt, 90000/fanoutRate)
	}
	heap1, g1 := heapNow()
	heapProfile(b)
	before := s.delivered()
	cpu := startCPU()
	b.ResetTimer()
	for range b.N * fanoutRate {
		s.publish(dt, 90000/fanoutRate)
	}
	b.StopTimer()
	fanoutMetrics(b, cpu, viewers, heap0, heap1, g0, g1)
	if got, want := s.delivered()-before, b.N*fanoutRate*viewers; got != want {
		b.Fatalf("viewers read %d packets, want %d", got, want)
	}
	if n, last := s.errs(); n > 0 {
		b.Fatalf("%d errors, last: %v", n, last)
	}
}

func benchPionFanout(b *testing.B, viewers int) {
	heap0, g0 := heapNow()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := newPionSFU(ctx, pionAPI(), viewers)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	paced := func(n int) {
		base := s.viewers.get()
		tick := time.NewTicker(time.Second / fanoutRate)
		defer tick.Stop()
		for range n {
			<-tick.C
			if err := s.publish(90000 / fanoutRate); err != nil {
				b.Fatal(err)
			}
		}
		// Loopback UDP may drop under load: report what arrived.
		_ = s.viewers.atLeast(ctx, base+n*viewers, 500*time.Millisecond)
		b.ReportMetric(float64(s.viewers.get()-base)/float64(n*viewers), "delivered")
	}
	paced(warmSeconds * fanoutRate)
	heap1, g1 := heapNow()
	cpu := startCPU()
	b.ResetTimer()
	paced(b.N * fanoutRate)
	b.StopTimer()
	fanoutMetrics(b, cpu, viewers, heap0, heap1, g0, g1)
}

// BenchmarkPaced: CPU per media packet at 1000 packets/s, one sender and
// one receiver in one process (issue 13: Pion 30-57 µs, target ≤ 5 µs).
// One op is one packet. sansrtc's send-µs/pkt and recv-µs/pkt split the
// cost (timers, reports and feedback in neither); Pion's is the process
// CPU, both ends and all its goroutines.
func BenchmarkPaced(b *testing.B) {
	b.Run("sansrtc", benchOurPaced)
	b.Run("sansrtc-driver", benchDriverPaced)
	b.Run("pion", benchPionPaced)
	b.Run("ticker", benchTicker)
}

// benchTicker is the pacing alone: a 1 ms ticker waking a goroutine that
// hands a token to another one (as a sender hands a packet to a loop), no
// media. Its CPU per tick is the floor of every paced figure with
// goroutines.
func benchTicker(b *testing.B) {
	work := make(chan struct{})
	done := make(chan struct{})
	go func() {
		for range work {
			done <- struct{}{}
		}
	}()
	defer close(work)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	cpu := startCPU()
	b.ResetTimer()
	for range b.N {
		<-tick.C
		work <- struct{}{}
		<-done
	}
	b.StopTimer()
	cpu.perPacket(b, b.N)
}

// benchDriverPaced is sansrtc on rtc/driver: loopback UDP sockets, a loop
// goroutine per end, like Pion's run (process CPU, both ends).
func benchDriverPaced(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	l, err := newDriverLink(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer l.close()
	paced := func(n int) {
		base := l.got.get()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for range n {
			<-tick.C
			if err := l.send(); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.got.atLeast(ctx, base+n, 2*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	paced(500)
	b.ReportAllocs()
	cpu := startCPU()
	b.ResetTimer()
	paced(b.N)
	b.StopTimer()
	cpu.perPacket(b, b.N)
}

func benchOurPaced(b *testing.B) {
	s, err := newOurSFU(0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	// Thread CPU time splits send from receive: the machine is shared, and
	// wall time would count other processes' time.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	overhead := clockOverhead()
	l := s.pub
	var send, recv time.Duration
	step := func() {
		s.c.now = s.c.now.Add(time.Millisecond)
		t0 := threadCPU()
		l.check(l.sender.WriteRTP("", s.src.next(90)))
		t1 := threadCPU()
		l.flush(l.tx, l.rx)
		l.drain(l.rx)
		t2 := threadCPU()
		send += t1 - t0 - overhead
		recv += t2 - t1 - overhead
		l.tick()
	}
	for range 2048 {
		step()
	}
	send, recv = 0, 0
	before := l.got
	b.ReportAllocs()
	cpu := startCPU()
	b.ResetTimer()
	for range b.N {
		step()
	}
	b.StopTimer()
	cpu.perPacketLess(b, b.N, 3*overhead) // three clock readings a packet
	b.ReportMetric(send.Seconds()*1e6/float64(b.N), "send-µs/pkt")
	b.ReportMetric(recv.Seconds()*1e6/float64(b.N), "recv-µs/pkt")
	if got := l.got - before; got != b.N {
		b.Fatalf("read %d packets, want %d", got, b.N)
	}
	if l.errs > 0 {
		b.Fatalf("%d errors, last: %v", l.errs, l.lastErr)
	}
}

// clockOverhead is what one threadCPU reading adds to an interval (the
// smallest of a few back-to-back pairs).
func clockOverhead() time.Duration {
	best := time.Duration(1 << 62)
	for range 1000 {
		t0 := threadCPU()
		if d := threadCPU() - t0; d < best {
			best = d
		}
	}
	return best
}

func benchPionPaced(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := newPionSFU(ctx, pionAPI(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	paced := func(n int) {
		base := s.in.get()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for range n {
			<-tick.C
			if err := s.publish(90); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.in.atLeast(ctx, base+n, 2*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	paced(500)
	b.ReportAllocs()
	cpu := startCPU()
	b.ResetTimer()
	paced(b.N)
	b.StopTimer()
	cpu.perPacket(b, b.N)
}
