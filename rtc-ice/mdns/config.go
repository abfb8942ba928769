package mdns

import (
	"crypto/rand"
	"errors"
	"io"
	"math"
	"net/netip"
	"strconv"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// maxLocals bounds Config.Locals (one bit each in the owed masks).
const maxLocals = 8

// Defaults of Config.
const (
	DefaultTimeout     = 5 * time.Second
	DefaultMaxInterval = 4 * time.Second
	DefaultMaxNames    = 32
	DefaultMaxCache    = 64
	DefaultMaxEvents   = 64
	DefaultTTL         = 120 * time.Second
	// maxCacheTTL caps how long an answer is cached, whatever TTL it
	// carries.
	maxCacheTTL = time.Hour
)

// Config configures a Querier or a Responder. The zero value is usable. A
// non-zero value outside a field's documented range makes NewQuerier and
// NewResponder fail with an error wrapping shared.ErrInvalidConfig (the
// rtc-shared config rule; see Validate).
type Config struct {
	// Locals are the addresses of the caller's mDNS sockets, one per
	// interface and family (at most 8): datagrams from PollWrite leave from
	// one of them (Transport.Local) to the group of its family, 224.0.0.251:5353
	// for IPv4 and [ff02::fb]:5353 for IPv6. A datagram read on a socket is
	// handed to HandleRead with Transport.Local set to that socket's address
	// (or the group address it was sent to: any address of the same family
	// maps to the first Local of that family). If empty, 0.0.0.0:5353 is used.
	Locals []netip.AddrPort
	// Networks are the on-link prefixes of the interfaces (192.168.77.0/24,
	// fe80::/64, ...). Datagrams from a source outside them are dropped and
	// counted (RFC 6762 §11). If empty, loopback, link-local and private
	// (RFC 1918, RFC 4193) sources are accepted, which admits a routed
	// private network: set Networks when the driver knows the interface.
	Networks []netip.Prefix
	// Rand is the source of the Responder's random names. If nil,
	// crypto/rand is used.
	Rand io.Reader
	// Timeout is how long a Querier asks before it reports EventFailed. If
	// zero, 5 s is used.
	Timeout time.Duration
	// MaxInterval caps the Querier's retransmission interval, which starts
	// at 1 s and doubles (RFC 6762 §5.2). If zero, 4 s is used; it must be
	// at least 1 s.
	MaxInterval time.Duration
	// UnicastResponse sets the QU bit on a Querier's first query (RFC 6762
	// §5.4), asking responders to answer by unicast. If false, every query
	// asks for multicast answers (QM), which every browser's responder
	// sends.
	UnicastResponse bool
	// MaxNames bounds the names a Querier resolves at once, or the names a
	// Responder publishes. If zero, 32 is used.
	MaxNames int
	// MaxCache bounds the Querier's cache of answers. If zero, 64 is used.
	MaxCache int
	// MaxEvents bounds the event queue. If zero, 64 is used.
	MaxEvents int
	// TTL is the TTL of the Responder's records. If zero, 120 s is used
	// (RFC 6762 §10: host name records "SHOULD be 120 seconds"). It must be
	// at least 1 s: records carry whole seconds.
	TTL time.Duration
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range (at
// most 8 valid Locals). NewQuerier and NewResponder call it; the error
// names every field out of range and wraps shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "mdns"
	var locals error
	if len(c.Locals) > maxLocals {
		locals = &shared.ConfigError{Layer: l, Field: "Locals", Value: strconv.Itoa(len(c.Locals)) + " addresses", Want: "at most 8"}
	}
	for _, a := range c.Locals {
		if !a.IsValid() && locals == nil {
			locals = &shared.ConfigError{Layer: l, Field: "Locals", Value: "an invalid address", Want: "valid addresses"}
		}
	}
	return errors.Join(locals,
		shared.CheckMin(l, "Timeout", c.Timeout, 1),
		shared.CheckMin(l, "MaxInterval", c.MaxInterval, time.Second),
		shared.CheckMin(l, "MaxNames", c.MaxNames, 1),
		shared.CheckMin(l, "MaxCache", c.MaxCache, 1),
		shared.CheckMin(l, "MaxEvents", c.MaxEvents, 1),
		shared.CheckRange(l, "TTL", c.TTL, time.Second, math.MaxUint32*time.Second),
	)
}

func (c *Config) locals() []netip.AddrPort {
	if len(c.Locals) == 0 {
		return []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), Port)}
	}
	return c.Locals
}

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

func (c *Config) timeout() time.Duration { return shared.OrDefault(c.Timeout, DefaultTimeout) }
func (c *Config) maxInterval() time.Duration {
	return shared.OrDefault(c.MaxInterval, DefaultMaxInterval)
}
func (c *Config) maxNames() int  { return shared.OrDefault(c.MaxNames, DefaultMaxNames) }
func (c *Config) maxCache() int  { return shared.OrDefault(c.MaxCache, DefaultMaxCache) }
func (c *Config) maxEvents() int { return shared.OrDefault(c.MaxEvents, DefaultMaxEvents) }

// ttl returns the record TTL in whole seconds.
func (c *Config) ttl() uint32 { return uint32(shared.OrDefault(c.TTL, DefaultTTL) / time.Second) }

// onLink reports whether a datagram from a may be trusted as coming from
// the local link (RFC 6762 §11 "Source Address Check").
func (c *Config) onLink(a netip.Addr) bool {
	a = a.Unmap().WithZone("") // a link-local source carries its interface as a zone; Prefix.Contains refuses zones
	if len(c.Networks) == 0 {
		return a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsPrivate()
	}
	for _, p := range c.Networks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// group returns the multicast group for a local socket address.
func group(local netip.AddrPort) netip.AddrPort {
	if local.Addr().Unmap().Is4() {
		return GroupIPv4
	}
	return GroupIPv6
}

// localIndex maps the Transport.Local of a received datagram to an index
// of locals: an exact match, else the first local of the same family, else 0.
func localIndex(locals []netip.AddrPort, at netip.AddrPort) int {
	for i, l := range locals {
		if l == at {
			return i
		}
	}
	v4 := at.Addr().Unmap().Is4()
	for i, l := range locals {
		if l.Addr().Unmap().Is4() == v4 {
			return i
		}
	}
	return 0
}
