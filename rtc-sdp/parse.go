package sdp

import (
	"math"
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
	lines, err := countLines(text, c)
	if err != nil {
		return nil, err
	}
	p := newParser(text, c, lines, false)
	sd, err := p.parse()
	if p.mustRedo() {
		p = newParser(text, c, lines, true)
		return p.parse()
	}
	return sd, err
}

type parser struct {
	text string
	cfg  *Config
	sd   *SessionDescription
	md   *MediaDescription

	// strict looks for NUL and CR inside every line. Otherwise the text
	// holds no NUL (one vectorized scan) and crs counts its CRs, and the
	// loop counts the CRs it strips from line ends: while they are equal,
	// no line parsed so far held a bare CR, so the result (a description
	// or the first error) stands; if they differ, the text is parsed again
	// strictly to name the line of the bare CR. The usual CRLF or LF text
	// thus costs two scans, not two per line, and is never parsed twice.
	strict      bool
	crs, crEnds int

	lineNo int
	line   string

	// Backing storage shared by every section, carved as sections end.
	attrs     []Attribute
	attrOff   int
	medias    []MediaDescription
	mediaPtrs []*MediaDescription
	formats   []string
	conns     []Connection
	connOff   int

	// lineOff is the offset of the current line in text. spans records
	// where each checked attribute lies, for SessionDescription.checked,
	// when keep is set (Parse, not ParseMedia).
	lineOff int
	keep    bool
	spans   []attrSpan
	hdr     int // index in spans of the open section's header

	seen uint32 // session-level singleton letters seen (bit per letter)
}

// countLines enforces the line limit before any work.
func countLines(text string, c *Config) (int, error) {
	lines := strings.Count(text, "\n") + 1
	if lines > c.maxLines() {
		return 0, &ParseError{Line: lines, Reason: "more than " + strconv.Itoa(c.maxLines()) + " lines", Err: ErrTooLarge}
	}
	return lines, nil
}

// newParser sizes the shared backing arrays (text has passed countLines).
// Every attribute is a line, so the line count (one vectorized pass)
// bounds the attributes. The estimates need not be exact: sections are
// carved from whatever array append leaves, and carved slices stay valid
// when a later append moves the array.
func newParser(text string, c *Config, lines int, strict bool) parser {
	p := parser{text: text, cfg: c, strict: strict}
	if !strict {
		p.strict = strings.IndexByte(text, 0) >= 0
		p.crs = strings.Count(text, "\r")
	}
	const media = 4 // audio, video, data and one more; append grows them
	p.attrs = make([]Attribute, 0, lines)
	p.medias = make([]MediaDescription, 0, media)
	p.mediaPtrs = make([]*MediaDescription, 0, media)
	p.conns = make([]Connection, 0, media)
	p.formats = make([]string, 0, 64)
	return p
}

// mustRedo reports whether a parse that was not strict must be done again
// strictly: some CR in the text did not end a line, so a line parsed before
// the result (or the error) may have held it.
func (p *parser) mustRedo() bool {
	return !p.strict && p.crEnds != p.crs
}

func (p *parser) fail(reason string, err error) error {
	return &ParseError{Line: p.lineNo, Text: p.line, Reason: reason, Err: err}
}

