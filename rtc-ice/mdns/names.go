package mdns

import (
	"crypto/rand"
	"fmt"
	"io"
	"strings"
)

// IsICEName reports whether name has the form
// draft-ietf-mmusic-mdns-ice-candidates gives an mDNS candidate: a UUID
// (RFC 4122 §3, 8-4-4-4-12 hex digits; the draft draws version 4, the
// version is not checked) followed by ".local", in any case, with or
// without a trailing dot. Only such names are asked for: a candidate
// naming any other host ("printer.local") is not resolved, so a remote peer
// cannot use us to probe the LAN's other names.
func IsICEName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	label, ok := cutSuffixFold(name, ".local")
	if !ok || len(label) != 36 {
		return false
	}
	for i := 0; i < len(label); i++ {
		ch := label[i]
		switch i {
		case 8, 13, 18, 23:
			if ch != '-' {
				return false
			}
		default:
			if !isHex(ch) {
				return false
			}
		}
	}
	return true
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || !strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}

func isHex(ch byte) bool {
	return '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
}

// canonical returns the key a name is compared by: lowercase, no trailing
// dot (DNS names compare case-insensitively, RFC 1035 §2.3.3).
func canonical(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

// NewName draws a fresh random name "<uuid>.local" (a version 4 UUID,
// RFC 4122 §4.4) from r, as draft-ietf-mmusic-mdns-ice-candidates §3.1.1
// asks for each host candidate IP address. r should be crypto/rand.Reader
// or as unpredictable: the name is all that hides the address. If r is
// nil, crypto/rand.Reader is used.
func NewName(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	return newName(r)
}

// newName draws a version 4 UUID (RFC 4122 §4.4) from r and returns
// "<uuid>.local", the draft's name for a published candidate.
func newName(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("mdns: drawing a name: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant RFC 4122
	return fmt.Sprintf("%x-%x-%x-%x-%x.local", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
