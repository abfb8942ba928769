package dtls

import (
	"crypto/ecdh"
	"errors"
	"io"
)

func groupCurve(g Group) ecdh.Curve {
	switch g {
	case GroupX25519:
		return ecdh.X25519()
	case GroupP256:
		return ecdh.P256()
	case GroupP384:
		return ecdh.P384()
	}
	return nil
}

func groupScalarLen(g Group) int {
	switch g {
	case GroupX25519, GroupP256:
		return 32
	case GroupP384:
		return 48
	}
	return 0
}

// newKeyShare makes an ephemeral ECDHE key from rnd. It reads the scalar
// itself (rather than calling GenerateKey, which ignores its reader since Go
// 1.26) so a seeded Config.Rand reproduces a handshake byte for byte. A
// NIST scalar out of range is drawn again, as in FIPS 186-5 A.2.2.
func newKeyShare(rnd io.Reader, g Group) (*ecdh.PrivateKey, error) {
	c := groupCurve(g)
	if c == nil {
		return nil, errors.New("dtls: unsupported group")
	}
	buf := make([]byte, groupScalarLen(g))
	for range 100 {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return nil, err
		}
		k, err := c.NewPrivateKey(buf)
		if err == nil {
			return k, nil
		}
	}
	return nil, errors.New("dtls: could not draw an ECDHE scalar")
}

// sharedSecret computes the ECDHE premaster secret from the peer's public
// value (RFC 8422 §5.10: the X coordinate for NIST curves, the X25519
// output otherwise; crypto/ecdh does both and rejects invalid points and the
// all-zero X25519 output).
func sharedSecret(priv *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	pub, err := priv.Curve().NewPublicKey(peer)
	if err != nil {
		return nil, err
	}
	return priv.ECDH(pub)
}
