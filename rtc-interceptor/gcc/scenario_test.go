package gcc

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"testing"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	"github.com/sansrtc/rtc/rtc-interceptor/pacer"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// The issue 14 scenarios on the simulated network: a sender paced by the
// pacer at the estimator's target (30 fps frames cut into packets of at
// most 1200 bytes, each numbered like transport-cc), and a receiver that
// reports every packet's arrival (quantised to transport-cc's 250 µs) every
// 50 ms. The bottleneck is netsim's drop-tail queue on the forward link.

var (
	sndIP = netip.MustParseAddr("192.0.2.1")
	rcvIP = netip.MustParseAddr("198.51.100.1")
)

const (
	oneWay    = 25 * time.Millisecond // 50 ms RTT
	fbEvery   = 50 * time.Millisecond
	maxPacket = 1200
	fps       = 30
)

var arrivalEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

type sentRec struct {
	seq   int64
	at    time.Time
	size  int
	probe int
}

type targetSample struct {
	at     time.Time
	target int
}

// sender is one media flow's sending end.
type sender struct {
	t         *testing.T
	est       *Estimator
	pc        *pacer.Pacer[struct{}]
	local     netip.AddrPort
	peer      netip.AddrPort
	start     time.Time // the flow starts sending then
	nextFrame time.Time
	last      time.Time
	seq       int64
	ring      [8192]sentRec
	out       [][]byte
	results   []interceptor.PacketResult
	log       []targetSample
	refused   int
	rttAt     time.Time
}

func newSender(t *testing.T, cfg Config, local, peer netip.AddrPort, start time.Time) *sender {
	s := &sender{t: t, est: New(cfg), local: local, peer: peer, start: start, nextFrame: start, last: start}
	s.pc = pacer.New[struct{}](pacer.Config{}, s.est.TargetBitrate())
	return s
}

func (s *sender) HandleRead(m shared.TaggedBytes) error {
	b := m.Message
	if len(b) < 4 {
		return fmt.Errorf("short feedback")
	}
	n := int(binary.BigEndian.Uint32(b))
	b = b[4:]
	s.results = s.results[:0]
	for i := 0; i < n && len(b) >= 16; i++ {
		seq := int64(binary.BigEndian.Uint64(b))
		arr := int64(binary.BigEndian.Uint64(b[8:]))
		b = b[16:]
		r := &s.ring[seq%int64(len(s.ring))]
		if r.seq != seq {
			continue
		}
		res := interceptor.PacketResult{TransportSeq: seq, SendTime: r.at, Size: r.size, ProbeCluster: r.probe}
		if arr != 0 {
			res.Arrival = arrivalEpoch.Add(time.Duration(arr))
		}
		s.results = append(s.results, res)
	}
	s.est.OnFeedback(m.Now, s.results)
	// The round-trip time RTCP reports (SR/RR, RFC 3550 §6.4.1): the
	// path's 50 ms plus the queueing delay of the newest packet reported.
	if n := len(s.results); n > 0 && m.Now.Sub(s.rttAt) >= time.Second && s.results[n-1].Received() {
		s.rttAt = m.Now
		s.est.OnRTT(m.Now, 2*oneWay+s.est.Stats().QueueDelay)
	}
	s.retarget(m.Now)
	return nil
}

func (s *sender) retarget(now time.Time) {
	s.pc.SetRate(s.est.TargetBitrate())
	for {
		pr, ok := s.est.PollProbe()
		if !ok {
			break
		}
		s.pc.Probe(now, pacer.Probe(pr))
	}
	if n := len(s.log); n == 0 || s.log[n-1].target != s.est.TargetBitrate() {
		s.log = append(s.log, targetSample{now, s.est.TargetBitrate()})
	}
}

func (s *sender) HandleTimeout(now time.Time) error {
	if now.Before(s.start) {
		return nil
	}
	s.last = now
	for !now.Before(s.nextFrame) {
		frame := s.est.TargetBitrate() / 8 / fps
		for frame > 0 {
			size := min(frame, maxPacket)
			if size < 100 {
				size = 100
			}
			frame -= size
			if err := s.pc.Push(now, struct{}{}, size, pacer.ClassVideo); err != nil {
				s.refused++
			}
		}
		s.nextFrame = s.nextFrame.Add(time.Second / fps)
	}
	s.retarget(now)
	for {
		it, ok := s.pc.Poll(now)
		if !ok {
			break
		}
		s.send(now, it.Size, it.ProbeCluster)
	}
	return nil
}

