package sdp

import (
	"strconv"
	"strings"
)

// Parse parses an SDP with the default Config. Lines may end in CRLF or LF.
func Parse(text string) (*SessionDescription, error) {
	var c Config
	return c.Parse(text)
}

// Unmarshal parses b (copied once into a string) with the default Config.
func Unmarshal(b []byte) (*SessionDescription, error) { return Parse(string(b)) }

// Parse parses an SDP (RFC 8866 §9 grammar) with c's limits.
//
// Strict where it matters: v= must come first and be 0; o= and s= are
// required; every line is "<letter>=<value>"; numeric fields must be
// numbers; t=, r=, z=, u=, e= and p= may only appear at session level; a
// line type the grammar does not define is an error (RFC 8866 §5: "An SDP
// parser MUST completely ignore any session description that contains a
// type letter that it does not understand"). Lenient where browsers are:
// LF without CR is accepted, blank lines are skipped, session-level lines
// after v= may come in any order (RFC 4585 §4.4 prints c= after t=), a
// missing t= is accepted, attribute values are kept as text and only
// parsed by the typed accessors.
func (c *Config) Parse(text string) (*SessionDescription, error) {
	if len(text) > c.maxSize() {
		return nil, &ParseError{Line: 0, Reason: "description is " + strconv.Itoa(len(text)) + " bytes, limit " + strconv.Itoa(c.maxSize()), Err: ErrTooLarge}
	}
	p := parser{text: text, cfg: c}
	if err := p.count(); err != nil {
		return nil, err
	}
	return p.parse()
}

type parser struct {
	text string
	cfg  *Config
	sd   *SessionDescription
	md   *MediaDescription

	lineNo int
	line   string

	// Backing storage shared by every section, carved as sections end.
	attrs   []Attribute
	attrOff int
	medias  []MediaDescription
	formats []string

	seen uint32 // session-level singleton letters seen (bit per letter)
}

// count sizes the shared backing arrays from a quick scan. The estimates
// need not be exact: sections are carved from whatever array append leaves,
// and carved slices stay valid when a later append moves the array.
func (p *parser) count() error {
	// Every attribute is a line, so the line count bounds the attributes;
	// counting one byte is a single vectorized pass.
	lines := strings.Count(p.text, "\n") + 1
	if lines > p.cfg.maxLines() {
		return &ParseError{Line: lines, Reason: "more than " + strconv.Itoa(p.cfg.maxLines()) + " lines", Err: ErrTooLarge}
	}
	// Twice the lines: the second half holds the private copy of the
	// checked attributes (see SessionDescription.checked), so keeping it
	// costs no allocation.
	p.attrs = make([]Attribute, 0, 2*lines)
	p.medias = make([]MediaDescription, 0, 4)
	p.formats = make([]string, 0, 64)
	return nil
}

func (p *parser) fail(reason string, err error) error {
	return &ParseError{Line: p.lineNo, Text: p.line, Reason: reason, Err: err}
}

func (p *parser) parse() (*SessionDescription, error) {
	p.sd = &SessionDescription{Version: -1}
	if err := p.run(false); err != nil {
		return nil, err
	}
	p.lineNo++
	p.line = ""
	switch {
	case p.sd.Version < 0:
		return nil, p.fail("no v= line", ErrMissing)
	case p.seen&letterBit('o') == 0:
		return nil, p.fail("no o= line", ErrMissing)
	case p.seen&letterBit('s') == 0:
		return nil, p.fail("no s= line", ErrMissing)
	}
	p.keepChecked()
	return p.sd, nil
}

// keepChecked copies every attribute, as checked, after the last one in
// the shared array (beyond the capacity of every section's slice, so no
// append to a section can reach it), one list per section, each ended by
// an empty Attribute. The array has room: attributes, m= lines and the
// v=, o= and s= lines are all lines.
func (p *parser) keepChecked() {
	n := len(p.attrs)
	chk := p.attrs[n:n]
	chk = append(chk, p.sd.Attributes...)
	chk = append(chk, Attribute{})
	for _, md := range p.sd.Media {
		chk = append(chk, md.Attributes...)
		chk = append(chk, Attribute{})
	}
	p.sd.checked = chk[:len(chk):len(chk)]
}

