package gcc

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// feed sends n packets of size bytes every gap and reports them all, each
// arriving after delay(i), in feedbacks of per results; it returns the
// estimator.
func feed(e *Estimator, n, size int, gap time.Duration, delay func(i int) time.Duration, per int) {
	var res []interceptor.PacketResult
	for i := 0; i < n; i++ {
		send := t0.Add(time.Duration(i) * gap)
		e.OnPacketSent(interceptor.SentPacket{TransportSeq: int64(i), SendTime: send, Size: size})
		res = append(res, interceptor.PacketResult{TransportSeq: int64(i), SendTime: send, Size: size, Arrival: arrivalEpoch.Add(time.Duration(i)*gap + delay(i))})
		if len(res) == per {
			e.OnFeedback(send.Add(50*time.Millisecond), res)
			res = res[:0]
		}
	}
}

// A steady flow with a constant delay is never overuse; a delay that grows
// by 1 ms a packet is, and the target falls.
func TestOveruseDetection(t *testing.T) {
	e := New(Config{DisableProbing: true})
	feed(e, 500, 1000, 5*time.Millisecond, func(int) time.Duration { return 20 * time.Millisecond }, 10)
	st := e.Stats()
	if st.Overuses != 0 || st.Target <= 300_000 {
		t.Fatalf("constant delay: %+v", st)
	}
	e = New(Config{DisableProbing: true, StartBitrate: 2_000_000})
	feed(e, 500, 1000, 5*time.Millisecond, func(i int) time.Duration { return time.Duration(i) * time.Millisecond }, 10)
	st = e.Stats()
	if st.Overuses == 0 || st.Decreases == 0 || st.Target >= 2_000_000 {
		t.Fatalf("growing delay: %+v", st)
	}
}

// §6: more than 10% loss lowers the loss-based rate; under 2% it grows;
// in between it holds.
func TestLossBased(t *testing.T) {
	for _, tc := range []struct {
		fraction uint8
		want     func(before, after int) bool
	}{
		{128, func(b, a int) bool { return a < b }}, // 50%
		{13, func(b, a int) bool { return a == b }}, // 5%
		{1, func(b, a int) bool { return a >= b }},  // 0.4%
	} {
		e := New(Config{DisableProbing: true})
		before := e.Stats().LossBased
		e.OnLoss(t0.Add(time.Second), interceptor.LossReport{FractionLost: tc.fraction})
		if after := e.Stats().LossBased; !tc.want(before, after) {
			t.Errorf("fraction %d/256: loss-based %d -> %d", tc.fraction, before, after)
		}
	}
}

// REMB caps the target; zero removes the cap.
func TestREMBCap(t *testing.T) {
	e := New(Config{})
	e.OnREMB(t0, 100_000)
	if e.TargetBitrate() != 100_000 {
		t.Fatalf("target %d under a 100 kbit/s REMB", e.TargetBitrate())
	}
	e.OnREMB(t0, 0)
	if e.TargetBitrate() != 300_000 {
		t.Fatalf("target %d after the cap was lifted", e.TargetBitrate())
	}
	e.OnREMB(t0, math.MaxUint64)
	if e.TargetBitrate() != 300_000 {
		t.Fatalf("target %d under a huge REMB", e.TargetBitrate())
	}
}

// Initial probing: the first packet sent asks for clusters at 3 and 6 times
// the start rate, and a successful result moves the target up.
func TestInitialProbes(t *testing.T) {
	e := New(Config{})
	e.OnPacketSent(interceptor.SentPacket{TransportSeq: 0, SendTime: t0, Size: 100})
	p1, ok1 := e.PollProbe()
	p2, ok2 := e.PollProbe()
	if _, more := e.PollProbe(); !ok1 || !ok2 || more || p1.Bitrate != 900_000 || p2.Bitrate != 1_800_000 {
		t.Fatalf("probes %+v %+v", p1, p2)
	}
	// Cluster 2 at 1.8 Mbit/s arrives at that rate.
	var res []interceptor.PacketResult
	gap := 5333 * time.Microsecond // 1200 bytes at 1.8 Mbit/s
	for i := range 6 {
		send := t0.Add(time.Duration(i) * gap)
		e.OnPacketSent(interceptor.SentPacket{TransportSeq: int64(i + 1), SendTime: send, Size: 1200, ProbeCluster: p2.ID})
		res = append(res, interceptor.PacketResult{TransportSeq: int64(i + 1), SendTime: send, Size: 1200, ProbeCluster: p2.ID, Arrival: arrivalEpoch.Add(time.Duration(i)*gap + 20*time.Millisecond)})
	}
	e.OnFeedback(t0.Add(100*time.Millisecond), res)
	if tg := e.TargetBitrate(); tg < 1_600_000 || tg > 1_900_000 {
		t.Fatalf("target %d after a 1.8 Mbit/s probe", tg)
	}
	if p, ok := e.PollProbe(); !ok || p.Bitrate < 3_000_000 {
		t.Fatalf("no exponential follow-up probe: %+v", p)
	}
}

