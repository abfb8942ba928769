package sdp

import "strconv"

// typedCheck returns the grammar check of an attribute this package
// types, or nil. A switch, not a map: the compiler turns it into a few
// length and byte comparisons, cheaper than hashing every key.
func typedCheck(key string) func(string) error {
	switch key {
	case AttrCandidate:
		return checkCandidate
	case AttrRTPMap:
		return checkRTPMap
	case AttrFMTP:
		return checkFMTP
	case AttrRTCPFB:
		return checkRTCPFB
	case AttrExtMap:
		return checkExtMap
	case AttrSSRC:
		return checkSSRC
	case AttrSSRCGroup:
		return checkSSRCGroup
	case AttrRID:
		return func(v string) error { _, err := ParseRID(v); return err }
	case AttrSimulcast:
		return func(v string) error { _, err := ParseSimulcast(v); return err }
	case AttrFingerprint:
		return func(v string) error { _, err := ParseFingerprint(v); return err }
	case AttrSetup:
		return func(v string) error { _, err := ParseSetup(v); return err }
	case AttrGroup:
		return checkGroup
	case AttrMSID:
		return func(v string) error { _, err := ParseMSID(v); return err }
	case AttrMSIDSemantic:
		return checkMSIDSemantic
	case AttrRTCP:
		return func(v string) error { _, err := ParseRTCP(v); return err }
	case AttrImageAttr:
		return func(v string) error { _, err := ParseImageAttr(v); return err }
	case AttrSCTPPort:
		return func(v string) error { _, err := parseUintAttr(AttrSCTPPort, v, 16); return err }
	case AttrMaxMessageSize:
		return func(v string) error { _, err := parseUintAttr(AttrMaxMessageSize, v, 64); return err }
	case AttrICEPacing:
		return func(v string) error { _, err := parseUintAttr(AttrICEPacing, v, 31); return err }
	case AttrMID:
		return checkMID
	case AttrICEUfrag:
		return checkUfrag
	case AttrICEPwd:
		return checkPwd
	case AttrICEOptions:
		return checkICEOptions
	case AttrTLSID:
		return checkTLSID
	}
	return nil
}

// checkICEOptions: RFC 8839 §5.6, ice-options = ice-option-tag
// *(SP ice-option-tag); ice-option-tag = 1*ice-char.
func checkICEOptions(v string) error {
	if v == "" || !isTokenList(v, classICE) {
		return attrErr(AttrICEOptions, v, "needs ice-char tags separated by single spaces")
	}
	return nil
}

// checkTLSID: RFC 8842 §5.2, tls-id-value = 20*255(tls-id-char).
func checkTLSID(v string) error {
	if !lenIn(v, 20, 255, classTLSID) {
		return attrErr(AttrTLSID, v, "needs 20-255 characters of ALPHA / DIGIT / + / / / - / _")
	}
	return nil
}

// checkMID checks a=mid: RFC 5888 §4, identification-tag = token (the
// mids that RFC 8843 BUNDLE groups list). A mid is echoed into our answer
// (a=mid, a=group:BUNDLE), so nothing else may pass.
func checkMID(v string) error {
	if !isToken(v) {
		return attrErr(AttrMID, v, "identification-tag must be a token (RFC 5888 §4)")
	}
	return nil
}

// checkUfrag checks a=ice-ufrag: RFC 8839 §5.4, ufrag = 4*256ice-char.
func checkUfrag(v string) error {
	if !lenIn(v, 4, 256, classICE) {
		return attrErr(AttrICEUfrag, v, "needs 4-256 ice-chars (RFC 8839 §5.4)")
	}
	return nil
}

// checkPwd checks a=ice-pwd: RFC 8839 §5.4, password = 22*256ice-char.
func checkPwd(v string) error {
	if !lenIn(v, 22, 256, classICE) {
		return attrErr(AttrICEPwd, "(hidden)", "needs 22-256 ice-chars (RFC 8839 §5.4)")
	}
	return nil
}

// checkAttr checks one attribute value: a byte-string (RFC 8866 §9) and,
// for an attribute this package types, its own grammar.
func checkAttr(key, value string) error {
	if !isByteString(value) {
		return attrErr(key, value, "value holds NUL, CR or LF (RFC 8866 §9 byte-string)")
	}
	return checkTyped(key, value)
}

// checkTyped checks the value of a typed attribute against its grammar;
// other attributes pass.
func checkTyped(key, value string) error {
	if p := typedCheck(key); p != nil {
		return p(value)
	}
	return nil
}

// ValidationError names where Validate found a bad attribute: the media
// section index (-1 for session level) and the attribute error.
type ValidationError struct {
	Media int
	Err   error
}

