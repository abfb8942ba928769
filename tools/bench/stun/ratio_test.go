package stun

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	pion "github.com/pion/stun/v4"
	ours "github.com/sansrtc/rtc/rtc-stun"
)

// part is one measured piece of work: f runs once per operation.
type part struct {
	name string
	f    func()
	ts   []float64 // ns per operation of each batch, sorted
}

// runParts alternates short batches of every part, so that all parts see
// the same interference from other jobs on a shared machine; a short batch
// is rarely descheduled, so the low quantiles are the undisturbed cost.
func runParts(ps []*part) {
	const batch, rounds = 300, 4000
	for range rounds {
		for _, p := range ps {
			start := time.Now()
			for range batch {
				p.f()
			}
			p.ts = append(p.ts, float64(time.Since(start).Nanoseconds())/batch)
		}
	}
	for _, p := range ps {
		slices.Sort(p.ts)
	}
}

func quantile(s []float64, q float64) float64 { return s[int(q*float64(len(s)-1))] }

// TestDecodeRatio measures our decode against Pion's in-place decode
// (BenchmarkDecode's work) and each side's parse and getters alone, in
// alternating batches, and logs the 0, 10% and 50% quantiles of the time
// per operation and the ratio. The "empty" row is the harness overhead,
// included in every other row. Set SANSRTC_BENCH_RATIO=1 to run it.
func TestDecodeRatio(t *testing.T) {
	if os.Getenv("SANSRTC_BENCH_RATIO") == "" {
		t.Skip("set SANSRTC_BENCH_RATIO=1 to measure")
	}
	raw := request(t)
	var om ours.Message
	pm := new(pion.Message)
	if err := oursDecode(&om, raw); err != nil {
		t.Fatal(err)
	}
	if err := pionDecode(pm, raw); err != nil {
		t.Fatal(err)
	}
	ps := []*part{
		{name: "empty", f: func() {}},
		{name: "sansrtc", f: func() { _ = oursDecode(&om, raw) }},
		{name: "pion", f: func() { _ = pionDecode(pm, raw) }},
		{name: "sansrtc parse", f: func() { _ = ours.Parse(raw, &om) }},
		{name: "pion decode", f: func() { pm.Raw = raw; _ = pm.Decode() }},
		{name: "sansrtc getters", f: func() {
			u, _ := om.Username()
			p, _ := om.Priority()
			c, _ := om.ICEControlling()
			sinkU32, sinkU64, sinkBool = p+uint32(len(u)), c, om.UseCandidate()
		}},
		{name: "pion getters", f: func() {
			var u pion.Username
			_ = u.GetFrom(pm)
			var p ice.PriorityAttr
			_ = p.GetFrom(pm)
			var c ice.AttrControlling
			_ = c.GetFrom(pm)
			sinkU32, sinkU64, sinkBool = uint32(p)+uint32(len(u)), uint64(c), ice.UseCandidateAttr{}.IsSet(pm)
		}},
	}
	runParts(ps)
	for _, p := range ps {
		t.Logf("%-16s min %5.1f  q10 %5.1f  q50 %5.1f ns/op", p.name, p.ts[0], quantile(p.ts, 0.1), quantile(p.ts, 0.5))
	}
	for _, q := range []float64{0, 0.1, 0.5} {
		o, pi := quantile(ps[1].ts, q), quantile(ps[2].ts, q)
		t.Logf("q%.2f decode+getters: pion/sansrtc = %.2fx", q, pi/o)
	}
}
