package netsim

import (
	"net/netip"
	"time"
)

// DefaultStart is where the virtual clock starts when Config.Start is zero.
var DefaultStart = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Defaults applied to zero-valued fields.
const (
	DefaultMaxSteps       = 1_000_000
	DefaultTraceLimit     = 4096
	DefaultQueueBytes     = 64 << 10
	DefaultReorderDelay   = 20 * time.Millisecond
	DefaultMappingTimeout = 2 * time.Minute
	DefaultMaxBurst       = 100_000
)

// Config configures a simulated network. The zero value is usable.
type Config struct {
	// Seed drives every random choice of the network (loss, jitter,
	// reordering, duplication, NAT port allocation). The same seed and the
	// same endpoints give the same run, byte for byte.
	Seed uint64
	// Start is the initial virtual time. If zero, DefaultStart
	// (2026-01-01T00:00:00Z) is used.
	Start time.Time
	// TraceLimit is how many of the most recent datagrams the trace keeps
	// (older ones are forgotten; statistics still count them). If zero,
	// DefaultTraceLimit (4096) is used; a negative value disables the trace.
	TraceLimit int
	// MaxBurst limits how many datagrams one endpoint may return from
	// PollWrite in a single drain before the run fails with ErrFlood. If
	// zero, DefaultMaxBurst (100000) is used.
	MaxBurst int
	// StopOnError makes Run, RunFor and Step return the first error an
	// endpoint returns from HandleRead or HandleTimeout (as an
	// *EndpointError). If false, such errors are only counted in Stats and
	// kept as LastError: bad input is expected to be dropped with an error.
	StopOnError bool
	// AllowSpoofing lets an endpoint send from any source address. If
	// false, a datagram whose Transport.Local is not one of the sender's
	// addresses (given to Add) is dropped as WrongSource and counted: it is
	// almost always a bug, such as replying with a reversed context. An
	// unset (zero) or unspecified-IP Local is replaced by the sender's
	// first address either way.
	AllowSpoofing bool
}

func (c *Config) start() time.Time {
	if c.Start.IsZero() {
		return DefaultStart
	}
	return c.Start
}

func (c *Config) traceLimit() int {
	switch {
	case c.TraceLimit == 0:
		return DefaultTraceLimit
	case c.TraceLimit < 0:
		return 0
	}
	return c.TraceLimit
}

func (c *Config) maxBurst() int {
	if c.MaxBurst <= 0 {
		return DefaultMaxBurst
	}
	return c.MaxBurst
}

// LinkConfig describes one direction of the path between two hosts. The
// zero value is a perfect link: no delay, no loss, unlimited bandwidth.
//
// A datagram crossing a link goes through these stages, in order: the MTU
// check, the bandwidth queue (serialization, ECN marking), random loss,
// burst loss, corruption, propagation delay plus jitter, reordering, and
// duplication. Sizes are UDP
// payload sizes: IP and UDP headers are not counted.
type LinkConfig struct {
	// Delay is the one-way propagation delay.
	Delay time.Duration
	// Jitter adds a uniformly random extra delay in [0, Jitter) to each
	// datagram. Jitter alone never reorders: a datagram never arrives
	// before one sent earlier on the same link (use Reorder for that).
	Jitter time.Duration
	// Loss is the probability (0..1) that a datagram is lost, independently
	// of every other datagram.
	Loss float64
	// Burst, if its P is above zero, adds Gilbert-Elliott burst loss on top
	// of Loss.
	Burst BurstLoss
	// Reorder is the probability (0..1) that a datagram is held back by an
	// extra ReorderDelay, letting later datagrams overtake it.
	Reorder float64
	// ReorderDelay is the extra delay of a reordered datagram. If zero,
	// DefaultReorderDelay (20 ms) is used.
	ReorderDelay time.Duration
	// Duplicate is the probability (0..1) that a delivered datagram arrives
	// twice. The copy arrives at the same time, right after the original.
	Duplicate float64
	// Corrupt is the probability (0..1) that a datagram arrives with one
	// random bit flipped: bad network input for the receiver's parsers and
	// integrity checks. The sender's bytes are not touched.
	Corrupt float64
	// ECNThreshold, with Bandwidth set, marks ECN-capable datagrams (ECT(0)
	// or ECT(1)) Congestion Experienced when they join a backlog of at
	// least this many bytes (RFC 3168 §5). If zero, nothing is marked.
	ECNThreshold int
	// MTU is the largest datagram (UDP payload, bytes) the link carries;
	// larger ones are dropped. If zero, there is no limit.
	MTU int
	// Bandwidth is the link rate in bits per second. Each datagram takes
	// len*8/Bandwidth to serialize, and datagrams wait in a drop-tail queue
	// while the link is busy. If zero, the link is infinitely fast.
	Bandwidth int64
	// QueueBytes is the drop-tail queue limit in bytes (including the
	// datagram being serialized) when Bandwidth is set; a datagram that
	// would push the backlog past it is dropped. If zero, DefaultQueueBytes
	// (64 KiB) is used.
	QueueBytes int
}

