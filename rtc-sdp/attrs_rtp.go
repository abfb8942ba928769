package sdp

import (
	"strconv"
	"strings"
)

// RTPMap is a=rtpmap (RFC 8866 §6.6):
// "<payload type> <encoding name>/<clock rate>[/<encoding parameters>]".
type RTPMap struct {
	PayloadType uint8
	Encoding    string // "opus", "VP8", "H264", "rtx", ...
	ClockRate   uint32
	// Channels is the encoding parameter (audio channels), 0 when absent.
	Channels uint16
}

// ParseRTPMap parses an rtpmap value.
func ParseRTPMap(v string) (RTPMap, error) {
	pt, rest, ok := cutSpace(v)
	if !ok {
		return RTPMap{}, attrErr("rtpmap", v, "needs <payload type> <encoding>/<clock rate>")
	}
	n, err := parseDec(pt, 7)
	if err != nil {
		return RTPMap{}, attrErr("rtpmap", v, "payload type must be 0-127")
	}
	enc, rest, ok := cutOrAll(rest, '/')
	if !ok || enc == "" {
		return RTPMap{}, attrErr("rtpmap", v, "missing clock rate")
	}
	if !isToken(enc) { // RFC 8866 §6.6: the encoding name is a token
		return RTPMap{}, attrErr("rtpmap", v, "encoding name is not a token")
	}
	rate, ch, hasCh := cutOrAll(rest, '/')
	r, err := parseDec(rate, 32)
	if err != nil {
		return RTPMap{}, attrErr("rtpmap", v, "bad clock rate")
	}
	m := RTPMap{PayloadType: uint8(n), Encoding: enc, ClockRate: uint32(r)}
	if hasCh {
		c, err := parseDec(ch, 16)
		if err != nil || c == 0 {
			return RTPMap{}, attrErr("rtpmap", v, "bad encoding parameters")
		}
		m.Channels = uint16(c)
	}
	return m, nil
}

// AttrKey returns "rtpmap".
func (m RTPMap) AttrKey() string { return "rtpmap" }

// AppendValue appends "96 opus/48000/2".
func (m RTPMap) AppendValue(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(m.PayloadType), 10)
	b = append(b, ' ')
	b = append(b, m.Encoding...)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(m.ClockRate), 10)
	if m.Channels > 0 {
		b = append(b, '/')
		b = strconv.AppendUint(b, uint64(m.Channels), 10)
	}
	return b
}

// FMTP is a=fmtp (RFC 8866 §6.15): "<format> <format specific parameters>".
type FMTP struct {
	Format     string
	Parameters string // e.g. "minptime=10;useinbandfec=1"
}

// ParseFMTP parses an fmtp value.
func ParseFMTP(v string) (FMTP, error) {
	f, p, ok := cutSpace(v)
	if !ok {
		return FMTP{}, attrErr("fmtp", v, "needs <format> <parameters>")
	}
	// RFC 8866 §6.15: "a=fmtp:<format> <format specific parameters>",
	// fmt = token and the parameters a byte-string.
	if !isToken(f) || !isByteString(p) {
		return FMTP{}, attrErr("fmtp", v, "format is not a token or parameters hold NUL, CR or LF")
	}
	return FMTP{Format: f, Parameters: p}, nil
}

// AttrKey returns "fmtp".
func (f FMTP) AttrKey() string { return "fmtp" }

// AppendValue appends "111 minptime=10;useinbandfec=1".
func (f FMTP) AppendValue(b []byte) []byte {
	b = append(b, f.Format...)
	b = append(b, ' ')
	return append(b, f.Parameters...)
}

// Param returns the value of one "key=value" parameter of a
// semicolon-separated list (RFC 7587, RFC 6184, RFC 4588 "apt=...").
// Spaces around parameters are ignored. A parameter without "=" has an
// empty value.
func (f FMTP) Param(key string) (string, bool) {
	s := f.Parameters
	for s != "" {
		var p string
		p, s, _ = cutOrAll(s, ';')
		k, v, _ := cutOrAll(strings.TrimSpace(p), '=')
		if k == key {
			return v, true
		}
	}
	return "", false
}

// RTCPFeedback is a=rtcp-fb (RFC 4585 §4.2): "<fmt|*> <type> [<parameter>]",
// e.g. "96 nack pli", "* ccm fir", "111 transport-cc".
type RTCPFeedback struct {
	Format    string // a payload type or "*"
	Type      string // "ack", "nack", "trr-int", "ccm", "goog-remb", "transport-cc", ...
	Parameter string // e.g. "pli", "fir", "rpsi"; empty when absent
}

