package gcc

import "time"

// Config configures an Estimator. Each zero field takes the documented
// default.
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

func (c *Config) start() float64 { return float64(orDefault(c.StartBitrate, 300_000)) }
func (c *Config) min() float64   { return float64(orDefault(c.MinBitrate, 30_000)) }
func (c *Config) max() float64   { return float64(orDefault(c.MaxBitrate, 20_000_000)) }

func (c *Config) alrProbeInterval() time.Duration {
	if c.ALRProbeInterval <= 0 {
		return 5 * time.Second
	}
	return c.ALRProbeInterval
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}