func (s *sender) send(now time.Time, size, probe int) {
	seq := s.seq
	s.seq++
	s.ring[seq%int64(len(s.ring))] = sentRec{seq: seq, at: now, size: size, probe: probe}
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b, uint64(seq))
	binary.BigEndian.PutUint64(b[8:], uint64(now.UnixNano()))
	s.out = append(s.out, b)
	s.est.OnPacketSent(interceptor.SentPacket{TransportSeq: seq, SendTime: now, Size: size, ProbeCluster: probe})
}

func (s *sender) PollWrite() (shared.TaggedBytes, bool) {
	if len(s.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	b := s.out[0]
	s.out = s.out[1:]
	return shared.TaggedBytes{Transport: shared.TransportContext{Local: s.local, Peer: s.peer}, Message: b}, true
}

func (s *sender) PollTimeout() (time.Time, bool) {
	if s.last.Before(s.start) {
		return s.start, true
	}
	d := s.nextFrame
	if t, ok := s.pc.PollTimeout(); ok && t.Before(d) {
		d = t
	}
	if d.Before(s.last) {
		d = s.last
	}
	return d, true
}

// receiver is one flow's receiving end.
type receiver struct {
	local, peer netip.AddrPort
	arrivals    map[int64]int64 // seq -> arrival (250 µs units since the epoch)
	next        int64           // first seq not yet reported
	high        int64
	deadline    time.Time
	out         [][]byte
	delays      []delaySample
	base        time.Duration // propagation delay, subtracted from the one-way delay
	bytes       []rateSample
}

type delaySample struct {
	sent  time.Time
	queue time.Duration
}

type rateSample struct {
	at   time.Time
	size int
}

func newReceiver(local, peer netip.AddrPort, base time.Duration) *receiver {
	return &receiver{local: local, peer: peer, arrivals: map[int64]int64{}, high: -1, base: base}
}

func (r *receiver) HandleRead(m shared.TaggedBytes) error {
	b := m.Message
	if len(b) < 16 {
		return fmt.Errorf("short media packet")
	}
	seq := int64(binary.BigEndian.Uint64(b))
	sent := time.Unix(0, int64(binary.BigEndian.Uint64(b[8:]))).UTC()
	at := m.Now.Sub(arrivalEpoch)
	r.arrivals[seq] = int64(at/(250*time.Microsecond))*int64(250*time.Microsecond) + 1
	r.high = max(r.high, seq)
	r.delays = append(r.delays, delaySample{sent: sent, queue: m.Now.Sub(sent) - r.base})
	r.bytes = append(r.bytes, rateSample{m.Now, len(b)})
	if r.deadline.IsZero() {
		r.deadline = m.Now.Add(fbEvery)
	}
	return nil
}

func (r *receiver) HandleTimeout(now time.Time) error {
	if r.deadline.IsZero() || now.Before(r.deadline) {
		return nil
	}
	r.deadline = now.Add(fbEvery)
	if r.high < r.next {
		return nil
	}
	n := int(r.high - r.next + 1)
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+16*n), uint32(n))
	for s := r.next; s <= r.high; s++ {
		b = binary.BigEndian.AppendUint64(b, uint64(s))
		b = binary.BigEndian.AppendUint64(b, uint64(r.arrivals[s]))
		delete(r.arrivals, s)
	}
	r.next = r.high + 1
	r.out = append(r.out, b)
	return nil
}

