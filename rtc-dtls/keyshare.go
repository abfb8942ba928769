package dtls

import (
	"io"

	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
)

// newKeyShare makes an ephemeral ECDHE key from rnd (tls13.NewECDHKey, shared
// with DTLS 1.3): an X25519 key with a fixed-base public key when rnd is
// crypto/rand.Reader; otherwise the scalar is read from rnd (rather than
// calling GenerateKey, which ignores its reader since Go 1.26) so a seeded
// Config.Rand reproduces a handshake byte for byte. A NIST scalar out of
// range is drawn again, as in FIPS 186-5 A.2.2.
func newKeyShare(rnd io.Reader, g Group) (tls13.ECDHKey, error) {
	return tls13.NewECDHKey(rnd, tls13.Group(g))
}

// sharedSecret computes the ECDHE premaster secret from the peer's public
// value (RFC 8422 §5.10: the X coordinate for NIST curves, the X25519
// output otherwise; both reject invalid points and the all-zero X25519
// output, RFC 8422 §5.11).
func sharedSecret(priv tls13.ECDHKey, peer []byte) ([]byte, error) {
	return priv.ECDH(peer)
}
