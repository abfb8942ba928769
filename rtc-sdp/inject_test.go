package sdp

import (
	"errors"
	"strings"
	"testing"
)

// offerWithMID is a browser-shaped offer whose a=mid value (and BUNDLE
// group) is mid.
func offerWithMID(mid string) string {
	return minimal +
		"a=group:BUNDLE " + mid + "\r\n" +
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" +
		"c=IN IP4 0.0.0.0\r\n" +
		"a=ice-ufrag:abcd\r\n" +
		"a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
		"a=fingerprint:sha-256 AB:CD\r\n" +
		"a=setup:actpass\r\n" +
		"a=mid:" + mid + "\r\n" +
		"a=sctp-port:5000\r\n"
}

// TestParseRejectsLineInjection: issue 11, "SDP line injection". An a=mid
// value with a bare CR, NUL, ESC or DEL was accepted and later echoed into
// our answer. RFC 8866 §9: att-value = byte-string, which excludes NUL, CR
// and LF; RFC 5888 §4: identification-tag = token, which excludes every
// control code (ESC) and DEL. Failed before the fix (all four parsed).
func TestParseRejectsLineInjection(t *testing.T) {
	cases := []struct {
		name, mid string
		sentinel  error
	}{
		{"bare CR", "0\ra=fingerprint:sha-256 00:11", ErrSyntax},
		{"NUL", "0\x00", ErrSyntax},
		{"ESC", "0\x1b[2J", ErrAttribute},
		{"DEL", "0\x7f", ErrAttribute},
		{"space", "0 1", ErrAttribute},
		{"empty", "", ErrAttribute},
	}
	for _, c := range cases {
		sd, err := Parse(offerWithMID(c.mid))
		if err == nil {
			t.Errorf("%s: parsed; a=mid is %q", c.name, sd.Media[0].Attributes)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, c.sentinel) {
			t.Errorf("%s: error %v, want a ParseError wrapping %v", c.name, err, c.sentinel)
		}
	}
	if _, err := Parse(offerWithMID("audio-1_x")); err != nil {
		t.Errorf("token mid refused: %v", err)
	}
}

// TestParseRejectsControlBytesAnywhere: the NUL/CR rule holds for every
// line type, not only a=mid (RFC 8866 §9 text = byte-string).
func TestParseRejectsControlBytesAnywhere(t *testing.T) {
	for _, line := range []string{
		"s=a\rb", "i=x\x00", "u=http://x\r", "e=a@b\x00", "k=clear:x\ry",
		"a=x-custom:a\rb", "a=x-custom\x00", "b=AS:1\r0",
	} {
		text := strings.Replace(minimal, "t=0 0\r\n", line+"\r\nt=0 0\r\n", 1)
		if strings.HasPrefix(line, "s=") {
			text = strings.Replace(minimal, "s=-", line, 1)
		}
		if _, err := Parse(text); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v, want ErrSyntax", line, err)
		}
	}
}

// hostile are values no field may carry into a description.
var hostile = []string{
	"0\r\na=fingerprint:sha-256 00", "0\ra=x", "0\na=x", "0\x00", "0\x1b[31m", "0\x7f",
}