// ParseRTCPFeedback parses an rtcp-fb value.
func ParseRTCPFeedback(v string) (RTCPFeedback, error) {
	f, rest, ok := cutSpace(v)
	if !ok {
		return RTCPFeedback{}, attrErr("rtcp-fb", v, "needs <fmt> <type>")
	}
	if f != "*" {
		if _, err := parseDec(f, 7); err != nil {
			return RTCPFeedback{}, attrErr("rtcp-fb", v, `format must be a payload type or "*"`)
		}
	}
	t, p, _ := cutOrAll(rest, ' ')
	if t == "" {
		return RTCPFeedback{}, attrErr("rtcp-fb", v, "missing feedback type")
	}
	// RFC 4585 §4.2: rtcp-fb-id = 1*(alpha-numeric / "-" / "_"); the
	// parameter is a token with an optional byte-string.
	if !all(t, classRID) || !isByteString(p) {
		return RTCPFeedback{}, attrErr("rtcp-fb", v, "feedback type must be alphanumeric, - or _")
	}
	return RTCPFeedback{Format: f, Type: t, Parameter: p}, nil
}

// AttrKey returns "rtcp-fb".
func (f RTCPFeedback) AttrKey() string { return "rtcp-fb" }

// AppendValue appends "96 nack pli".
func (f RTCPFeedback) AppendValue(b []byte) []byte {
	b = append(b, f.Format...)
	b = append(b, ' ')
	b = append(b, f.Type...)
	if f.Parameter != "" {
		b = append(b, ' ')
		b = append(b, f.Parameter...)
	}
	return b
}

// ExtMap is a=extmap (RFC 8285 §8):
// "<value>[/<direction>] <URI> [<extension attributes>]".
type ExtMap struct {
	ID         uint16    // 1-14 one-byte, 1-255 two-byte (4096-4351 reserved)
	Direction  Direction // DirectionNone when absent
	URI        string
	Attributes string // extension attributes; empty when absent
}

// ParseExtMap parses an extmap value.
func ParseExtMap(v string) (ExtMap, error) {
	idDir, rest, ok := cutSpace(v)
	if !ok {
		return ExtMap{}, attrErr("extmap", v, "needs <id> <uri>")
	}
	idS, dirS, hasDir := cutOrAll(idDir, '/')
	id, err := parseDec(idS, 16)
	if err != nil || !validExtMapID(id) {
		return ExtMap{}, attrErr("extmap", v, "id must be 1-255 (4096-4351 in an offer)")
	}
	e := ExtMap{ID: uint16(id)}
	if hasDir {
		d, ok := ParseDirection(dirS)
		if !ok {
			return ExtMap{}, attrErr("extmap", v, "bad direction")
		}
		e.Direction = d
	}
	e.URI, e.Attributes, _ = cutOrAll(rest, ' ')
	if e.URI == "" {
		return ExtMap{}, attrErr("extmap", v, "missing URI")
	}
	// RFC 8285 §8: extensionname = URI (printable ASCII, no space);
	// extensionattributes = byte-string.
	if !isVChars(e.URI) || !isByteString(e.Attributes) {
		return ExtMap{}, attrErr("extmap", v, "URI is not printable ASCII or attributes hold NUL, CR or LF")
	}
	return e, nil
}

// validExtMapID reports an RFC 8285 identifier: 1-14 for the one-byte
// form and 1-255 for the two-byte form (§4.2, §4.3: 0 is padding, 15 is
// reserved in the one-byte form), or 4096-4351, which §7 lets an offerer
// use for an extension the answerer must renumber. 256-4095 and 0 are
// refused.
func validExtMapID(id uint64) bool {
	return id >= 1 && id <= 255 || id >= 4096 && id <= 4351
}

// AttrKey returns "extmap".
func (e ExtMap) AttrKey() string { return "extmap" }

// AppendValue appends "3 urn:ietf:params:rtp-hdrext:sdes:mid".
func (e ExtMap) AppendValue(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(e.ID), 10)
	if e.Direction != DirectionNone {
		b = append(b, '/')
		b = append(b, e.Direction.String()...)
	}
	b = append(b, ' ')
	b = append(b, e.URI...)
	if e.Attributes != "" {
		b = append(b, ' ')
		b = append(b, e.Attributes...)
	}
	return b
}

