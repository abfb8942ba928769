package stun

import (
	"os"
	"slices"
	"testing"
	"time"

	pion "github.com/pion/stun/v4"
	ours "github.com/sansrtc/rtc/rtc-stun"
)

// TestDecodeRatio alternates short batches of our decode and Pion's
// in-place decode and reports, for each, the fastest and the median batch
// time per operation. On a shared machine a short batch is rarely
// descheduled, so the minimum is the undisturbed cost and both sides see
// the same interference. Set SANSRTC_BENCH_RATIO=1 to run it.
func TestDecodeRatio(t *testing.T) {
	if os.Getenv("SANSRTC_BENCH_RATIO") == "" {
		t.Skip("set SANSRTC_BENCH_RATIO=1 to measure")
	}
	raw := request(t)
	var om ours.Message
	pm := new(pion.Message)
	const batch, rounds = 500, 4000
	var to, tp []float64
	for range rounds {
		start := time.Now()
		for range batch {
			if err := oursDecode(&om, raw); err != nil {
				t.Fatal(err)
			}
		}
		to = append(to, float64(time.Since(start).Nanoseconds())/batch)
		start = time.Now()
		for range batch {
			if err := pionDecode(pm, raw); err != nil {
				t.Fatal(err)
			}
		}
		tp = append(tp, float64(time.Since(start).Nanoseconds())/batch)
	}
	slices.Sort(to)
	slices.Sort(tp)
	p := func(s []float64, q float64) float64 { return s[int(q*float64(len(s)-1))] }
	for _, q := range []float64{0, 0.1, 0.25, 0.5} {
		t.Logf("q%.2f: sansrtc %.1f ns, pion %.1f ns, ratio %.2fx", q, p(to, q), p(tp, q), p(tp, q)/p(to, q))
	}
}
