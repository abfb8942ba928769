package rtcp

import shared "github.com/sansrtc/rtc/rtc-shared"

// Config bounds what a Decoder accepts. The zero value is usable. A
// non-zero MaxPackets must be positive (the rtc-shared config rule);
// NewDecoder cannot fail, so a caller that takes a Config from its user
// calls Validate first; a value Validate refuses is treated as zero.
type Config struct {
	// MaxPackets bounds the packets in one compound packet. If zero,
	// DefaultMaxPackets (64) is used.
	MaxPackets int
	// ReducedSize accepts compound packets that do not start with SR or RR
	// (RFC 5506). If false, such packets are rejected with
	// ErrBadFirstPacket.
	ReducedSize bool
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range. The
// error wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error { return shared.CheckMin("rtcp", "MaxPackets", c.MaxPackets, 1) }

func (c *Config) maxPackets() int {
	if c.MaxPackets <= 0 {
		return DefaultMaxPackets
	}
	return c.MaxPackets
}