// SSRC is a=ssrc (RFC 5576 §4.1): "<ssrc-id> <attribute>[:<value>]",
// e.g. "1234 cname:abc" or "1234 msid:stream track".
type SSRC struct {
	SSRC      uint32
	Attribute string
	Value     string
}

// ParseSSRC parses an ssrc value.
func ParseSSRC(v string) (SSRC, error) {
	id, rest, ok := cutSpace(v)
	if !ok {
		return SSRC{}, attrErr("ssrc", v, "needs <ssrc-id> <attribute>")
	}
	n, err := parseDec(id, 32)
	if err != nil {
		return SSRC{}, attrErr("ssrc", v, "bad ssrc-id")
	}
	a, val, _ := cutOrAll(rest, ':')
	// RFC 5576 §4.1: ssrc-attr = "ssrc:" ssrc-id SP attribute, attribute
	// = att-field [":" att-value] of RFC 8866 (token, byte-string).
	if !isToken(a) || !isByteString(val) {
		return SSRC{}, attrErr("ssrc", v, "attribute name is not a token or its value holds NUL, CR or LF")
	}
	return SSRC{SSRC: uint32(n), Attribute: a, Value: val}, nil
}

// AttrKey returns "ssrc".
func (s SSRC) AttrKey() string { return "ssrc" }

// AppendValue appends "1234 cname:abc".
func (s SSRC) AppendValue(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(s.SSRC), 10)
	b = append(b, ' ')
	b = append(b, s.Attribute...)
	if s.Value != "" {
		b = append(b, ':')
		b = append(b, s.Value...)
	}
	return b
}

// SSRCGroup is a=ssrc-group (RFC 5576 §4.2): "<semantics> <ssrc-id> ...";
// semantics "FID" (RFC 4588 RTX), "SIM" (simulcast), "FEC-FR" (RFC 5956).
type SSRCGroup struct {
	Semantics string
	SSRCs     []uint32
}

// ParseSSRCGroup parses an ssrc-group value.
func ParseSSRCGroup(v string) (SSRCGroup, error) {
	var g SSRCGroup
	if err := parseSSRCGroup(v, &g, true); err != nil {
		return SSRCGroup{}, err
	}
	return g, nil
}

func checkSSRCGroup(v string) error {
	var g SSRCGroup
	return parseSSRCGroup(v, &g, false)
}

func parseSSRCGroup(v string, g *SSRCGroup, keep bool) error {
	sem, rest, ok := cutSpace(v)
	if !ok {
		return attrErr("ssrc-group", v, "needs <semantics> <ssrc-id> ...")
	}
	if !isToken(sem) { // RFC 5576 §4.2: semantics = token
		return attrErr("ssrc-group", v, "semantics is not a token")
	}
	g.Semantics = sem
	for more := true; more; {
		var f string
		f, rest, more = cutOrAll(rest, ' ')
		n, err := parseDec(f, 32)
		if err != nil {
			return attrErr("ssrc-group", v, "bad ssrc-id "+strconv.Quote(f))
		}
		if keep {
			g.SSRCs = append(g.SSRCs, uint32(n))
		}
	}
	return nil
}

// AttrKey returns "ssrc-group".
func (g SSRCGroup) AttrKey() string { return "ssrc-group" }

// AppendValue appends "FID 1234 5678".
func (g SSRCGroup) AppendValue(b []byte) []byte {
	b = append(b, g.Semantics...)
	for _, s := range g.SSRCs {
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(s), 10)
	}
	return b
}

// RID is a=rid (RFC 8851 §10): "<rid-id> <send|recv> [<params>]" where
// params is "pt=<fmt>,<fmt>;<restriction>=<value>;...".
type RID struct {
	ID        string
	Direction string // "send" or "recv"
	Params    string // empty when absent
}

// ParseRID parses a rid value.
func ParseRID(v string) (RID, error) {
	id, rest, ok := cutSpace(v)
	if !ok {
		return RID{}, attrErr("rid", v, "needs <rid-id> <direction>")
	}
	dir, params, _ := cutOrAll(rest, ' ')
	if dir != "send" && dir != "recv" {
		return RID{}, attrErr("rid", v, `direction must be "send" or "recv"`)
	}
	// RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_"); the
	// parameters are printable ASCII (param-val = *(%x20-3A / %x3C-7E)).
	if !all(id, classRID) || params != "" && !isPrint(params) {
		return RID{}, attrErr("rid", v, "rid-id must be alphanumeric, - or _, and parameters printable ASCII")
	}
	return RID{ID: id, Direction: dir, Params: params}, nil
}