// Adversarial feedback: results for packets in the future, duplicates,
// arrival times going backwards, huge deltas and negative sizes are
// ignored or restart the grouping; the target stays within its bounds and
// never becomes NaN.
func TestAdversarialFeedback(t *testing.T) {
	e := New(Config{DisableProbing: true})
	now := t0.Add(time.Second)
	for seq := range 7 {
		e.OnPacketSent(interceptor.SentPacket{TransportSeq: int64(seq), SendTime: t0, Size: 1000})
	}
	bad := []interceptor.PacketResult{
		{TransportSeq: 1000, SendTime: t0, Size: 1000, Arrival: arrivalEpoch},                        // never sent
		{TransportSeq: -5, SendTime: t0, Size: 1000, Arrival: arrivalEpoch},                          // never sent
		{TransportSeq: 1, SendTime: now.Add(time.Hour), Size: 1000, Arrival: arrivalEpoch},           // sent in the future
		{TransportSeq: 2, SendTime: t0, Size: -5, Arrival: arrivalEpoch},                             // negative size
		{TransportSeq: 3, SendTime: t0, Size: 1000, Arrival: arrivalEpoch.Add(time.Hour)},            // huge arrival
		{TransportSeq: 4, SendTime: t0.Add(time.Millisecond), Size: 1000, Arrival: arrivalEpoch},     // backwards
		{TransportSeq: 4, SendTime: t0.Add(time.Millisecond), Size: 1000, Arrival: arrivalEpoch},     // duplicate
		{TransportSeq: 5, SendTime: t0.Add(-time.Hour), Size: 1 << 30, Arrival: arrivalEpoch},        // huge send delta, huge size
		{TransportSeq: 6, SendTime: t0.Add(10 * time.Millisecond), Size: 1000, Arrival: time.Time{}}, // lost
	}
	e.OnFeedback(now, bad)
	e.OnFeedback(now, bad) // all again: duplicates
	st := e.Stats()
	if st.Unknown != 4 || st.Ignored < uint64(3+len(bad)-2) || st.GroupResets == 0 {
		t.Fatalf("stats %+v", st)
	}
	tg := e.TargetBitrate()
	if tg < 30_000 || tg > 20_000_000 {
		t.Fatalf("target %d out of bounds", tg)
	}
	e.OnRTT(now, -time.Second)
	e.OnRTT(now, time.Hour)
	e.OnLoss(now, interceptor.LossReport{FractionLost: 255})
	if tg := e.TargetBitrate(); tg < 30_000 {
		t.Fatalf("target %d below the minimum", tg)
	}
	// Time going backwards in the calls themselves is harmless.
	e.OnFeedback(t0, nil)
	e.HandleTimeout(t0)
	if d, ok := e.PollTimeout(); ok || !d.IsZero() || e.TimeoutReason() != "" {
		t.Fatal("a deadline appeared")
	}
}

