package dtlsbench

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time this process has used (user + system). On a
// machine shared with other jobs wall-clock ns/op includes time spent
// descheduled; CPU time does not. Process time (not thread time) is used
// because Pion's handshake runs its server in another goroutine, and
// because both sides' garbage collection belongs to the cost.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs the benchmark loop and reports cpu-ns/op next to ns/op.
func loopCPU(b *testing.B, op func()) {
	start := processCPU()
	n := 0
	for b.Loop() {
		op()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(n), "cpu-ns/op")
	}
}