// ParseMedia parses a fragment made only of m= sections (as RFC 8841
// prints its examples) with the default Config.
func ParseMedia(text string) ([]*MediaDescription, error) {
	var c Config
	return c.ParseMedia(text)
}

// ParseMedia parses a fragment made only of m= sections with c's limits.
func (c *Config) ParseMedia(text string) ([]*MediaDescription, error) {
	if len(text) > c.maxSize() {
		return nil, &ParseError{Reason: "fragment too large", Err: ErrTooLarge}
	}
	p := parser{text: text, cfg: c}
	if err := p.count(); err != nil {
		return nil, err
	}
	p.sd = &SessionDescription{}
	p.seen = letterBit('o') | letterBit('s')
	if err := p.run(true); err != nil {
		return nil, err
	}
	return p.sd.Media, nil
}

// run parses every line; in a fragment the first line must be m=.
func (p *parser) run(fragment bool) error {
	s := p.text
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		var l string
		if i < 0 {
			l, s = s, ""
		} else {
			l, s = s[:i], s[i+1:]
		}
		p.lineNo++
		if p.lineNo > p.cfg.maxLines() {
			return p.fail("more than "+strconv.Itoa(p.cfg.maxLines())+" lines", ErrTooLarge)
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		p.line = l
		if l == "" {
			continue // blank lines are not in the grammar; tolerate them
		}
		// RFC 8866 §9: every value is a byte-string, "any byte except NUL,
		// CR or LF". A bare CR would end the line for a CRLF-only reader,
		// and a NUL ends it for a C one: refuse both, so no value can
		// smuggle a second line into a description (issue 11).
		if strings.IndexByte(l, '\r') >= 0 || strings.IndexByte(l, 0) >= 0 {
			return p.fail("NUL or CR inside a line", ErrSyntax)
		}
		if len(l) < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z' {
			return p.fail(`not a "<type>=<value>" line`, ErrSyntax)
		}
		if p.sd.Version < 0 && l[0] != 'v' {
			return p.fail("v= must be the first line", ErrOrder)
		}
		if fragment && p.md == nil && l[0] != 'm' {
			return p.fail("a media fragment must start with m=", ErrOrder)
		}
		var err error
		if p.md == nil {
			err = p.sessionLine(l[0], l[2:])
		} else {
			err = p.mediaLine(l[0], l[2:])
		}
		if err != nil {
			return err
		}
	}
	p.endSection()
	return nil
}

func letterBit(c byte) uint32 { return 1 << (c - 'a') }

// once records a session-level singleton line and fails on a repeat.
func (p *parser) once(c byte) error {
	if p.seen&letterBit(c) != 0 {
		return p.fail(string(c)+"= may appear only once", ErrOrder)
	}
	p.seen |= letterBit(c)
	return nil
}

// endSection carves the attributes collected since the last boundary.
func (p *parser) endSection() {
	as := p.attrs[p.attrOff:len(p.attrs):len(p.attrs)]
	if len(as) == 0 {
		as = nil
	}
	if p.md != nil {
		p.md.Attributes = as
	} else {
		p.sd.Attributes = as
	}
	p.attrOff = len(p.attrs)
}

