package tls13

import (
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

// hkdfExpandForTest is HKDF-Expand (RFC 5869 §2.3) written out with HMAC,
// independent of crypto/hkdf.
func hkdfExpandForTest(t *testing.T, prk, info []byte, n int) []byte {
	t.Helper()
	var out, prev []byte
	for i := byte(1); len(out) < n; i++ {
		m := hmac.New(sha256.New, prk)
		m.Write(prev)
		m.Write(info)
		m.Write([]byte{i})
		prev = m.Sum(nil)
		out = append(out, prev...)
	}
	return out[:n]
}
