package rtpbench

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// pairBench runs one side ("sansrtc" or "pion") of a side-by-side benchmark
// by filtering its sub-benchmarks. It fails t when the side does not exist
// (nothing would be timed) or when the benchmark failed (testing.Benchmark
// then returns a zero result).
func pairBench(t *testing.T, name string, fn func(*testing.B), side string) testing.BenchmarkResult {
	t.Helper()
	sideFilter, sideRan = side, false
	defer func() { sideFilter = "" }()
	res := testing.Benchmark(fn)
	if !sideRan {
		t.Fatalf("%s: no %q side", name, side)
	}
	if res.N == 0 || res.T <= 0 {
		t.Fatalf("%s/%s: the benchmark failed or timed nothing: %+v", name, side, res)
	}
	return res
}

// ratioPairs are the side-by-side benchmarks, with the allocations per
// operation our side is allowed (README: the RTP codecs allocate nothing in
// steady state).
var ratioPairs = []struct {
	name   string
	fn     func(*testing.B)
	allocs int64
}{
	{"Unmarshal", BenchmarkUnmarshal, 0},
	{"HeaderOnly", BenchmarkHeaderOnly, 0},
	{"Marshal", BenchmarkMarshal, 0},
	{"VP8Payload", BenchmarkVP8Payload, 0},
	{"VP8Depayload", BenchmarkVP8Depayload, 0},
	{"H264Payload", BenchmarkH264Payload, 0},
	{"H264Depayload", BenchmarkH264Depayload, 0},
}

// setBenchtime sets -test.benchtime for the rest of the test.
func setBenchtime(t *testing.T, v string) {
	f := flag.Lookup("test.benchtime")
	old := f.Value.String()
	if err := f.Value.Set(v); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Value.Set(old); err != nil {
			t.Error(err)
		}
	})
}

// TestRatioPairsRun runs every pair briefly (20 iterations a side) so that
// a pair that lost a side, a failing benchmark or an allocation on our side
// fails the ordinary test run, not only the measuring one.
func TestRatioPairsRun(t *testing.T) {
	setBenchtime(t, "20x")
	for _, p := range ratioPairs {
		ours := pairBench(t, p.name, p.fn, "sansrtc")
		pairBench(t, p.name, p.fn, "pion")
		if got := ours.AllocsPerOp(); got > p.allocs {
			t.Errorf("%s: %d allocs/op on our side, budget %d", p.name, got, p.allocs)
		}
	}
}

func nsPerOp(r testing.BenchmarkResult) float64 {
	if r.N == 0 {
		return 0
	}
	return float64(r.T.Nanoseconds()) / float64(r.N)
}

// TestRatios runs every ours/Pion benchmark pair alternately several times
// and prints the best (minimum) ns/op of each side and their ratio. On a
// shared, noisy machine the minimum of interleaved runs is a steadier
// estimate than one long run. Enable with SANSRTC_BENCH_RATIOS=1 and keep
// it short with -test.benchtime=100ms.
func TestRatios(t *testing.T) {
	if os.Getenv("SANSRTC_BENCH_RATIOS") == "" {
		t.Skip("set SANSRTC_BENCH_RATIOS=1 to print ours/Pion ratios")
	}
	const rounds = 9
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-14s %11s %11s %9s %9s %9s %7s %7s\n",
		"benchmark", "ours ns/op", "pion ns/op", "pion/ours", "ours B/op", "pion B/op", "ours a", "pion a")
	for _, p := range ratioPairs {
		var ours, pion testing.BenchmarkResult
		for range rounds {
			if r := pairBench(t, p.name, p.fn, "sansrtc"); ours.N == 0 || nsPerOp(r) < nsPerOp(ours) {
				ours = r
			}
			if r := pairBench(t, p.name, p.fn, "pion"); pion.N == 0 || nsPerOp(r) < nsPerOp(pion) {
				pion = r
			}
		}
		on, pn := nsPerOp(ours), nsPerOp(pion)
		if got := ours.AllocsPerOp(); got > p.allocs {
			t.Errorf("%s: %d allocs/op on our side, budget %d", p.name, got, p.allocs)
		}
		fmt.Fprintf(&sb, "%-14s %11.1f %11.1f %9.2f %9d %9d %7d %7d\n", p.name, on, pn, pn/on,
			ours.AllocedBytesPerOp(), pion.AllocedBytesPerOp(), ours.AllocsPerOp(), pion.AllocsPerOp())
	}
	t.Log("\n" + sb.String())
}