func (p *parser) sessionLine(c byte, v string) error {
	sd := p.sd
	switch c {
	case 'v':
		if sd.Version >= 0 {
			return p.fail("v= may appear only once", ErrOrder)
		}
		if v != "0" {
			return p.fail("unsupported version (only 0)", ErrSyntax)
		}
		sd.Version = 0
	case 'o':
		if err := p.once('o'); err != nil {
			return err
		}
		return p.origin(v)
	case 's':
		if err := p.once('s'); err != nil {
			return err
		}
		sd.SessionName = v
	case 'i':
		if err := p.once('i'); err != nil {
			return err
		}
		sd.Information = v
	case 'u':
		if err := p.once('u'); err != nil {
			return err
		}
		sd.URI = v
	case 'e':
		sd.Emails = append(sd.Emails, v)
	case 'p':
		sd.Phones = append(sd.Phones, v)
	case 'c':
		if err := p.once('c'); err != nil {
			return err
		}
		conn, err := p.connection(v)
		if err != nil {
			return err
		}
		sd.Connection = &conn
	case 'b':
		bw, err := p.bandwidth(v)
		if err != nil {
			return err
		}
		sd.Bandwidths = append(sd.Bandwidths, bw)
	case 't':
		start, stop, ok := cutSpace(v)
		t0, err0 := strconv.ParseUint(start, 10, 64)
		t1, err1 := strconv.ParseUint(stop, 10, 64)
		if !ok || err0 != nil || err1 != nil {
			return p.fail("t= needs <start-time> <stop-time>", ErrSyntax)
		}
		sd.Times = append(sd.Times, Time{Start: t0, Stop: t1})
	case 'r':
		if len(sd.Times) == 0 {
			return p.fail("r= without t=", ErrOrder)
		}
		last := &sd.Times[len(sd.Times)-1]
		last.Repeats = append(last.Repeats, v)
	case 'z':
		if err := p.once('z'); err != nil {
			return err
		}
		sd.TimeZones = v
	case 'k':
		if err := p.once('k'); err != nil {
			return err
		}
		sd.Key = v
	case 'a':
		return p.attribute(v)
	case 'm':
		if p.seen&letterBit('o') == 0 || p.seen&letterBit('s') == 0 {
			return p.fail("m= before o= and s=", ErrOrder)
		}
		p.endSection()
		return p.media(v)
	default:
		return p.fail("unknown line type "+strconv.Quote(string(c)), ErrSyntax)
	}
	return nil
}

func (p *parser) mediaLine(c byte, v string) error {
	md := p.md
	switch c {
	case 'i':
		if md.Information != "" {
			return p.fail("i= may appear only once per media section", ErrOrder)
		}
		md.Information = v
	case 'c':
		conn, err := p.connection(v)
		if err != nil {
			return err
		}
		md.Connections = append(md.Connections, conn)
	case 'b':
		bw, err := p.bandwidth(v)
		if err != nil {
			return err
		}
		md.Bandwidths = append(md.Bandwidths, bw)
	case 'k':
		md.Key = v
	case 'a':
		return p.attribute(v)
	case 'm':
		p.endSection()
		return p.media(v)
	case 'v', 'o', 's', 'u', 'e', 'p', 't', 'r', 'z':
		return p.fail(string(c)+"= is not allowed in a media section", ErrOrder)
	default:
		return p.fail("unknown line type "+strconv.Quote(string(c)), ErrSyntax)
	}
	return nil
}

// attribute parses "a=<att-field>[:<att-value>]" (RFC 8866 §9:
// att-field = token) and checks the value of a typed attribute against
// its grammar (RFC 8829 §5.8: a known attribute that does not parse
// rejects the description).
func (p *parser) attribute(v string) error {
	key, val, _ := strings.Cut(v, ":")
	if !isToken(key) {
		return p.fail("attribute name is not a token", ErrSyntax)
	}
	// The line holds no NUL, CR or LF (checked above): only the typed
	// grammar is left to check.
	if err := checkTyped(key, val); err != nil {
		return &ParseError{Line: p.lineNo, Text: p.line, Reason: err.Error(), Err: err}
	}
	p.attrs = append(p.attrs, Attribute{Key: key, Value: val})
	return nil
}

// cutSpace splits at the first space; both halves must be non-empty.
func cutSpace(s string) (string, string, bool) {
	a, b, ok := strings.Cut(s, " ")
	return a, b, ok && a != "" && b != ""
}