func (c *LinkConfig) reorderDelay() time.Duration {
	if c.ReorderDelay <= 0 {
		return DefaultReorderDelay
	}
	return c.ReorderDelay
}

func (c *LinkConfig) queueBytes() int {
	if c.QueueBytes <= 0 {
		return DefaultQueueBytes
	}
	return c.QueueBytes
}

// BurstLoss is the Gilbert-Elliott two-state loss model: the link is either
// Good or Bad, and switches state before each datagram with probability P
// (Good to Bad) or R (Bad to Good). A datagram is lost with probability
// LossGood in the Good state and LossBad in the Bad state.
//
// With LossGood = 0 and LossBad = 1 (the Gilbert model), the mean loss rate
// is P/(P+R) and the mean burst length is 1/R datagrams.
type BurstLoss struct {
	P        float64 // Good→Bad transition probability per datagram; 0 disables the model
	R        float64 // Bad→Good transition probability per datagram
	LossGood float64 // loss probability in the Good state (often 0)
	LossBad  float64 // loss probability in the Bad state; if zero with P set, 1 is used
}

func (b *BurstLoss) lossBad() float64 {
	if b.LossBad == 0 {
		return 1
	}
	return b.LossBad
}

// Behavior is a NAT mapping or filtering behaviour, in the terms of RFC 4787.
type Behavior uint8

// NAT behaviours (RFC 4787 §4.1 for mapping, §5 for filtering).
const (
	// EndpointIndependent: one mapping per internal address and port, used
	// for every destination; any external host may send to it.
	EndpointIndependent Behavior = iota
	// AddressDependent: the mapping (or filter) depends on the external IP
	// address.
	AddressDependent
	// AddressAndPortDependent: the mapping (or filter) depends on the
	// external IP address and port.
	AddressAndPortDependent
)

// String returns the RFC 4787 name.
func (b Behavior) String() string {
	switch b {
	case EndpointIndependent:
		return "endpoint-independent"
	case AddressDependent:
		return "address-dependent"
	case AddressAndPortDependent:
		return "address-and-port-dependent"
	}
	return "Behavior(?)"
}

// NATConfig describes a NAT box (a NAPT in RFC 4787 terms) with one public
// address in front of one or more private hosts.
type NATConfig struct {
	// Public is the NAT's external address. It must not be an endpoint's
	// address.
	Public netip.Addr
	// Mapping is the mapping behaviour (RFC 4787 §4.1).
	Mapping Behavior
	// Filtering is the filtering behaviour (RFC 4787 §5).
	Filtering Behavior
	// Hairpin lets a private host reach another through the NAT's public
	// address (RFC 4787 §6). If false, such datagrams are dropped.
	Hairpin bool
	// MappingTimeout is how long a mapping lives after the last outbound
	// datagram that used it; inbound traffic does not refresh it (RFC 4787
	// REQ-6). If zero, DefaultMappingTimeout (2 minutes, the RFC 4787 REQ-5
	// minimum) is used.
	MappingTimeout time.Duration
	// PortPreservation makes the NAT try the internal port first when it
	// allocates an external port (if it lies in MinPort..MaxPort).
	// Otherwise ports are random, from the network's seed.
	PortPreservation bool
	// MinPort and MaxPort bound the external ports the NAT allocates. When
	// every one holds a live mapping, a datagram that needs a new mapping is
	// dropped (NATNoMapping; NATStats.PortsExhausted). If zero, 1024 and
	// 65535 are used.
	MinPort, MaxPort uint16
}

func (c *NATConfig) portRange() (lo, hi int) {
	lo, hi = int(c.MinPort), int(c.MaxPort)
	if lo == 0 {
		lo = 1024
	}
	if hi == 0 {
		hi = 65535
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

func (c *NATConfig) mappingTimeout() time.Duration {
	if c.MappingTimeout <= 0 {
		return DefaultMappingTimeout
	}
	return c.MappingTimeout
}
