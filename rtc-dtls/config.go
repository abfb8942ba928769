package dtls

import (
	"crypto/rand"
	"io"
	"slices"
	"time"

	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
	"github.com/sansrtc/rtc/rtc-shared"
)

// ClientAuth says whether a server asks for, and insists on, a client
// certificate.
type ClientAuth uint8

// Client authentication modes.
const (
	// RequireClientCert asks for a certificate and fails the handshake
	// without one, as WebRTC needs (RFC 8827 §6.5). The default.
	RequireClientCert ClientAuth = iota
	// RequestClientCert asks for a certificate but accepts none.
	RequestClientCert
	// NoClientCert does not send a CertificateRequest.
	NoClientCert
)

// Config configures a Conn. A Config is copied by NewClient and NewServer;
// changing it afterwards has no effect. Every field has a usable zero value
// except Certificate and the peer verification (one of PeerFingerprints,
// VerifyPeerCertificate or InsecureSkipVerify).
type Config struct {
	// Certificate is this endpoint's certificate chain and key (required;
	// see GenerateCertificate).
	Certificate *Certificate

	// PeerFingerprints are the fingerprints from the remote SDP
	// (a=fingerprint). The peer's leaf certificate must match one of them,
	// else the handshake fails with a bad_certificate alert
	// (ErrFingerprintMismatch). A peer that sends no certificate fails too.
	PeerFingerprints []Fingerprint
	// VerifyPeerCertificate, if set, is called with the peer's DER chain
	// during HandleRead after the fingerprint check; an error fails the
	// handshake with a bad_certificate alert. It runs synchronously inside
	// HandleRead: it must not block and must not call the Conn.
	VerifyPeerCertificate func(rawCerts [][]byte) error
	// InsecureSkipVerify accepts any peer certificate (the caller checks
	// ConnectionState.PeerCertificates itself). Off by default.
	InsecureSkipVerify bool

	// ClientAuth is the server's client certificate policy. If zero,
	// RequireClientCert.
	ClientAuth ClientAuth

	// SRTPProfiles are the DTLS-SRTP protection profile ids to offer
	// (client) or accept (server), in order of preference (RFC 5764
	// §4.1.1). The server picks the first of the client's list that it
	// supports. This package knows only the ids: rtc-srtp names them
	// (srtp.Profile is the same code point) and keys SRTP from the
	// exporter. If nil, 0x0007 and 0x0001 (SRTP_AEAD_AES_128_GCM, then
	// SRTP_AES128_CM_HMAC_SHA1_80, as browsers offer them); set DisableSRTP
	// to send no use_srtp at all.
	SRTPProfiles []uint16
	// DisableSRTP turns the use_srtp extension off.
	DisableSRTP bool
	// SRTPMKI is the MKI the client offers (RFC 5764 §4.1.1). If nil, none.
	SRTPMKI []byte

	// ALPN lists application protocols (RFC 7301; RFC 8833 labels such as
	// "webrtc" and "c-webrtc"), in order of preference. If nil, ALPN is not
	// used.
	ALPN []string

	// CipherSuites lists the suites to offer or accept, in order of
	// preference. If nil, the AES-GCM and ChaCha20-Poly1305 ECDHE suites
	// (ECDSA first); the CBC suites must be listed explicitly.
	CipherSuites []CipherSuite
	// Groups lists the ECDHE groups in order of preference. If nil,
	// X25519, P-256, P-384. In DTLS 1.2 the client's supported_groups also
	// names the curves it accepts ECDSA certificates on (RFC 8422 §5.1.1):
	// OpenSSL and BoringSSL (Chromium) servers with a P-256 certificate
	// refuse a client that does not list P-256, so keep it in the list.
	Groups []Group
	// SignatureSchemes lists the signature schemes accepted from the peer,
	// in order of preference. If nil, ECDSA P-256/P-384, RSA-PSS and
	// PKCS#1 v1.5 with SHA-256/384.
	SignatureSchemes []SignatureScheme

	// InsecureAllowNoEMS lets a handshake complete without the extended
	// master secret (RFC 7627). Off by default: a peer that does not
	// negotiate it gets a handshake_failure alert.
	InsecureAllowNoEMS bool

	// HelloVerify makes the server answer a ClientHello without a valid
	// cookie with a HelloVerifyRequest (RFC 6347 §4.2.1), holding no state
	// for the client until it proves it can receive at its address. Off by
	// default: in WebRTC, ICE has already checked the address.
	HelloVerify bool
	// CookieLifetime is how long a cookie secret is used before it rotates
	// (the previous secret is still accepted). If zero, 60 s.
	CookieLifetime time.Duration

	// Rand is the source of randomness (randoms, ECDHE scalars, cookies,
	// CBC IVs). If nil, crypto/rand.Reader.
	Rand io.Reader

	// MTU is the largest datagram PollWrite returns during the handshake
	// (handshake messages are fragmented to fit). If zero, 1200.
	// Application data records may exceed it (see HandleWrite).
	MTU int
	// RetransmitInitial is the first retransmission timeout (RFC 6347
	// §4.2.4.1: "1 second"). If zero, 1 s. Browsers shorten it when they
	// know the path: libwebrtc (Chrome) sets twice the ICE round-trip time,
	// clamped to 50 ms..3 s, when ICE has an estimate, and leaves the DTLS
	// library's default (1 s) otherwise (p2p/base/dtls_transport.cc,
	// ConfigureHandshakeTimeout). A caller with an ICE RTT can do the same;
	// CommandRetransmit resends a flight at once when the path becomes
	// usable.
	RetransmitInitial time.Duration
	// RetransmitMax caps the doubling retransmission timeout. If zero, 60 s.
	RetransmitMax time.Duration
	// HandshakeTimeout bounds the whole handshake, from NewClient for a
	// client and from the first acceptable ClientHello for a server. If
	// zero, 30 s.
	HandshakeTimeout time.Duration

	// MaxHandshakeMessage limits the length of one handshake message;
	// fragments of larger messages are dropped and counted. If zero, 64 KiB.
	MaxHandshakeMessage int
	// MaxCertificateChain limits the Certificate message body; a larger one
	// fails the handshake with bad_certificate. If zero, 32 KiB.
	MaxCertificateChain int
	// MaxBufferedHandshake limits the bytes of handshake messages held for
	// reassembly (out-of-order or partial); fragments beyond it are dropped
	// and counted. If zero, 128 KiB.
	MaxBufferedHandshake int
	// MaxFragmentRanges limits the disjoint byte ranges of one handshake
	// message under reassembly (fragments with gaps between them); a
	// fragment that would open one more is dropped and counted, and the
	// peer's retransmission fills the gaps. If zero, 256.
	MaxFragmentRanges int
	// ReplayWindow is the anti-replay window size in records (RFC 6347
	// §4.1.2.6). If zero, 64.
	ReplayWindow int
	// MaxQueued limits each of the output queues (datagrams to send,
	// application data to read, events). If zero, 256.
	MaxQueued int

	// MinVersion and MaxVersion bound the DTLS version (VersionDTLS12 or
	// VersionDTLS13). If zero, MinVersion is DTLS 1.2 and MaxVersion DTLS
	// 1.3: 1.3 is preferred, 1.2 the fallback. A server with MaxVersion
	// 1.3 answers a ClientHello that offers 1.3 with DTLS 1.3 and any
	// other with 1.2 (and the downgrade sentinel of RFC 8446 §4.1.3 in its
	// random). A client with MaxVersion 1.3 and MinVersion 1.2 offers both
	// in one ClientHello and follows the server's choice (refusing a 1.2
	// answer that carries the sentinel); with MinVersion 1.3 it offers 1.3
	// only. MaxVersion VersionDTLS12 gives the 1.2-only behaviour of
	// earlier releases.
	MinVersion, MaxVersion Version
	// RecordSizeLimit is our record_size_limit (RFC 8449 §4): the largest
	// plaintext we accept in a protected record, 64..2^14+1. Zero sends
	// no extension from a client (and a server answers a client's with
	// the protocol maximum). The limit counts differently per version
	// (RFC 8449 §4): in DTLS 1.3 it is the whole TLSInnerPlaintext
	// (content type and padding included, at most 2^14+1); in DTLS 1.2 it
	// is the plaintext handed to the record protection (at most 2^14, so
	// a larger value counts as 2^14; with a connection ID that plaintext
	// is the DTLSInnerPlaintext of RFC 9146 §4, content and type byte). A
	// client sends it in its ClientHello when non-zero (a 1.2-only client
	// caps it at 2^14). A server answers a ClientHello that carries the
	// extension with its own (1.3: in EncryptedExtensions; 1.2: in
	// ServerHello). Once negotiated, the peer's limit bounds every
	// protected record we send (HandleWrite refuses larger data with
	// ErrMessageTooLarge; MaxPayload reflects it), and a protected record
	// over our limit is dropped and counted (Stats.LimitExceeded): RFC
	// 8449 §4 lets a DTLS endpoint discard it instead of sending
	// record_overflow. Unprotected (epoch 0) records are not subject to
	// it.
	RecordSizeLimit int
	// ConnectionIDLength turns connection IDs on (RFC 9146 for DTLS 1.2):
	// the length, 1..255, of the CID we ask the peer to put in the records
	// it sends us, drawn from Rand. Zero (the default) is off: we neither
	// offer nor accept a CID for us to receive, and since RFC 9146 §3
	// lets a server answer the extension only when the client sent it,
	// no CID is used in either direction unless ConnectionIDSendOnly is
	// set. When the peer asks for a CID (its connection_id extension has
	// a non-empty one) and the extension was negotiated, we put its CID
	// in every protected record we send (content type tls12_cid). A
	// record with a CID lets the peer's address change: see
	// EventPeerAddressChanged and the threat model in the README. The
	// same CID is offered for DTLS 1.3 (RFC 9147 §9: the extension in
	// ClientHello and EncryptedExtensions, the C bit in the unified
	// header): a client offering both versions sends one extension that
	// serves either.
	ConnectionIDLength int
	// ConnectionIDSendOnly, with ConnectionIDLength zero, offers (or
	// answers) the extension with an empty CID: we put the peer's CID in
	// the records we send but want none in the records we receive (RFC
	// 9146 §3: "A zero-length value indicates that the client is prepared
	// to send using a CID but does not wish the server to use one when
	// sending").
	ConnectionIDSendOnly bool
	// DisableMLKEM leaves X25519MLKEM768 out of the DTLS 1.3 groups. The
	// 1.3 groups are Groups filtered to X25519MLKEM768, X25519 and P-256,
	// or, if Groups is nil, those three in that order.
	DisableMLKEM bool

	// hooks lets tests misbehave (send extra extensions, omit EMS).
	hooks *testHooks
}

