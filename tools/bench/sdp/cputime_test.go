package sdp

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cpuTimer reports CPU time per operation of the benchmark goroutine's
// thread (RUSAGE_THREAD, Linux) next to ns/op: on a machine shared with
// other jobs, wall-clock ns/op includes time spent descheduled, CPU time
// does not, so cpu-ns/op ratios are the stable ones.
type cpuTimer struct {
	b     *testing.B
	start time.Duration
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU(b *testing.B) *cpuTimer {
	runtime.LockOSThread()
	return &cpuTimer{b: b, start: threadCPU()}
}

func (c *cpuTimer) stop() {
	d := threadCPU() - c.start
	runtime.UnlockOSThread()
	if c.b.N > 0 {
		c.b.ReportMetric(float64(d.Nanoseconds())/float64(c.b.N), "cpu-ns/op")
	}
}
