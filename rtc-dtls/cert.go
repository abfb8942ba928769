package dtls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Certificate is a certificate chain (DER, leaf first) and the private key
// of the leaf. WebRTC uses one self-signed certificate; see
// GenerateCertificate.
type Certificate struct {
	Certificate [][]byte
	PrivateKey  crypto.Signer
}

// KeyType selects the key GenerateCertificate makes.
type KeyType uint8

// Key types.
const (
	KeyECDSAP256 KeyType = iota // ECDSA on P-256, what browsers use (the default)
	KeyECDSAP384                // ECDSA on P-384
	KeyRSA2048                  // RSA 2048 bits
)

// GenerateCertificate makes a self-signed certificate as WebRTC endpoints
// use them (RFC 8827 §6.5): a random key of the given type, a random serial,
// the common name "sansrtc", valid from a day before now for 30 days. now is
// an argument because this package never reads the clock. ECDSA
// certificates are encoded here (selfSignedECDSA, about 2.7 times cheaper
// than x509.CreateCertificate); RSA ones by crypto/x509.
//
// Since Go 1.26 the standard library draws key and signature randomness from
// the system source (or testing/cryptotest.SetGlobalRandom in tests), so the
// result is random even with a seeded Config.Rand.
func GenerateCertificate(now time.Time, kt KeyType) (*Certificate, error) {
	var key crypto.Signer
	var err error
	switch kt {
	case KeyECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case KeyECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case KeyRSA2048:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("dtls: unknown key type %d", kt)
	}
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	notBefore, notAfter := now.Add(-24*time.Hour), now.Add(30*24*time.Hour)
	if k, ok := key.(*ecdsa.PrivateKey); ok {
		der, err := selfSignedECDSA(k, serial, notBefore, notAfter)
		if err != nil {
			return nil, err
		}
		return &Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "sansrtc"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return &Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// Fingerprint computes the certificate's fingerprint with the given
// algorithm ("sha-256" when empty).
func (c *Certificate) Fingerprint(alg string) (Fingerprint, error) {
	if len(c.Certificate) == 0 {
		return Fingerprint{}, ErrNoCertificate
	}
	return ComputeFingerprint(alg, c.Certificate[0])
}

// Fingerprint is a certificate fingerprint as carried in the SDP
// a=fingerprint attribute (RFC 8122 §5): a hash function name in lower case
// and the digest of the DER certificate.
type Fingerprint struct {
	Algorithm string // "sha-256", "sha-384" or "sha-512"
	Value     []byte
}

func fingerprintHash(alg string) func() hash.Hash {
	switch strings.ToLower(alg) {
	case "sha-256", "":
		return sha256.New
	case "sha-384":
		return sha512.New384
	case "sha-512":
		return sha512.New
	}
	return nil
}

// ComputeFingerprint hashes a DER certificate with alg ("sha-256",
// "sha-384", "sha-512"; "sha-256" when empty).
func ComputeFingerprint(alg string, der []byte) (Fingerprint, error) {
	h := fingerprintHash(alg)
	if h == nil {
		return Fingerprint{}, fmt.Errorf("dtls: unsupported fingerprint algorithm %q", alg)
	}
	if alg == "" {
		alg = "sha-256"
	}
	d := h()
	d.Write(der)
	return Fingerprint{Algorithm: strings.ToLower(alg), Value: d.Sum(nil)}, nil
}

// String formats the fingerprint as in SDP: "sha-256 AB:CD:...".
func (f Fingerprint) String() string {
	var sb strings.Builder
	sb.WriteString(f.Algorithm)
	sb.WriteByte(' ')
	const digits = "0123456789ABCDEF"
	for i, v := range f.Value {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteByte(digits[v>>4])
		sb.WriteByte(digits[v&15])
	}
	return sb.String()
}

// ParseFingerprint parses the SDP form "sha-256 AB:CD:..." (the algorithm
// is case-insensitive, the hex either case).
func ParseFingerprint(s string) (Fingerprint, error) {
	alg, hexs, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return Fingerprint{}, fmt.Errorf("dtls: fingerprint %q: want \"<hash> <hex>\"", s)
	}
	alg = strings.ToLower(alg)
	h := fingerprintHash(alg)
	if h == nil {
		return Fingerprint{}, fmt.Errorf("dtls: unsupported fingerprint algorithm %q", alg)
	}
	v, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(hexs), ":", ""))
	if err != nil || len(v) != h().Size() {
		return Fingerprint{}, fmt.Errorf("dtls: bad fingerprint value %q", hexs)
	}
	return Fingerprint{Algorithm: alg, Value: v}, nil
}