func (r *receiver) PollWrite() (shared.TaggedBytes, bool) {
	if len(r.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	b := r.out[0]
	r.out = r.out[1:]
	return shared.TaggedBytes{Transport: shared.TransportContext{Local: r.local, Peer: r.peer}, Message: b}, true
}

func (r *receiver) PollTimeout() (time.Time, bool) { return r.deadline, !r.deadline.IsZero() }

// flow is one sender/receiver pair on the shared forward link.
type flow struct {
	snd *sender
	rcv *receiver
}

type scenario struct {
	sim   *netsim.Sim
	flows []flow
}

func newScenario(t *testing.T, seed uint64, fwd, back netsim.LinkConfig, starts ...time.Duration) *scenario {
	sim := netsim.New(netsim.Config{Seed: seed, TraceLimit: -1})
	sc := &scenario{sim: sim}
	for i, st := range starts {
		sa := netip.AddrPortFrom(sndIP, uint16(5000+i))
		ra := netip.AddrPortFrom(rcvIP, uint16(6000+i))
		f := flow{snd: newSender(t, Config{}, sa, ra, sim.Now().Add(st)), rcv: newReceiver(ra, sa, fwd.Delay)}
		sim.Add(f.snd, sa)
		sim.Add(f.rcv, ra)
		sc.flows = append(sc.flows, f)
	}
	sim.SetLink(sndIP, rcvIP, fwd)
	sim.SetLink(rcvIP, sndIP, back)
	return sc
}

func (sc *scenario) run(t *testing.T, d time.Duration) {
	t.Helper()
	if err := sc.sim.RunFor(d, 0); err != nil {
		t.Fatal(err)
	}
}

// at returns the elapsed time of an instant.
func (sc *scenario) at(tm time.Time) time.Duration { return tm.Sub(sc.sim.Start()) }

// firstAt returns when the flow's target first met cond at or after from,
// or -1.
func (f *flow) firstAt(sc *scenario, from time.Duration, cond func(int) bool) time.Duration {
	prev := -1
	for _, s := range f.snd.log {
		if sc.at(s.at) < from {
			prev = s.target
			continue
		}
		if prev >= 0 && cond(prev) {
			return from
		}
		prev = -1
		if cond(s.target) {
			return sc.at(s.at)
		}
	}
	return -1
}

// meanTarget is the time-weighted mean target over [from, to).
func (f *flow) meanTarget(sc *scenario, from, to time.Duration) float64 {
	var sum float64
	cur := 0
	t := from
	for _, s := range f.snd.log {
		at := sc.at(s.at)
		if at <= from {
			cur = s.target
			continue
		}
		if at >= to {
			break
		}
		sum += float64(cur) * (at - t).Seconds()
		cur, t = s.target, at
	}
	sum += float64(cur) * (to - t).Seconds()
	return sum / (to - from).Seconds()
}

// minTarget is the lowest target over [from, to).
func (f *flow) minTarget(sc *scenario, from, to time.Duration) int {
	m, cur := math.MaxInt, 0
	for _, s := range f.snd.log {
		at := sc.at(s.at)
		if at <= from {
			cur = s.target
			continue
		}
		if at >= to {
			break
		}
		m = min(m, cur)
		cur = s.target
	}
	return min(m, cur)
}

// queueP95 is the 95th percentile queueing delay of packets sent in
// [from, to).
func (f *flow) queueP95(sc *scenario, from, to time.Duration) time.Duration {
	var q []time.Duration
	for _, d := range f.rcv.delays {
		if at := sc.at(d.sent); at >= from && at < to {
			q = append(q, d.queue)
		}
	}
	if len(q) == 0 {
		return 0
	}
	slices.Sort(q)
	return q[len(q)*95/100]
}

// lastQueueAbove returns when the last packet sent in [from, to) with a
// queueing delay above limit was sent, or from if none.
func (f *flow) lastQueueAbove(sc *scenario, from, to, limit time.Duration) time.Duration {
	last := from
	for _, d := range f.rcv.delays {
		if at := sc.at(d.sent); at >= from && at < to && d.queue > limit {
			last = at
		}
	}
	return last
}

// throughput is the receive rate over [from, to).
func (f *flow) throughput(sc *scenario, from, to time.Duration) float64 {
	n := 0
	for _, r := range f.rcv.bytes {
		if at := sc.at(r.at); at >= from && at < to {
			n += r.size
		}
	}
	return float64(n) * 8 / (to - from).Seconds()
}

func bottleneck(bps int64) netsim.LinkConfig {
	return netsim.LinkConfig{Delay: oneWay, Bandwidth: bps, QueueBytes: 64 << 10}
}

func mbps(v float64) string { return fmt.Sprintf("%.2f Mbit/s", v/1e6) }

var seeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}