func (p *parser) parse() (*SessionDescription, error) {
	p.sd = &SessionDescription{Version: -1}
	// Offsets are 32 bits; a larger text (only with a MaxSize over 4 GiB)
	// is simply checked again in full by Validate.
	if p.keep = uint64(len(p.text)) <= math.MaxUint32; p.keep {
		// An attribute is a line, and so is each m= that opens a list.
		p.spans = make([]attrSpan, 0, cap(p.attrs)+1)
		p.spans = append(p.spans, attrSpan{}) // the session level's header
	}
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

// keepChecked hands the spans of the checked attributes to the
// description (see SessionDescription.checked).
func (p *parser) keepChecked() {
	if p.keep {
		// Without the header endSection opened after the last section.
		p.sd.src, p.sd.checked = p.text, p.spans[:p.hdr:p.hdr]
	}
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
	lines, err := countLines(text, c)
	if err != nil {
		return nil, err
	}
	p := newParser(text, c, lines, false)
	mds, err := p.parseMedia()
	if p.mustRedo() {
		p = newParser(text, c, lines, true)
		return p.parseMedia()
	}
	return mds, err
}

func (p *parser) parseMedia() ([]*MediaDescription, error) {
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
		p.lineOff = len(p.text) - len(s)
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
			p.crEnds++
		}
		p.line = l
		if l == "" {
			continue // blank lines are not in the grammar; tolerate them
		}
		// RFC 8866 §9: every value is a byte-string, "any byte except NUL,
		// CR or LF". A bare CR would end the line for a CRLF-only reader,
		// and a NUL ends it for a C one: refuse both, so no value can
		// smuggle a second line into a description (issue 11).
		if p.strict && (strings.IndexByte(l, '\r') >= 0 || strings.IndexByte(l, 0) >= 0) {
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
	if p.keep {
		// Fill this section's header with its count; open the next one's.
		p.spans[p.hdr].off = uint32(len(p.spans) - p.hdr - 1)
		p.hdr = len(p.spans)
		p.spans = append(p.spans, attrSpan{})
	}
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
		t0, err0 := parseDec(start, 64)
		t1, err1 := parseDec(stop, 64)
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
		p.conns = append(p.conns, conn)
		n := len(p.conns)
		md.Connections = p.conns[p.connOff:n:n]
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
	key, val, ok := splitAttr(v)
	if !ok {
		return p.fail("attribute name is not a token", ErrSyntax)
	}
	// The line holds no NUL, CR or LF (checked above, or by the scans of
	// the whole text, see parser.strict): only the typed
	// grammar is left to check.
	if err := checkTyped(key, val); err != nil {
		return &ParseError{Line: p.lineNo, Text: p.line, Reason: err.Error(), Err: err}
	}
	p.attrs = append(p.attrs, Attribute{Key: key, Value: val})
	if p.keep {
		// "a=" is two bytes; the key cannot be empty (a token).
		p.spans = append(p.spans, attrSpan{off: uint32(p.lineOff + 2), keyLen: uint32(len(key)), valLen: uint32(len(val))})
	}
	return nil
}

// splitAttr splits "<att-field>[:<att-value>]" at the first ':' and
// reports whether the name is a token. token-char excludes ':', so one
// scan does both: the first byte that is not a token-char must be that ':'
// (or the end).
func splitAttr(v string) (key, val string, ok bool) {
	j := 0
	for j < len(v) && charClass[v[j]]&classToken != 0 {
		j++
	}
	switch {
	case j == 0:
		return "", "", false
	case j == len(v):
		return v, "", true
	case v[j] != ':':
		return "", "", false
	}
	return v[:j], v[j+1:], true
}

// cutSpace splits at the first space; both halves must be non-empty.
func cutSpace(s string) (string, string, bool) {
	a, b, ok := cutOrAll(s, ' ')
	return a, b, ok && a != "" && b != ""
}

// origin parses "o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>".
func (p *parser) origin(v string) error {
	var f [6]string
	if !splitN(v, f[:]) {
		return p.fail("o= needs 6 fields", ErrSyntax)
	}
	id, err0 := parseDec(f[1], 64)
	ver, err1 := parseDec(f[2], 64)
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
	t, n, ok := cutOrAll(v, ':')
	x, err := parseDec(n, 64)
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
	proto, fmts, _ := cutOrAll(rest, ' ')
	if !isToken(media) {
		return p.fail("m= media is not a token", ErrSyntax)
	}
	if !isProto(proto) {
		return p.fail("m= needs a transport protocol (token *(\"/\" token))", ErrSyntax)
	}
	ps, ns, hasN := cutOrAll(portS, '/')
	port, err := parseDec(ps, 16)
	if err != nil {
		return p.fail("bad port "+strconv.Quote(ps), ErrSyntax)
	}
	var num uint64
	if hasN {
		if num, err = parseDec(ns, 16); err != nil || num == 0 {
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
		f, r, _ := cutOrAll(fmts, ' ')
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
	p.connOff = len(p.conns)
	if p.sd.Media == nil {
		p.sd.Media = p.mediaPtrs[:0]
	}
	p.sd.Media = append(p.sd.Media, md)
	return nil
}
