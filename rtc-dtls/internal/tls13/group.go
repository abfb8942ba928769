package tls13

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/rand"
	"errors"
	"io"
	"strconv"
)

// Group is a TLS NamedGroup code point (RFC 8446 §4.2.7).
type Group uint16

// The groups this package implements (P-384 because the 1.2 side of a
// ClientHello offering both versions lists it, and a 1.3 server may ask for
// it with a HelloRetryRequest).
const (
	GroupP256 Group = 0x0017 // secp256r1 (RFC 8446 §4.2.7)
	GroupP384 Group = 0x0018 // secp384r1 (RFC 8446 §4.2.7)
	// GroupX25519 is x25519 (RFC 8446 §4.2.7, RFC 7748).
	GroupX25519 Group = 0x001D
	// GroupX25519MLKEM768 is the hybrid of draft-ietf-tls-ecdhe-mlkem §4.1.
	GroupX25519MLKEM768 Group = 0x11EC
)

// String returns the IANA name.
func (g Group) String() string {
	switch g {
	case GroupP256:
		return "secp256r1"
	case GroupP384:
		return "secp384r1"
	case GroupX25519:
		return "x25519"
	case GroupX25519MLKEM768:
		return "X25519MLKEM768"
	}
	return "Group(0x" + strconv.FormatUint(uint64(g), 16) + ")"
}

// Supported reports whether this package implements g.
func (g Group) Supported() bool {
	return g == GroupP256 || g == GroupP384 || g == GroupX25519 || g == GroupX25519MLKEM768
}

// Key share sizes (draft-ietf-tls-ecdhe-mlkem §4.1, RFC 8446 §4.2.8.2).
const (
	x25519Len       = 32
	p256PointLen    = 65 // uncompressed: 0x04 || X || Y
	p384PointLen    = 97
	hybridClientLen = mlkem.EncapsulationKeySize768 + x25519Len // 1184 + 32
	hybridServerLen = mlkem.CiphertextSize768 + x25519Len       // 1088 + 32
)

// ClientShareLen and ServerShareLen give the key_exchange length of g, or 0
// for a group this package does not implement.
func ClientShareLen(g Group) int {
	switch g {
	case GroupX25519:
		return x25519Len
	case GroupP256:
		return p256PointLen
	case GroupP384:
		return p384PointLen
	case GroupX25519MLKEM768:
		return hybridClientLen
	}
	return 0
}

// ServerShareLen is the server's key_exchange length for g.
func ServerShareLen(g Group) int {
	if g == GroupX25519MLKEM768 {
		return hybridServerLen
	}
	return ClientShareLen(g)
}

// Errors of the key exchange. A bad peer share is an illegal_parameter alert
// (RFC 8446 §4.2.8.1 / §4.2.8.2).
var (
	ErrUnsupportedGroup = errors.New("tls13: unsupported group")
	ErrBadKeyShare      = errors.New("tls13: invalid key share")
)

// ClientKeyShare is the client's ephemeral secret for one group: an ECDH
// private key, plus an ML-KEM-768 decapsulation key for the hybrid.
type ClientKeyShare struct {
	group Group
	ecdh  ECDHKey
	dk    *mlkem.DecapsulationKey768
	pub   []byte
}

// NewClientKeyShare draws a client key share for g from rnd. Every random
// byte comes from rnd (rather than the crypto packages' own source, which
// GenerateKey uses since Go 1.26), so a seeded reader replays a handshake
// byte for byte: the X25519 scalar, the P-256 scalar (redrawn when out of
// range, FIPS 186-5 A.2.2) and the 64-byte ML-KEM seed (d || z, FIPS 203 §7.1).
func NewClientKeyShare(rnd io.Reader, g Group) (*ClientKeyShare, error) {
	ks := &ClientKeyShare{group: g}
	switch g {
	case GroupX25519, GroupP256, GroupP384:
		k, err := NewECDHKey(rnd, g)
		if err != nil {
			return nil, err
		}
		ks.ecdh = k
		ks.pub = k.Public()
	case GroupX25519MLKEM768:
		seed := make([]byte, mlkem.SeedSize)
		if _, err := io.ReadFull(rnd, seed); err != nil {
			return nil, err
		}
		dk, err := mlkem.NewDecapsulationKey768(seed)
		if err != nil {
			return nil, err
		}
		k, err := NewECDHKey(rnd, GroupX25519)
		if err != nil {
			return nil, err
		}
		ks.dk, ks.ecdh = dk, k
		// draft-ietf-tls-ecdhe-mlkem §4.1: "the client's share is the
		// concatenation of the ML-KEM-768 encapsulation key and the X25519
		// public key".
		ks.pub = make([]byte, 0, hybridClientLen)
		ks.pub = append(append(ks.pub, dk.EncapsulationKey().Bytes()...), k.Public()...)
	default:
		return nil, ErrUnsupportedGroup
	}
	return ks, nil
}

