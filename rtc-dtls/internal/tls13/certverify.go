package tls13

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"io"
)

// Context strings of CertificateVerify (RFC 8446 §4.4.3). DTLS 1.3 uses the
// same strings (RFC 9147 does not change them).
const (
	serverSignatureContext = "TLS 1.3, server CertificateVerify"
	clientSignatureContext = "TLS 1.3, client CertificateVerify"
)

// SignedContent builds what CertificateVerify signs (RFC 8446 §4.4.3): 64
// bytes of 0x20, the context string, a 0 byte, and the transcript hash of
// the handshake up to and including Certificate.
func SignedContent(server bool, transcriptHash []byte) []byte {
	ctx := clientSignatureContext
	if server {
		ctx = serverSignatureContext
	}
	out := make([]byte, 0, 64+len(ctx)+1+len(transcriptHash))
	for range 64 {
		out = append(out, 0x20)
	}
	out = append(out, ctx...)
	out = append(out, 0)
	return append(out, transcriptHash...)
}

// Errors of CertificateVerify.
var (
	ErrSchemeMismatch = errors.New("tls13: signature scheme does not fit the key")
	ErrBadSignature   = errors.New("tls13: CertificateVerify signature invalid")
)

// schemeHash is the hash a scheme signs with (0 for Ed25519, which signs the
// message itself).
func schemeHash(s SignatureScheme) (crypto.Hash, bool) {
	switch s {
	case ECDSAWithP256AndSHA256, PSSWithSHA256:
		return crypto.SHA256, true
	case ECDSAWithP384AndSHA384, PSSWithSHA384:
		return crypto.SHA384, true
	case Ed25519:
		return 0, true
	}
	// RFC 8446 §4.4.3: RSASSA-PKCS1-v1_5 "MUST NOT" sign CertificateVerify.
	return 0, false
}

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	}
	return msg
}

// SchemeForKey picks the scheme a key signs CertificateVerify with.
func SchemeForKey(pub crypto.PublicKey) (SignatureScheme, bool) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 256:
			return ECDSAWithP256AndSHA256, true
		case 384:
			return ECDSAWithP384AndSHA384, true
		}
	case *rsa.PublicKey:
		return PSSWithSHA256, true
	case ed25519.PublicKey:
		return Ed25519, true
	}
	return 0, false
}

// SignCertificateVerify signs the transcript hash with key under scheme.
// rnd supplies ECDSA and PSS randomness.
func SignCertificateVerify(rnd io.Reader, key crypto.Signer, scheme SignatureScheme, server bool, transcriptHash []byte) ([]byte, error) {
	h, ok := schemeHash(scheme)
	if !ok {
		return nil, ErrSchemeMismatch
	}
	if s, ok := SchemeForKey(key.Public()); !ok || s != scheme {
		return nil, ErrSchemeMismatch
	}
	msg := SignedContent(server, transcriptHash)
	var opts crypto.SignerOpts = h
	if scheme == PSSWithSHA256 || scheme == PSSWithSHA384 {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
	}
	if scheme == Ed25519 {
		opts = crypto.Hash(0)
	}
	return key.Sign(rnd, digest(h, msg), opts)
}

// VerifyCertificateVerify checks a CertificateVerify against the peer's
// public key. RFC 8446 §4.4.3: on failure "the recipient MUST terminate the
// handshake with a 'decrypt_error' alert".
func VerifyCertificateVerify(pub crypto.PublicKey, cv *CertificateVerify, server bool, transcriptHash []byte) error {
	h, ok := schemeHash(cv.Scheme)
	if !ok {
		return ErrSchemeMismatch
	}
	msg := SignedContent(server, transcriptHash)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if s, _ := SchemeForKey(k); s != cv.Scheme {
			return ErrSchemeMismatch
		}
		if !ecdsa.VerifyASN1(k, digest(h, msg), cv.Signature) {
			return ErrBadSignature
		}
	case *rsa.PublicKey:
		if cv.Scheme != PSSWithSHA256 && cv.Scheme != PSSWithSHA384 {
			return ErrSchemeMismatch
		}
		if rsa.VerifyPSS(k, h, digest(h, msg), cv.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
			return ErrBadSignature
		}
	case ed25519.PublicKey:
		if cv.Scheme != Ed25519 {
			return ErrSchemeMismatch
		}
		if !ed25519.Verify(k, msg, cv.Signature) {
			return ErrBadSignature
		}
	default:
		return ErrSchemeMismatch
	}
	return nil
}