// Scenario 1: 2.5 Mbit/s, 50 ms RTT, no loss. From 300 kbit/s the target
// reaches 85% of capacity within 5 s; after the ramp the p95 queueing delay
// stays under 100 ms.
func TestScenarioRamp(t *testing.T) {
	const capacity = 2_500_000
	for _, seed := range seeds {
		sc := newScenario(t, seed, bottleneck(capacity), netsim.LinkConfig{Delay: oneWay}, 0)
		sc.run(t, 20*time.Second)
		f := &sc.flows[0]
		ramp := f.firstAt(sc, 0, func(v int) bool { return v >= capacity*85/100 })
		p95 := f.queueP95(sc, max(ramp, 0), 20*time.Second)
		mean := f.meanTarget(sc, 5*time.Second, 20*time.Second)
		st := f.snd.est.Stats()
		t.Logf("seed %d: 85%% of capacity at %v; p95 queueing delay after %v; mean target 5-20 s %s (%.0f%%), throughput %s; %d overuses, %d probes (%d results)",
			seed, ramp, p95, mbps(mean), 100*mean/capacity, mbps(f.throughput(sc, 5*time.Second, 20*time.Second)), st.Overuses, st.Probes, st.ProbeResults)
		if ramp < 0 || ramp > 5*time.Second {
			t.Errorf("seed %d: target reached 85%% of capacity at %v, want within 5 s", seed, ramp)
		}
		if p95 >= 100*time.Millisecond {
			t.Errorf("seed %d: p95 queueing delay %v after the ramp, want < 100 ms", seed, p95)
		}
	}
}

// Scenario 2: the capacity drops from 2.5 to 0.5 Mbit/s at 10 s: the target
// is below capacity within 1 s and the queueing delay back under 100 ms
// within 2 s. At 20 s the capacity returns: the target is back to 85% of it
// within 10 s.
func TestScenarioCapacityDrop(t *testing.T) {
	const high, low = 2_500_000, 500_000
	drop, back, end := 10*time.Second, 20*time.Second, 30*time.Second
	for _, seed := range seeds {
		sc := newScenario(t, seed, bottleneck(high), netsim.LinkConfig{Delay: oneWay}, 0)
		sc.run(t, drop)
		sc.sim.SetLink(sndIP, rcvIP, bottleneck(low))
		sc.run(t, back-drop)
		sc.sim.SetLink(sndIP, rcvIP, bottleneck(high))
		sc.run(t, end-back)
		f := &sc.flows[0]
		below := f.firstAt(sc, drop, func(v int) bool { return v < low }) - drop
		calm := f.lastQueueAbove(sc, drop, back, 100*time.Millisecond) - drop
		p95 := f.queueP95(sc, drop+2*time.Second, back)
		up := f.firstAt(sc, back, func(v int) bool { return v >= high*85/100 }) - back
		t.Logf("seed %d: below capacity %v after the drop, queueing delay under 100 ms from %v after it (p95 %v until the rise), mean target in the low phase %s; 85%% again %v after the rise",
			seed, below, calm, p95, mbps(f.meanTarget(sc, drop+2*time.Second, back)), up)
		if below < 0 || below > time.Second {
			t.Errorf("seed %d: target below capacity %v after the drop, want within 1 s", seed, below)
		}
		if calm > 2*time.Second {
			t.Errorf("seed %d: queueing delay over 100 ms until %v after the drop, want within 2 s", seed, calm)
		}
		if up < 0 || up > 10*time.Second {
			t.Errorf("seed %d: target back at 85%% %v after the rise, want within 10 s", seed, up)
		}
	}
}

// Scenario 3: 5% random loss both ways at 50 ms RTT on a 2.5 Mbit/s link:
// the estimate does not collapse (at least 70% of capacity).
func TestScenarioRandomLoss(t *testing.T) {
	const capacity = 2_500_000
	for _, seed := range seeds {
		fwd := bottleneck(capacity)
		fwd.Loss = 0.05
		sc := newScenario(t, seed, fwd, netsim.LinkConfig{Delay: oneWay, Loss: 0.05}, 0)
		sc.run(t, 20*time.Second)
		f := &sc.flows[0]
		mean := f.meanTarget(sc, 5*time.Second, 20*time.Second)
		lo := f.minTarget(sc, 5*time.Second, 20*time.Second)
		st := f.snd.est.Stats()
		t.Logf("seed %d: mean target 5-20 s %s (%.0f%%), lowest %s (%.0f%%), last loss fraction %.3f",
			seed, mbps(mean), 100*mean/capacity, mbps(float64(lo)), 100*float64(lo)/capacity, st.LossFraction)
		if mean < 0.7*capacity {
			t.Errorf("seed %d: mean target %s under 5%% loss, want >= 70%% of capacity", seed, mbps(mean))
		}
	}
}

