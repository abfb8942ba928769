package datachannel

import sctp "github.com/sansrtc/rtc/rtc-sctp"

// Config configures a Manager. The zero value is usable; each field
// documents its zero-value default.
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
	// stream), so the peer cannot use up ours. If zero, 65534 is used.
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

func (c *Config) maxOpenLabelBytes() int {
	if c.MaxOpenLabelBytes == 0 {
		return DefaultMaxOpenLabelBytes
	}
	return c.MaxOpenLabelBytes
}

func (c *Config) maxLabelBytes() int {
	if c.MaxLabelBytes == 0 {
		return DefaultMaxLabelBytes
	}
	return c.MaxLabelBytes
}

func (c *Config) maxChannels() int {
	if c.MaxChannels == 0 {
		return 65534
	}
	return c.MaxChannels
}

func (c *Config) maxReadBuffer() int {
	if c.MaxReadBuffer == 0 {
		return 1 << 20
	}
	return c.MaxReadBuffer
}

func (c *Config) maxEvents() int {
	if c.MaxEvents == 0 {
		return 4096
	}
	return c.MaxEvents
}
