package sdp

// Config bounds what Parse accepts. The zero value applies the defaults.
type Config struct {
	// MaxSize is the largest description accepted, in bytes. If zero,
	// 256 KiB is used (a Chrome offer with many simulcast sections is a
	// few tens of KiB).
	MaxSize int
	// MaxMediaSections bounds the m= sections. If zero, 1024 is used.
	MaxMediaSections int
	// MaxLines bounds the lines in the description. If zero, 16384 is used.
	MaxLines int
}

func (c *Config) maxSize() int {
	if c.MaxSize <= 0 {
		return 256 << 10
	}
	return c.MaxSize
}

func (c *Config) maxMedia() int {
	if c.MaxMediaSections <= 0 {
		return 1024
	}
	return c.MaxMediaSections
}

func (c *Config) maxLines() int {
	if c.MaxLines <= 0 {
		return 16384
	}
	return c.MaxLines
}