// Without feedback, the target falls by 20% a second from 3 s after the
// first unanswered packet; feedback stops the fall.
func TestFeedbackTimeout(t *testing.T) {
	e := New(Config{DisableProbing: true, StartBitrate: 1_000_000})
	if _, ok := e.PollTimeout(); ok {
		t.Fatal("deadline before anything was sent")
	}
	e.OnPacketSent(interceptor.SentPacket{TransportSeq: 0, SendTime: t0, Size: 1000})
	d, ok := e.PollTimeout()
	if !ok || !d.Equal(t0.Add(3*time.Second)) || e.TimeoutReason() != "feedback-timeout" {
		t.Fatalf("deadline %v %v %q", d, ok, e.TimeoutReason())
	}
	e.HandleTimeout(t0.Add(2 * time.Second)) // early: harmless
	if e.TargetBitrate() != 1_000_000 {
		t.Fatalf("target %d before the timeout", e.TargetBitrate())
	}
	e.HandleTimeout(t0.Add(3 * time.Second))
	if e.TargetBitrate() != 800_000 {
		t.Fatalf("target %d after the timeout", e.TargetBitrate())
	}
	e.HandleTimeout(t0.Add(5 * time.Second)) // two more seconds: two more steps
	if e.TargetBitrate() != 512_000 {
		t.Fatalf("target %d after 5 s", e.TargetBitrate())
	}
	e.HandleTimeout(t0.Add(time.Hour))
	if e.TargetBitrate() != 30_000 || e.Stats().Backoffs < 3 {
		t.Fatalf("target %d after an hour, %+v", e.TargetBitrate(), e.Stats())
	}
	e.OnFeedback(t0.Add(time.Hour), nil)
	if _, ok := e.PollTimeout(); ok {
		t.Fatal("deadline after feedback with nothing sent since")
	}
}

// Transport sequence numbers that wrapped at 2^16 on the wire arrive here
// unwrapped (the chain's TWCCSender does it); the estimator keeps going
// across the wrap.
func TestSequenceWrap(t *testing.T) {
	e := New(Config{DisableProbing: true})
	var res []interceptor.PacketResult
	base := int64(65530)
	for i := range 400 {
		send := t0.Add(time.Duration(i) * 4 * time.Millisecond)
		seq := base + int64(i)
		e.OnPacketSent(interceptor.SentPacket{TransportSeq: seq, SendTime: send, Size: 1000})
		res = append(res, interceptor.PacketResult{TransportSeq: seq, SendTime: send, Size: 1000, Arrival: arrivalEpoch.Add(time.Duration(i) * 4 * time.Millisecond)})
		if len(res) == 10 {
			e.OnFeedback(send.Add(30*time.Millisecond), res)
			res = res[:0]
		}
	}
	if st := e.Stats(); st.Ignored != 0 || st.Results != 400 || st.Acked == 0 {
		t.Fatalf("stats across the wrap %+v", st)
	}
}

func TestFeedbackAllocs(t *testing.T) {
	e := New(Config{})
	res := make([]interceptor.PacketResult, 10)
	seq := int64(0)
	now := t0
	allocs := testing.AllocsPerRun(500, func() {
		for i := range res {
			now = now.Add(4 * time.Millisecond)
			e.OnPacketSent(interceptor.SentPacket{TransportSeq: seq, SendTime: now, Size: 1200})
			res[i] = interceptor.PacketResult{TransportSeq: seq, SendTime: now, Size: 1200, Arrival: arrivalEpoch.Add(now.Sub(t0))}
			seq++
		}
		e.OnFeedback(now.Add(25*time.Millisecond), res)
		e.PollProbe()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per feedback", allocs)
	}
}

// BenchmarkFeedback is the cost of one feedback message of 20 results
// (about 50 ms of a 4 Mbit/s stream); BenchmarkPacketSent of one packet.
func BenchmarkFeedback(b *testing.B) {
	e := New(Config{})
	res := make([]interceptor.PacketResult, 20)
	seq := int64(0)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		for i := range res {
			now = now.Add(2500 * time.Microsecond)
			res[i] = interceptor.PacketResult{TransportSeq: seq, SendTime: now, Size: 1200, Arrival: arrivalEpoch.Add(now.Sub(t0))}
			seq++
		}
		e.OnFeedback(now.Add(25*time.Millisecond), res)
	}
}

func BenchmarkPacketSent(b *testing.B) {
	e := New(Config{})
	now := t0
	seq := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		e.OnPacketSent(interceptor.SentPacket{TransportSeq: seq, SendTime: now, Size: 1200})
		seq++
	}
}