// origin parses "o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>".
func (p *parser) origin(v string) error {
	var f [6]string
	if !splitN(v, f[:]) {
		return p.fail("o= needs 6 fields", ErrSyntax)
	}
	id, err0 := strconv.ParseUint(f[1], 10, 64)
	ver, err1 := strconv.ParseUint(f[2], 10, 64)
	if err0 != nil || err1 != nil {
		return p.fail("o= session id and version must be numbers", ErrSyntax)
	}
	if !isNonWS(f[0]) || !isToken(f[3]) || !isToken(f[4]) || !isNonWS(f[5]) {
		return p.fail("o= username, nettype, addrtype or address breaks the grammar", ErrSyntax)
	}
	p.sd.Origin = Origin{Username: f[0], SessionID: id, SessionVersion: ver, NetworkType: f[3], AddressType: f[4], Address: f[5]}
	return nil
}

// splitN splits s at single spaces into exactly len(f) non-empty fields.
func splitN(s string, f []string) bool {
	for i := range len(f) - 1 {
		a, b, ok := cutSpace(s)
		if !ok {
			return false
		}
		f[i], s = a, b
	}
	f[len(f)-1] = s
	return s != "" && strings.IndexByte(s, ' ') < 0
}

func (p *parser) connection(v string) (Connection, error) {
	var f [3]string
	if !splitN(v, f[:]) {
		return Connection{}, p.fail("c= needs <nettype> <addrtype> <connection-address>", ErrSyntax)
	}
	if !isToken(f[0]) || !isToken(f[1]) || !isNonWS(f[2]) {
		return Connection{}, p.fail("c= nettype, addrtype or address breaks the grammar", ErrSyntax)
	}
	return Connection{NetworkType: f[0], AddressType: f[1], Address: f[2]}, nil
}

func (p *parser) bandwidth(v string) (Bandwidth, error) {
	t, n, ok := strings.Cut(v, ":")
	x, err := strconv.ParseUint(n, 10, 64)
	if !ok || !isToken(t) || err != nil {
		return Bandwidth{}, p.fail("b= needs <bwtype>:<bandwidth>", ErrSyntax)
	}
	return Bandwidth{Type: t, Value: x}, nil
}

// media parses "m=<media> <port>[/<number of ports>] <proto> <fmt> ...".
func (p *parser) media(v string) error {
	media, rest, ok := cutSpace(v)
	if !ok {
		return p.fail("m= needs <media> <port> <proto> <fmt> ...", ErrSyntax)
	}
	portS, rest, ok := cutSpace(rest)
	if !ok {
		return p.fail("m= needs <media> <port> <proto> <fmt> ...", ErrSyntax)
	}
	proto, fmts, _ := strings.Cut(rest, " ")
	if !isToken(media) {
		return p.fail("m= media is not a token", ErrSyntax)
	}
	if !isProto(proto) {
		return p.fail("m= needs a transport protocol (token *(\"/\" token))", ErrSyntax)
	}
	ps, ns, hasN := strings.Cut(portS, "/")
	port, err := strconv.ParseUint(ps, 10, 16)
	if err != nil {
		return p.fail("bad port "+strconv.Quote(ps), ErrSyntax)
	}
	var num uint64
	if hasN {
		if num, err = strconv.ParseUint(ns, 10, 16); err != nil || num == 0 {
			return p.fail("bad number of ports "+strconv.Quote(ns), ErrSyntax)
		}
	}
	if len(p.sd.Media) >= p.cfg.maxMedia() {
		return p.fail("more than "+strconv.Itoa(p.cfg.maxMedia())+" media sections", ErrTooLarge)
	}
	p.medias = append(p.medias, MediaDescription{Media: media, Port: int(port), NumPorts: int(num), Proto: proto})
	md := &p.medias[len(p.medias)-1]
	start := len(p.formats)
	for fmts != "" {
		f, r, _ := strings.Cut(fmts, " ")
		if !isToken(f) {
			return p.fail("media format is not a token", ErrSyntax)
		}
		p.formats = append(p.formats, f)
		fmts = r
	}
	if n := len(p.formats); n > start {
		md.Formats = p.formats[start:n:n]
	}
	p.md = md
	p.sd.Media = append(p.sd.Media, md)
	return nil
}
