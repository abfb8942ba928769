package tls13

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"hash"
	"strconv"

	"golang.org/x/crypto/chacha20poly1305"
)

// CipherSuite is a TLS 1.3 cipher suite (RFC 8446 §B.4).
type CipherSuite uint16

// The TLS 1.3 suites this package implements, in our preference order.
const (
	TLS_AES_128_GCM_SHA256       CipherSuite = 0x1301
	TLS_AES_256_GCM_SHA384       CipherSuite = 0x1302
	TLS_CHACHA20_POLY1305_SHA256 CipherSuite = 0x1303
)

// suite13 is one row of the suite registry.
type suite13 struct {
	id      CipherSuite
	name    string
	keyLen  int
	newHash func() hash.Hash
	chacha  bool
}

var suites13 = []suite13{
	{TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", 16, SHA256, false},
	{TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", 32, SHA384, false},
	{TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", 32, SHA256, true},
}

func lookupSuite(id CipherSuite) *suite13 {
	for i := range suites13 {
		if suites13[i].id == id {
			return &suites13[i]
		}
	}
	return nil
}

// String returns the RFC 8446 name.
func (s CipherSuite) String() string {
	if p := lookupSuite(s); p != nil {
		return p.name
	}
	return "CipherSuite(0x" + strconv.FormatUint(uint64(s), 16) + ")"
}

// Supported reports whether this package implements s.
func (s CipherSuite) Supported() bool { return lookupSuite(s) != nil }

// KeyLen is the AEAD key length (and sn_key length) of s, 0 if unknown.
func (s CipherSuite) KeyLen() int {
	if p := lookupSuite(s); p != nil {
		return p.keyLen
	}
	return 0
}

// Hash returns the suite's hash constructor, nil if unknown.
func (s CipherSuite) Hash() func() hash.Hash {
	if p := lookupSuite(s); p != nil {
		return p.newHash
	}
	return nil
}

// ErrUnsupportedSuite is returned for a suite outside the registry.
var ErrUnsupportedSuite = errors.New("tls13: unsupported cipher suite")

// Protection is the record protection of one direction of one epoch: the
// AEAD with its static IV, and the record number mask (RFC 9147 §4.2.3).
// It is immutable once made, so one value serves a reader and a writer.
type Protection struct {
	suite CipherSuite
	aead  cipher.AEAD
	iv    [12]byte
	snAES cipher.Block // AES suites
	snKey [32]byte     // ChaCha20 suite
}

// NewProtection makes the protection for keys of suite (RFC 8446 §5.2,
// RFC 9147 §4.2.3).
func NewProtection(suite CipherSuite, keys TrafficKeys) (*Protection, error) {
	p := lookupSuite(suite)
	if p == nil {
		return nil, ErrUnsupportedSuite
	}
	if len(keys.Key) != p.keyLen || len(keys.SNKey) != p.keyLen || len(keys.IV) != 12 {
		return nil, errors.New("tls13: traffic key lengths do not match the suite")
	}
	pr := &Protection{suite: suite}
	copy(pr.iv[:], keys.IV)
	var err error
	if p.chacha {
		pr.aead, err = chacha20poly1305.New(keys.Key)
		copy(pr.snKey[:], keys.SNKey)
	} else {
		var b cipher.Block
		if b, err = aes.NewCipher(keys.Key); err == nil {
			pr.aead, err = cipher.NewGCM(b)
		}
		if err == nil {
			pr.snAES, err = aes.NewCipher(keys.SNKey)
		}
	}
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// Suite returns the protection's cipher suite.
func (p *Protection) Suite() CipherSuite { return p.suite }

// Overhead is the AEAD tag length.
func (p *Protection) Overhead() int { return p.aead.Overhead() }

// nonce forms the per-record nonce (RFC 8446 §5.3): the 64-bit record
// sequence number, left-padded to 12 bytes and XORed with the static IV.
// RFC 9147 §4: "In DTLS 1.3 the 64-bit sequence_number is used as the
// sequence number for the AEAD computation; unlike DTLS 1.2, the epoch is not
// included."
func (p *Protection) nonce(out *[12]byte, seq uint64) {
	*out = p.iv
	for i := range 8 {
		out[11-i] ^= byte(seq >> (8 * i))
	}
}

// mask computes the record number mask from the first 16 bytes of the
// ciphertext (RFC 9147 §4.2.3):
//
//	AES:      Mask = AES-ECB(sn_key, Ciphertext[0..15])
//	ChaCha20: Mask = ChaCha20(sn_key, Ciphertext[0..3], Ciphertext[4..15])
//
// where the ChaCha20 counter is the first four bytes (little-endian, as RFC
// 8439 reads it) and the nonce the next twelve.
func (p *Protection) mask(out *[16]byte, sample []byte) {
	if p.snAES != nil {
		p.snAES.Encrypt(out[:], sample[:16])
		return
	}
	chacha20Block16(out, &p.snKey, sample[:16])
}
