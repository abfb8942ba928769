package srtp

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors. Every rejection of a received packet returns one of the
// first five, wrapped or not, and leaves the context's state unchanged.
var (
	// ErrAuthFailed reports a packet whose authentication tag did not verify
	// (RFC 3711 §3.3 step 5: "the packet MUST be discarded").
	ErrAuthFailed = errors.New("srtp: authentication failed")
	// ErrReplay reports a packet index already received or left of the
	// replay window (RFC 3711 §3.3.2).
	ErrReplay = errors.New("srtp: replayed packet")
	// ErrTooShort reports a packet shorter than its header plus the
	// SRTP/SRTCP trailer, or with a header that overruns the packet.
	ErrTooShort = errors.New("srtp: packet too short")
	// ErrTooManySSRCs reports a packet from a new SSRC while the context
	// already tracks Config.MaxSSRCs of them.
	ErrTooManySSRCs = errors.New("srtp: too many SSRCs")
	// ErrUnknownMKI reports a packet whose MKI names no installed master key.
	ErrUnknownMKI = errors.New("srtp: unknown MKI")
	// ErrShortBuffer reports that the in-place buffer lacks the capacity for
	// the tag (and MKI, and SRTCP index); nothing was changed.
	ErrShortBuffer = errors.New("srtp: buffer capacity too small")
	// ErrNotRTP reports a packet whose version field is not 2.
	ErrNotRTP = errors.New("srtp: not an RTP/RTCP version 2 packet")
	// ErrIndexExhausted reports that the packet index would wrap (2^48
	// SRTP packets or 2^31 SRTCP packets, RFC 3711 §9.2): the sender
	// refuses to protect, the receiver to accept; re-key.
	ErrIndexExhausted = errors.New("srtp: packet index exhausted, re-key")
	// ErrBadConfig reports an unknown profile or a key of the wrong length;
	// it wraps shared.ErrInvalidConfig, like the *shared.ConfigError
	// NewContext returns for a field out of range.
	ErrBadConfig = fmt.Errorf("srtp: bad configuration: %w", shared.ErrInvalidConfig)
)