// testHooks are set only by this package's tests.
type testHooks struct {
	extraExtensions []rawExtension // appended to the ClientHello
	noEMS           bool           // do not offer/accept extended_master_secret
}

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

// defaultSRTPProfiles are the use_srtp ids offered when Config.SRTPProfiles
// is nil: SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2) and
// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2).
var defaultSRTPProfiles = []uint16{0x0007, 0x0001}

func (c *Config) srtpProfiles() []uint16 {
	if c.DisableSRTP {
		return nil
	}
	if c.SRTPProfiles == nil {
		return defaultSRTPProfiles
	}
	return c.SRTPProfiles
}

func (c *Config) cipherSuites() []CipherSuite {
	if c.CipherSuites == nil {
		var out []CipherSuite
		for i := range suites {
			if suites[i].enabled {
				out = append(out, suites[i].id)
			}
		}
		return out
	}
	return c.CipherSuites
}

func (c *Config) groups() []Group {
	if c.Groups == nil {
		return []Group{GroupX25519, GroupP256, GroupP384}
	}
	if !slices.Contains(c.Groups, GroupX25519MLKEM768) {
		return c.Groups
	}
	// The hybrid is DTLS 1.3 only (draft-ietf-tls-ecdhe-mlkem §3).
	out := make([]Group, 0, len(c.Groups))
	for _, g := range c.Groups {
		if g != GroupX25519MLKEM768 {
			out = append(out, g)
		}
	}
	return out
}