// Error formats as "sdp: media section 1: bad a=rtpmap:...".
func (e *ValidationError) Error() string {
	where := "session level"
	if e.Media >= 0 {
		where = "media section " + strconv.Itoa(e.Media)
	}
	return "sdp: " + where + ": " + e.Err.Error()
}

// Unwrap returns the attribute error.
func (e *ValidationError) Unwrap() error { return e.Err }

// Validate checks every field of sd against the grammar of its field
// (RFC 8866 §9 and the grammar of each typed attribute: candidate, rtpmap,
// fmtp, rtcp-fb, extmap, ssrc, ssrc-group, rid, simulcast, fingerprint,
// setup, group, mid, msid, msid-semantic, ice-ufrag, ice-pwd, ice-options,
// tls-id, rtcp, imageattr, sctp-port, max-message-size, ice-pacing) and
// returns the first failure as a *ValidationError. Parse already enforces
// this on what it accepts; Marshal calls Validate so that a value the
// grammar does not allow, wherever it came from, is never written.
// Unknown attributes must have a token name and a byte-string value.
//
// A description from Parse keeps a private record of where in its text
// each attribute it checked lies; an attribute still equal to those bytes
// (same name, same value, at the same index of the same section) is not
// parsed again, every other one is: changing, adding, removing or
// reordering attributes, through any API, only makes Validate check more.
// The other fields are always checked.
func (sd *SessionDescription) Validate() error {
	if err := sd.checkFields(); err != nil {
		return &ValidationError{Media: -1, Err: err}
	}
	seg, chk := nextChecked(sd.checked)
	if err := validateAttrs(sd.Attributes, sd.src, seg); err != nil {
		return &ValidationError{Media: -1, Err: err}
	}
	for i, md := range sd.Media {
		seg, chk = nextChecked(chk)
		if err := md.validateWith(sd.src, seg); err != nil {
			return &ValidationError{Media: i, Err: err}
		}
	}
	return nil
}

// nextChecked splits the spans of one section's attributes (the count in
// its header span) from the rest.
func nextChecked(chk []attrSpan) (seg, rest []attrSpan) {
	if len(chk) == 0 {
		return nil, nil
	}
	n := min(int(chk[0].off), len(chk)-1)
	return chk[1 : 1+n], chk[1+n:]
}

// FieldError reports a line field (not an attribute) that breaks its
// grammar: a session name with a CR, an m= proto with a space, ...
type FieldError struct {
	Field  string // e.g. "o= address", "m= proto"
	Value  string
	Reason string
}

// Error formats as `sdp: bad m= proto "UDP\r": not token *("/" token)`.
func (e *FieldError) Error() string {
	v := e.Value
	if len(v) > 100 {
		v = v[:100] + "..."
	}
	return "sdp: bad " + e.Field + " " + strconv.Quote(v) + ": " + e.Reason
}

// Unwrap returns ErrSyntax.
func (e *FieldError) Unwrap() error { return ErrSyntax }

// fieldCheck is one field and whether its grammar holds.
type fieldCheck struct {
	field, value, reason string
	ok                   bool
}

func firstBad(cs ...fieldCheck) error {
	for _, c := range cs {
		if !c.ok {
			return &FieldError{Field: c.field, Value: c.value, Reason: c.reason}
		}
	}
	return nil
}

const (
	reasonText  = "NUL, CR or LF in text (RFC 8866 §9 byte-string)"
	reasonToken = "not a token (RFC 8866 §9)"
	reasonNonWS = "not a non-ws-string (RFC 8866 §9)"
)

func textCheck(field, v string) fieldCheck  { return fieldCheck{field, v, reasonText, isByteString(v)} }
func tokenCheck(field, v string) fieldCheck { return fieldCheck{field, v, reasonToken, isToken(v)} }
func nonWSCheck(field, v string) fieldCheck { return fieldCheck{field, v, reasonNonWS, isNonWS(v)} }