// NewClientKeyShares draws the client's key shares for groups, one per
// group in order. An x25519 share listed after X25519MLKEM768 reuses the
// hybrid's X25519 component: draft-ietf-tls-hybrid-design-09 §3.2 (RFC 9954
// §3.2) lets a client send the same traditional share inside a hybrid and
// on its own in one ClientHello (Go's crypto/tls and browsers do), which
// saves one X25519 scalar multiplication per handshake. The reuse stays
// within one ClientHello: every connection draws fresh shares.
func NewClientKeyShares(rnd io.Reader, groups []Group) ([]*ClientKeyShare, error) {
	out := make([]*ClientKeyShare, 0, len(groups))
	var hybrid *ClientKeyShare
	for _, g := range groups {
		if g == GroupX25519 && hybrid != nil {
			out = append(out, &ClientKeyShare{group: GroupX25519, ecdh: hybrid.ecdh, pub: hybrid.pub[mlkem.EncapsulationKeySize768:]})
			continue
		}
		ks, err := NewClientKeyShare(rnd, g)
		if err != nil {
			return nil, err
		}
		if g == GroupX25519MLKEM768 {
			hybrid = ks
		}
		out = append(out, ks)
	}
	return out, nil
}

// Group returns the share's group.
func (ks *ClientKeyShare) Group() Group { return ks.group }

// Public returns the key_exchange bytes of the client's KeyShareEntry. The
// slice belongs to ks; do not modify it.
func (ks *ClientKeyShare) Public() []byte { return ks.pub }

// SharedSecret finishes the exchange with the server's key_exchange bytes.
// For the hybrid the secret is the ML-KEM shared secret followed by the X25519
// one (64 bytes, draft-ietf-tls-ecdhe-mlkem §4.1).
func (ks *ClientKeyShare) SharedSecret(server []byte) ([]byte, error) {
	if len(server) != ServerShareLen(ks.group) {
		return nil, ErrBadKeyShare
	}
	if ks.group != GroupX25519MLKEM768 {
		return ecdhSecret(ks.ecdh, server)
	}
	// The ML-KEM ciphertext first, then the server's X25519 share
	// (draft-ietf-tls-ecdhe-mlkem §4.1).
	ct, xpub := server[:mlkem.CiphertextSize768], server[mlkem.CiphertextSize768:]
	kemSS, err := ks.dk.Decapsulate(ct)
	if err != nil {
		return nil, ErrBadKeyShare
	}
	xSS, err := ecdhSecret(ks.ecdh, xpub)
	if err != nil {
		return nil, err
	}
	return append(kemSS, xSS...), nil
}

