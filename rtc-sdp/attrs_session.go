package sdp

import (
	"encoding/hex"
	"strings"
)

// Direction is a media direction attribute (RFC 8866 §6.7) or an extmap
// direction (RFC 8285 §8).
type Direction uint8

// Directions. DirectionNone means no direction attribute is present.
const (
	DirectionNone Direction = iota
	DirectionSendRecv
	DirectionSendOnly
	DirectionRecvOnly
	DirectionInactive
)

// String returns the attribute name: "sendrecv", ...
func (d Direction) String() string {
	switch d {
	case DirectionSendRecv:
		return "sendrecv"
	case DirectionSendOnly:
		return "sendonly"
	case DirectionRecvOnly:
		return "recvonly"
	case DirectionInactive:
		return "inactive"
	}
	return ""
}

// ParseDirection parses "sendrecv", "sendonly", "recvonly" or "inactive".
func ParseDirection(s string) (Direction, bool) {
	switch s {
	case "sendrecv":
		return DirectionSendRecv, true
	case "sendonly":
		return DirectionSendOnly, true
	case "recvonly":
		return DirectionRecvOnly, true
	case "inactive":
		return DirectionInactive, true
	}
	return DirectionNone, false
}

// Reverse returns the direction seen from the other side (an answer to a
// sendonly offer is recvonly, RFC 3264 §6.1).
func (d Direction) Reverse() Direction {
	switch d {
	case DirectionSendOnly:
		return DirectionRecvOnly
	case DirectionRecvOnly:
		return DirectionSendOnly
	}
	return d
}

// Fingerprint is a=fingerprint (RFC 8122 §5): "<hash-func> <fingerprint>",
// the fingerprint upper-case hex bytes separated by colons.
type Fingerprint struct {
	Hash  string // "sha-256", "sha-1", "sha-384", "sha-512"
	Value string // "19:E2:1C:..."
}

// ParseFingerprint parses a fingerprint value and checks the hex.
func ParseFingerprint(v string) (Fingerprint, error) {
	h, val, ok := cutSpace(v)
	if !ok {
		return Fingerprint{}, attrErr("fingerprint", v, "needs <hash-func> <fingerprint>")
	}
	f := Fingerprint{Hash: h, Value: val}
	if !isToken(h) { // RFC 8122 §5: hash-func = "sha-1" / ... / token
		return Fingerprint{}, attrErr("fingerprint", v, "hash function is not a token")
	}
	if !isHexPairs(val) {
		return Fingerprint{}, attrErr("fingerprint", v, "fingerprint is not colon-separated hex")
	}
	return f, nil
}

// isHexPairs reports RFC 8122 §5 fingerprint = 2HEX *(":" 2HEX), hex of
// either case.
func isHexPairs(s string) bool {
	if (len(s)+1)%3 != 0 {
		return false
	}
	// len(s) = 3k-1: pairs at 0, 3, ..., 3k-3, colons between them.
	for i := 0; i < len(s); i += 3 {
		if charClass[s[i]]&charClass[s[i+1]]&classHex == 0 || i+2 < len(s) && s[i+2] != ':' {
			return false
		}
	}
	return true
}

// Bytes decodes the colon-separated hex value.
func (f Fingerprint) Bytes() ([]byte, error) {
	if (len(f.Value)+1)%3 != 0 {
		return nil, ErrAttribute
	}
	out := make([]byte, (len(f.Value)+1)/3)
	for i := range out {
		if i > 0 && f.Value[3*i-1] != ':' {
			return nil, ErrAttribute
		}
		if _, err := hex.Decode(out[i:i+1], []byte(f.Value[3*i:3*i+2])); err != nil {
			return nil, ErrAttribute
		}
	}
	return out, nil
}

// NewFingerprint formats a digest as RFC 8122 wants it (upper-case hex
// separated by colons).
func NewFingerprint(hash string, digest []byte) Fingerprint {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, 3*len(digest))
	for i, c := range digest {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, digits[c>>4], digits[c&15])
	}
	return Fingerprint{Hash: hash, Value: string(b)}
}

// AttrKey returns "fingerprint".
func (f Fingerprint) AttrKey() string { return "fingerprint" }

// AppendValue appends "sha-256 19:E2:...".
func (f Fingerprint) AppendValue(b []byte) []byte {
	b = append(b, f.Hash...)
	b = append(b, ' ')
	return append(b, f.Value...)
}

// Setup is a=setup (RFC 4145 §4, RFC 8842 §5.1): who starts DTLS.
type Setup uint8

// Setup roles.
const (
	SetupNone Setup = iota
	SetupActpass
	SetupActive
	SetupPassive
	SetupHoldconn
)

// String returns "actpass", "active", "passive" or "holdconn".
func (s Setup) String() string {
	switch s {
	case SetupActpass:
		return "actpass"
	case SetupActive:
		return "active"
	case SetupPassive:
		return "passive"
	case SetupHoldconn:
		return "holdconn"
	}
	return ""
}

// ParseSetup parses a setup value.
func ParseSetup(v string) (Setup, error) {
	switch v {
	case "actpass":
		return SetupActpass, nil
	case "active":
		return SetupActive, nil
	case "passive":
		return SetupPassive, nil
	case "holdconn":
		return SetupHoldconn, nil
	}
	return SetupNone, attrErr("setup", v, "must be actpass, active, passive or holdconn")
}

// AttrKey returns "setup".
func (s Setup) AttrKey() string { return "setup" }

