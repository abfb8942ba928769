package sdp

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Config bounds what Parse accepts. The zero value applies the defaults. A
// non-zero limit must be positive (the rtc-shared config rule): Validate
// says so with an error wrapping shared.ErrInvalidConfig; Parse treats a
// value Validate refuses as zero.
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

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range. The
// error names every field out of range and wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "sdp"
	return errors.Join(
		shared.CheckMin(l, "MaxSize", c.MaxSize, 1),
		shared.CheckMin(l, "MaxMediaSections", c.MaxMediaSections, 1),
		shared.CheckMin(l, "MaxLines", c.MaxLines, 1),
	)
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