func (c *Config) schemes() []SignatureScheme {
	if c.SignatureSchemes == nil {
		return defaultSchemes
	}
	return c.SignatureSchemes
}

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

func (c *Config) mtu() int                  { return orDefault(c.MTU, 1200) }
func (c *Config) rtxInitial() time.Duration { return orDefault(c.RetransmitInitial, time.Second) }
func (c *Config) rtxMax() time.Duration     { return orDefault(c.RetransmitMax, 60*time.Second) }
func (c *Config) handshakeTimeout() time.Duration {
	return orDefault(c.HandshakeTimeout, 30*time.Second)
}
func (c *Config) cookieLifetime() time.Duration { return orDefault(c.CookieLifetime, 60*time.Second) }
func (c *Config) maxHandshakeMessage() int      { return orDefault(c.MaxHandshakeMessage, 64<<10) }
func (c *Config) maxCertificateChain() int      { return orDefault(c.MaxCertificateChain, 32<<10) }
func (c *Config) maxBufferedHandshake() int     { return orDefault(c.MaxBufferedHandshake, 128<<10) }
func (c *Config) maxFragmentRanges() int        { return orDefault(c.MaxFragmentRanges, 256) }
func (c *Config) replayWindow() int             { return orDefault(c.ReplayWindow, 64) }
func (c *Config) maxQueued() int                { return orDefault(c.MaxQueued, 256) }