// AttrKey returns "rid".
func (r RID) AttrKey() string { return "rid" }

// AppendValue appends "hi send pt=96;max-width=1280".
func (r RID) AppendValue(b []byte) []byte {
	b = append(b, r.ID...)
	b = append(b, ' ')
	b = append(b, r.Direction...)
	if r.Params != "" {
		b = append(b, ' ')
		b = append(b, r.Params...)
	}
	return b
}

// PayloadTypes returns the formats of the "pt=" restriction, if any.
func (r RID) PayloadTypes() []string {
	v, ok := r.Restriction("pt")
	if !ok || v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// Restriction returns the value of one restriction ("max-width", ...).
func (r RID) Restriction(key string) (string, bool) {
	return FMTP{Parameters: r.Params}.Param(key)
}

// SimulcastStream is one alternative of a simulcast stream: a rid and
// whether it starts paused ("~", RFC 8853 §5.1).
type SimulcastStream struct {
	RID    string
	Paused bool
}

// Simulcast is a=simulcast (RFC 8853 §5.1): "send <list> recv <list>",
// either part optional; a list is streams separated by ";" and each stream
// alternatives separated by ",".
type Simulcast struct {
	Send [][]SimulcastStream
	Recv [][]SimulcastStream
	// RecvFirst records that recv came before send in the text.
	RecvFirst bool
}

// ParseSimulcast parses a simulcast value.
func ParseSimulcast(v string) (Simulcast, error) {
	var s Simulcast
	rest := v
	for i := 0; rest != ""; i++ {
		dir, r, ok := cutSpace(rest)
		if !ok || i > 1 {
			return Simulcast{}, attrErr("simulcast", v, "needs send and/or recv with a stream list")
		}
		list, r2, _ := cutOrAll(r, ' ')
		rest = r2
		streams, err := parseSimulcastList(list)
		if err != nil {
			return Simulcast{}, attrErr("simulcast", v, err.Error())
		}
		switch {
		case dir == "send" && s.Send == nil:
			s.Send = streams
		case dir == "recv" && s.Recv == nil:
			s.Recv = streams
			s.RecvFirst = i == 0
		default:
			return Simulcast{}, attrErr("simulcast", v, `direction must be "send" or "recv", once each`)
		}
	}
	if s.Send == nil && s.Recv == nil {
		return Simulcast{}, attrErr("simulcast", v, "empty")
	}
	return s, nil
}

type simpleError string

func (e simpleError) Error() string { return string(e) }

func parseSimulcastList(list string) ([][]SimulcastStream, error) {
	var out [][]SimulcastStream
	for _, stream := range strings.Split(list, ";") {
		var alts []SimulcastStream
		for _, alt := range strings.Split(stream, ",") {
			p := strings.HasPrefix(alt, "~")
			id := strings.TrimPrefix(alt, "~")
			if id == "" || !all(id, classRID) { // RFC 8853 §5.1: rid-id of RFC 8851
				return nil, simpleError("empty or malformed rid in stream list")
			}
			alts = append(alts, SimulcastStream{RID: id, Paused: p})
		}
		out = append(out, alts)
	}
	return out, nil
}

func appendSimulcastList(b []byte, dir string, l [][]SimulcastStream) []byte {
	b = append(b, dir...)
	b = append(b, ' ')
	for i, stream := range l {
		if i > 0 {
			b = append(b, ';')
		}
		for j, alt := range stream {
			if j > 0 {
				b = append(b, ',')
			}
			if alt.Paused {
				b = append(b, '~')
			}
			b = append(b, alt.RID...)
		}
	}
	return b
}

// AttrKey returns "simulcast".
func (s Simulcast) AttrKey() string { return "simulcast" }

// AppendValue appends "send hi;mid;lo recv ...".
func (s Simulcast) AppendValue(b []byte) []byte {
	first, second, fn, sn := s.Send, s.Recv, "send", "recv"
	if s.RecvFirst {
		first, second, fn, sn = s.Recv, s.Send, "recv", "send"
	}
	if first != nil {
		b = appendSimulcastList(b, fn, first)
	}
	if second != nil {
		if first != nil {
			b = append(b, ' ')
		}
		b = appendSimulcastList(b, sn, second)
	}
	return b
}

// RTCP is a=rtcp (RFC 3605 §2.1): "<port> [<nettype> <addrtype> <address>]".
type RTCP struct {
	Port        uint16
	NetworkType string // empty when no address is given
	AddressType string
	Address     string
}

// ParseRTCP parses an rtcp value.
func ParseRTCP(v string) (RTCP, error) {
	p, rest, _ := cutOrAll(v, ' ')
	n, err := parseDec(p, 16)
	if err != nil {
		return RTCP{}, attrErr("rtcp", v, "bad port")
	}
	r := RTCP{Port: uint16(n)}
	if rest != "" {
		var f [3]string
		if !splitN(rest, f[:]) {
			return RTCP{}, attrErr("rtcp", v, "address needs <nettype> <addrtype> <address>")
		}
		r.NetworkType, r.AddressType, r.Address = f[0], f[1], f[2]
		if !isToken(f[0]) || !isToken(f[1]) || !isNonWS(f[2]) {
			return RTCP{}, attrErr("rtcp", v, "nettype, addrtype or address breaks the grammar")
		}
	}
	return r, nil
}

// AttrKey returns "rtcp".
func (r RTCP) AttrKey() string { return "rtcp" }

// AppendValue appends "9 IN IP4 0.0.0.0".
func (r RTCP) AppendValue(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(r.Port), 10)
	if r.Address != "" {
		b = append(b, ' ')
		b = append(b, r.NetworkType...)
		b = append(b, ' ')
		b = append(b, r.AddressType...)
		b = append(b, ' ')
		b = append(b, r.Address...)
	}
	return b
}

