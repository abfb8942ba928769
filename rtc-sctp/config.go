package sctp

import (
	"crypto/rand"
	"errors"
	"io"
	"math"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Defaults applied to zero Config fields.
const (
	// DefaultMTU is the largest SCTP packet sent by default: a 1200-byte path
	// MTU minus IPv6/UDP (48) and DTLS 1.2 AES-GCM record (37) overheads,
	// rounded down to a multiple of 4.
	DefaultMTU = 1112
	// DefaultMaxMessageSize is the largest message accepted in either
	// direction by default, the value Chromium advertises in SDP.
	DefaultMaxMessageSize = 256 * 1024
	// DefaultPeerMaxMessageSize is the peer's limit when the SDP carried no
	// a=max-message-size (RFC 8841 §6.1: "the default value is 64K").
	DefaultPeerMaxMessageSize = 64 * 1024
	// DefaultPort is the SCTP port WebRTC uses on both sides (RFC 8841 §5).
	DefaultPort = 5000
)

// Config configures an Association. The zero value is usable: every field
// documents its zero-value default. A non-zero value outside a field's
// documented range makes New fail with an error wrapping
// shared.ErrInvalidConfig (the rtc-shared config rule; see Validate). A
// Config must not be changed after it is handed to New.
type Config struct {
	// Rand supplies verification tags, initial TSNs and the cookie key. If
	// nil, crypto/rand.Reader is used.
	Rand io.Reader

	// LocalPort and RemotePort are the SCTP ports (the SDP a=sctp-port
	// values). If zero, 5000 is used.
	LocalPort, RemotePort uint16

	// MTU is the largest SCTP packet this side sends, common header
	// included. If zero, DefaultMTU (1112) is used. It must be 256 to
	// 65535; it is rounded down to a multiple of 4.
	MTU int

	// MaxMessageSize is the largest message this side accepts from the peer
	// and the upper bound for what it sends (RFC 8841 §6). If zero,
	// DefaultMaxMessageSize (256 KiB) is used.
	MaxMessageSize int
	// PeerMaxMessageSize is the peer's a=max-message-size from SDP. Sends
	// are limited to min(MaxMessageSize, PeerMaxMessageSize). If zero, 64 KiB
	// is used (RFC 8841 §6.1); a negative value means the peer set 0
	// (no limit), leaving MaxMessageSize as the only limit.
	PeerMaxMessageSize int

	// ReceiveBufferSize is the receive window advertised to the peer and the
	// limit on bytes held for reassembly and not yet read with PollRead,
	// each held run of fragments and each unread message counting 128
	// bytes more for its bookkeeping (gap fills may pass it by a quarter,
	// so the cumulative TSN can advance). If zero, 1 MiB is used; it
	// must be at least 1500 and fit the 32-bit a_rwnd.
	// Keep it above MaxMessageSize: a message is held whole until its last
	// fragment arrives, so one larger than this buffer can never complete.
	ReceiveBufferSize int
	// SendBufferSize limits the bytes queued by HandleWrite and not yet
	// acknowledged by the peer, each message counting 64 bytes more for its
	// bookkeeping; a write past it fails with ErrSendBufferFull. If zero,
	// 4 MiB is used.
	SendBufferSize int

	// OutboundStreams and InboundStreams are the stream counts offered in
	// INIT (OS and MIS). If zero, 65535 is used for both.
	OutboundStreams, InboundStreams uint16

	// RTOInitial, RTOMin and RTOMax bound the retransmission timeout
	// (RFC 9260 §6.3.1, §16). If zero, 1 s, 200 ms and 60 s are used.
	RTOInitial, RTOMin, RTOMax time.Duration

	// MaxRetransmits is Association.Max.Retrans: consecutive unanswered
	// retransmissions or heartbeats after which the association fails
	// (RFC 9260 §8.1). If zero, 10 is used.
	MaxRetransmits int
	// MaxInitRetransmits bounds INIT and COOKIE ECHO retransmissions
	// (Max.Init.Retransmits). If zero, 8 is used.
	MaxInitRetransmits int

	// HeartbeatInterval is HB.interval (RFC 9260 §8.3): an idle path is
	// probed after this long plus RTO, rounded up to a multiple of 100 ms
	// of the clock (at most half the RTO) so that many associations'
	// heartbeats come due together. If zero, 30 s is used; a negative
	// value disables heartbeats.
	HeartbeatInterval time.Duration
	// DelayedAckTimeout is the delayed SACK timer (RFC 9260 §6.2). If zero,
	// 200 ms is used; it must not be above 500 ms (RFC 9260 §6.2: "the ACK
	// delay MUST NOT be more than 500 ms").
	DelayedAckTimeout time.Duration
	// CookieLifetime is Valid.Cookie.Life. If zero, 60 s is used.
	CookieLifetime time.Duration

	// DisableInterleaving stops this side from offering I-DATA (RFC 8260).
	// When both sides offer it, messages are interleaved chunk by chunk.
	DisableInterleaving bool
	// DisableZeroChecksum stops this side from offering to accept packets
	// with a zero checksum (RFC 9653, error detection method "SCTP over DTLS").
	DisableZeroChecksum bool
	// DisablePartialReliability stops this side from offering FORWARD-TSN
	// (RFC 3758); every message is then sent reliably.
	DisablePartialReliability bool

	// MaxEvents bounds the event queue. If zero, 1024 is used.
	MaxEvents int
	// MaxControlPackets bounds the queue of one-off control packets
	// (INIT ACK, COOKIE ACK, HEARTBEAT ACK, ERROR). If zero, 64 is used.
	MaxControlPackets int
	// MaxGapBlocks bounds how many disjoint out-of-order TSN ranges the
	// receiver tracks. If zero, 256 is used.
	MaxGapBlocks int
}

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range. New
// calls it; the error names every field out of range and wraps
// shared.ErrInvalidConfig. Negative PeerMaxMessageSize and
// HeartbeatInterval have a documented meaning and are accepted.
func (c *Config) Validate() error {
	const l = "sctp"
	return errors.Join(
		shared.CheckRange(l, "MTU", c.MTU, 256, 65535),
		shared.CheckMin(l, "MaxMessageSize", c.MaxMessageSize, 1),
		// The window is advertised as a 32-bit a_rwnd (RFC 9260 §3.3.2).
		shared.CheckRange(l, "ReceiveBufferSize", int64(c.ReceiveBufferSize), 1500, math.MaxUint32),
		shared.CheckMin(l, "SendBufferSize", c.SendBufferSize, 1),
		shared.CheckMin(l, "RTOInitial", c.RTOInitial, 1),
		shared.CheckMin(l, "RTOMin", c.RTOMin, 1),
		shared.CheckMin(l, "RTOMax", c.RTOMax, 1),
		shared.CheckMin(l, "MaxRetransmits", c.MaxRetransmits, 1),
		shared.CheckMin(l, "MaxInitRetransmits", c.MaxInitRetransmits, 1),
		shared.CheckRange(l, "DelayedAckTimeout", c.DelayedAckTimeout, 1, 500*time.Millisecond),
		shared.CheckMin(l, "CookieLifetime", c.CookieLifetime, 1),
		shared.CheckMin(l, "MaxEvents", c.MaxEvents, 1),
		shared.CheckMin(l, "MaxControlPackets", c.MaxControlPackets, 1),
		shared.CheckMin(l, "MaxGapBlocks", c.MaxGapBlocks, 1),
	)
}

func orInt(v, def int) int                     { return shared.OrDefault(v, def) }
func orDur(v, def time.Duration) time.Duration { return shared.OrDefault(v, def) }

func (c *Config) localPort() uint16  { return shared.OrDefault(c.LocalPort, DefaultPort) }
func (c *Config) remotePort() uint16 { return shared.OrDefault(c.RemotePort, DefaultPort) }

func (c *Config) mtu() int { return orInt(c.MTU, DefaultMTU) &^ 3 }

func (c *Config) maxMessageSize() int { return orInt(c.MaxMessageSize, DefaultMaxMessageSize) }

func (c *Config) sendMessageLimit() int {
	m := c.maxMessageSize()
	switch p := c.PeerMaxMessageSize; {
	case p == 0:
		return min(m, DefaultPeerMaxMessageSize)
	case p < 0:
		return m
	default:
		return min(m, p)
	}
}

func (c *Config) receiveBuffer() int { return orInt(c.ReceiveBufferSize, 1<<20) }
func (c *Config) sendBuffer() int    { return orInt(c.SendBufferSize, 4<<20) }

func (c *Config) outboundStreams() uint16 { return shared.OrDefault(c.OutboundStreams, 65535) }
func (c *Config) inboundStreams() uint16  { return shared.OrDefault(c.InboundStreams, 65535) }

func (c *Config) rtoInitial() time.Duration { return orDur(c.RTOInitial, time.Second) }
func (c *Config) rtoMin() time.Duration     { return orDur(c.RTOMin, 200*time.Millisecond) }
func (c *Config) rtoMax() time.Duration     { return orDur(c.RTOMax, 60*time.Second) }
func (c *Config) maxRetransmits() int       { return orInt(c.MaxRetransmits, 10) }
func (c *Config) maxInitRetransmits() int   { return orInt(c.MaxInitRetransmits, 8) }
func (c *Config) heartbeatInterval() time.Duration {
	return orDur(c.HeartbeatInterval, 30*time.Second)
}
func (c *Config) delayedAck() time.Duration {
	return orDur(c.DelayedAckTimeout, 200*time.Millisecond)
}
func (c *Config) cookieLifetime() time.Duration { return orDur(c.CookieLifetime, 60*time.Second) }
func (c *Config) maxEvents() int                { return orInt(c.MaxEvents, 1024) }
func (c *Config) maxControlPackets() int        { return orInt(c.MaxControlPackets, 64) }
func (c *Config) maxGapBlocks() int             { return orInt(c.MaxGapBlocks, 256) }
