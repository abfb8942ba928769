package srtp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"hash"
)

// Key derivation labels, RFC 3711 §4.3.1 and §4.3.2.
const (
	labelRTPEncryption  = 0x00
	labelRTPAuth        = 0x01
	labelRTPSalt        = 0x02
	labelRTCPEncryption = 0x03
	labelRTCPAuth       = 0x04
	labelRTCPSalt       = 0x05
)

// deriveKey is the AES-CM PRF of RFC 3711 §4.3.1 and §4.3.3 (AES_256_CM_PRF
// for 32-octet master keys, RFC 6188 §3) with a key derivation rate of 0, so
// "index DIV kdr" is 0 and the label alone is XORed into the master salt:
//
//	key_id = label || r;  x = key_id XOR master_salt;  out = AES-CM(k_master, x*2^16)
//
// The 56-bit key_id is right-aligned in the 112-bit salt, which puts the
// label in octet 7. A 96-bit AEAD master salt (RFC 7714 §11) is used
// left-aligned, padded with zero bits to 112, as libsrtp does.
func deriveKey(prf *ctrCipher, masterSalt []byte, label byte, out []byte) {
	var iv [16]byte
	copy(iv[:14], masterSalt)
	iv[7] ^= label
	clear(out)
	prf.xorKeyStream(out, &iv)
}

// keySet is one master key with everything derived from it, ready for the
// per-packet transforms, plus the scratch space they use (it lives here, on
// the heap once, so that nothing escapes per packet).
type keySet struct {
	mki []byte

	// AES-CM + HMAC-SHA1 (RFC 3711 §4.1.1, §4.2.1).
	rtpCTR, rtcpCTR   *ctrCipher
	rtpMAC, rtcpMAC   hash.Hash
	rtpSalt, rtcpSalt [14]byte

	// AES-GCM (RFC 7714 §8, §9).
	rtpAEAD, rtcpAEAD cipher.AEAD
	rtpGSalt          [12]byte
	rtcpGSalt         [12]byte

	// Scratch.
	iv    [16]byte
	nonce [12]byte
	mac   [20]byte
	roc   [4]byte
	aad   [12]byte
	tag   [16]byte
}

func newKeySet(p ProfileParams, masterKey, masterSalt, mki []byte) (*keySet, error) {
	if len(masterKey) != p.KeyLen || len(masterSalt) != p.SaltLen {
		return nil, ErrBadConfig
	}
	prf, err := newCTRCipher(masterKey)
	if err != nil {
		return nil, err
	}
	k := &keySet{mki: append([]byte(nil), mki...)}
	encRTP := make([]byte, p.KeyLen)
	encRTCP := make([]byte, p.KeyLen)
	deriveKey(prf, masterSalt, labelRTPEncryption, encRTP)
	deriveKey(prf, masterSalt, labelRTCPEncryption, encRTCP)
	if p.AEAD {
		deriveKey(prf, masterSalt, labelRTPSalt, k.rtpGSalt[:])
		deriveKey(prf, masterSalt, labelRTCPSalt, k.rtcpGSalt[:])
		if k.rtpAEAD, err = newGCM(encRTP); err != nil {
			return nil, err
		}
		if k.rtcpAEAD, err = newGCM(encRTCP); err != nil {
			return nil, err
		}
		return k, nil
	}
	deriveKey(prf, masterSalt, labelRTPSalt, k.rtpSalt[:])
	deriveKey(prf, masterSalt, labelRTCPSalt, k.rtcpSalt[:])
	authRTP := make([]byte, p.AuthKeyLen)
	authRTCP := make([]byte, p.AuthKeyLen)
	deriveKey(prf, masterSalt, labelRTPAuth, authRTP)
	deriveKey(prf, masterSalt, labelRTCPAuth, authRTCP)
	if k.rtpCTR, err = newCTRCipher(encRTP); err != nil {
		return nil, err
	}
	if k.rtcpCTR, err = newCTRCipher(encRTCP); err != nil {
		return nil, err
	}
	k.rtpMAC = hmac.New(sha1.New, authRTP)
	k.rtcpMAC = hmac.New(sha1.New, authRTCP)
	return k, nil
}

// newSessionKeySet builds a key set from session keys directly, bypassing
// the KDF, as the RFC 7714 vectors require.
func newSessionKeySet(p ProfileParams, key, salt []byte) (*keySet, error) {
	k := &keySet{}
	var err error
	if k.rtpAEAD, err = newGCM(key); err != nil {
		return nil, err
	}
	if k.rtcpAEAD, err = newGCM(key); err != nil {
		return nil, err
	}
	copy(k.rtpGSalt[:], salt)
	copy(k.rtcpGSalt[:], salt)
	return k, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
