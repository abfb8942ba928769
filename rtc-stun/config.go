package stun

import (
	"errors"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Config configures a Client. The zero value applies the RFC 8489 defaults.
// Every duration and limit must be positive (or zero for the default): the
// rtc-shared config rule. NewClient cannot fail, so a caller that takes a
// Config from its user calls Validate first; a value Validate refuses is
// treated as zero.
type Config struct {
	// RTO is the initial retransmission timeout for unreliable transports
	// (RFC 8489 §6.2.1). If zero, 500 ms is used.
	RTO time.Duration
	// MaxRTO caps the doubling RTO. If zero, there is no cap (the RFC
	// schedule: 500 ms, 1 s, 2 s, ... 16 s).
	MaxRTO time.Duration
	// Rc is the number of transmissions of a request over UDP before the
	// client gives up waiting (RFC 8489 §6.2.1). If zero, 7 is used.
	Rc int
	// Rm is the multiple of the initial RTO the client waits after the
	// last transmission before the transaction times out (RFC 8489
	// §6.2.1). If zero, 16 is used.
	Rm int
	// Ti is the transaction timeout over reliable transports (TCP), where
	// a request is sent once (RFC 8489 §6.2.2). If zero, 39.5 s is used.
	Ti time.Duration
	// MaxTransactions bounds the transactions outstanding at once;
	// HandleWrite fails with ErrTooManyTransactions beyond it. If zero,
	// 64 is used.
	MaxTransactions int
	// MaxEvents bounds the event queue; when it is full, the event of a
	// transaction that ends is dropped, counted and reported by that call
	// with an error wrapping shared.ErrQueueFull (shared.EventQueue). If
	// zero, 2*MaxTransactions is used.
	MaxEvents int
	// Limits bounds the responses HandleRead parses.
	Limits Limits
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range. The
// error names every field out of range and wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "stun"
	return errors.Join(
		shared.CheckMin(l, "RTO", c.RTO, 1),
		shared.CheckMin(l, "MaxRTO", c.MaxRTO, 1),
		shared.CheckMin(l, "Rc", c.Rc, 1),
		shared.CheckMin(l, "Rm", c.Rm, 1),
		shared.CheckMin(l, "Ti", c.Ti, 1),
		shared.CheckMin(l, "MaxTransactions", c.MaxTransactions, 1),
		shared.CheckMin(l, "MaxEvents", c.MaxEvents, 1),
	)
}

func (c *Config) rto() time.Duration {
	if c.RTO <= 0 {
		return 500 * time.Millisecond
	}
	return c.RTO
}

func (c *Config) rc() int {
	if c.Rc <= 0 {
		return 7
	}
	return c.Rc
}

func (c *Config) rm() int {
	if c.Rm <= 0 {
		return 16
	}
	return c.Rm
}

func (c *Config) ti() time.Duration {
	if c.Ti <= 0 {
		return 39500 * time.Millisecond
	}
	return c.Ti
}

func (c *Config) maxTransactions() int {
	if c.MaxTransactions <= 0 {
		return 64
	}
	return c.MaxTransactions
}

func (c *Config) maxEvents() int {
	if c.MaxEvents <= 0 {
		return 2 * c.maxTransactions()
	}
	return c.MaxEvents
}
