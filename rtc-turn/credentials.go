package turn

import (
	"crypto/md5"
	"crypto/sha256"
	"hash"

	stun "github.com/sansrtc/rtc/rtc-stun"
	"golang.org/x/text/secure/precis"
)

// Long-term credentials (RFC 8489 §9.2) need the PRECIS OpaqueString
// profile (RFC 8265) and, for RFC 5389 servers, SASLprep (RFC 4013); both
// come from golang.org/x/text. They live here, with their only user, so a
// STUN-only program (rtc-stun) does not pull x/text in (issue 17).

// OpaqueString prepares a username, realm or password with the
// OpaqueString profile of RFC 8265 (RFC 8489 §9.1.1, §9.2.2, §14.3). For a
// short-term password that is not printable ASCII (stun.ShortTermKey
// refuses it), the key is the bytes of OpaqueString(password).
func OpaqueString(s string) (string, error) { return precis.OpaqueString.String(s) }

// LongTermKey returns the HMAC key for long-term credentials (RFC 8489
// §9.2.2): MD5 or SHA-256 of username ":" OpaqueString(realm) ":"
// OpaqueString(password). The username is also prepared with OpaqueString
// (§14.3). For an RFC 5389 server whose password needs SASLprep rather than
// OpaqueString (they differ outside ASCII), prepare it with SASLprep first.
func LongTermKey(alg stun.PasswordAlgorithm, username, realm, password string) ([]byte, error) {
	u, err := precis.OpaqueString.String(username)
	if err != nil {
		return nil, err
	}
	r, err := precis.OpaqueString.String(realm)
	if err != nil {
		return nil, err
	}
	p, err := precis.OpaqueString.String(password)
	if err != nil {
		return nil, err
	}
	var h hash.Hash
	switch alg {
	case stun.PasswordAlgorithmMD5, 0:
		h = md5.New()
	case stun.PasswordAlgorithmSHA256:
		h = sha256.New()
	default:
		return nil, stun.ErrUnknownAlgorithm
	}
	h.Write([]byte(u + ":" + r + ":" + p))
	return h.Sum(nil), nil
}

// Userhash returns the value of USERHASH (RFC 8489 §14.4):
// SHA-256(OpaqueString(username) ":" OpaqueString(realm)).
func Userhash(username, realm string) ([32]byte, error) {
	u, err := precis.OpaqueString.String(username)
	if err != nil {
		return [32]byte{}, err
	}
	r, err := precis.OpaqueString.String(realm)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256([]byte(u + ":" + r)), nil
}
