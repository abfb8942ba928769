//go:build linux

package sidebyside

import (
	"syscall"
	"time"
	"unsafe"
)

// cpuTime is the process's user+system CPU time (getrusage), every
// goroutine and thread included.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// threadCPU is the calling thread's CPU time (clock_gettime
// CLOCK_THREAD_CPUTIME_ID); the caller locks its goroutine to the thread.
// On a loaded machine it excludes the time other processes took, which
// wall time does not.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
