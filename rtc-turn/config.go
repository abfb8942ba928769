package turn

import (
	"crypto/rand"
	"errors"
	"io"
	"math"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Family is an address family for REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6).
type Family uint8

// Address families.
const (
	FamilyIPv4 Family = 0x01
	FamilyIPv6 Family = 0x02
)

// Config configures a Client. Server, Local, Username and Password are
// required; every other zero value picks the default named. A non-zero
// value outside a field's documented range makes NewClient fail with an
// error wrapping shared.ErrInvalidConfig (the rtc-shared config rule; see
// Validate).
type Config struct {
	// Server is the TURN server's transport address.
	Server netip.AddrPort
	// Local is the caller's address the client talks to the server from:
	// every datagram from PollWrite leaves from it.
	Local netip.AddrPort
	// Protocol is the transport to the server: UDP, or TCP for a TCP or
	// TLS connection the caller owns (the client frames the stream,
	// RFC 8656 §12.5). The relayed transport is always UDP.
	Protocol shared.TransportProtocol
	// Username and Password are the long-term credentials (RFC 8489 §9.2).
	Username, Password string
	// Rand draws transaction IDs. If nil, crypto/rand.Reader is used.
	Rand io.Reader
	// Lifetime is the allocation lifetime to ask for (RFC 8656 §7.2). If
	// zero, none is sent and the server's default (600 s) applies. Else it
	// must be at least 1 s (LIFETIME counts seconds; 0 means "deallocate").
	Lifetime time.Duration
	// Family asks for an IPv6 relayed address with FamilyIPv6
	// (REQUESTED-ADDRESS-FAMILY). If zero, IPv4 (no attribute).
	Family Family
	// Software is sent in SOFTWARE. If empty, none.
	Software string
	// NoChannels turns off automatic channel binding: data then goes in
	// Send indications. If false, the first write to a peer binds a
	// channel (RFC 8656 §12) and later writes use ChannelData.
	NoChannels bool
	// KeepaliveInterval is how long the client may send nothing to the
	// server while allocated before it sends a Binding indication, so NAT
	// bindings on the way stay open (RFC 8656 §11 leaves keeping them to
	// the client; permission refreshes every 4 minutes are too rare for
	// NATs that forget after 2). If zero, 15 s is used; negative disables.
	KeepaliveInterval time.Duration
	// RTO is the initial retransmission timeout over UDP (RFC 8489 §6.2.1).
	// If zero, 500 ms is used. Negative values are refused.
	RTO time.Duration
	// MaxPermissions limits permissions (peer IPs), and MaxChannels channel
	// bindings. If zero, 64 and 64 are used.
	MaxPermissions, MaxChannels int
	// MaxPending limits datagrams held per peer IP while its permission is
	// being installed. If zero, 16 is used.
	MaxPending int
	// MaxQueue bounds the outbox, the read queue and the event queue, each.
	// If zero, 256 is used.
	MaxQueue int
	// MaxStreamBuffer bounds the bytes buffered while reassembling a TCP
	// stream. If zero, 128 KiB is used.
	MaxStreamBuffer int
}

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range (a
// negative KeepaliveInterval, documented as "disabled", is accepted).
// NewClient calls it; the error names every field out of range and wraps
// shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "turn"
	return errors.Join(
		shared.CheckRange(l, "Lifetime", c.Lifetime, time.Second, math.MaxUint32*time.Second),
		shared.CheckRange(l, "Family", c.Family, FamilyIPv4, FamilyIPv6),
		shared.CheckMin(l, "RTO", c.RTO, 1),
		shared.CheckMin(l, "MaxPermissions", c.MaxPermissions, 1),
		shared.CheckMin(l, "MaxChannels", c.MaxChannels, 1),
		shared.CheckMin(l, "MaxPending", c.MaxPending, 1),
		shared.CheckMin(l, "MaxQueue", c.MaxQueue, 1),
		shared.CheckMin(l, "MaxStreamBuffer", c.MaxStreamBuffer, 1),
	)
}

func orInt(v, d int) int { return shared.OrDefault(v, d) }

func (c *Config) keepalive() time.Duration {
	switch {
	case c.KeepaliveInterval < 0:
		return 0
	case c.KeepaliveInterval == 0:
		return 15 * time.Second
	}
	return c.KeepaliveInterval
}

func (c *Config) maxPermissions() int  { return orInt(c.MaxPermissions, 64) }
func (c *Config) maxChannels() int     { return orInt(c.MaxChannels, 64) }
func (c *Config) maxPending() int      { return orInt(c.MaxPending, 16) }
func (c *Config) maxQueue() int        { return orInt(c.MaxQueue, 256) }
func (c *Config) maxStreamBuffer() int { return orInt(c.MaxStreamBuffer, 128<<10) }