// Limits of the Config fields Validate checks (zero always means the
// documented default).
const (
	minMTU              = 256   // room for the record and handshake headers and a useful fragment
	maxMTU              = 65535 // a UDP datagram
	minTimer            = 10 * time.Millisecond
	maxHandshakeLength  = 1<<24 - 1 // handshake lengths are uint24 (RFC 6347 §4.2.2, RFC 9147 §5.2)
	minHandshakeLimit   = 64
	minBufferedHS       = 256
	maxBufferedHS       = 1 << 30
	maxReplayWindow     = 32768
	maxFragmentRangeCap = 65536
	minQueued           = 4 // a ClientHello with the hybrid share takes two datagrams at 1200 bytes
	maxQueuedCap        = 1 << 20
	maxCIDLength        = 255 // RFC 9146 §3: opaque cid<0..2^8-1>
)

// Validate checks the numeric fields against their documented ranges, by
// the config rule of rtc-shared (config.go): zero is the default, a
// non-zero value out of range is a *shared.ConfigError wrapping
// shared.ErrInvalidConfig, never clamped. NewClient and NewServer call it.
//
//	MTU                      256..65535 bytes
//	RetransmitInitial        10 ms..60 s
//	RetransmitMax            10 ms..10 min, and not below RetransmitInitial
//	HandshakeTimeout         at least 10 ms
//	CookieLifetime           at least 1 s
//	MaxHandshakeMessage      64..2^24-1 bytes
//	MaxCertificateChain      64..2^24-1 bytes
//	MaxBufferedHandshake     256 bytes..1 GiB
//	MaxFragmentRanges        1..65536
//	ReplayWindow             64..32768 records
//	MaxQueued                4..2^20 (it must also hold a flight's datagrams at the MTU)
//	MinVersion, MaxVersion   VersionDTLS12 or VersionDTLS13, Min <= Max
//	RecordSizeLimit          64..2^14+1 bytes (RFC 8449 §4)
//	ConnectionIDLength       0..255 bytes (RFC 9146 §3: cid<0..2^8-1>)
func (c *Config) Validate() error {
	const layer = "dtls"
	checks := []error{
		shared.CheckRange(layer, "MTU", c.MTU, minMTU, maxMTU),
		shared.CheckRange(layer, "RetransmitInitial", c.RetransmitInitial, minTimer, 60*time.Second),
		shared.CheckRange(layer, "RetransmitMax", c.RetransmitMax, minTimer, 10*time.Minute),
		shared.CheckMin(layer, "HandshakeTimeout", c.HandshakeTimeout, minTimer),
		shared.CheckMin(layer, "CookieLifetime", c.CookieLifetime, time.Second),
		shared.CheckRange(layer, "MaxHandshakeMessage", c.MaxHandshakeMessage, minHandshakeLimit, maxHandshakeLength),
		shared.CheckRange(layer, "MaxCertificateChain", c.MaxCertificateChain, minHandshakeLimit, maxHandshakeLength),
		shared.CheckRange(layer, "MaxBufferedHandshake", c.MaxBufferedHandshake, minBufferedHS, maxBufferedHS),
		shared.CheckRange(layer, "MaxFragmentRanges", c.MaxFragmentRanges, 1, maxFragmentRangeCap),
		shared.CheckRange(layer, "ReplayWindow", c.ReplayWindow, shared.MinReplayWindow, maxReplayWindow),
		shared.CheckRange(layer, "MaxQueued", c.MaxQueued, minQueued, maxQueuedCap),
		shared.CheckRange(layer, "RecordSizeLimit", c.RecordSizeLimit, 64, tls13.MaxRecordSizeLimit),
		shared.CheckRange(layer, "ConnectionIDLength", c.ConnectionIDLength, 1, maxCIDLength),
		checkVersion(layer, "MinVersion", c.MinVersion),
		checkVersion(layer, "MaxVersion", c.MaxVersion),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if c.RetransmitMax != 0 && c.RetransmitMax < c.rtxInitial() {
		return &shared.ConfigError{Layer: layer, Field: "RetransmitMax", Value: c.RetransmitMax.String(),
			Want: "at least RetransmitInitial (" + c.rtxInitial().String() + ")"}
	}
	// DTLS versions count down on the wire (1.2 is 0xFEFD, 1.3 0xFEFC).
	if c.minVersion() == VersionDTLS13 && c.maxVersion() == VersionDTLS12 {
		return &shared.ConfigError{Layer: layer, Field: "MinVersion", Value: c.MinVersion.String(),
			Want: "at most MaxVersion (" + c.maxVersion().String() + ")"}
	}
	return nil
}

func checkVersion(layer, field string, v Version) error {
	if v == 0 || v == VersionDTLS12 || v == VersionDTLS13 {
		return nil
	}
	return &shared.ConfigError{Layer: layer, Field: field, Value: v.String(), Want: "VersionDTLS12 or VersionDTLS13"}
}
