package turn

import (
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var errSASLprepProhibited = errors.New("turn: SASLprep: prohibited character")

// SASLprep prepares a string with the SASLprep profile of stringprep
// (RFC 4013), which RFC 5389 used for passwords and usernames; RFC 8489
// replaced it with OpaqueString. Use it to talk to RFC 5389 servers whose
// credentials are not ASCII: RFC 5769 §2.4 gives "The\u00adM\u00aatr\u2168",
// whose SASLprep form is "TheMatrIX".
//
// Implemented: the mappings of RFC 4013 §2.1 (non-ASCII spaces to SPACE,
// the "commonly mapped to nothing" table B.1 removed), NFKC (§2.2) and the
// prohibited output of §2.3. Not implemented: the bidirectional check
// (§2.5) and the unassigned code point check (§2.5 of RFC 3454 for stored
// strings).
func SASLprep(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errSASLprepProhibited
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case mappedToNothing(r):
			continue
		case nonASCIISpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := norm.NFKC.String(b.String())
	for _, r := range out {
		if prohibited(r) {
			return "", errSASLprepProhibited
		}
	}
	return out, nil
}

// mappedToNothing is RFC 3454 table B.1.
func mappedToNothing(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x1806, r >= 0x180B && r <= 0x180D,
		r >= 0x200B && r <= 0x200D, r == 0x2060, r >= 0xFE00 && r <= 0xFE0F, r == 0xFEFF:
		return true
	}
	return false
}

// nonASCIISpace is RFC 3454 table C.1.2.
func nonASCIISpace(r rune) bool {
	switch {
	case r == 0x00A0, r == 0x1680, r >= 0x2000 && r <= 0x200B, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// prohibited is RFC 4013 §2.3: tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5,
// C.6, C.7, C.8 and C.9 of RFC 3454.
func prohibited(r rune) bool {
	switch {
	case nonASCIISpace(r):
		return true
	case r < 0x20, r == 0x7F, r >= 0x80 && r <= 0x9F: // C.2.1, C.2.2
		return true
	case r == 0x06DD, r == 0x070F, r == 0x180E, r == 0x200C, r == 0x200D,
		r == 0x2028, r == 0x2029, r >= 0x2060 && r <= 0x2063, r == 0xFEFF,
		r >= 0x1D173 && r <= 0x1D17A: // C.2.2
		return true
	case r >= 0xE000 && r <= 0xF8FF, r >= 0xF0000 && r <= 0xFFFFD, r >= 0x100000 && r <= 0x10FFFD: // C.3
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // C.4
		return true
	case r >= 0xD800 && r <= 0xDFFF: // C.5
		return true
	case r >= 0xFFF9 && r <= 0xFFFD: // C.6
		return true
	case r >= 0x2FF0 && r <= 0x2FFB: // C.7
		return true
	case r == 0x0340, r == 0x0341, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x206A && r <= 0x206F: // C.8
		return true
	case r == 0xE0001, r >= 0xE0020 && r <= 0xE007F: // C.9
		return true
	}
	return false
}
