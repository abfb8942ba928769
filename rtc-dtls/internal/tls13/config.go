package tls13

import (
	"crypto"
	"crypto/rand"
	"io"
	"time"
)

// Config configures an Endpoint. The zero value of each field documents its
// default.
type Config struct {
	// Rand is the only source of randomness (randoms, key shares,
	// signatures, cookie key). If nil, crypto/rand.
	Rand io.Reader
	// Certificate is our chain (DER, leaf first); PrivateKey signs
	// CertificateVerify. Both roles need one (WebRTC authenticates both).
	Certificate [][]byte
	PrivateKey  crypto.Signer
	// Groups in preference order. If nil: X25519MLKEM768, x25519, P-256.
	// A client sends key shares for the first group, and for x25519 too when
	// the first is the hybrid (as browsers do).
	Groups []Group
	// DisableMLKEM removes X25519MLKEM768 from Groups.
	DisableMLKEM bool
	// CipherSuites in preference order. If nil: AES-128-GCM, ChaCha20-
	// Poly1305, AES-256-GCM.
	CipherSuites []CipherSuite
	// SRTPProfiles offered (client) or accepted (server), preference order
	// (RFC 5764 §4.1.2 code points). If nil, use_srtp is not negotiated.
	SRTPProfiles []uint16
	// RequireCookie makes a server answer every ClientHello without a valid
	// cookie with a stateless HelloRetryRequest (RFC 9147 §5.1). Off by
	// default: in WebRTC, ICE has already checked the path.
	RequireCookie bool
	// CookieKey authenticates cookies. If nil, 32 bytes from Rand.
	CookieKey []byte
	// CookieLifetime bounds a cookie's age. If zero, 60 s.
	CookieLifetime time.Duration
	// MTU is the largest datagram sent during the handshake. If zero, 1200.
	MTU int
	// RetransmitInitial is the first retransmission timeout (RFC 9147
	// §5.8.2). If zero, 1 s; RetransmitMax caps the doubling, if zero 60 s.
	RetransmitInitial time.Duration
	RetransmitMax     time.Duration
	// HandshakeTimeout bounds the handshake. If zero, 30 s.
	HandshakeTimeout time.Duration
	// ReplayWindow is the anti-replay window per epoch. If zero, 64.
	ReplayWindow int
	// MaxHandshakeMessage bounds one incoming handshake message. If zero,
	// 64 KiB.
	MaxHandshakeMessage int
	// MaxQueued bounds received application records not yet read, and
	// datagrams not yet polled. If zero, 256.
	MaxQueued int
	// RecordSizeLimit is our record_size_limit (RFC 8449 §4): the largest
	// TLSInnerPlaintext (content type and padding included) we accept in a
	// protected record, 64 to 2^14+1. A client sends it in its ClientHello
	// only when non-zero. A server answers a ClientHello that carries the
	// extension with it in EncryptedExtensions (RFC 8449 §4: "In TLS 1.3,
	// the server sends the record_size_limit extension in the
	// EncryptedExtensions message"), 2^14+1 if zero (supported, no tighter
	// limit). Our limit is enforced only once the peer has seen it; the
	// peer's limit always bounds our protected records.
	RecordSizeLimit int
	// ConnectionID, when not nil, turns connection IDs on (RFC 9147 §9):
	// the CID we want in records sent to us (empty: send-only, we use the
	// peer's but want none). A client offers it in its ClientHello; a
	// server answers a ClientHello that offers one with it in
	// EncryptedExtensions. nil: no CIDs.
	ConnectionID []byte
	// VerifyPeer, if set, checks the peer's chain (DER, leaf first) when
	// its Certificate arrives, before CertificateVerify; an error fails the
	// handshake with bad_certificate. rtc-dtls checks the SDP fingerprint
	// here (RFC 8122 §5).
	VerifyPeer func(certs [][]byte) error
	// Buffer, if set, supplies the buffers of the datagrams PollDatagram
	// returns and of the records ReadApp returns: an empty slice with room
	// for at least n bytes. Both become the caller's. rtc-dtls passes its
	// buffer pool, so datagrams and plaintexts handed back with
	// ReleaseWrite and ReleaseRead are used again and application data
	// allocates nothing. If nil, each is a new allocation.
	Buffer func(n int) []byte
	// Release, if set, takes back a buffer from Buffer that the Endpoint
	// no longer needs (a connected Endpoint decrypts every record into one,
	// and hands back those that were not application data).
	Release func(b []byte)
}

func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

func (c *Config) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (c *Config) groups() []Group {
	gs := c.Groups
	if gs == nil {
		gs = []Group{GroupX25519MLKEM768, GroupX25519, GroupP256}
	}
	if !c.DisableMLKEM {
		return gs
	}
	out := make([]Group, 0, len(gs))
	for _, g := range gs {
		if g != GroupX25519MLKEM768 {
			out = append(out, g)
		}
	}
	return out
}

func (c *Config) suites() []CipherSuite {
	if c.CipherSuites != nil {
		return c.CipherSuites
	}
	return []CipherSuite{TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_256_GCM_SHA384}
}

func (c *Config) mtu() int                  { return orDefault(c.MTU, 1200) }
func (c *Config) rtxInitial() time.Duration { return orDefault(c.RetransmitInitial, time.Second) }
func (c *Config) rtxMax() time.Duration     { return orDefault(c.RetransmitMax, 60*time.Second) }
func (c *Config) handshakeTimeout() time.Duration {
	return orDefault(c.HandshakeTimeout, 30*time.Second)
}
func (c *Config) cookieLifetime() time.Duration { return orDefault(c.CookieLifetime, 60*time.Second) }
func (c *Config) replayWindow() int             { return orDefault(c.ReplayWindow, 64) }
func (c *Config) maxMessage() int               { return orDefault(c.MaxHandshakeMessage, 64<<10) }

// MaxRecordSizeLimit is the largest record_size_limit in (D)TLS 1.3:
// 2^14 plus the content type byte (RFC 8449 §4).
const MaxRecordSizeLimit = 1<<14 + 1

// recordSizeLimit is the value we advertise (0: the client sends nothing).
func (c *Config) recordSizeLimit() int {
	if c.RecordSizeLimit == 0 {
		return 0
	}
	return min(max(c.RecordSizeLimit, 64), MaxRecordSizeLimit) // RFC 8449 §4: at least 64
}

func (c *Config) maxQueued() int { return orDefault(c.MaxQueued, 256) }

// signatureSchemes we accept from the peer, in preference order.
var signatureSchemes = []SignatureScheme{ECDSAWithP256AndSHA256, Ed25519, PSSWithSHA256, ECDSAWithP384AndSHA384, PSSWithSHA384}
