package sctp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// cookieState is everything the passive side needs to create the
// association from a COOKIE ECHO (RFC 9260 §5.1.3): the passive side keeps no
// state between sending INIT ACK and receiving COOKIE ECHO, so all of it
// travels in the cookie, signed with an HMAC-SHA256 key only this side knows
// and stamped with its creation time.
type cookieState struct {
	created  int64 // unix nanoseconds of the INIT ACK
	myTag    uint32
	peerTag  uint32
	myTSN    uint32
	peerTSN  uint32
	peerRwnd uint32
	peerOS   uint16
	peerMIS  uint16
	tieMy    uint32 // RFC 9260 §5.2.2 Tie-Tags (zero when none)
	tiePeer  uint32
	features uint8 // peer's feature bits (featureFwdTSN, ...)
}

const (
	cookieVersion  = 1
	cookieBodySize = 1 + 8 + 4*7 + 2*2 + 1
	cookieMACSize  = 32
	cookieSize     = cookieBodySize + cookieMACSize
)

// Peer feature bits carried in the cookie.
const (
	featureFwdTSN = 1 << iota
	featureReconfig
	featureIData
	featureZeroChecksum
)

func featuresOf(in *initChunk) uint8 {
	var f uint8
	if in.fwdTSN {
		f |= featureFwdTSN
	}
	if in.reconfig {
		f |= featureReconfig
	}
	if in.idata {
		f |= featureIData
	}
	if in.zeroCsum {
		f |= featureZeroChecksum
	}
	return f
}

// appendCookie appends the signed cookie for s.
func appendCookie(b []byte, key []byte, s *cookieState) []byte {
	start := len(b)
	b = append(b, cookieVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(s.created))
	for _, v := range [...]uint32{s.myTag, s.peerTag, s.myTSN, s.peerTSN, s.peerRwnd, s.tieMy, s.tiePeer} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = binary.BigEndian.AppendUint16(b, s.peerOS)
	b = binary.BigEndian.AppendUint16(b, s.peerMIS)
	b = append(b, s.features)
	m := hmac.New(sha256.New, key)
	m.Write(b[start:])
	return m.Sum(b)
}

// openCookie verifies the signature and age of a cookie and decodes it. It
// returns ErrCookie for a forged cookie, and CauseStaleCookie with the
// staleness for an expired one (RFC 9260 §5.1.5 step 3).
func openCookie(c []byte, key []byte, now time.Time, life time.Duration, s *cookieState) (stale time.Duration, err error) {
	if len(c) != cookieSize || c[0] != cookieVersion {
		return 0, ErrCookie
	}
	m := hmac.New(sha256.New, key)
	m.Write(c[:cookieBodySize])
	var sum [cookieMACSize]byte
	if !hmac.Equal(m.Sum(sum[:0]), c[cookieBodySize:]) {
		return 0, ErrCookie
	}
	cur := shared.NewCursor(c[1:cookieBodySize])
	var created uint64
	cur.ReadUint64(&created)
	for _, p := range [...]*uint32{&s.myTag, &s.peerTag, &s.myTSN, &s.peerTSN, &s.peerRwnd, &s.tieMy, &s.tiePeer} {
		cur.ReadUint32(p)
	}
	cur.ReadUint16(&s.peerOS)
	cur.ReadUint16(&s.peerMIS)
	cur.ReadUint8(&s.features)
	s.created = int64(created)
	age := now.Sub(time.Unix(0, s.created))
	if age > life {
		return age - life, CauseStaleCookie
	}
	return 0, nil
}
