package tls13

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// The stateless HelloRetryRequest cookie (RFC 8446 §4.2.2, RFC 9147 §5.1):
// everything the server needs to continue is in the cookie, so it keeps no
// state for a ClientHello until the client proves it receives at its
// address. Layout:
//
//	uint32 issued (Unix seconds)
//	uint16 cipher_suite
//	uint16 selected_group (0: none)
//	opaque ch1_hash<0..255>        Hash(ClientHello1)
//	opaque mac[16]                 HMAC-SHA256(key, all of the above)[:16]
const cookieMACLen = 16

func makeCookie(key []byte, now time.Time, suite CipherSuite, group Group, ch1Hash []byte) []byte {
	b := make([]byte, 0, 4+2+2+1+len(ch1Hash)+cookieMACLen)
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint16(b, uint16(suite))
	b = binary.BigEndian.AppendUint16(b, uint16(group))
	b = append(b, byte(len(ch1Hash)))
	b = append(b, ch1Hash...)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return m.Sum(b)[:len(b)+cookieMACLen]
}

// openCookie checks a cookie and returns its content. A forged, truncated or
// expired cookie returns ok=false (illegal_parameter).
func openCookie(key []byte, now time.Time, life time.Duration, cookie []byte) (suite CipherSuite, group Group, ch1Hash []byte, ok bool) {
	if len(cookie) < cookieMACLen {
		return 0, 0, nil, false
	}
	body, mac := cookie[:len(cookie)-cookieMACLen], cookie[len(cookie)-cookieMACLen:]
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil)[:cookieMACLen], mac) {
		return 0, 0, nil, false
	}
	c := shared.NewCursor(body)
	var issued uint32
	var s, g uint16
	var h shared.Cursor
	if !c.ReadUint32(&issued) || !c.ReadUint16(&s) || !c.ReadUint16(&g) || !c.ReadUint8LengthPrefixed(&h) || !c.Empty() {
		return 0, 0, nil, false
	}
	age := now.Unix() - int64(issued)
	if age < -1 || time.Duration(age)*time.Second > life {
		return 0, 0, nil, false
	}
	return CipherSuite(s), Group(g), h.Rest(), true
}
