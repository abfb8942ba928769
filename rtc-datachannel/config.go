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
	// MaxChannels bounds the number of channels, ours and the peer's. If
	// zero, 65534 is used.
	MaxChannels int
	// MaxEvents bounds the event queue. If zero, 4096 is used.
	MaxEvents int
	// MaxReadBuffer bounds the bytes of received messages waiting for
	// PollRead; beyond it messages stay in the association, whose receive
	// window closes, so the peer slows down. If zero, 1 MiB is used.
	MaxReadBuffer int
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
