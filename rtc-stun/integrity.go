package stun

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"hash/crc32"
)

// fingerprintXOR is the constant of RFC 8489 §14.7: "the CRC-32 of the STUN
// message ... XOR'ed with the 32-bit value 0x5354554e".
const fingerprintXOR uint32 = 0x5354554e

// ShortTermKey returns the HMAC key for short-term credentials: the
// password processed with the OpaqueString profile of RFC 8265 (RFC 8489
// §9.1.1). For printable ASCII, which is what ICE passwords are (ice-char,
// RFC 8445 §7.2.2, RFC 8839 §5.4), OpaqueString changes nothing, so the key
// is the password's bytes. Other passwords need the PRECIS profile itself,
// which lives with the long-term credentials in rtc-turn (turn.OpaqueString)
// so that a STUN-only program does not pull in golang.org/x/text:
// ShortTermKey refuses them with ErrNotASCII.
func ShortTermKey(password string) ([]byte, error) {
	if password == "" {
		return nil, ErrNotASCII // OpaqueString refuses the empty string too
	}
	for i := 0; i < len(password); i++ {
		if c := password[i]; c < 0x20 || c > 0x7E {
			return nil, ErrNotASCII
		}
	}
	return []byte(password), nil
}

// Integrity computes and checks MESSAGE-INTEGRITY (HMAC-SHA1) and
// MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256) with one key. It keeps one hash
// state per hash function it has used and its scratch space, so after the
// first use of each hash it allocates nothing. Create one per credential
// and reuse it; it is not safe for concurrent use (a sans-I/O machine never
// needs that).
//
// The HMAC (RFC 2104) is computed here over one plain hash state rather
// than with crypto/hmac, whose state (two hashes, and the saved states of
// both after the padded key) is about 512 bytes per hash function where a
// SHA-1 or SHA-256 state is 112 (issue 18: an ICE agent keeps two
// Integrity values per connection). Hashing the padded key again costs two
// more hash blocks per message.
type Integrity struct {
	key  []byte
	h1   hash.Hash // SHA-1, made at the first use
	h256 hash.Hash // SHA-256, made at the first use
	// buf is the padded key block (buf[:hmacBlockSize]), then the inner
	// hash and the result (buf[hmacBlockSize:]).
	buf [hmacBlockSize + sha256.Size]byte
}

// hmacBlockSize is the block size of SHA-1 and SHA-256 (RFC 2104 "B").
const hmacBlockSize = 64

// NewIntegrity returns an Integrity for key (from ShortTermKey or
// LongTermKey). The key is copied.
func NewIntegrity(key []byte) *Integrity {
	return &Integrity{key: append([]byte(nil), key...)}
}

// Key returns the key. The caller must not modify it.
func (in *Integrity) Key() []byte { return in.key }

func (in *Integrity) hashFor(t AttrType) hash.Hash {
	if t == AttrMessageIntegritySHA256 {
		if in.h256 == nil {
			in.h256 = sha256.New()
		}
		return in.h256
	}
	if in.h1 == nil {
		in.h1 = sha1.New()
	}
	return in.h1
}

// mac returns HMAC(key, hdr || body) with the hash of t (RFC 2104:
// H(K XOR opad, H(K XOR ipad, text))). The result aliases in's scratch
// space.
func (in *Integrity) mac(t AttrType, hdr, body []byte) []byte {
	h := in.hashFor(t)
	pad := in.buf[:hmacBlockSize]
	// RFC 2104 §2: a key longer than B is first hashed; the key is then
	// padded with zeros to B bytes.
	k := in.key
	if len(k) > hmacBlockSize {
		h.Reset()
		h.Write(k)
		k = h.Sum(pad[:0])
	}
	copy(pad, k)
	clear(pad[len(k):])
	for i := range pad {
		pad[i] ^= 0x36 // ipad
	}
	h.Reset()
	h.Write(pad)
	h.Write(hdr)
	h.Write(body)
	inner := h.Sum(in.buf[hmacBlockSize:hmacBlockSize])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c // ipad to opad
	}
	h.Reset()
	h.Write(pad)
	h.Write(inner)
	return h.Sum(in.buf[hmacBlockSize:hmacBlockSize])
}

