package media

import (
	"errors"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Config configures a JitterBuffer. Only Codec is required; every other
// field documents its zero-value default. A non-zero value outside a field's
// documented range (durations and limits must be positive, MinDelay and
// NACKDelay not negative) makes NewJitterBuffer fail with an error wrapping
// shared.ErrInvalidConfig (the rtc-shared config rule; see Validate).
type Config struct {
	// Codec is the payload format of the stream: its clock rate, its
	// depayloader and whether it is video (rtp.Codec.MarkFrameEnd). Take it
	// from rtp.LookupCodec.
	Codec rtp.Codec

	// DependencyDescriptorID is the RTP header extension ID negotiated for
	// the AV1 dependency descriptor (a=extmap, RFC 8285; AV1 RTP payload
	// spec Appendix A), or zero. When set, a packet whose descriptor has
	// start_of_frame set (§A.8.2) starts a frame even if its payload does
	// not say so. A frame still ends at the marker bit: it is the whole
	// temporal unit, where end_of_frame only ends one layer's frame.
	DependencyDescriptorID uint8

	// MaxPackets is the reorder window: how many sequence numbers, from the
	// oldest packet not yet played out, the buffer holds. A packet further
	// ahead forces the oldest frame out (dropped). It is rounded up to a
	// power of two. It must be at most 32768. If zero, 512 is used.
	MaxPackets int
	// MaxPacketSize limits the payload of one RTP packet; a larger one is
	// dropped (ErrPacketTooLarge). If zero, 1500 is used.
	MaxPacketSize int
	// MaxFrameSize limits one reassembled frame; a larger one is dropped.
	// If zero, 4 MiB is used.
	MaxFrameSize int

	// MinDelay and MaxDelay bound the target playout delay, which follows
	// three times the measured interarrival jitter (RFC 3550 §6.4.1). If
	// MaxDelay is zero, 500 ms is used.
	MinDelay, MaxDelay time.Duration
	// LossTimeout is how long a frame blocked by a missing packet waits for
	// its retransmission, counted from when the gap was seen (it also waits
	// at least until its playout time). After it the frame is given up. If
	// zero, 200 ms is used.
	LossTimeout time.Duration
	// MaxLatency is the time-based window: a frame later than this after
	// its expected arrival time (the fastest transit seen plus its media
	// time) is dropped instead of played. If zero, 1 s is used.
	MaxLatency time.Duration

	// DisableNACK stops the buffer from asking for retransmissions
	// (EventNACK); losses then only wait for LossTimeout.
	DisableNACK bool
	// NACKDelay is how long a gap waits before its first request, so that
	// a packet that is only reordered is not asked for. If zero, the
	// request goes out as soon as the gap is seen.
	NACKDelay time.Duration
	// NACKInterval is the time between two requests for the same missing
	// packet; set it near the round-trip time. If zero, 50 ms is used.
	NACKInterval time.Duration
	// MaxNACKs is how many times one missing packet is requested. If zero,
	// 10 is used.
	MaxNACKs int
	// PLIInterval is the minimum time between two keyframe requests while
	// the buffer waits for a keyframe. If zero, 500 ms is used.
	PLIInterval time.Duration

	// MaxEvents bounds the event queue (NACK and keyframe requests). If
	// zero, 256 is used.
	MaxEvents int
}

const (
	defaultMaxPackets    = 512
	maxMaxPackets        = 1 << 15
	defaultMaxPacketSize = 1500
	defaultMaxFrameSize  = 4 << 20
	defaultMaxDelay      = 500 * time.Millisecond
	defaultLossTimeout   = 200 * time.Millisecond
	defaultMaxLatency    = time.Second
	defaultNACKInterval  = 50 * time.Millisecond
	defaultMaxNACKs      = 10
	defaultPLIInterval   = 500 * time.Millisecond
	defaultMaxEvents     = 256
)

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range.
// NewJitterBuffer calls it; the error names every field out of range and
// wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "media"
	return errors.Join(
		shared.CheckRange(l, "MaxPackets", c.MaxPackets, 1, maxMaxPackets),
		shared.CheckMin(l, "MaxPacketSize", c.MaxPacketSize, 1),
		shared.CheckMin(l, "MaxFrameSize", c.MaxFrameSize, 1),
		shared.CheckMin(l, "MinDelay", c.MinDelay, 0),
		shared.CheckMin(l, "MaxDelay", c.MaxDelay, 1),
		shared.CheckMin(l, "LossTimeout", c.LossTimeout, 1),
		shared.CheckMin(l, "MaxLatency", c.MaxLatency, 1),
		shared.CheckMin(l, "NACKDelay", c.NACKDelay, 0),
		shared.CheckMin(l, "NACKInterval", c.NACKInterval, 1),
		shared.CheckMin(l, "MaxNACKs", c.MaxNACKs, 1),
		shared.CheckMin(l, "PLIInterval", c.PLIInterval, 1),
		shared.CheckMin(l, "MaxEvents", c.MaxEvents, 1),
	)
}

func orDefault[T int | time.Duration](v, def T) T { return shared.OrDefault(v, def) }

func (c *Config) maxPackets() int {
	n := orDefault(c.MaxPackets, defaultMaxPackets)
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

func (c *Config) maxPacketSize() int { return orDefault(c.MaxPacketSize, defaultMaxPacketSize) }
func (c *Config) maxFrameSize() int  { return orDefault(c.MaxFrameSize, defaultMaxFrameSize) }
func (c *Config) maxDelay() time.Duration {
	return max(orDefault(c.MaxDelay, defaultMaxDelay), c.MinDelay)
}
func (c *Config) lossTimeout() time.Duration  { return orDefault(c.LossTimeout, defaultLossTimeout) }
func (c *Config) maxLatency() time.Duration   { return orDefault(c.MaxLatency, defaultMaxLatency) }
func (c *Config) nackInterval() time.Duration { return orDefault(c.NACKInterval, defaultNACKInterval) }
func (c *Config) maxNACKs() int               { return orDefault(c.MaxNACKs, defaultMaxNACKs) }
func (c *Config) pliInterval() time.Duration  { return orDefault(c.PLIInterval, defaultPLIInterval) }
func (c *Config) maxEvents() int              { return orDefault(c.MaxEvents, defaultMaxEvents) }
