// Package benchutil reports CPU time next to wall-clock time in the
// comparative benchmarks of tools/bench. On a machine shared with other
// jobs, wall-clock ns/op includes time spent descheduled; CPU time does
// not, so cpu-ns/op ratios are the stable ones.
package benchutil

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// rusageThread is RUSAGE_THREAD (Linux), which package syscall does not name.
const rusageThread = 1

// ThreadCPU is the CPU time (user + system) of the calling OS thread.
func ThreadCPU() time.Duration { return rusage(rusageThread) }

// ProcessCPU is the CPU time (user + system) of the whole process: use it
// when the measured work runs on other goroutines too (a peer's server,
// garbage collection).
func ProcessCPU() time.Duration { return rusage(syscall.RUSAGE_SELF) }

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ThreadTimer measures the CPU time of the benchmark goroutine's thread.
type ThreadTimer struct {
	b     *testing.B
	start time.Duration
}

// StartThread locks the benchmark goroutine to its thread and starts
// measuring. Call Stop after the loop.
func StartThread(b *testing.B) *ThreadTimer {
	runtime.LockOSThread()
	return &ThreadTimer{b: b, start: ThreadCPU()}
}

// Measure is the usual preamble of a side-by-side benchmark: it reports
// allocations, sets the bytes processed per operation (when positive) and
// starts a ThreadTimer. Use it as
//
//	defer benchutil.Measure(b, int64(len(input))).Stop()
func Measure(b *testing.B, bytesPerOp int64) *ThreadTimer {
	b.ReportAllocs()
	if bytesPerOp > 0 {
		b.SetBytes(bytesPerOp)
	}
	return StartThread(b)
}

// Stop unlocks the thread and reports cpu-ns/op.
func (c *ThreadTimer) Stop() {
	d := ThreadCPU() - c.start
	runtime.UnlockOSThread()
	if c.b.N > 0 {
		c.b.ReportMetric(float64(d.Nanoseconds())/float64(c.b.N), "cpu-ns/op")
	}
}

// Loop runs the benchmark loop (b.Loop) over op and reports the process's
// cpu-ns/op next to ns/op.
func Loop(b *testing.B, op func()) {
	start := ProcessCPU()
	n := 0
	for b.Loop() {
		op()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64((ProcessCPU()-start).Nanoseconds())/float64(n), "cpu-ns/op")
	}
}