// AppendValue appends the role.
func (s Setup) AppendValue(b []byte) []byte { return append(b, s.String()...) }

// Group is a=group (RFC 5888 §5): "<semantics> <mid> ...", semantics
// "BUNDLE" (RFC 9143) or "LS" (lip sync).
type Group struct {
	Semantics string
	MIDs      []string
}

// ParseGroup parses a group value. A group may list no mids.
func ParseGroup(v string) (Group, error) {
	if err := checkGroup(v); err != nil {
		return Group{}, err
	}
	sem, rest, _ := cutOrAll(v, ' ')
	g := Group{Semantics: sem}
	if rest != "" {
		g.MIDs = strings.Split(rest, " ")
	}
	return g, nil
}

// AttrKey returns "group".
func (g Group) AttrKey() string { return "group" }

// AppendValue appends "BUNDLE 0 1 2".
func (g Group) AppendValue(b []byte) []byte {
	b = append(b, g.Semantics...)
	for _, m := range g.MIDs {
		b = append(b, ' ')
		b = append(b, m...)
	}
	return b
}

// checkGroup checks a group value. RFC 5888 §5: group-attribute =
// "a=group:" semantics *(SP identification-tag); semantics and tags are
// tokens.
func checkGroup(v string) error {
	sem, rest, _ := cutOrAll(v, ' ')
	if !isToken(sem) || !isTokenList(rest, classToken) {
		return attrErr("group", v, "semantics and mids must be tokens separated by single spaces")
	}
	return nil
}

// MSID is a=msid (RFC 8830 §2): "<stream id> [<track id>]".
type MSID struct {
	StreamID string // "-" for no stream
	TrackID  string // empty when absent
}

// ParseMSID parses an msid value.
func ParseMSID(v string) (MSID, error) {
	s, t, hasT := cutOrAll(v, ' ')
	// RFC 8830 §2: msid-value = msid-id [ SP msid-appdata ], each
	// 1*64token-char.
	if !lenIn(s, 1, 64, classToken) || hasT && !lenIn(t, 1, 64, classToken) {
		return MSID{}, attrErr("msid", v, "needs <stream id> [<track id>], each 1-64 token-chars")
	}
	return MSID{StreamID: s, TrackID: t}, nil
}

// AttrKey returns "msid".
func (m MSID) AttrKey() string { return "msid" }

// AppendValue appends "stream track".
func (m MSID) AppendValue(b []byte) []byte {
	b = append(b, m.StreamID...)
	if m.TrackID != "" {
		b = append(b, ' ')
		b = append(b, m.TrackID...)
	}
	return b
}

// MSIDSemantic is the session-level a=msid-semantic of older WebRTC
// (draft-ietf-mmusic-msid, still sent by Chrome as "msid-semantic: WMS").
type MSIDSemantic struct {
	Semantic string   // "WMS"
	IDs      []string // stream ids or "*"
	// NoLeadingSpace writes "WMS *" as Firefox does instead of Chrome's
	// " WMS" (the zero value); parsing records which form was used.
	NoLeadingSpace bool
}

// ParseMSIDSemantic parses an msid-semantic value; leading spaces (as
// Chrome sends) are skipped.
func ParseMSIDSemantic(v string) (MSIDSemantic, error) {
	if err := checkMSIDSemantic(v); err != nil {
		return MSIDSemantic{}, err
	}
	f := strings.Fields(v)
	return MSIDSemantic{Semantic: f[0], IDs: f[1:], NoLeadingSpace: v[0] != ' '}, nil
}

// checkMSIDSemantic checks an msid-semantic value: tokens separated by
// spaces, leading and repeated spaces allowed (Chrome writes " WMS").
func checkMSIDSemantic(v string) error {
	n := 0
	for s := v; s != ""; {
		t, rest, _ := cutOrAll(s, ' ')
		if t != "" {
			if !isToken(t) {
				return attrErr("msid-semantic", v, "semantic and ids must be tokens")
			}
			n++
		}
		s = rest
	}
	if n == 0 {
		return attrErr("msid-semantic", v, "missing semantic")
	}
	return nil
}

// AttrKey returns "msid-semantic".
func (m MSIDSemantic) AttrKey() string { return "msid-semantic" }

// AppendValue appends " WMS id..." with Chrome's leading space, or
// "WMS id..." without it when NoLeadingSpace is set.
func (m MSIDSemantic) AppendValue(b []byte) []byte {
	if !m.NoLeadingSpace {
		b = append(b, ' ')
	}
	b = append(b, m.Semantic...)
	for _, id := range m.IDs {
		b = append(b, ' ')
		b = append(b, id...)
	}
	return b
}

// ICEOptions is a=ice-options (RFC 8839 §5.6): space-separated tags such
// as "trickle" and "ice2".
type ICEOptions []string

// AttrKey returns "ice-options".
func (o ICEOptions) AttrKey() string { return "ice-options" }

// AppendValue appends "trickle ice2".
func (o ICEOptions) AppendValue(b []byte) []byte { return append(b, strings.Join(o, " ")...) }

// Has reports whether tag is listed.
func (o ICEOptions) Has(tag string) bool {
	for _, t := range o {
		if t == tag {
			return true
		}
	}
	return false
}

func parseUintAttr(key, v string, bits int) (uint64, error) {
	n, err := parseDec(v, bits)
	if err != nil {
		return 0, attrErr(key, v, "not a number")
	}
	return n, nil
}
