package gcc

import (
	"errors"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Config configures an Estimator. Each zero field takes the documented
// default; a non-zero value must be positive (the rtc-shared config rule):
// NewChain returns Validate's error, and New, which cannot fail, treats a
// value Validate refuses as zero.
type Config struct {
	// StartBitrate is the target before any feedback, in bits per second.
	// If zero, 300 kbit/s.
	StartBitrate int
	// MinBitrate is the lowest target. If zero, 30 kbit/s.
	MinBitrate int
	// MaxBitrate is the highest target (and the highest probe). If zero,
	// 20 Mbit/s.
	MaxBitrate int
	// DisableProbing turns off the initial exponential probes and the
	// probes in ALR (the pacer then never sees a probe cluster).
	DisableProbing bool
	// ALRProbeInterval is the interval between probes while the sender is
	// application limited. If zero, 5 s.
	ALRProbeInterval time.Duration
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range. The
// error names every field out of range and wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "gcc"
	return errors.Join(
		shared.CheckMin(l, "StartBitrate", c.StartBitrate, 1),
		shared.CheckMin(l, "MinBitrate", c.MinBitrate, 1),
		shared.CheckMin(l, "MaxBitrate", c.MaxBitrate, 1),
		shared.CheckMin(l, "ALRProbeInterval", c.ALRProbeInterval, 1),
	)
}

func (c *Config) start() float64 { return float64(orDefault(c.StartBitrate, 300_000)) }
func (c *Config) min() float64   { return float64(orDefault(c.MinBitrate, 30_000)) }
func (c *Config) max() float64   { return float64(orDefault(c.MaxBitrate, 20_000_000)) }

func (c *Config) alrProbeInterval() time.Duration {
	return orDefault(c.ALRProbeInterval, 5*time.Second)
}

// orDefault is the config rule's accessor; unlike shared.OrDefault it also
// takes a negative value (which Validate refuses) as zero, because New
// cannot return Validate's error.
func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}