// Scenario 4: Gilbert burst loss (about 3% in bursts of 3 packets) and
// 20 ms of jitter. Uncapped, the target stays at 80% of capacity or more;
// capped at 80% of capacity (the bottleneck never builds a queue), the
// detector signals no overuse at all.
func TestScenarioBurstLossJitter(t *testing.T) {
	const capacity = 2_500_000
	burst := netsim.BurstLoss{P: 0.01, R: 0.3}
	for _, seed := range seeds {
		fwd := bottleneck(capacity)
		fwd.Burst, fwd.Jitter = burst, 20*time.Millisecond
		back := netsim.LinkConfig{Delay: oneWay, Burst: burst, Jitter: 20 * time.Millisecond}
		sc := newScenario(t, seed, fwd, back, 0)
		sc.run(t, 20*time.Second)
		f := &sc.flows[0]
		mean := f.meanTarget(sc, 5*time.Second, 20*time.Second)
		lo := f.minTarget(sc, 5*time.Second, 20*time.Second)
		t.Logf("seed %d: mean target 5-20 s %s (%.0f%%), lowest %s", seed, mbps(mean), 100*mean/capacity, mbps(float64(lo)))
		if mean < 0.8*capacity {
			t.Errorf("seed %d: mean target %s, want >= 80%% of capacity", seed, mbps(mean))
		}

		capped := newScenario(t, seed, fwd, back, 0)
		capped.flows[0].snd.est = New(Config{MaxBitrate: capacity * 8 / 10})
		capped.run(t, 20*time.Second)
		st := capped.flows[0].snd.est.Stats()
		t.Logf("seed %d: capped at 80%%: %d overuse signals, target %s", seed, st.Overuses, mbps(float64(st.Target)))
		if st.Overuses != 0 {
			t.Errorf("seed %d: %d overuse signals with the bottleneck never full, want none", seed, st.Overuses)
		}
	}
}

// Scenario 5: two flows share the bottleneck (both senders behind one
// address, both receivers behind another, so netsim's one forward link is
// their common queue); the second starts 5 s after the first. Within 30 s of
// its start both have a fair share (within ±20% of the mean).
func TestScenarioFairness(t *testing.T) {
	const capacity = 2_500_000
	start2 := 5 * time.Second
	for _, seed := range seeds {
		// 2 ms of jitter makes the seeds differ (the packets of the two
		// flows meet the queue in different orders).
		fwd := bottleneck(capacity)
		fwd.Jitter = 2 * time.Millisecond
		sc := newScenario(t, seed, fwd, netsim.LinkConfig{Delay: oneWay, Jitter: 2 * time.Millisecond}, 0, start2)
		end := start2 + 30*time.Second
		sc.run(t, end)
		a, b := &sc.flows[0], &sc.flows[1]
		from := end - 5*time.Second
		ra, rb := a.meanTarget(sc, from, end), b.meanTarget(sc, from, end)
		ta, tb := a.throughput(sc, from, end), b.throughput(sc, from, end)
		mean := (ta + tb) / 2
		conv := time.Duration(-1)
		for w := start2; w+time.Second <= end; w += time.Second {
			x, y := a.throughput(sc, w, w+time.Second), b.throughput(sc, w, w+time.Second)
			m := (x + y) / 2
			if math.Abs(x-m) <= 0.2*m && math.Abs(y-m) <= 0.2*m {
				if conv < 0 {
					conv = w + time.Second - start2
				}
			} else {
				conv = -1
			}
		}
		t.Logf("seed %d: last 5 s: targets %s / %s, throughput %s / %s (ratio %.2f, sum %.0f%% of capacity); fair (±20%%, 1 s windows) from %v after the second start",
			seed, mbps(ra), mbps(rb), mbps(ta), mbps(tb), ta/tb, 100*(ta+tb)/capacity, conv)
		if math.Abs(ta-mean) > 0.2*mean || math.Abs(tb-mean) > 0.2*mean || conv < 0 || conv > 30*time.Second {
			t.Errorf("seed %d: throughputs %s and %s, want each within 20%% of their mean", seed, mbps(ta), mbps(tb))
		}
		if ta+tb < 0.8*capacity {
			t.Errorf("seed %d: the flows use %s together, want >= 80%% of capacity", seed, mbps(ta+tb))
		}
	}
}
