package interceptor

import (
	"crypto/rand"
	"errors"
	"io"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Units names the built-in units, to leave some out of a chain.
type Units uint8

// The built-in units, in chain order (see the package doc).
const (
	UnitTWCC     Units = 1 << iota // transport-wide sequence numbers, feedback and the Estimator
	UnitNACK                       // NACK generator (receive) and responder with RTX (send)
	UnitReports                    // SR, RR, XR RRTR/DLRR, RTT and the getStats counters
	UnitKeyframe                   // PLI/FIR generation with throttling; incoming requests as events
)

// Config configures a Chain. Each zero field takes the documented default.
// A non-zero value outside a field's documented range (ReportInterval,
// SessionBandwidth and the Max limits must be positive) makes NewChain fail
// with an error wrapping shared.ErrInvalidConfig (the rtc-shared config
// rule; see Validate). A Config must not be changed after it is handed to
// NewChain.
type Config struct {
	// SSRC is the chain's own SSRC for RTCP it sends when no local stream
	// does (a receive-only endpoint's RR, NACK, feedback). If zero, it is
	// drawn from Rand (RFC 3550 §8.1: chosen randomly).
	SSRC uint32
	// CNAME, if set, is sent in an SDES CNAME item with every regular
	// report (RFC 3550 §6.1: "Each compound RTCP packet MUST include a
	// SDES CNAME").
	CNAME string
	// ReducedSize is true when a=rtcp-rsize was negotiated (RFC 5506):
	// feedback then goes out alone. Without it, each feedback packet is
	// preceded by an RR to make it a valid compound packet (RFC 3550 §6.1).
	ReducedSize bool
	// TransportCCExtID is the negotiated id of the transport-wide-cc
	// header extension (a=extmap, RFC 8285), or zero when it was not
	// negotiated: then no packet is numbered and no feedback is sent.
	TransportCCExtID uint8
	// CCFB is true when RFC 8888 congestion control feedback was negotiated
	// (a=rtcp-fb:* ack ccfb, §6): remote streams are reported every
	// TWCCReceiver.Interval, and feedback about local streams goes to the
	// Estimator. Packets are numbered internally even without
	// TransportCCExtID.
	CCFB bool
	// ReportInterval is the minimum interval between regular reports
	// (RFC 3550 §6.2 Tmin). If zero, 1 s (the WebRTC practice for video;
	// RFC 3550's 5 s would leave RTT and loss stale for seconds).
	ReportInterval time.Duration
	// SessionBandwidth, in bits per second, sets the RTCP bandwidth to 5%
	// of it (RFC 3550 §6.2) when the Estimator gives no target. If zero,
	// only ReportInterval applies until a target is known.
	SessionBandwidth int
	// Rand is the source of randomness (report interval dithering, the
	// chain SSRC, RTX and transport sequence starts). If nil, crypto/rand.
	Rand io.Reader
	// Disable leaves built-in units out of the chain.
	Disable Units
	// Estimator is the bandwidth estimator fed by transport-wide feedback,
	// receiver reports, RTT and REMB. If nil, a REMB received is reported
	// as the target bitrate, and nothing else estimates.
	Estimator Estimator
	// Units are application units, run after the built-in ones in order.
	Units []Unit

	NACKGenerator NACKGeneratorConfig
	NACKResponder NACKResponderConfig
	TWCCReceiver  TWCCReceiverConfig
	TWCCSender    TWCCSenderConfig
	Keyframe      KeyframeRequesterConfig

	// MaxStreams bounds the local plus remote streams bound. If zero, 64.
	MaxStreams int
	// MaxEvents bounds the event queue. If zero, 256.
	MaxEvents int
	// MaxOutput bounds the RTCP and retransmissions waiting for PollWrite;
	// a retransmission that does not fit is dropped and counted (the
	// receiver asks again). If zero, 256.
	MaxOutput int
}

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range.
// NewChain calls it; the error names every field out of range, the units'
// configs included ("NACKGenerator.Size"), and wraps
// shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "interceptor"
	return errors.Join(
		shared.CheckMin(l, "ReportInterval", c.ReportInterval, 1),
		shared.CheckMin(l, "SessionBandwidth", c.SessionBandwidth, 1),
		shared.CheckMin(l, "MaxStreams", c.MaxStreams, 1),
		shared.CheckMin(l, "MaxEvents", c.MaxEvents, 1),
		shared.CheckMin(l, "MaxOutput", c.MaxOutput, 1),
		c.NACKGenerator.validate("NACKGenerator."),
		c.NACKResponder.validate("NACKResponder."),
		c.TWCCReceiver.validate("TWCCReceiver."),
		c.TWCCSender.validate("TWCCSender."),
		c.Keyframe.validate("Keyframe."),
	)
}

