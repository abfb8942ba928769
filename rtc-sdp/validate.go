package sdp

import "strconv"

// typedParsers checks the value of every attribute this package types.
var typedParsers = map[string]func(string) error{
	AttrCandidate:    func(v string) error { _, err := ParseCandidate(v); return err },
	AttrRTPMap:       func(v string) error { _, err := ParseRTPMap(v); return err },
	AttrFMTP:         func(v string) error { _, err := ParseFMTP(v); return err },
	AttrRTCPFB:       func(v string) error { _, err := ParseRTCPFeedback(v); return err },
	AttrExtMap:       func(v string) error { _, err := ParseExtMap(v); return err },
	AttrSSRC:         func(v string) error { _, err := ParseSSRC(v); return err },
	AttrSSRCGroup:    func(v string) error { _, err := ParseSSRCGroup(v); return err },
	AttrRID:          func(v string) error { _, err := ParseRID(v); return err },
	AttrSimulcast:    func(v string) error { _, err := ParseSimulcast(v); return err },
	AttrFingerprint:  func(v string) error { _, err := ParseFingerprint(v); return err },
	AttrSetup:        func(v string) error { _, err := ParseSetup(v); return err },
	AttrGroup:        func(v string) error { _, err := ParseGroup(v); return err },
	AttrMSID:         func(v string) error { _, err := ParseMSID(v); return err },
	AttrMSIDSemantic: func(v string) error { _, err := ParseMSIDSemantic(v); return err },
	AttrRTCP:         func(v string) error { _, err := ParseRTCP(v); return err },
	AttrImageAttr:    func(v string) error { _, err := ParseImageAttr(v); return err },
	AttrSCTPPort:     func(v string) error { _, err := parseUintAttr(AttrSCTPPort, v, 16); return err },
	AttrMaxMessageSize: func(v string) error {
		_, err := parseUintAttr(AttrMaxMessageSize, v, 64)
		return err
	},
	AttrICEPacing: func(v string) error { _, err := parseUintAttr(AttrICEPacing, v, 31); return err },
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

// Validate parses every typed attribute (candidate, rtpmap, fmtp, rtcp-fb,
// extmap, ssrc, ssrc-group, rid, simulcast, fingerprint, setup, group,
// msid, msid-semantic, rtcp, imageattr, sctp-port, max-message-size,
// ice-pacing) and returns the first failure as a *ValidationError. Parse
// itself leaves attribute values as text, so a PeerConnection calls
// Validate on a remote description before using it. Unknown attributes
// are not checked.
func (sd *SessionDescription) Validate() error {
	if err := validateAttrs(sd.Attributes); err != nil {
		return &ValidationError{Media: -1, Err: err}
	}
	for i, md := range sd.Media {
		if err := validateAttrs(md.Attributes); err != nil {
			return &ValidationError{Media: i, Err: err}
		}
	}
	return nil
}

func validateAttrs(as Attributes) error {
	for _, a := range as {
		if p := typedParsers[a.Key]; p != nil {
			if err := p(a.Value); err != nil {
				return err
			}
		}
	}
	return nil
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