// sum returns the HMAC of msg, whose header length must already be set as
// RFC 8489 §14.5/§14.6 require. The result aliases in's scratch space.
func (in *Integrity) sum(t AttrType, msg []byte) []byte {
	return in.mac(t, nil, msg)
}

// check verifies the integrity attribute at offset off of m.Raw.
func (in *Integrity) check(m *Message, t AttrType, off int) error {
	if off < 0 {
		return ErrNoIntegrity
	}
	raw := m.Raw
	n := int(binary.BigEndian.Uint16(raw[off+2:]))
	if t == AttrMessageIntegritySHA256 {
		// RFC 8489 §14.6: the value "MUST contain at least 16 bytes" and
		// is a multiple of 4 (truncation); at most 32.
		if n < 16 || n > 32 || n%4 != 0 {
			return ErrBadAttribute
		}
	} else if n != 20 {
		return ErrBadAttribute
	}
	// The HMAC input is the message up to the attribute, with the header
	// length set to end just after it. Copy the header so the caller's
	// bytes are never modified (into the result space, which mac reads
	// before it writes there).
	hdr := in.buf[hmacBlockSize : hmacBlockSize+HeaderSize]
	copy(hdr, raw[:HeaderSize])
	binary.BigEndian.PutUint16(hdr[2:], uint16(off+attrHeaderSize+n-HeaderSize))
	sum := in.mac(t, hdr, raw[HeaderSize:off])
	got := raw[off+attrHeaderSize : off+attrHeaderSize+n]
	if subtle.ConstantTimeCompare(sum[:n], got) != 1 {
		return ErrIntegrityMismatch
	}
	return nil
}

// CheckSHA1 verifies MESSAGE-INTEGRITY in constant time (RFC 8489 §14.5).
func (in *Integrity) CheckSHA1(m *Message) error {
	return in.check(m, AttrMessageIntegrity, m.miOff)
}

// CheckSHA256 verifies MESSAGE-INTEGRITY-SHA256 in constant time (RFC 8489 §14.6).
func (in *Integrity) CheckSHA256(m *Message) error {
	return in.check(m, AttrMessageIntegritySHA256, m.mi256Off)
}

// Check verifies the integrity of m: MESSAGE-INTEGRITY-SHA256 when present
// (RFC 8489 §9.1.3: "If the message contains both ... the receiver MUST use
// only the MESSAGE-INTEGRITY-SHA256 attribute"), else MESSAGE-INTEGRITY.
// It returns ErrNoIntegrity when m has neither.
func (in *Integrity) Check(m *Message) error {
	if m.mi256Off >= 0 {
		return in.CheckSHA256(m)
	}
	return in.CheckSHA1(m)
}

// HasIntegrity reports whether m carries MESSAGE-INTEGRITY or
// MESSAGE-INTEGRITY-SHA256.
func (m *Message) HasIntegrity() bool { return m.miOff >= 0 || m.mi256Off >= 0 }

// HasFingerprint reports whether m carries FINGERPRINT.
func (m *Message) HasFingerprint() bool { return m.fpOff >= 0 }

// CheckFingerprint verifies FINGERPRINT (RFC 8489 §14.7); ErrNoFingerprint
// when it is absent. The comparison is constant-time.
func (m *Message) CheckFingerprint() error {
	if m.fpOff < 0 {
		return ErrNoFingerprint
	}
	v := m.Raw[m.fpOff+attrHeaderSize:]
	if binary.BigEndian.Uint16(m.Raw[m.fpOff+2:]) != 4 || len(v) != 4 {
		return ErrBadAttribute
	}
	// FINGERPRINT is last, so the header length already ends after it.
	want := crc32.ChecksumIEEE(m.Raw[:m.fpOff]) ^ fingerprintXOR
	if subtle.ConstantTimeEq(int32(want), int32(binary.BigEndian.Uint32(v))) != 1 {
		return ErrFingerprintMismatch
	}
	return nil
}
