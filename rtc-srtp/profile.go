package srtp

import "strconv"

// Profile is an SRTP protection profile, numbered by its DTLS-SRTP code point
// (RFC 5764 §4.1.2, RFC 7714 §14.2).
type Profile uint16

// The protection profiles this package implements.
const (
	// AES128CMHMACSHA1_80 is SRTP_AES128_CM_HMAC_SHA1_80 = {0x00, 0x01}
	// (RFC 5764 §4.1.2): AES-128 counter mode, HMAC-SHA1 with an 80-bit tag.
	AES128CMHMACSHA1_80 Profile = 0x0001
	// AES128CMHMACSHA1_32 is SRTP_AES128_CM_HMAC_SHA1_32 = {0x00, 0x02}:
	// as above with a 32-bit SRTP tag; SRTCP keeps an 80-bit tag.
	AES128CMHMACSHA1_32 Profile = 0x0002
	// AES256CMHMACSHA1_80 is AES-256 counter mode with HMAC-SHA1-80 (RFC
	// 6188 §3, the AES_256_CM_HMAC_SHA1_80 crypto suite). RFC 6188 names no
	// DTLS-SRTP code point and IANA registered none; 0x0003 is the value of
	// the DTLS-SRTP drafts that libsrtp and Pion also use. Offer it only to
	// peers known to agree.
	AES256CMHMACSHA1_80 Profile = 0x0003
	// AES256CMHMACSHA1_32 is AES-256 counter mode with HMAC-SHA1-32 (RFC
	// 6188 §3); 0x0004 is, as above, an unregistered draft value.
	AES256CMHMACSHA1_32 Profile = 0x0004
	// NullHMACSHA1_80 is SRTP_NULL_HMAC_SHA1_80 = {0x00, 0x05} (RFC 5764
	// §4.1.2): no encryption, HMAC-SHA1-80. RFC 5764 lists a cipher key
	// and salt length of 0, but the key derivation needs a master key; like
	// libsrtp and Pion, this package derives the authentication keys from a
	// 16-octet master key and 14-octet salt with the AES-128 PRF.
	NullHMACSHA1_80 Profile = 0x0005
	// NullHMACSHA1_32 is SRTP_NULL_HMAC_SHA1_32 = {0x00, 0x06}: as above
	// with a 32-bit SRTP tag (SRTCP keeps 80 bits).
	NullHMACSHA1_32 Profile = 0x0006
	// AEADAES128GCM is SRTP_AEAD_AES_128_GCM = {0x00, 0x07} (RFC 7714 §14.2).
	AEADAES128GCM Profile = 0x0007
	// AEADAES256GCM is SRTP_AEAD_AES_256_GCM = {0x00, 0x08} (RFC 7714 §14.2).
	AEADAES256GCM Profile = 0x0008
)

// ProfileParams are the transform parameters of a protection profile.
type ProfileParams struct {
	Name          string // the registry name, e.g. "SRTP_AEAD_AES_128_GCM"
	KeyLen        int    // master and session cipher key length in octets
	SaltLen       int    // master and session salt length in octets
	AEAD          bool   // AES-GCM (RFC 7714) rather than AES-CM + HMAC-SHA1
	AuthKeyLen    int    // HMAC-SHA1 session key length (0 for AEAD)
	RTPTagLen     int    // SRTP authentication tag length in octets
	RTCPTagLen    int    // SRTCP authentication tag length in octets
	Registered    bool   // whether IANA lists the code point for DTLS-SRTP
	WebRTCProfile bool   // one of the four profiles browsers negotiate
	NullCipher    bool   // authentication only: payloads are never encrypted
}

// profiles is the registry: RFC 5764 §4.1.2, RFC 6188 §3 and RFC 7714 §14.2.
// Columns: name, key, salt, AEAD, auth key, SRTP tag, SRTCP tag, registered,
// WebRTC, NULL cipher.
var profiles = [...]struct {
	id Profile
	p  ProfileParams
}{
	{AES128CMHMACSHA1_80, ProfileParams{"SRTP_AES128_CM_HMAC_SHA1_80", 16, 14, false, 20, 10, 10, true, true, false}},
	{AES128CMHMACSHA1_32, ProfileParams{"SRTP_AES128_CM_HMAC_SHA1_32", 16, 14, false, 20, 4, 10, true, true, false}},
	{AES256CMHMACSHA1_80, ProfileParams{"SRTP_AES256_CM_HMAC_SHA1_80", 32, 14, false, 20, 10, 10, false, false, false}},
	{AES256CMHMACSHA1_32, ProfileParams{"SRTP_AES256_CM_HMAC_SHA1_32", 32, 14, false, 20, 4, 10, false, false, false}},
	{NullHMACSHA1_80, ProfileParams{"SRTP_NULL_HMAC_SHA1_80", 16, 14, false, 20, 10, 10, true, false, true}},
	{NullHMACSHA1_32, ProfileParams{"SRTP_NULL_HMAC_SHA1_32", 16, 14, false, 20, 4, 10, true, false, true}},
	{AEADAES128GCM, ProfileParams{"SRTP_AEAD_AES_128_GCM", 16, 12, true, 0, 16, 16, true, true, false}},
	{AEADAES256GCM, ProfileParams{"SRTP_AEAD_AES_256_GCM", 32, 12, true, 0, 16, 16, true, true, false}},
}

// Profiles lists every implemented profile, in code point order.
func Profiles() []Profile {
	out := make([]Profile, len(profiles))
	for i := range profiles {
		out[i] = profiles[i].id
	}
	return out
}

// Params returns the profile's parameters, and false for an unknown profile.
func (p Profile) Params() (ProfileParams, bool) {
	for i := range profiles {
		if profiles[i].id == p {
			return profiles[i].p, true
		}
	}
	return ProfileParams{}, false
}

// KeyLen returns the master key length in octets (0 if unknown).
func (p Profile) KeyLen() int { q, _ := p.Params(); return q.KeyLen }

// SaltLen returns the master salt length in octets (0 if unknown).
func (p Profile) SaltLen() int { q, _ := p.Params(); return q.SaltLen }

// KeyingMaterialLen returns how many octets to export from DTLS for this
// profile: RFC 5764 §4.2, 2 * (key length + salt length).
func (p Profile) KeyingMaterialLen() int {
	q, _ := p.Params()
	return 2 * (q.KeyLen + q.SaltLen)
}

// String returns the registry name, e.g. "SRTP_AES128_CM_HMAC_SHA1_80".
func (p Profile) String() string {
	if q, ok := p.Params(); ok {
		return q.Name
	}
	return "Profile(0x" + strconv.FormatUint(uint64(p), 16) + ")"
}
