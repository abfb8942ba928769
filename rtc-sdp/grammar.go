package sdp

import "strings"

// Character classes of the RFC 8866 §9 grammar and of the attribute
// grammars built on it. Every value the parser accepts and every value the
// builder writes is checked against the class of its field, so bytes from
// a remote description can never end a line early, start a new one, or
// carry terminal control codes into our own description.

const (
	classByte  = 1 << iota // byte-string: any byte except NUL, CR, LF (RFC 8866 §9)
	classNonWS             // non-ws-string: VCHAR / %x80-FF (RFC 8866 §9)
	classToken             // token-char (RFC 8866 §9)
	classICE               // ice-char: ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.1)
	classRID               // rid-id: ALPHA / DIGIT / "-" / "_" (RFC 8851 §10)
	classTLSID             // tls-id-char: ALPHA / DIGIT / "+" / "/" / "-" / "_" (RFC 8842 §5.2)
	classDigit             // DIGIT
	classPrint             // printable ASCII: %x20-7E
	classVChar             // VCHAR: %x21-7E
	classHex               // HEXDIG, either case
)

var charClass = func() (t [256]uint16) {
	for c := range 256 {
		b := byte(c)
		var k uint16
		if b != 0 && b != '\r' && b != '\n' {
			k |= classByte
		}
		if b >= 0x21 && b <= 0x7e || b >= 0x80 {
			k |= classNonWS
		}
		if b >= 0x21 && b <= 0x7e {
			k |= classVChar
		}
		if b >= 0x20 && b <= 0x7e {
			k |= classPrint
		}
		// token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
		if b == 0x21 || b >= 0x23 && b <= 0x27 || b == 0x2a || b == 0x2b || b == 0x2d || b == 0x2e ||
			b >= 0x30 && b <= 0x39 || b >= 0x41 && b <= 0x5a || b >= 0x5e && b <= 0x7e {
			k |= classToken
		}
		alnum := b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
		if alnum || b == '+' || b == '/' {
			k |= classICE
		}
		if alnum || b == '-' || b == '_' {
			k |= classRID
		}
		if alnum || b == '+' || b == '/' || b == '-' || b == '_' {
			k |= classTLSID
		}
		if b >= '0' && b <= '9' {
			k |= classDigit
		}
		if b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' {
			k |= classHex
		}
		t[c] = k
	}
	return t
}()

// all reports whether every byte of s is in class (true for "").
func all(s string, class uint16) bool {
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&class == 0 {
			return false
		}
	}
	return true
}

// isByteString reports an RFC 8866 §9 byte-string, allowing "" (an
// optional value that is absent). Three vectorized scans beat a table
// walk on long values (candidates, fmtp parameters).
func isByteString(s string) bool {
	if len(s) < 32 { // short: a table walk beats three calls
		return all(s, classByte)
	}
	return strings.IndexByte(s, 0) < 0 && strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, '\n') < 0
}

// isToken reports an RFC 8866 §9 token: 1*token-char.
func isToken(s string) bool { return s != "" && all(s, classToken) }

// isNonWS reports an RFC 8866 §9 non-ws-string: 1*(VCHAR / %x80-FF).
func isNonWS(s string) bool { return s != "" && all(s, classNonWS) }

// isVChars reports 1*VCHAR (printable ASCII without space).
func isVChars(s string) bool { return s != "" && all(s, classVChar) }

// isPrint reports 1*(%x20-7E): printable ASCII, spaces allowed.
func isPrint(s string) bool { return s != "" && all(s, classPrint) }

// lenIn reports min <= len(s) <= max and every byte in class.
func lenIn(s string, lo, hi int, class uint16) bool {
	return len(s) >= lo && len(s) <= hi && all(s, class)
}

// isProto reports an m= line proto: token *("/" token) (RFC 8866 §9).
func isProto(s string) bool {
	for {
		t, rest, more := cutOrAll(s, '/')
		if !isToken(t) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// isTokenList reports tokens separated by single spaces (the mids of a
// group, the tags of ice-options), allowing "".
func isTokenList(s string, class uint16) bool {
	for s != "" {
		t, rest, more := cutOrAll(s, ' ')
		if t == "" || !all(t, class) || more && rest == "" {
			return false
		}
		s = rest
	}
	return true
}

// errNotDec is the error of parseDec; callers replace it with their own.
var errNotDec = simpleError("not a decimal number in range")

// parseDec is strconv.ParseUint(s, 10, bits) without its allocation and
// generality: 1*DIGIT (leading zeros allowed, no sign, no underscore)
// whose value fits in bits bits (1-64). FuzzParseDec holds it to
// strconv.ParseUint.
func parseDec(s string, bits int) (uint64, error) {
	if s == "" {
		return 0, errNotDec
	}
	max := uint64(1)<<bits - 1 // bits == 64: the shift gives 0, so all ones
	var n uint64
	if len(s) <= 19 { // below 10^19 < 2^64: no overflow to watch
		for i := 0; i < len(s); i++ {
			d := uint64(s[i] - '0')
			if d > 9 {
				return 0, errNotDec
			}
			n = n*10 + d
		}
		if n > max {
			return 0, errNotDec
		}
		return n, nil
	}
	cutoff, last := max/10, max%10
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if d > 9 || n > cutoff || n == cutoff && d > last {
			return 0, errNotDec
		}
		n = n*10 + d
	}
	return n, nil
}