// TestBuilderRefusesHostileValues: the builder never writes a value that
// its field's grammar does not allow, whatever API put it there
// (issue 11: "Never write remote bytes into our SDP without validating
// them"). Failed before the fix: Marshal wrote every one of them.
func TestBuilderRefusesHostileValues(t *testing.T) {
	type build func(sd *SessionDescription, md *MediaDescription, v string)
	fields := map[string]build{
		"mid": func(_ *SessionDescription, md *MediaDescription, v string) { md.AddAttr(AttrMID, v) },
		"group mid": func(sd *SessionDescription, _ *MediaDescription, v string) {
			sd.Attributes.AddValue(Group{"BUNDLE", []string{"0", v}})
		},
		"ice-ufrag": func(_ *SessionDescription, md *MediaDescription, v string) { md.AddAttr(AttrICEUfrag, "abcd"+v) },
		"ice-pwd": func(_ *SessionDescription, md *MediaDescription, v string) {
			md.AddAttr(AttrICEPwd, "abcdefghijklmnopqrstuv"+v)
		},
		"fingerprint": func(_ *SessionDescription, md *MediaDescription, v string) { md.Add(Fingerprint{"sha-256" + v, "AB"}) },
		"msid":        func(_ *SessionDescription, md *MediaDescription, v string) { md.Add(MSID{"s", "t" + v}) },
		"rid":         func(_ *SessionDescription, md *MediaDescription, v string) { md.Add(RID{"r" + v, "send", ""}) },
		"ssrc cname":  func(_ *SessionDescription, md *MediaDescription, v string) { md.Add(SSRC{1, "cname", v}) },
		"extmap uri":  func(_ *SessionDescription, md *MediaDescription, v string) { md.Add(ExtMap{ID: 1, URI: "urn:x" + v}) },
		"rtpmap":      func(_ *SessionDescription, md *MediaDescription, v string) { md.Add(RTPMap{96, "opus" + v, 48000, 2}) },
		"fmtp":        func(_ *SessionDescription, md *MediaDescription, v string) { md.Add(FMTP{"96", "a=1" + v}) },
		"candidate": func(_ *SessionDescription, md *MediaDescription, v string) {
			md.Add(Candidate{Foundation: "1", Component: 1, Transport: "udp", Address: "1.2.3.4" + v, Port: 9, Type: "host"})
		},
		"cand ext": func(_ *SessionDescription, md *MediaDescription, v string) {
			md.Add(Candidate{Foundation: "1", Component: 1, Transport: "udp", Address: "1.2.3.4", Port: 9, Type: "host", Extensions: []CandidateExtension{{"ufrag", v}}})
		},
		"tls-id": func(_ *SessionDescription, md *MediaDescription, v string) {
			md.AddAttr(AttrTLSID, "abcdefghijklmnopqrst"+v)
		},
		"unknown attr": func(_ *SessionDescription, md *MediaDescription, v string) { md.AddAttr("x-custom", v) },
		"attr key":     func(_ *SessionDescription, md *MediaDescription, v string) { md.AddFlag("x" + v) },
		"session name": func(sd *SessionDescription, _ *MediaDescription, v string) { sd.SessionName = v },
		"origin":       func(sd *SessionDescription, _ *MediaDescription, v string) { sd.Origin.Address = "1.2.3.4" + v },
		"media":        func(_ *SessionDescription, md *MediaDescription, v string) { md.Media = "audio" + v },
		"format":       func(_ *SessionDescription, md *MediaDescription, v string) { md.Formats = append(md.Formats, v) },
		"proto":        func(_ *SessionDescription, md *MediaDescription, v string) { md.Proto = "UDP/TLS/RTP/SAVPF" + v },
		"connection":   func(_ *SessionDescription, md *MediaDescription, v string) { md.Connections[0].Address = "0.0.0.0" + v },
	}
	for name, f := range fields {
		for _, v := range hostile {
			if (name == "ssrc cname" || name == "fmtp" || name == "unknown attr" || name == "session name") &&
				(v == "0\x1b[31m" || v == "0\x7f") {
				continue // byte-string fields: ESC and DEL are allowed text (RFC 8866 §9)
			}
			sd := NewSession(1, 1)
			md := NewMedia("audio", 9, "UDP/TLS/RTP/SAVPF", "96").WithDiscardConnection()
			sd.AddMedia(md)
			f(sd, md, v)
			out, err := sd.Marshal()
			if err == nil || out != nil {
				t.Errorf("%s %q: Marshal wrote %q, err %v", name, v, out, err)
			}
			if s := sd.String(); strings.ContainsAny(s, "\x00\x1b\x7f") || strings.Count(s, "\n") != strings.Count(s, "\r\n") {
				t.Errorf("%s %q: String wrote %q", name, v, s)
			}
		}
	}
}
