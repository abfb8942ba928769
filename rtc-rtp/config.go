package rtp

// Config holds the limits of the frame reassembly code (FrameAssembler and the
// depayloaders it drives). The zero value is ready to use.
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
