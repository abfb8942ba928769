package tls13

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
)

// Label prefixes of HKDF-Expand-Label. RFC 9147 §5.9: DTLS 1.3 uses "dtls13"
// where TLS 1.3 (RFC 8446 §7.1) uses "tls13 ", so the two protocols can never
// derive the same key from the same secret. Both are six bytes.
const (
	PrefixDTLS13 = "dtls13"
	PrefixTLS13  = "tls13 "
)

// Schedule is the TLS 1.3 key schedule (RFC 8446 §7.1) for one hash, with the
// label prefix as a parameter so the RFC 8448 TLS traces check the same code
// that DTLS runs. The zero value is not usable; use NewSchedule.
//
// A Schedule holds the three stage secrets as the handshake reaches them:
//
//	Early Secret = HKDF-Extract(0, PSK or 0)           (no PSK here)
//	Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE)
//	Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0)
type Schedule struct {
	newHash func() hash.Hash
	prefix  string

	early, handshake, master []byte

	// HMAC written out (RFC 2104) over two reused hashes, so the dozens of
	// HKDF steps of a handshake do not each allocate an HMAC.
	// They, pad and info are let go by Compact once the handshake is
	// done, and made again by the next HMAC (a KeyUpdate, an exporter).
	inner, outer hash.Hash
	size, block  int     // the hash's output and block sizes
	pad          []byte  // block-size scratch for the padded key
	info         []byte  // HkdfLabel scratch
	counter      [1]byte // HKDF-Expand's block counter (a slice literal would escape)
}

// ErrScheduleOrder is returned when a secret is asked for before the stage
// that holds it was reached.
var ErrScheduleOrder = errors.New("tls13: key schedule stage not reached")

// NewSchedule starts a schedule for hash (SHA-256 or SHA-384) with the label
// prefix, and computes the Early Secret with no PSK (RFC 8446 §7.1: "If a
// given secret is not available, then the 0-value consisting of a string of
// Hash.length bytes set to zeros is used").
func NewSchedule(newHash func() hash.Hash, prefix string) *Schedule {
	s := &Schedule{newHash: newHash, prefix: prefix, inner: newHash(), outer: newHash()}
	s.size, s.block = s.inner.Size(), s.inner.BlockSize()
	s.pad = make([]byte, s.block)
	zeros := make([]byte, s.size)
	s.early = s.Extract(zeros, zeros)
	return s
}

// HashSize is Hash.length.
func (s *Schedule) HashSize() int { return s.size }

// Compact lets go of what only the handshake's many HKDF steps use: the
// two HMAC hashes and scratch (made again by the next HMAC) and the Early
// and Handshake Secrets (HandshakeTrafficSecrets then reports
// ErrScheduleOrder). The Master Secret stays. About 500 bytes per
// connection for its life (issue 18).
func (s *Schedule) Compact() {
	s.inner, s.outer, s.pad, s.info = nil, nil, nil, nil
	s.early, s.handshake = nil, nil
}

// hmacStart keys the inner and outer hashes for HMAC(key, ...) (RFC 2104).
// Keys longer than the block are hashed first.
func (s *Schedule) hmacStart(key []byte) {
	if s.inner == nil { // after Compact
		s.inner, s.outer, s.pad = s.newHash(), s.newHash(), make([]byte, s.block)
	}
	if len(key) > len(s.pad) {
		s.inner.Reset()
		s.inner.Write(key)
		key = s.inner.Sum(nil)
	}
	clear(s.pad)
	copy(s.pad, key)
	for i := range s.pad {
		s.pad[i] ^= 0x36
	}
	s.inner.Reset()
	s.inner.Write(s.pad)
	for i := range s.pad {
		s.pad[i] ^= 0x36 ^ 0x5c
	}
	s.outer.Reset()
	s.outer.Write(s.pad)
}

// hmacSum finishes HMAC: it appends the MAC of what was written to inner.
func (s *Schedule) hmacSum(dst []byte) []byte {
	n := len(dst)
	dst = s.inner.Sum(dst)
	s.outer.Write(dst[n:])
	return s.outer.Sum(dst[:n])
}

