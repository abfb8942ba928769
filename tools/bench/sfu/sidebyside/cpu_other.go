//go:build !linux

package sidebyside

import "time"

// cpuTime is measured on Linux only (getrusage); elsewhere the CPU figures
// are not reported.
func cpuTime() (time.Duration, bool) { return 0, false }

// threadCPU falls back to wall time.
func threadCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }
