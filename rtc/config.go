package rtc

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ICEServer is one STUN or TURN server (W3C RTCIceServer). URLs use the
// RFC 7064/7065 forms: "stun:127.0.0.1:3478",
// "turn:127.0.0.1:3478?transport=udp", "turn:host:3478?transport=tcp",
// "turns:host:5349" (TURN over TLS). A host that is not an IP literal is
// resolved by the caller (EventResolveICEServer); see TURNTransport for
// how each TURN server is reached.
type ICEServer struct {
	URLs       []string
	Username   string // TURN long-term credential user name
	Credential string // TURN long-term credential password
}

// ICETransportPolicy selects which candidates ICE may use (W3C RTCIceTransportPolicy).
type ICETransportPolicy uint8

// ICE transport policies.
const (
	ICETransportPolicyAll   ICETransportPolicy = iota // every candidate type
	ICETransportPolicyRelay                           // relay candidates only (JSEP §4.1.1)
)

// String returns the W3C name.
func (p ICETransportPolicy) String() string {
	if p == ICETransportPolicyRelay {
		return "relay"
	}
	return "all"
}

// BundlePolicy is the JSEP bundle policy (RFC 8829 §4.1.1).
type BundlePolicy uint8

// Bundle policies. The zero value is max-bundle: every m-section shares one
// transport, which is what browsers and this stack negotiate.
const (
	BundlePolicyMaxBundle BundlePolicy = iota // one transport for everything
	BundlePolicyBalanced                      // one transport per media type (gathered as max-bundle here)
	BundlePolicyMaxCompat                     // one transport per m-section (gathered as max-bundle here)
)

// String returns the W3C name.
func (p BundlePolicy) String() string {
	switch p {
	case BundlePolicyBalanced:
		return "balanced"
	case BundlePolicyMaxCompat:
		return "max-compat"
	}
	return "max-bundle"
}

// RTCPMuxPolicy is the JSEP rtcp-mux policy (RFC 8829 §4.1.1). Only require
// is supported: RTCP always shares the RTP transport (RFC 8843 requires it
// with BUNDLE anyway).
type RTCPMuxPolicy uint8

// RTCP mux policies.
const (
	RTCPMuxPolicyRequire RTCPMuxPolicy = iota
)

// String returns "require".
func (RTCPMuxPolicy) String() string { return "require" }

