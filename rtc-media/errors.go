package media

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinels callers branch on. ErrClosed and ErrQueueFull wrap the shared
// ones, so errors.Is(err, shared.ErrClosed) holds as in every other module.
var (
	// ErrClosed reports use of a JitterBuffer after Close.
	ErrClosed = fmt.Errorf("media: jitter buffer closed: %w", shared.ErrClosed)
	// ErrQueueFull reports that an event (a NACK or keyframe request) was
	// lost because the event queue was full. The packet or time that caused
	// it was still processed.
	ErrQueueFull = fmt.Errorf("media: event queue full: %w", shared.ErrQueueFull)
	// ErrConfig reports an unusable Config (no clock rate, no depayloader);
	// it wraps shared.ErrInvalidConfig, like the *shared.ConfigError
	// NewJitterBuffer returns for a field out of range.
	ErrConfig = fmt.Errorf("media: invalid config: %w", shared.ErrInvalidConfig)
	// ErrPacketTooLarge reports an RTP payload over Config.MaxPacketSize;
	// the packet was dropped and counted.
	ErrPacketTooLarge = errors.New("media: rtp payload exceeds size limit")
	// ErrMalformedPacket reports a packet that is not RTP or whose payload
	// does not follow the codec's payload format; it was dropped and
	// counted.
	ErrMalformedPacket = errors.New("media: malformed rtp packet")

	// ErrTooLarge reports a file header or frame header that claims more
	// bytes than the reader's limit allows: nothing was allocated.
	ErrTooLarge = errors.New("media: size exceeds limit")
	// ErrBadSignature reports a file that does not start with the format's
	// signature (DKIF, OggS, OpusHead, RIFF).
	ErrBadSignature = errors.New("media: bad file signature")
	// ErrCorrupt reports a structural error inside a file: a bad Ogg page
	// CRC, a truncated frame, an invalid OBU header or LEB128 value.
	ErrCorrupt = errors.New("media: corrupt file")
	// ErrUnsupported reports a valid file this package does not handle (an
	// Ogg stream that is not Opus, a WAV format other than PCM/G.711).
	ErrUnsupported = errors.New("media: unsupported format")
)