// ImageAttr is a=imageattr (RFC 6236 §3.1): "<pt|*> send <sets> recv
// <sets>", either direction optional. The attribute sets are kept as text
// ("[x=1280,y=720]" or "*").
type ImageAttr struct {
	Format string // payload type or "*"
	Send   string // empty when absent
	Recv   string // empty when absent
}

// ParseImageAttr parses an imageattr value.
func ParseImageAttr(v string) (ImageAttr, error) {
	f, rest, ok := cutSpace(v)
	if !ok {
		return ImageAttr{}, attrErr("imageattr", v, "needs <pt> send|recv <sets>")
	}
	// RFC 6236 §3.1: the format is "*" or a payload type; the sets are
	// printable ASCII (kept as text here).
	if !isToken(f) || !isPrint(rest) {
		return ImageAttr{}, attrErr("imageattr", v, "format is not a token or the sets are not printable ASCII")
	}
	ia := ImageAttr{Format: f}
	// Split at " send " / " recv " tokens outside brackets.
	for rest != "" {
		dir, r, ok := cutSpace(rest)
		if !ok || (dir != "send" && dir != "recv") {
			return ImageAttr{}, attrErr("imageattr", v, `expected "send" or "recv"`)
		}
		end := len(r)
		depth := 0
		for i := 0; i < len(r); i++ {
			switch r[i] {
			case '[':
				depth++
			case ']':
				depth--
			case ' ':
				if depth == 0 && (strings.HasPrefix(r[i+1:], "send ") || strings.HasPrefix(r[i+1:], "recv ")) {
					end = i
					i = len(r)
				}
			}
		}
		sets := r[:end]
		if sets == "" {
			return ImageAttr{}, attrErr("imageattr", v, "empty attribute set")
		}
		if dir == "send" {
			ia.Send = sets
		} else {
			ia.Recv = sets
		}
		rest = strings.TrimPrefix(r[end:], " ")
	}
	if ia.Send == "" && ia.Recv == "" {
		return ImageAttr{}, attrErr("imageattr", v, "needs send or recv")
	}
	return ia, nil
}

// AttrKey returns "imageattr".
func (ia ImageAttr) AttrKey() string { return "imageattr" }

// AppendValue appends "97 send [x=800,y=640] recv [x=800,y=640]".
func (ia ImageAttr) AppendValue(b []byte) []byte {
	b = append(b, ia.Format...)
	if ia.Send != "" {
		b = append(b, " send "...)
		b = append(b, ia.Send...)
	}
	if ia.Recv != "" {
		b = append(b, " recv "...)
		b = append(b, ia.Recv...)
	}
	return b
}
