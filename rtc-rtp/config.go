package rtp

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Config holds the limits of the frame reassembly code (FrameAssembler and the
// depayloaders it drives). The zero value is ready to use. A non-zero limit
// must be positive (the rtc-shared config rule); NewFrameAssembler cannot
// fail, so a caller that takes a Config from its user calls Validate first;
// a value Validate refuses is treated as zero.
type Config struct {
	// MaxFrameSize limits the bytes of one reassembled frame. A frame that
	// grows past it is dropped and ErrFrameTooLarge is returned. If zero,
	// 4 MiB is used.
	MaxFrameSize int

	// MaxPacketsPerFrame limits how many RTP packets one frame may span. If
	// zero, 4096 is used.
	MaxPacketsPerFrame int
}

const (
	defaultMaxFrameSize       = 4 << 20
	defaultMaxPacketsPerFrame = 4096
)

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range. The
// error names every field out of range and wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	return errors.Join(
		shared.CheckMin("rtp", "MaxFrameSize", c.MaxFrameSize, 1),
		shared.CheckMin("rtp", "MaxPacketsPerFrame", c.MaxPacketsPerFrame, 1),
	)
}

func (c *Config) maxFrameSize() int {
	if c == nil || c.MaxFrameSize <= 0 {
		return defaultMaxFrameSize
	}
	return c.MaxFrameSize
}

func (c *Config) maxPacketsPerFrame() int {
	if c == nil || c.MaxPacketsPerFrame <= 0 {
		return defaultMaxPacketsPerFrame
	}
	return c.MaxPacketsPerFrame
}