// NewHash returns a fresh hash of the schedule's function (for transcripts).
func (s *Schedule) NewHash() hash.Hash { return s.newHash() }

// Extract is HKDF-Extract(salt, ikm) = HMAC-Hash(salt, ikm) (RFC 5869 §2.2).
func (s *Schedule) Extract(salt, ikm []byte) []byte {
	s.hmacStart(salt)
	s.inner.Write(ikm)
	return s.hmacSum(make([]byte, 0, s.HashSize()))
}

// expand is HKDF-Expand(prk, info, length) (RFC 5869 §2.3):
//
//	T(0) = empty; T(i) = HMAC-Hash(PRK, T(i-1) | info | i)
//	OKM = first L octets of T(1) | T(2) | ...
func (s *Schedule) expand(prk, info []byte, length int) []byte {
	hl := s.HashSize()
	out := make([]byte, 0, (length+hl-1)/hl*hl)
	var prev []byte
	for i := byte(1); len(out) < length; i++ {
		s.hmacStart(prk)
		s.inner.Write(prev)
		s.inner.Write(info)
		s.counter[0] = i
		s.inner.Write(s.counter[:])
		out = s.hmacSum(out)
		prev = out[len(out)-hl:]
	}
	return out[:length:length]
}

// ExpandLabel is HKDF-Expand-Label (RFC 8446 §7.1, RFC 9147 §5.9):
//
//	HKDF-Expand-Label(Secret, Label, Context, Length) =
//	     HKDF-Expand(Secret, HkdfLabel, Length)
//	struct {
//	    uint16 length = Length;
//	    opaque label<7..255> = prefix + Label;
//	    opaque context<0..255> = Context;
//	} HkdfLabel;
func (s *Schedule) ExpandLabel(secret []byte, label string, context []byte, length int) []byte {
	info := s.info[:0]
	info = append(info, byte(length>>8), byte(length), byte(len(s.prefix)+len(label)))
	info = append(info, s.prefix...)
	info = append(info, label...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	s.info = info
	return s.expand(secret, info, length)
}

// DeriveSecret is Derive-Secret(Secret, Label, Messages) with the transcript
// hash already computed (RFC 8446 §7.1):
//
//	Derive-Secret(Secret, Label, Messages) =
//	     HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
func (s *Schedule) DeriveSecret(secret []byte, label string, transcriptHash []byte) []byte {
	return s.ExpandLabel(secret, label, transcriptHash, s.HashSize())
}

// emptyHash is Transcript-Hash("") for the "derived" steps.
func (s *Schedule) emptyHash() []byte { return s.newHash().Sum(nil) }

// EarlySecret returns the Early Secret.
func (s *Schedule) EarlySecret() []byte { return s.early }

// SetSharedSecret moves to the Handshake Secret with the (EC)DHE or hybrid
// shared secret, and on to the Master Secret (which needs no further input
// without PSK).
func (s *Schedule) SetSharedSecret(shared []byte) {
	derived := s.DeriveSecret(s.early, "derived", s.emptyHash())
	s.handshake = s.Extract(derived, shared)
	derived = s.DeriveSecret(s.handshake, "derived", s.emptyHash())
	s.master = s.Extract(derived, make([]byte, s.HashSize()))
}

// HandshakeSecret returns the Handshake Secret, nil before SetSharedSecret.
func (s *Schedule) HandshakeSecret() []byte { return s.handshake }

// MasterSecret returns the Master Secret, nil before SetSharedSecret.
func (s *Schedule) MasterSecret() []byte { return s.master }

// HandshakeTrafficSecrets returns client_handshake_traffic_secret and
// server_handshake_traffic_secret from Transcript-Hash(ClientHello..ServerHello).
func (s *Schedule) HandshakeTrafficSecrets(helloHash []byte) (client, server []byte, err error) {
	if s.handshake == nil {
		return nil, nil, ErrScheduleOrder
	}
	return s.DeriveSecret(s.handshake, "c hs traffic", helloHash),
		s.DeriveSecret(s.handshake, "s hs traffic", helloHash), nil
}

// ApplicationTrafficSecrets returns client_application_traffic_secret_0,
// server_application_traffic_secret_0 and exporter_master_secret from
// Transcript-Hash(ClientHello..server Finished).
func (s *Schedule) ApplicationTrafficSecrets(finishedHash []byte) (client, server, exporter []byte, err error) {
	if s.master == nil {
		return nil, nil, nil, ErrScheduleOrder
	}
	return s.DeriveSecret(s.master, "c ap traffic", finishedHash),
		s.DeriveSecret(s.master, "s ap traffic", finishedHash),
		s.DeriveSecret(s.master, "exp master", finishedHash), nil
}

// TrafficKeys are the record protection keys of one direction and epoch.
type TrafficKeys struct {
	Key   []byte // write_key
	IV    []byte // write_iv (12 bytes)
	SNKey []byte // sn_key, the record number encryption key (RFC 9147 §4.2.3)
}

// TrafficKeys derives the keys of a traffic secret (RFC 8446 §7.3, RFC 9147
// §4.2.3):
//
//	[sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
//	[sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)
//	[sender]_sn_key    = HKDF-Expand-Label(Secret, "sn", "", key_length)
func (s *Schedule) TrafficKeys(secret []byte, keyLen int) TrafficKeys {
	return TrafficKeys{
		Key:   s.ExpandLabel(secret, "key", nil, keyLen),
		IV:    s.ExpandLabel(secret, "iv", nil, 12),
		SNKey: s.ExpandLabel(secret, "sn", nil, keyLen),
	}
}

// NextTrafficSecret is the KeyUpdate step (RFC 8446 §7.2):
//
//	application_traffic_secret_N+1 =
//	    HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
func (s *Schedule) NextTrafficSecret(secret []byte) []byte {
	return s.ExpandLabel(secret, "traffic upd", nil, s.HashSize())
}

// FinishedMAC computes verify_data for a Finished message (RFC 8446 §4.4.4):
//
//	finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)
//	verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context,
//	                   Certificate*, CertificateVerify*))
//
// where BaseKey is the sender's handshake traffic secret.
func (s *Schedule) FinishedMAC(baseKey, transcriptHash []byte) []byte {
	key := s.ExpandLabel(baseKey, "finished", nil, s.HashSize())
	s.hmacStart(key)
	s.inner.Write(transcriptHash)
	return s.hmacSum(make([]byte, 0, s.HashSize()))
}

// VerifyFinished reports, in constant time, whether verifyData is the
// Finished MAC of baseKey over transcriptHash.
func (s *Schedule) VerifyFinished(baseKey, transcriptHash, verifyData []byte) bool {
	return hmac.Equal(s.FinishedMAC(baseKey, transcriptHash), verifyData)
}

// Exporter is TLS-Exporter (RFC 8446 §7.5), which DTLS-SRTP uses with the
// label "EXTRACTOR-dtls_srtp" and no context (RFC 5764 §4.2):
//
//	TLS-Exporter(label, context_value, key_length) =
//	    HKDF-Expand-Label(Derive-Secret(Secret, label, ""),
//	                      "exporter", Hash(context_value), key_length)
//
// A nil context and an empty one give the same output in TLS 1.3 (§7.5: "the
// two are the same"), unlike RFC 5705.
func (s *Schedule) Exporter(exporterMaster []byte, label string, context []byte, length int) ([]byte, error) {
	if length < 0 || length > 255*s.HashSize() {
		return nil, errors.New("tls13: exporter length out of range")
	}
	secret := s.DeriveSecret(exporterMaster, label, s.emptyHash())
	h := s.newHash()
	h.Write(context)
	return s.ExpandLabel(secret, "exporter", h.Sum(nil), length), nil
}

// SHA256 and SHA384 are the two hashes of the TLS 1.3 cipher suites.
var (
	SHA256 = sha256.New
	SHA384 = sha512.New384
)