// FuzzFeedback feeds arbitrary results (sequence numbers, times, sizes,
// probe ids) to every input of the estimator: it never panics and the
// target stays within its bounds.
func FuzzFeedback(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New(Config{})
		now := t0
		seq := int64(0)
		var res []interceptor.PacketResult
		for len(data) >= 8 {
			op := data[0]
			v := binary.BigEndian.Uint16(data[1:])
			w := binary.BigEndian.Uint32(data[3:])
			probe := int(data[7] % 8)
			data = data[8:]
			switch op % 6 {
			case 0:
				now = now.Add(time.Duration(v%256) * time.Millisecond)
				seq += int64(w % 3) // mostly consecutive, sometimes repeated or skipping
				e.OnPacketSent(interceptor.SentPacket{TransportSeq: seq, SendTime: now, Size: int(v), ProbeCluster: probe})
			case 1:
				// Mostly about packets sent lately, sometimes about others.
				rs := seq - int64(w%40)
				if w%7 == 0 {
					rs = int64(int32(w))
				}
				r := interceptor.PacketResult{TransportSeq: rs, SendTime: now.Add(-time.Duration(v) * time.Millisecond), Size: int(int16(v)), ProbeCluster: probe}
				if w%5 != 0 {
					r.Arrival = arrivalEpoch.Add(time.Duration(int32(w)) * time.Microsecond)
				}
				res = append(res, r)
			case 2:
				e.OnFeedback(now, res)
				res = res[:0]
			case 3:
				e.OnLoss(now, interceptor.LossReport{FractionLost: uint8(v)})
				e.OnRTT(now, time.Duration(int32(w))*time.Microsecond)
			case 4:
				e.OnREMB(now, uint64(w)*uint64(v))
			case 5:
				e.HandleTimeout(now.Add(-time.Duration(v) * time.Millisecond))
				e.PollProbe()
			}
			tg := e.TargetBitrate()
			if tg < 30_000 || tg > 20_000_000 {
				t.Fatalf("target %d out of bounds", tg)
			}
			if d, ok := e.PollTimeout(); ok && d.Before(now) {
				t.Fatalf("deadline %v before the latest time %v", d, now)
			}
		}
	})
}

// An application-limited sender (a tenth of the target) is detected as ALR
// and probed at twice the target every 5 s, not more often.
func TestALRProbes(t *testing.T) {
	e := New(Config{StartBitrate: 1_000_000})
	e.OnPacketSent(interceptor.SentPacket{TransportSeq: 0, SendTime: t0, Size: 1000})
	for {
		if _, ok := e.PollProbe(); !ok {
			break // the initial probes
		}
	}
	e.OnFeedback(t0.Add(time.Millisecond), nil) // the initial clusters gave nothing
	e.probe.expo = false
	var probes []Probe
	var at []time.Duration
	for i := 1; i <= 1200; i++ { // 12 s of 1000-byte packets every 100 ms: 80 kbit/s
		now := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		if i%10 == 0 {
			e.OnPacketSent(interceptor.SentPacket{TransportSeq: int64(i), SendTime: now, Size: 1000})
		}
		for {
			p, ok := e.PollProbe()
			if !ok {
				break
			}
			probes, at = append(probes, p), append(at, now.Sub(t0))
		}
	}
	// ALR from about 0.5 s on; the first probe a second later, then every
	// 5 s: at 1.5, 6.5 and 11.5 s.
	if !e.InALR() || len(probes) != 3 || probes[0].Bitrate != 2*e.TargetBitrate() || at[0] != 1500*time.Millisecond || at[1]-at[0] != 5*time.Second || at[2]-at[1] != 5*time.Second {
		t.Fatalf("ALR %v, probes %+v at %v", e.InALR(), probes, at)
	}
}

// Loss from transport-wide feedback drives §6: 20% loss lowers the
// loss-based rate, and the target with it.
func TestLossFromFeedback(t *testing.T) {
	e := New(Config{DisableProbing: true, StartBitrate: 1_000_000})
	var res []interceptor.PacketResult
	for i := range 200 {
		send := t0.Add(time.Duration(i) * 5 * time.Millisecond)
		e.OnPacketSent(interceptor.SentPacket{TransportSeq: int64(i), SendTime: send, Size: 1000})
		r := interceptor.PacketResult{TransportSeq: int64(i), SendTime: send, Size: 1000}
		if i%5 != 0 {
			r.Arrival = arrivalEpoch.Add(time.Duration(i)*5*time.Millisecond + 20*time.Millisecond)
		}
		res = append(res, r)
		if len(res) == 20 {
			e.OnFeedback(send.Add(30*time.Millisecond), res)
			res = res[:0]
		}
	}
	st := e.Stats()
	if st.LossFraction < 0.19 || st.LossFraction > 0.21 || st.LossBased >= 1_000_000 || st.Target > st.LossBased {
		t.Fatalf("stats %+v", st)
	}
}