// Matches reports whether der hashes to this fingerprint.
func (f Fingerprint) Matches(der []byte) bool {
	got, err := ComputeFingerprint(f.Algorithm, der)
	if err != nil {
		return false
	}
	return len(got.Value) == len(f.Value) && string(got.Value) == string(f.Value)
}

// schemeHash returns the hash of a signature scheme.
func schemeHash(s SignatureScheme) crypto.Hash {
	switch s {
	case ECDSAWithP256AndSHA256, PSSWithSHA256, PKCS1WithSHA256:
		return crypto.SHA256
	case ECDSAWithP384AndSHA384, PSSWithSHA384, PKCS1WithSHA384:
		return crypto.SHA384
	}
	return 0
}

func isPSS(s SignatureScheme) bool { return s == PSSWithSHA256 || s == PSSWithSHA384 }

// schemesFor lists the schemes a public key can sign with, best first.
func schemesFor(pub crypto.PublicKey) []SignatureScheme {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P384() {
			return []SignatureScheme{ECDSAWithP384AndSHA384, ECDSAWithP256AndSHA256}
		}
		return []SignatureScheme{ECDSAWithP256AndSHA256, ECDSAWithP384AndSHA384}
	case *rsa.PublicKey:
		return []SignatureScheme{PSSWithSHA256, PKCS1WithSHA256, PSSWithSHA384, PKCS1WithSHA384}
	}
	return nil
}

// defaultSchemes is what we accept from peers, in preference order.
var defaultSchemes = []SignatureScheme{
	ECDSAWithP256AndSHA256, ECDSAWithP384AndSHA384,
	PSSWithSHA256, PSSWithSHA384, PKCS1WithSHA256, PKCS1WithSHA384,
}

// chooseScheme picks the first scheme our key supports that the peer lists.
// A peer that sent no list gets our first choice (RFC 5246 §7.4.1.4.1 would
// mean SHA-1, which this package does not implement).
func chooseScheme(pub crypto.PublicKey, peer []SignatureScheme, allowed []SignatureScheme) (SignatureScheme, bool) {
	for _, s := range schemesFor(pub) {
		if !slices.Contains(allowed, s) {
			continue
		}
		if len(peer) == 0 || slices.Contains(peer, s) {
			return s, true
		}
	}
	return 0, false
}

// signMessage signs msg (hashed with the scheme's hash) with key.
func signMessage(rnd io.Reader, key crypto.Signer, s SignatureScheme, msg []byte) ([]byte, error) {
	h := schemeHash(s)
	if h == 0 {
		return nil, errors.New("dtls: unsupported signature scheme")
	}
	d := h.New()
	d.Write(msg)
	var opts crypto.SignerOpts = h
	if isPSS(s) {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
	}
	return key.Sign(rnd, d.Sum(nil), opts)
}

var errBadSignature = errors.New("bad signature")

// verifyMessage checks sig over msg with the public key.
func verifyMessage(pub crypto.PublicKey, s SignatureScheme, msg, sig []byte) error {
	h := schemeHash(s)
	if h == 0 {
		return errors.New("unsupported signature scheme " + s.String())
	}
	d := h.New()
	d.Write(msg)
	digest := d.Sum(nil)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if s != ECDSAWithP256AndSHA256 && s != ECDSAWithP384AndSHA384 {
			return errBadSignature
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errBadSignature
		}
		return nil
	case *rsa.PublicKey:
		if isPSS(s) {
			if rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
				return errBadSignature
			}
			return nil
		}
		if s != PKCS1WithSHA256 && s != PKCS1WithSHA384 {
			return errBadSignature
		}
		if rsa.VerifyPKCS1v15(k, h, digest, sig) != nil {
			return errBadSignature
		}
		return nil
	}
	return errors.New("unsupported public key type")
}