// Configuration configures a PeerConnection (W3C RTCConfiguration plus the
// limits of a sans-I/O machine). The zero value is usable.
type Configuration struct {
	// ICEServers are STUN/TURN servers. If nil, only host candidates (the
	// local addresses the caller adds with AddLocalAddress) are used.
	ICEServers []ICEServer
	// ICETransportPolicy restricts candidates. If zero, all types are used.
	ICETransportPolicy ICETransportPolicy
	// BundlePolicy. If zero, max-bundle.
	BundlePolicy BundlePolicy
	// RTCPMuxPolicy. If zero, require (the only supported value).
	RTCPMuxPolicy RTCPMuxPolicy
	// Certificates are the DTLS certificates; the first is used. If nil, a
	// fresh ECDSA P-256 certificate is generated from Rand at creation.
	Certificates []*dtls.Certificate
	// Rand is the source of all randomness (ICE credentials, session ids,
	// DTLS and SCTP nonces). If nil, crypto/rand.Reader is used.
	Rand io.Reader
	// Now is the time used for the first certificate's validity and as the
	// initial clock. If zero, the certificate is valid from the Unix epoch
	// and the clock starts at the first Handle* call.
	Now time.Time

	// ICELite makes the agent a lite implementation (RFC 8445 §2.5). If
	// false, full ICE.
	ICELite bool
	// LocalAddresses are host addresses the caller owns sockets on; more
	// can be added later with AddLocalAddress. If nil, none until added.
	LocalAddresses []netip.AddrPort

	// MaxMessageSize is the largest data channel message accepted and
	// advertised in a=max-message-size (RFC 8841 §6). If zero, 256 KiB;
	// from 1 KiB to 1 GiB. The SCTP receive buffer is sized to hold one
	// message of this size, so a larger limit lets the peer make the
	// association hold that much.
	MaxMessageSize int
	// MaxDataChannels limits open data channels. If zero, 1024; at most
	// 65534 (the SCTP stream ids, RFC 8831 §6.2).
	MaxDataChannels int
	// MaxQueuedEvents bounds the event queue. If zero, 4096.
	MaxQueuedEvents int
	// MaxQueuedMessages bounds the received-message queue. If zero, 4096.
	// Messages beyond it wait in SCTP, whose receive window then closes,
	// until PollRead makes room: nothing is dropped.
	MaxQueuedMessages int
	// MaxQueuedDatagrams bounds the outgoing datagram queue. If zero, 4096;
	// at least 64 (minQueuedDatagrams).
	MaxQueuedDatagrams int
	// MaxSDPSize is the largest description accepted. If zero, 256 KiB.
	MaxSDPSize int
	// MaxRemoteCandidates limits remote candidates. If zero, 100.
	MaxRemoteCandidates int
	// MaxBufferedAmount limits the bytes queued per data channel before Send
	// fails with ErrBufferFull. If zero, 16 MiB.
	MaxBufferedAmount int
	// SCTPPort is the local SCTP port (RFC 8841 a=sctp-port). If zero, 5000.
	SCTPPort uint16

	// AudioCodecs and VideoCodecs are the codec registry: what media
	// sections offer, in preference order, and what answers may keep
	// (matched by Codec.Matches). If nil, DefaultAudioCodecs() and
	// DefaultVideoCodecs().
	AudioCodecs, VideoCodecs []Codec
	// AudioExtensions and VideoExtensions are the header extension URIs
	// offered and accepted (RFC 8285). If nil, DefaultAudioExtensions and
	// DefaultVideoExtensions.
	AudioExtensions, VideoExtensions []string
	// SRTPProfiles are the DTLS-SRTP protection profiles offered in
	// use_srtp, in preference order (srtp.Profile code points). If nil,
	// AEAD_AES_128_GCM, AEAD_AES_256_GCM, AES128_CM_HMAC_SHA1_80 and
	// AES128_CM_HMAC_SHA1_32 (RFC 5764 §4.1.2, RFC 7714 §14.2).
	SRTPProfiles []uint16
	// DisableInterceptors leaves the interceptor chain out: no NACK, RTX,
	// reports, congestion control or keyframe handling. If false, the
	// default chain (rtc-interceptor with the GCC estimator) runs.
	DisableInterceptors bool
	// NewInterceptorChain replaces the default chain: it gets the Config
	// the PeerConnection filled from negotiation (CNAME, rtcp-rsize, the
	// transport-wide-cc id, Rand, InterceptorUnits) and returns the chain
	// to install. If nil, gcc.NewChain builds it.
	NewInterceptorChain func(interceptor.Config) (*interceptor.Chain, error)
	// InterceptorUnits are application units added after the chain's own
	// (interceptor.Config.Units).
	InterceptorUnits []interceptor.Unit
	// Pacing queues written RTP in a pacer (rtc-interceptor/pacer) that
	// releases it at 2.5 times the estimator's target, audio first, so a
	// large video frame leaves over a few milliseconds instead of in one
	// burst; PollTimeout wakes the caller for it. It needs the
	// interceptor chain. If false, packets go out as they are written.
	Pacing bool
	// MaxRemoteSSRCs bounds the remote RTP streams (SSRCs) tracked. If
	// zero, 256. RTP on more is dropped and counted.
	MaxRemoteSSRCs int
	// MDNSHostCandidates signals every host candidate under a random
	// "<uuid>.local" name, one per local IP address, instead of its IP
	// (draft-ietf-mmusic-mdns-ice-candidates §3.1, as browsers do), and
	// hides the related address of server-reflexive and relayed ones.
	// Each new name comes out first as EventPublishHostname: the caller
	// must answer mDNS queries for it on the LAN (rtc-ice/mdns
	// Responder.PublishName; rtc/driver's MDNSResolver does) until Close,
	// or only peer-reflexive pairs connect. If false, candidates carry
	// IP addresses.
	MDNSHostCandidates bool
}

// codecs returns the registry's codecs for kind.
func (c *Configuration) codecs(kind MediaKind) []Codec {
	if kind == MediaKindAudio {
		if c.AudioCodecs != nil {
			return c.AudioCodecs
		}
		return defaultAudio
	}
	if c.VideoCodecs != nil {
		return c.VideoCodecs
	}
	return defaultVideo
}

// extensions returns the registry's header extension URIs for kind.
func (c *Configuration) extensions(kind MediaKind) []string {
	if kind == MediaKindAudio {
		if c.AudioExtensions != nil {
			return c.AudioExtensions
		}
		return DefaultAudioExtensions
	}
	if c.VideoExtensions != nil {
		return c.VideoExtensions
	}
	return DefaultVideoExtensions
}

// srtpProfiles returns the use_srtp profile ids offered.
func (c *Configuration) srtpProfiles() []uint16 {
	if c.SRTPProfiles != nil {
		return c.SRTPProfiles
	}
	// RFC 7714 §14.2 (0x0007, 0x0008), RFC 5764 §4.1.2 (0x0001, 0x0002).
	return []uint16{0x0007, 0x0008, 0x0001, 0x0002}
}

func (c *Configuration) maxRemoteSSRCs() int { return orDefault(c.MaxRemoteSSRCs, 256) }

var (
	defaultAudio = DefaultAudioCodecs()
	defaultVideo = DefaultVideoCodecs()
)

