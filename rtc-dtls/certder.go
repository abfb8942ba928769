package dtls

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	stdasn1 "encoding/asn1"
	"errors"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// The object identifiers of a WebRTC certificate (RFC 5280 §4.1, RFC 5758
// §3.2, RFC 5480 §2.1.1).
var (
	oidECDSAWithSHA256 = stdasn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = stdasn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECPublicKey     = stdasn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256            = stdasn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384            = stdasn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidCommonName      = stdasn1.ObjectIdentifier{2, 5, 4, 3}
	oidKeyUsage        = stdasn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtKeyUsage     = stdasn1.ObjectIdentifier{2, 5, 29, 37}
	oidBasicConstr     = stdasn1.ObjectIdentifier{2, 5, 29, 19}
	oidServerAuth      = stdasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidClientAuth      = stdasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
)

// selfSignedECDSA encodes and signs the certificate GenerateCertificate
// describes for an ECDSA key, in DER (RFC 5280 §4.1). It is what
// x509.CreateCertificate makes from the same template, without the work
// that one does for any issuer: it parses the result and verifies the
// signature it just made, which doubled the cost of a certificate and made
// it about 15% of a PeerConnection's setup (issue 18). The tests check the
// result with x509.ParseCertificate and CheckSignature.
func selfSignedECDSA(key *ecdsa.PrivateKey, serial *big.Int, notBefore, notAfter time.Time) ([]byte, error) {
	sigAlg, curve, h := oidECDSAWithSHA256, oidP256, crypto.SHA256
	switch key.Curve.Params().BitSize {
	case 256:
	case 384:
		sigAlg, curve, h = oidECDSAWithSHA384, oidP384, crypto.SHA384
	default:
		return nil, errors.New("dtls: unsupported ECDSA curve")
	}
	point, err := key.PublicKey.Bytes() // uncompressed, RFC 5480 §2.2
	if err != nil {
		return nil, err
	}
	algID := func(b *cryptobyte.Builder) {
		// ecdsa-with-SHA256/384 have no parameters (RFC 5758 §3.2).
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(sigAlg) })
	}
	name := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidCommonName)
					b.AddASN1(asn1.PrintableString, func(b *cryptobyte.Builder) { b.AddBytes([]byte("sansrtc")) })
				})
			})
		})
	}
	ext := func(b *cryptobyte.Builder, oid stdasn1.ObjectIdentifier, critical bool, value func(*cryptobyte.Builder)) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			if critical {
				b.AddASN1Boolean(true)
			}
			b.AddASN1(asn1.OCTET_STRING, value)
		})
	}
	var tbs cryptobyte.Builder
	tbs.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(explicitTag(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) }) // v3
		b.AddASN1BigInt(serial)
		algID(b)
		name(b) // issuer
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, notBefore)
			addTime(b, notAfter)
		})
		name(b) // subject
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidECPublicKey)
				b.AddASN1ObjectIdentifier(curve)
			})
			b.AddASN1BitString(point)
		})
		b.AddASN1(explicitTag(3), func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				// digitalSignature, bit 0 (RFC 5280 §4.2.1.3): one
				// content byte, 7 unused bits.
				ext(b, oidKeyUsage, true, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.BIT_STRING, func(b *cryptobyte.Builder) { b.AddBytes([]byte{7, 0x80}) })
				})
				ext(b, oidExtKeyUsage, false, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidServerAuth)
						b.AddASN1ObjectIdentifier(oidClientAuth)
					})
				})
				// Not a CA: an empty BasicConstraints (RFC 5280 §4.2.1.9).
				ext(b, oidBasicConstr, true, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(*cryptobyte.Builder) {})
				})
			})
		})
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, err
	}
	var digest []byte
	if h == crypto.SHA384 {
		d := sha512.Sum384(tbsDER)
		digest = d[:]
	} else {
		d := sha256.Sum256(tbsDER)
		digest = d[:]
	}
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest)
	if err != nil {
		return nil, err
	}
	var cert cryptobyte.Builder
	cert.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		algID(b)
		b.AddASN1BitString(sig)
	})
	der, err := cert.Bytes()
	if err != nil {
		return nil, err
	}
	// The builder's buffer has grown by doubling; the certificate lives as
	// long as its PeerConnection, so keep an exact copy (about 170 bytes
	// less per P-256 certificate, issue 18).
	return bytes.Clone(der), nil
}

// explicitTag is the constructed, context-specific tag [n] of an
// EXPLICIT field (X.690 §8.14).
func explicitTag(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific().Constructed() }

// addTime adds a validity time: UTCTime for the years 1950 to 2049,
// GeneralizedTime for the others (RFC 5280 §4.1.2.5), in UTC to the
// second.
func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y >= 1950 && y < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
}