// The units' configs follow the same rule. Their constructors cannot fail
// (they take a refused value as zero, and round a ring size over 32768
// down); NewChain reports their errors through Config.Validate, and a
// caller that builds a unit alone calls its Validate first.

// maxRing is the largest ring a unit keeps (NACKGenerator.Size,
// NACKResponder.HistorySize, TWCCSender.History).
const maxRing = 1 << 15

// Validate applies the rtc-shared config rule (see Config.Validate).
func (c *NACKGeneratorConfig) Validate() error { return c.validate("") }

func (c *NACKGeneratorConfig) validate(p string) error {
	const l = "interceptor"
	return errors.Join(
		shared.CheckRange(l, p+"Size", c.Size, 1, maxRing),
		shared.CheckMin(l, p+"MaxRetries", c.MaxRetries, 1),
		shared.CheckMin(l, p+"MaxAge", c.MaxAge, 1),
		shared.CheckMin(l, p+"MinRetryInterval", c.MinRetryInterval, 1),
		shared.CheckMin(l, p+"MaxPerRequest", c.MaxPerRequest, 1),
	)
}

// Validate applies the rtc-shared config rule (see Config.Validate).
func (c *NACKResponderConfig) Validate() error { return c.validate("") }

func (c *NACKResponderConfig) validate(p string) error {
	const l = "interceptor"
	return errors.Join(
		shared.CheckRange(l, p+"HistorySize", c.HistorySize, 1, maxRing),
		shared.CheckMin(l, p+"MaxAge", c.MaxAge, 1),
		shared.CheckMin(l, p+"MaxBitrate", c.MaxBitrate, 1),
	)
}

// Validate applies the rtc-shared config rule (see Config.Validate).
func (c *TWCCReceiverConfig) Validate() error { return c.validate("") }

func (c *TWCCReceiverConfig) validate(p string) error {
	const l = "interceptor"
	return errors.Join(
		shared.CheckMin(l, p+"Interval", c.Interval, 1),
		shared.CheckMin(l, p+"MaxPending", c.MaxPending, 1),
	)
}

// Validate applies the rtc-shared config rule (see Config.Validate).
func (c *TWCCSenderConfig) Validate() error { return c.validate("") }

func (c *TWCCSenderConfig) validate(p string) error {
	return shared.CheckRange("interceptor", p+"History", c.History, 1, maxRing)
}

// Validate applies the rtc-shared config rule (see Config.Validate).
func (c *KeyframeRequesterConfig) Validate() error { return c.validate("") }

func (c *KeyframeRequesterConfig) validate(p string) error {
	return shared.CheckMin("interceptor", p+"MinInterval", c.MinInterval, 1)
}

func (c *Config) reportInterval() time.Duration {
	return shared.OrDefault(c.ReportInterval, time.Second)
}
func (c *Config) maxStreams() int { return shared.OrDefault(c.MaxStreams, 64) }
func (c *Config) maxEvents() int  { return shared.OrDefault(c.MaxEvents, 256) }
func (c *Config) maxOutput() int  { return shared.OrDefault(c.MaxOutput, 256) }

func (c *Config) has(u Units) bool { return c.Disable&u == 0 }