func (c *Configuration) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func (c *Configuration) maxMessageSize() int  { return orDefault(c.MaxMessageSize, 256<<10) }
func (c *Configuration) maxDataChannels() int { return orDefault(c.MaxDataChannels, 1024) }
func (c *Configuration) maxQueuedEvents() int { return orDefault(c.MaxQueuedEvents, 4096) }
func (c *Configuration) maxQueuedMessages() int {
	return orDefault(c.MaxQueuedMessages, 4096)
}
func (c *Configuration) maxQueuedDatagrams() int {
	return orDefault(c.MaxQueuedDatagrams, 4096)
}
func (c *Configuration) maxSDPSize() int { return orDefault(c.MaxSDPSize, 256<<10) }
func (c *Configuration) maxRemoteCandidates() int {
	return orDefault(c.MaxRemoteCandidates, 100)
}
func (c *Configuration) maxBufferedAmount() int { return orDefault(c.MaxBufferedAmount, 16<<20) }
func (c *Configuration) sctpPort() uint16 {
	if c.SCTPPort == 0 {
		return 5000
	}
	return c.SCTPPort
}

// maxDataChannelsLimit is the most data channels one association can
// carry: stream ids 0..65534 (RFC 8831 §6.2; 65535 is reserved).
const maxDataChannelsLimit = 65534

// Validate applies the config rule of rtc-shared (config.go): zero means
// the documented default, and any other value must be within the
// field's range. NewPeerConnection calls it; the error names every field
// out of range and wraps shared.ErrInvalidConfig.
func (c *Configuration) Validate() error {
	const l = "rtc"
	var errs []error
	if c.ICETransportPolicy > ICETransportPolicyRelay {
		errs = append(errs, &shared.ConfigError{Layer: l, Field: "ICETransportPolicy", Value: fmt.Sprint(c.ICETransportPolicy), Want: "all or relay"})
	}
	if c.BundlePolicy > BundlePolicyMaxCompat {
		errs = append(errs, &shared.ConfigError{Layer: l, Field: "BundlePolicy", Value: fmt.Sprint(c.BundlePolicy), Want: "max-bundle, balanced or max-compat"})
	}
	if c.RTCPMuxPolicy != RTCPMuxPolicyRequire {
		errs = append(errs, &shared.ConfigError{Layer: l, Field: "RTCPMuxPolicy", Value: fmt.Sprint(c.RTCPMuxPolicy), Want: "require"})
	}
	errs = append(errs,
		shared.CheckRange(l, "MaxMessageSize", c.MaxMessageSize, minMaxMessageSize, maxMaxMessageSize),
		shared.CheckRange(l, "MaxDataChannels", c.MaxDataChannels, 1, maxDataChannelsLimit),
		shared.CheckMin(l, "MaxQueuedEvents", c.MaxQueuedEvents, 1),
		shared.CheckMin(l, "MaxQueuedMessages", c.MaxQueuedMessages, 1),
		shared.CheckMin(l, "MaxQueuedDatagrams", c.MaxQueuedDatagrams, minQueuedDatagrams),
		shared.CheckMin(l, "MaxSDPSize", c.MaxSDPSize, 1),
		shared.CheckMin(l, "MaxRemoteCandidates", c.MaxRemoteCandidates, 1),
		shared.CheckMin(l, "MaxBufferedAmount", c.MaxBufferedAmount, 1),
		shared.CheckMin(l, "MaxRemoteSSRCs", c.MaxRemoteSSRCs, 1),
	)
	return errors.Join(errs...)
}

// minMaxMessageSize is the smallest MaxMessageSize. The limit holds for
// every SCTP message, and the DCEP messages that open channels are messages
// too (RFC 8832 §5.1: an OPEN carries the label and protocol): with a
// limit of 1 byte no channel ever opened, from either side. 1 KiB leaves a
// label and protocol of about 1000 bytes together.
const minMaxMessageSize = 1024

// maxMaxMessageSize is the largest MaxMessageSize: the association's
// receive buffer holds a whole message (receiveBuffer), and its window is
// a 32-bit count (RFC 9260 §3.3.2, a_rwnd).
const maxMaxMessageSize = 1 << 30

// minQueuedDatagrams is the smallest MaxQueuedDatagrams. The bound is also
// the ICE agent's (rtc-ice Config.MaxQueue: its outbox, event and read
// queues), whose events of a gathering (a candidate each, the gathering
// state) come in one burst, and a DTLS flight is several datagrams: with a
// bound of 1 the agent lost a gathering event and never sent a check, and
// under 64 the outbox never had the room a step wants before it takes an
// SCTP packet (fixed in canWrite too).
const minQueuedDatagrams = 64

// minSCTPMTU is the smallest SCTP packet rtc-sctp accepts as its MTU
// (sctp.Config.MTU).
const minSCTPMTU = 256

// sctpMTU is the SCTP MTU: what one DTLS record carries in a datagram
// (RFC 8261 §5: SCTP packets must fit the DTLS payload). Below 256 bytes
// SCTP cannot run, and this says so instead of an SCTP config error.
func sctpMTU(maxPayload int) (int, error) {
	if maxPayload < minSCTPMTU {
		return 0, fmt.Errorf("%w: DTLS carries %d bytes per datagram, SCTP needs at least %d", ErrUnsupported, maxPayload, minSCTPMTU)
	}
	return maxPayload, nil
}
