package rtpbench

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// pairBench runs one side ("sansrtc" or "pion") of a side-by-side benchmark
// by filtering its sub-benchmarks.
func pairBench(fn func(*testing.B), side string) testing.BenchmarkResult {
	var res testing.BenchmarkResult
	sideFilter = side
	defer func() { sideFilter = "" }()
	res = testing.Benchmark(fn)
	return res
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
	pairs := []struct {
		name string
		fn   func(*testing.B)
	}{
		{"Unmarshal", BenchmarkUnmarshal},
		{"HeaderOnly", BenchmarkHeaderOnly},
		{"Marshal", BenchmarkMarshal},
		{"VP8Payload", BenchmarkVP8Payload},
		{"VP8Depayload", BenchmarkVP8Depayload},
		{"H264Payload", BenchmarkH264Payload},
		{"H264Depayload", BenchmarkH264Depayload},
	}
	const rounds = 9
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-14s %11s %11s %9s %9s %9s %7s %7s\n",
		"benchmark", "ours ns/op", "pion ns/op", "pion/ours", "ours B/op", "pion B/op", "ours a", "pion a")
	for _, p := range pairs {
		var ours, pion testing.BenchmarkResult
		for range rounds {
			if r := pairBench(p.fn, "sansrtc"); ours.N == 0 || nsPerOp(r) < nsPerOp(ours) {
				ours = r
			}
			if r := pairBench(p.fn, "pion"); pion.N == 0 || nsPerOp(r) < nsPerOp(pion) {
				pion = r
			}
		}
		on, pn := nsPerOp(ours), nsPerOp(pion)
		fmt.Fprintf(&sb, "%-14s %11.1f %11.1f %9.2f %9d %9d %7d %7d\n", p.name, on, pn, pn/on,
			ours.AllocedBytesPerOp(), pion.AllocedBytesPerOp(), ours.AllocsPerOp(), pion.AllocsPerOp())
	}
	t.Log("\n" + sb.String())
}