// ServerKeyShare answers a client key share for g: it returns the server's
// key_exchange bytes and the shared secret. For the hybrid it encapsulates
// to the client's ML-KEM key (with 32 bytes from rnd as the FIPS 203 §6.2
// message, through crypto/mlkem/mlkemtest so a seeded rnd replays; with
// crypto/rand.Reader, crypto/mlkem's own Encapsulate) and runs X25519 with
// a fresh scalar.
func ServerKeyShare(rnd io.Reader, g Group, client []byte) (share, secret []byte, err error) {
	if !g.Supported() {
		return nil, nil, ErrUnsupportedGroup
	}
	if len(client) != ClientShareLen(g) {
		return nil, nil, ErrBadKeyShare
	}
	if g != GroupX25519MLKEM768 {
		k, err := NewECDHKey(rnd, g)
		if err != nil {
			return nil, nil, err
		}
		ss, err := ecdhSecret(k, client)
		if err != nil {
			return nil, nil, err
		}
		return k.Public(), ss, nil
	}
	ekBytes, xpub := client[:mlkem.EncapsulationKeySize768], client[mlkem.EncapsulationKeySize768:]
	// FIPS 203 §7.2: the encapsulation key check (modulus check) is done by
	// NewEncapsulationKey768; a bad key is illegal_parameter.
	ek, err := mlkem.NewEncapsulationKey768(ekBytes)
	if err != nil {
		return nil, nil, ErrBadKeyShare
	}
	var kemSS, ct []byte
	if rnd == rand.Reader {
		// The system source: crypto/mlkem draws the message itself, and
		// the key expanded above is used once (mlkemtest would expand the
		// matrix of the key again, about a third of the cost).
		kemSS, ct = ek.Encapsulate()
	} else {
		var m [32]byte
		if _, err := io.ReadFull(rnd, m[:]); err != nil {
			return nil, nil, err
		}
		if kemSS, ct, err = mlkemtest.Encapsulate768(ek, m[:]); err != nil {
			return nil, nil, err
		}
	}
	k, err := NewECDHKey(rnd, GroupX25519)
	if err != nil {
		return nil, nil, err
	}
	xSS, err := ecdhSecret(k, xpub)
	if err != nil {
		return nil, nil, err
	}
	share = append(ct, k.Public()...)
	return share, append(kemSS, xSS...), nil
}

func curve(g Group) ecdh.Curve {
	switch g {
	case GroupP256:
		return ecdh.P256()
	case GroupP384:
		return ecdh.P384()
	}
	return ecdh.X25519()
}

// ECDHKey is an ephemeral (EC)DH key of x25519, P-256 or P-384. Package dtls
// uses it for the DTLS 1.2 ECDHE key exchange too.
type ECDHKey interface {
	// Public returns the key_exchange bytes (RFC 8446 §4.2.8.2): the
	// X25519 u-coordinate, or the uncompressed NIST point. The slice
	// belongs to the key.
	Public() []byte
	// ECDH returns the shared secret with the peer's public value, or
	// ErrBadKeyShare for a value that is not on the curve or that gives
	// the all-zero X25519 secret.
	ECDH(peer []byte) ([]byte, error)
}

// NewECDHKey draws a fresh ephemeral key for g from rnd with crypto/ecdh:
// the scalar is read from rnd (so a seeded Config.Rand replays a handshake
// byte for byte), a NIST one drawn again when out of range (FIPS 186-5
// A.2.2). X25519 stays with crypto/ecdh on purpose: a hand-written ladder
// with a fixed-base public key was measured about 4% faster per handshake,
// not worth our own field arithmetic in the key exchange.
func NewECDHKey(rnd io.Reader, g Group) (ECDHKey, error) {
	switch g {
	case GroupX25519, GroupP256, GroupP384:
	default:
		return nil, ErrUnsupportedGroup
	}
	var b [48]byte
	buf := b[:32]
	if g == GroupP384 {
		buf = b[:48]
	}
	c := curve(g)
	for range 100 {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return nil, err
		}
		if k, err := c.NewPrivateKey(buf); err == nil {
			return stdKey{k: k, pub: k.PublicKey().Bytes()}, nil
		}
	}
	return nil, errors.New("tls13: could not draw an ECDH scalar")
}

// stdKey is a crypto/ecdh key: P-256 or P-384 (crypto/ecdh rejects points
// off the curve, RFC 8446 §4.2.8.2), or X25519 (crypto/ecdh refuses the
// all-zero secret, RFC 8446 §7.4.2).
type stdKey struct {
	k   *ecdh.PrivateKey
	pub []byte
}

func (n stdKey) Public() []byte { return n.pub }

func (n stdKey) ECDH(peer []byte) ([]byte, error) {
	pub, err := n.k.Curve().NewPublicKey(peer)
	if err != nil {
		return nil, ErrBadKeyShare
	}
	ss, err := n.k.ECDH(pub)
	if err != nil {
		return nil, ErrBadKeyShare
	}
	return ss, nil
}

// ecdhSecret runs ECDH with the peer's public value.
func ecdhSecret(priv ECDHKey, peer []byte) ([]byte, error) { return priv.ECDH(peer) }
