package netsim_test

import (
	"encoding/binary"
	"math"
	"math/bits"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// blast sends count datagrams client→server over link and returns what the
// server received.
func blast(t *testing.T, seed uint64, link netsim.LinkConfig, interval time.Duration, count int, size func(int) int) (*netsim.Sim, []arrival) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed, TraceLimit: -1})
	sim.SetLink(clientAddr.Addr(), serverAddr.Addr(), link)
	b := newBlaster(clientAddr, serverAddr, sim.Now(), interval, count, size)
	s := &sink{}
	sim.Add(b, clientAddr)
	sim.Add(s, serverAddr)
	if err := sim.Run(nil, 10*count+100); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	return sim, s.got
}

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f, want %.4f ± %.4f", what, got, want, tol)
	} else {
		t.Logf("%s = %.4f (want %.4f ± %.4f)", what, got, want, tol)
	}
}

// TestRandomLoss: the measured loss rate matches Loss within five standard
// deviations, on several seeds.
func TestRandomLoss(t *testing.T) {
	const n = 20000
	for _, p := range []float64{0.01, 0.3} {
		for seed := uint64(1); seed <= 3; seed++ {
			sim, got := blast(t, seed, netsim.LinkConfig{Loss: p}, time.Millisecond, n, nil)
			rate := 1 - float64(len(got))/n
			within(t, "loss rate", rate, p, 5*math.Sqrt(p*(1-p)/n))
			ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr())
			if ls.Sent != n || ls.Lost+ls.Delivered != n || ls.Lost != uint64(n-len(got)) {
				t.Errorf("link stats %+v", ls)
			}
		}
	}
}

// TestBurstLoss: with the Gilbert model (no loss in Good, all lost in Bad),
// the loss rate is P/(P+R) and bursts last 1/R datagrams on average.
func TestBurstLoss(t *testing.T) {
	const n = 50000
	b := netsim.BurstLoss{P: 0.01, R: 0.25}
	_, got := blast(t, 3, netsim.LinkConfig{Burst: b}, time.Millisecond, n, nil)
	rate := 1 - float64(len(got))/n
	within(t, "burst loss rate", rate, b.P/(b.P+b.R), 0.008)
	// Burst lengths from the gaps in the received sequence numbers.
	var bursts, lost int
	prev := -1
	for _, a := range got {
		if gap := int(a.seq) - prev - 1; gap > 0 {
			bursts++
			lost += gap
		}
		prev = int(a.seq)
	}
	within(t, "mean burst length", float64(lost)/float64(bursts), 1/b.R, 0.5)

	// Random loss at the same average rate has bursts of about 1/(1-p).
	_, got = blast(t, 3, netsim.LinkConfig{Loss: b.P / (b.P + b.R)}, time.Millisecond, n, nil)
	bursts, lost, prev = 0, 0, -1
	for _, a := range got {
		if gap := int(a.seq) - prev - 1; gap > 0 {
			bursts++
			lost += gap
		}
		prev = int(a.seq)
	}
	within(t, "random-loss burst length", float64(lost)/float64(bursts), 1/(1-b.P/(b.P+b.R)), 0.1)
}

// TestJitterKeepsOrder: jitter spreads delays over [Delay, Delay+Jitter)
// but never reorders.
func TestJitterKeepsOrder(t *testing.T) {
	const n = 5000
	delay, jitter := 30*time.Millisecond, 10*time.Millisecond
	sim, got := blast(t, 5, netsim.LinkConfig{Delay: delay, Jitter: jitter}, 20*time.Millisecond, n, nil)
	if len(got) != n {
		t.Fatalf("received %d of %d", len(got), n)
	}
	var sum time.Duration
	for i, a := range got {
		if int(a.seq) != i {
			t.Fatalf("datagram %d arrived in position %d", a.seq, i)
		}
		d := a.at.Sub(sim.Start().Add(time.Duration(i) * 20 * time.Millisecond))
		if d < delay || d >= delay+jitter {
			t.Fatalf("datagram %d delay %v outside [%v, %v)", i, d, delay, delay+jitter)
		}
		sum += d
	}
	mean := sum / n
	within(t, "mean delay (ms)", float64(mean)/1e6, float64(delay+jitter/2)/1e6, 0.3)
}

