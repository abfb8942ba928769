package rtcp

// Config bounds what a Decoder accepts. The zero value is usable.
type Config struct {
	// MaxPackets bounds the packets in one compound packet. If zero,
	// DefaultMaxPackets (64) is used.
	MaxPackets int
	// ReducedSize accepts compound packets that do not start with SR or RR
	// (RFC 5506). If false, such packets are rejected with
	// ErrBadFirstPacket.
	ReducedSize bool
}

func (c *Config) maxPackets() int {
	if c.MaxPackets <= 0 {
		return DefaultMaxPackets
	}
	return c.MaxPackets
}
