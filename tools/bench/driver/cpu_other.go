//go:build !linux

package main

import (
	"errors"
	"time"
)

// cpuTime is Linux-only here (getrusage).
func cpuTime() time.Duration {
	fail(errors.New("CPU time is measured on Linux only"))
	return 0
}