// TestReorder: about Reorder of the datagrams arrive after a later one.
func TestReorder(t *testing.T) {
	const n = 20000
	const p = 0.1
	sim, got := blast(t, 6, netsim.LinkConfig{Delay: 5 * time.Millisecond, Reorder: p, ReorderDelay: 10 * time.Millisecond}, time.Millisecond, n, nil)
	if len(got) != n {
		t.Fatalf("received %d of %d", len(got), n)
	}
	late := 0
	var maxSeq uint32
	for i, a := range got {
		if i > 0 && a.seq < maxSeq {
			late++
		}
		maxSeq = max(maxSeq, a.seq)
	}
	within(t, "reordered fraction", float64(late)/n, p, 5*math.Sqrt(p*(1-p)/n))
	if ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr()); ls.Reordered != uint64(late) {
		t.Errorf("Reordered = %d, late arrivals %d", ls.Reordered, late)
	}
}

// TestDuplicate: about Duplicate of the datagrams arrive twice.
func TestDuplicate(t *testing.T) {
	const n = 20000
	const p = 0.05
	sim, got := blast(t, 7, netsim.LinkConfig{Delay: time.Millisecond, Duplicate: p}, time.Millisecond, n, nil)
	seen := make(map[uint32]int)
	for _, a := range got {
		seen[a.seq]++
	}
	if len(seen) != n {
		t.Fatalf("%d distinct datagrams, want %d", len(seen), n)
	}
	dups := len(got) - n
	within(t, "duplicated fraction", float64(dups)/n, p, 5*math.Sqrt(p*(1-p)/n))
	if ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr()); ls.Duplicated != uint64(dups) || ls.Delivered != uint64(len(got)) {
		t.Errorf("link stats %+v", ls)
	}
}

// TestMTU: datagrams over the MTU are dropped, the rest delivered; the MTU
// itself passes.
func TestMTU(t *testing.T) {
	sizes := []int{1200, 1201, 500, 1500, 1199}
	sim, got := blast(t, 8, netsim.LinkConfig{MTU: 1200}, time.Millisecond, len(sizes), func(i int) int { return sizes[i] })
	var want []int
	for _, s := range sizes {
		if s <= 1200 {
			want = append(want, s)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("received %d, want %d", len(got), len(want))
	}
	for i, a := range got {
		if a.size != want[i] {
			t.Errorf("datagram %d size %d, want %d", i, a.size, want[i])
		}
	}
	if ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr()); ls.TooBig != 2 {
		t.Errorf("TooBig = %d, want 2", ls.TooBig)
	}
}

// TestBandwidthUnderCapacity: below the link rate nothing is dropped and
// each datagram is delayed by Delay plus its serialization time.
func TestBandwidthUnderCapacity(t *testing.T) {
	const n = 1000
	// 1000 bytes at 1 Mbit/s take 8 ms; one every 10 ms never queues.
	sim, got := blast(t, 9, netsim.LinkConfig{Delay: 20 * time.Millisecond, Bandwidth: 1_000_000}, 10*time.Millisecond, n, func(int) int { return 1000 })
	if len(got) != n {
		t.Fatalf("received %d of %d", len(got), n)
	}
	for i, a := range got {
		want := sim.Start().Add(time.Duration(i)*10*time.Millisecond + 28*time.Millisecond)
		if !a.at.Equal(want) {
			t.Fatalf("datagram %d at %v, want %v", i, a.at.Sub(sim.Start()), want.Sub(sim.Start()))
		}
	}
}

// TestBandwidthOverCapacity: offered twice the link rate, the link delivers
// at its rate, drops the excess at the drop-tail queue, and the queueing
// delay stays under QueueBytes worth of serialization.
func TestBandwidthOverCapacity(t *testing.T) {
	const n = 2000
	const rate = 1_000_000 // bit/s
	const queue = 10_000   // bytes
	delay := 5 * time.Millisecond
	// 1000-byte datagrams every 4 ms: 2 Mbit/s offered for 8 s.
	sim, got := blast(t, 10, netsim.LinkConfig{Delay: delay, Bandwidth: rate, QueueBytes: queue}, 4*time.Millisecond, n, func(int) int { return 1000 })
	ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr())
	if ls.QueueFull == 0 || ls.QueueFull+ls.Delivered != n {
		t.Fatalf("link stats %+v", ls)
	}
	span := got[len(got)-1].at.Sub(got[0].at)
	throughput := float64(8*1000*(len(got)-1)) / span.Seconds()
	within(t, "throughput (Mbit/s)", throughput/1e6, rate/1e6, 0.01)
	within(t, "delivered fraction", float64(len(got))/n, 0.5, 0.02)
	maxWait := delay + time.Duration(queue*8)*time.Second/rate
	for i := 1; i < len(got); i++ {
		if gap := got[i].at.Sub(got[i-1].at); gap < 8*time.Millisecond {
			t.Fatalf("arrivals %d and %d only %v apart: faster than the link", i-1, i, gap)
		}
		sent := sim.Start().Add(time.Duration(got[i].seq) * 4 * time.Millisecond)
		if w := got[i].at.Sub(sent); w > maxWait {
			t.Fatalf("datagram %d waited %v, more than %v", got[i].seq, w, maxWait)
		}
	}
}

// TestAllStagesTogether: every stage at once keeps the stats consistent.
func TestAllStagesTogether(t *testing.T) {
	const n = 5000
	sim, got := blast(t, 11, lossy, time.Millisecond, n, func(i int) int { return 100 + i%1400 })
	ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr())
	if ls.Sent != n || ls.Dropped()+ls.Delivered-ls.Duplicated != n || ls.Delivered != uint64(len(got)) {
		t.Fatalf("link stats %+v, received %d", ls, len(got))
	}
	if ls.Lost == 0 || ls.BurstLost == 0 || ls.QueueFull == 0 || ls.Duplicated == 0 || ls.Reordered == 0 || ls.Corrupted == 0 {
		t.Fatalf("a stage never acted: %+v", ls)
	}
}

// TestCorrupt: about Corrupt of the datagrams arrive with exactly one bit
// flipped; the trace holds the corrupted bytes and says so.
func TestCorrupt(t *testing.T) {
	const n = 20000
	const p = 0.05
	sim := netsim.New(netsim.Config{Seed: 12, TraceLimit: n})
	sim.SetDefaultLink(netsim.LinkConfig{Corrupt: p})
	b := newBlaster(clientAddr, serverAddr, sim.Now(), time.Millisecond, n, func(int) int { return 16 })
	s := &sink{}
	sim.Add(b, clientAddr)
	sim.Add(s, serverAddr)
	if err := sim.Run(nil, 10*n); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i, a := range s.got {
		want := make([]byte, 16)
		binary.BigEndian.PutUint32(want, uint32(i))
		flipped := 0
		for j := range want {
			flipped += bits.OnesCount8(want[j] ^ a.payload[j])
		}
		if flipped > 1 {
			t.Fatalf("datagram %d: %d bits flipped", i, flipped)
		}
		bad += flipped
	}
	within(t, "corrupted fraction", float64(bad)/n, p, 5*math.Sqrt(p*(1-p)/n))
	marked := 0
	for _, r := range sim.Trace() {
		if r.Corrupted {
			marked++
		}
	}
	if ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr()); ls.Corrupted != uint64(bad) || marked != bad {
		t.Fatalf("Corrupted = %d, trace %d, counted %d", ls.Corrupted, marked, bad)
	}
}

// TestECNMarking: ECN-capable datagrams joining a backlog over the
// threshold arrive marked CE (RFC 3168 §5); Not-ECT ones never are.
func TestECNMarking(t *testing.T) {
	for _, ecn := range []shared.ECN{shared.ECNECT0, shared.ECNNotECT} {
		sim := netsim.New(netsim.Config{TraceLimit: -1})
		// 1000 bytes every 4 ms into 1 Mbit/s: the backlog grows by 500 B per datagram.
		sim.SetDefaultLink(netsim.LinkConfig{Bandwidth: 1_000_000, QueueBytes: 100_000, ECNThreshold: 3000})
		b := newBlaster(clientAddr, serverAddr, sim.Now(), 4*time.Millisecond, 20, func(int) int { return 1000 })
		b.ecn = ecn
		s := &sink{}
		sim.Add(b, clientAddr)
		sim.Add(s, serverAddr)
		if err := sim.Run(nil, 1000); err != nil {
			t.Fatal(err)
		}
		ce := 0
		for i, a := range s.got {
			if a.transport.ECN == shared.ECNCE {
				ce++
				if i < 6 {
					t.Fatalf("datagram %d marked below the threshold", i)
				}
			} else if a.transport.ECN != ecn {
				t.Fatalf("ECN changed to %v", a.transport.ECN)
			}
		}
		ls := sim.LinkStats(clientAddr.Addr(), serverAddr.Addr())
		if ecn == shared.ECNNotECT && (ce != 0 || ls.CEMarked != 0) {
			t.Fatal("Not-ECT datagram marked")
		}
		if ecn == shared.ECNECT0 && (ce < 10 || ls.CEMarked != uint64(ce)) {
			t.Fatalf("ECT(0): %d marked, stats %d", ce, ls.CEMarked)
		}
	}
}