// checkFields checks the session-level lines other than a= (RFC 8866 §9).
func (sd *SessionDescription) checkFields() error {
	if sd.Version != 0 {
		return &FieldError{Field: "v=", Value: strconv.Itoa(sd.Version), Reason: "only version 0"}
	}
	o := &sd.Origin
	err := firstBad(
		nonWSCheck("o= username", o.Username), tokenCheck("o= nettype", o.NetworkType),
		tokenCheck("o= addrtype", o.AddressType), nonWSCheck("o= address", o.Address),
		textCheck("s=", sd.SessionName), textCheck("i=", sd.Information), textCheck("u=", sd.URI),
		textCheck("z=", sd.TimeZones), textCheck("k=", sd.Key),
	)
	for _, s := range sd.Emails {
		err = cmpOr(err, firstBad(textCheck("e=", s)))
	}
	for _, s := range sd.Phones {
		err = cmpOr(err, firstBad(textCheck("p=", s)))
	}
	for _, t := range sd.Times {
		for _, r := range t.Repeats {
			err = cmpOr(err, firstBad(textCheck("r=", r)))
		}
	}
	if sd.Connection != nil {
		err = cmpOr(err, checkConnection(sd.Connection))
	}
	return cmpOr(err, checkBandwidths(sd.Bandwidths))
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func checkConnection(c *Connection) error {
	return firstBad(tokenCheck("c= nettype", c.NetworkType), tokenCheck("c= addrtype", c.AddressType),
		nonWSCheck("c= address", c.Address))
}

func checkBandwidths(bws []Bandwidth) error {
	for i := range bws {
		if err := firstBad(tokenCheck("b= bwtype", bws[i].Type)); err != nil {
			return err
		}
	}
	return nil
}

// validate checks one media section: the m= line (RFC 8866 §9: media =
// token, port, proto = token *("/" token), fmt = token), its lines and
// its attributes.
func (md *MediaDescription) validate() error { return md.validateWith("", nil) }

// validateWith is validate, skipping the attributes equal to their copy in
// checked (see SessionDescription.Validate).
func (md *MediaDescription) validateWith(src string, checked []attrSpan) error {
	if err := md.checkHeader(); err != nil {
		return err
	}
	return validateAttrs(md.Attributes, src, checked)
}

// checkHeader checks the m= line and the other lines before the
// attributes.
func (md *MediaDescription) checkHeader() error {
	if md.Port < 0 || md.Port > 65535 || md.NumPorts < 0 || md.NumPorts > 65535 {
		return &FieldError{Field: "m= port", Value: strconv.Itoa(md.Port) + "/" + strconv.Itoa(md.NumPorts), Reason: "not 0-65535"}
	}
	if err := firstBad(
		tokenCheck("m= media", md.Media),
		fieldCheck{"m= proto", md.Proto, `not token *("/" token)`, isProto(md.Proto)},
		textCheck("i=", md.Information), textCheck("k=", md.Key),
	); err != nil {
		return err
	}
	for _, f := range md.Formats {
		if !isToken(f) {
			return &FieldError{Field: "m= fmt", Value: f, Reason: reasonToken}
		}
	}
	for i := range md.Connections {
		if err := checkConnection(&md.Connections[i]); err != nil {
			return err
		}
	}
	return checkBandwidths(md.Bandwidths)
}

// validateAttrs checks each attribute's name and value, except one equal
// to what the span at the same index in checked locates in src: Parse
// checked exactly that name and value, and src and checked are private and
// never change, so the check would pass again.
func validateAttrs(as Attributes, src string, checked []attrSpan) error {
	for i := range as {
		a := &as[i]
		if i < len(checked) && checked[i].matches(src, a) {
			continue
		}
		if err := checkAttrLine(a); err != nil {
			return err
		}
	}
	return nil
}

// checkAttrLine checks an attribute in full: a token name (RFC 8866 §9),
// then checkAttr.
func checkAttrLine(a *Attribute) error {
	if !isToken(a.Key) {
		return attrErr(a.Key, a.Value, "attribute name is not a token (RFC 8866 §9)")
	}
	return checkAttr(a.Key, a.Value)
}

// Clone returns a deep copy of sd that shares nothing mutable with it.
func (sd *SessionDescription) Clone() *SessionDescription {
	c := *sd
	c.Emails = append([]string(nil), sd.Emails...)
	c.Phones = append([]string(nil), sd.Phones...)
	if sd.Connection != nil {
		conn := *sd.Connection
		c.Connection = &conn
	}
	c.Bandwidths = append([]Bandwidth(nil), sd.Bandwidths...)
	c.Times = make([]Time, len(sd.Times))
	for i, t := range sd.Times {
		t.Repeats = append([]string(nil), t.Repeats...)
		c.Times[i] = t
	}
	c.Attributes = append(Attributes(nil), sd.Attributes...)
	c.Media = make([]*MediaDescription, len(sd.Media))
	for i, md := range sd.Media {
		c.Media[i] = md.Clone()
	}
	return &c
}

// Clone returns a deep copy of md.
func (md *MediaDescription) Clone() *MediaDescription {
	c := *md
	c.Formats = append([]string(nil), md.Formats...)
	c.Connections = append([]Connection(nil), md.Connections...)
	c.Bandwidths = append([]Bandwidth(nil), md.Bandwidths...)
	c.Attributes = append(Attributes(nil), md.Attributes...)
	return &c
}
