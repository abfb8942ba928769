package datachannel

import (
	"errors"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Config configures a Manager. The zero value is usable; each field
// documents its zero-value default. A non-zero value outside a field's
// documented range makes New fail with an error wrapping
// shared.ErrInvalidConfig (the rtc-shared config rule; see Validate).
type Config struct {
	// SCTP configures the association the Manager owns. Set
	// SCTP.PeerMaxMessageSize from the remote SDP's a=max-message-size and
	// SCTP.RemotePort from its a=sctp-port.
	SCTP sctp.Config
	// DTLSClient is true when this side is the DTLS client. Channels this
	// side creates in-band get even stream ids if true and odd ids if false
	// (RFC 8832 §6).
	DTLSClient bool
	// MaxChannels bounds the number of channels of each side: the channels
	// this side creates with Open (beyond it Open fails with
	// ErrTooManyChannels) and, separately, the channels the peer opens
	// in-band (beyond it a DATA_CHANNEL_OPEN is refused by resetting its
	// stream), so the peer cannot use up ours. If zero, 65534 is used; it
	// must be 1 to 65534.
	MaxChannels int
	// MaxOpenLabelBytes bounds the label plus protocol of one channel: Open
	// fails with ErrLabelTooLong and the peer's DATA_CHANNEL_OPEN is
	// refused (its stream reset) beyond it. If zero,
	// DefaultMaxOpenLabelBytes (16 KiB) is used.
	MaxOpenLabelBytes int
	// MaxLabelBytes bounds the label and protocol bytes kept for the
	// channels of each side (ours and the peer's separately, like
	// MaxChannels): Open fails with ErrLabelBudget and the peer's
	// DATA_CHANNEL_OPEN is refused beyond it. A closed channel gives its
	// bytes back. If zero, DefaultMaxLabelBytes (1 MiB) is used.
	MaxLabelBytes int
	// MaxEvents bounds the event queue. If zero, 4096 is used.
	MaxEvents int
	// MaxReadBuffer bounds the bytes of received messages waiting for
	// PollRead; beyond it messages stay in the association, whose receive
	// window closes, so the peer slows down. If zero, 1 MiB is used.
	MaxReadBuffer int
}

// Defaults of the label and protocol limits (Config.MaxOpenLabelBytes,
// Config.MaxLabelBytes). RFC 8832 §5.1 allows 65535 bytes each; without a
// cap a peer's channels would keep 128 KiB each.
const (
	DefaultMaxOpenLabelBytes = 16 << 10
	DefaultMaxLabelBytes     = 1 << 20
)

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range. New
// calls it (and sctp.New validates the SCTP field); the error names every
// field out of range and wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "datachannel"
	return errors.Join(
		shared.CheckRange(l, "MaxChannels", c.MaxChannels, 1, 65534),
		shared.CheckMin(l, "MaxOpenLabelBytes", c.MaxOpenLabelBytes, 1),
		shared.CheckMin(l, "MaxLabelBytes", c.MaxLabelBytes, 1),
		shared.CheckMin(l, "MaxEvents", c.MaxEvents, 1),
		shared.CheckMin(l, "MaxReadBuffer", c.MaxReadBuffer, 1),
	)
}

func (c *Config) maxOpenLabelBytes() int {
	return shared.OrDefault(c.MaxOpenLabelBytes, DefaultMaxOpenLabelBytes)
}
func (c *Config) maxLabelBytes() int { return shared.OrDefault(c.MaxLabelBytes, DefaultMaxLabelBytes) }
func (c *Config) maxChannels() int   { return shared.OrDefault(c.MaxChannels, 65534) }
func (c *Config) maxReadBuffer() int { return shared.OrDefault(c.MaxReadBuffer, 1<<20) }
func (c *Config) maxEvents() int     { return shared.OrDefault(c.MaxEvents, 4096) }
