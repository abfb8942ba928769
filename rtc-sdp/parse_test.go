package sdp

import (
	"errors"
	"strings"
	"testing"
)

const minimal = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

func TestParseErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		text     string
		line     int
		sentinel error
		reason   string
	}{
		{"o=- 1 2 IN IP4 127.0.0.1\r\n", 1, ErrOrder, "v= must be the first line"},
		{"v=1\r\n", 1, ErrSyntax, "unsupported version"},
		{"v=0\r\no=- x 2 IN IP4 127.0.0.1\r\n", 2, ErrSyntax, "session id"},
		{"v=0\r\no=- 1 2 IN IP4\r\n", 2, ErrSyntax, "6 fields"},
		{minimal + "m=audio x RTP/AVP 0\r\n", 5, ErrSyntax, "bad port"},
		{minimal + "m=audio 9/0 RTP/AVP 0\r\n", 5, ErrSyntax, "number of ports"},
		{minimal + "m=audio\r\n", 5, ErrSyntax, "m= needs"},
		{minimal + "m=audio 9 RTP/AVP 0\r\nt=0 0\r\n", 6, ErrOrder, "not allowed in a media section"},
		{minimal + "x=foo\r\n", 5, ErrSyntax, "unknown line type"},
		{minimal + "a\r\n", 5, ErrSyntax, "<type>=<value>"},
		{minimal + " a=x\r\n", 5, ErrSyntax, "<type>=<value>"},
		{minimal + "b=AS\r\n", 5, ErrSyntax, "b= needs"},
		{minimal + "c=IN IP4\r\n", 5, ErrSyntax, "c= needs"},
		{minimal + "s=again\r\n", 5, ErrOrder, "only once"},
		{"v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n", 3, ErrOrder, "m= before o="},
		{"v=0\r\ns=-\r\n", 3, ErrMissing, "no o="},
		{"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", 3, ErrMissing, "no s="},
		{"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=x 0\r\n", 4, ErrSyntax, "t= needs"},
		{"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nr=7d 1h 0 25h\r\n", 4, ErrOrder, "r= without t="},
	}
	for _, c := range cases {
		_, err := Parse(c.text)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v is not a ParseError", c.text, err)
			continue
		}
		if pe.Line != c.line || !errors.Is(err, c.sentinel) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%q: got line %d %v, want line %d %v %q", c.text, pe.Line, err, c.line, c.sentinel, c.reason)
		}
	}
}

func TestLimits(t *testing.T) {
	big := minimal + strings.Repeat("a=x-padding:0123456789\r\n", 100)
	if _, err := (&Config{MaxSize: 100}).Parse(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxSize: %v", err)
	}
	if _, err := (&Config{MaxLines: 50}).Parse(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxLines: %v", err)
	}
	if _, err := (&Config{MaxLines: 105}).Parse(big); err != nil {
		t.Errorf("under MaxLines: %v", err)
	}
	media := minimal + strings.Repeat("m=audio 9 RTP/AVP 0\r\n", 3)
	if _, err := (&Config{MaxMediaSections: 2}).Parse(media); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxMediaSections: %v", err)
	}
	if _, err := (&Config{MaxMediaSections: 3}).Parse(media); err != nil {
		t.Errorf("at MaxMediaSections: %v", err)
	}
	if _, err := Parse(strings.Repeat("x", 300<<10)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("default MaxSize: %v", err)
	}
}

func TestLenientInput(t *testing.T) {
	// LF only, a blank line, no t=, no final newline.
	sd, err := Parse("v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\n\nm=audio 9 RTP/AVP 0\na=rtcp-mux")
	if err != nil {
		t.Fatal(err)
	}
	if !sd.Media[0].RTCPMux() {
		t.Error("last line without newline lost")
	}
	if got := sd.String(); got != "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\na=rtcp-mux\r\n" {
		t.Errorf("marshal %q", got)
	}
}

// Unknown attributes survive untouched, in place.
func TestUnknownAttributesRoundTrip(t *testing.T) {
	text := minimal + "a=x-google-flag:conference\r\na=weird:value with : colons  and  spaces\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=x-unknown\r\na=mid:0\r\na=x-other:1 2 3\r\n"
	sd, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if got := sd.String(); got != text {
		t.Errorf("got\n%s\nwant\n%s", got, text)
	}
	if v, _ := sd.Attributes.Get("weird"); v != "value with : colons  and  spaces" {
		t.Errorf("value %q", v)
	}
}

func TestAttributesEdit(t *testing.T) {
	var as Attributes
	as.Add("a", "1")
	as.AddFlag("sendrecv")
	as.Add("a", "2")
	if as.Count("a") != 2 || as.Direction() != DirectionSendRecv {
		t.Error("count/direction")
	}
	as.SetDirection(DirectionRecvOnly)
	if as.Direction() != DirectionRecvOnly || as.Has("sendrecv") {
		t.Error("SetDirection")
	}
	as.Set("a", "3")
	if v, _ := as.Get("a"); v != "3" {
		t.Error("Set")
	}
	if n := as.Remove("a"); n != 2 || as.Has("a") {
		t.Error("Remove")
	}
	var vals []string
	as.Add("k", "x")
	as.Add("k", "y")
	for v := range as.Values("k") {
		vals = append(vals, v)
	}
	if len(vals) != 2 {
		t.Error("Values")
	}
}

func TestBadTypedAttributes(t *testing.T) {
	bad := map[string][]string{
		"rtpmap":      {"", "96", "x opus/48000", "128 opus/48000", "96 opus", "96 opus/x", "96 opus/48000/0"},
		"fmtp":        {"", "96"},
		"rtcp-fb":     {"", "96", "x nack", "96 "},
		"extmap":      {"", "1", "0 urn:x", "5000 urn:x", "1/bogus urn:x", "1 "},
		"ssrc":        {"", "1", "x cname:a"},
		"ssrc-group":  {"", "FID", "FID 1 x"},
		"rid":         {"", "a", "a sideways"},
		"simulcast":   {"", "send", "send a;;b", "sideways a", "send a send b", "send a recv b send c"},
		"fingerprint": {"", "sha-256", "sha-256 zz:00", "sha-256 0:00", "sha-256 00-00"},
		"setup":       {"", "both"},
		"group":       {""},
		"msid":        {"", "a b c"},
		"rtcp":        {"", "x", "9 IN IP4"},
		"imageattr":   {"", "97", "97 sideways [x=1]", "97 send"},
	}
	parse := map[string]func(string) error{
		"rtpmap":      func(v string) error { _, err := ParseRTPMap(v); return err },
		"fmtp":        func(v string) error { _, err := ParseFMTP(v); return err },
		"rtcp-fb":     func(v string) error { _, err := ParseRTCPFeedback(v); return err },
		"extmap":      func(v string) error { _, err := ParseExtMap(v); return err },
		"ssrc":        func(v string) error { _, err := ParseSSRC(v); return err },
		"ssrc-group":  func(v string) error { _, err := ParseSSRCGroup(v); return err },
		"rid":         func(v string) error { _, err := ParseRID(v); return err },
		"simulcast":   func(v string) error { _, err := ParseSimulcast(v); return err },
		"fingerprint": func(v string) error { _, err := ParseFingerprint(v); return err },
		"setup":       func(v string) error { _, err := ParseSetup(v); return err },
		"group":       func(v string) error { _, err := ParseGroup(v); return err },
		"msid":        func(v string) error { _, err := ParseMSID(v); return err },
		"rtcp":        func(v string) error { _, err := ParseRTCP(v); return err },
		"imageattr":   func(v string) error { _, err := ParseImageAttr(v); return err },
	}
	for k, vs := range bad {
		for _, v := range vs {
			err := parse[k](v)
			if !errors.Is(err, ErrAttribute) {
				t.Errorf("a=%s:%q: %v", k, v, err)
			}
		}
	}
}

func TestImageAttrAndSimulcastForms(t *testing.T) {
	ia, err := ParseImageAttr("97 send [x=800,y=640,sar=1.1,q=0.6] [x=480,y=320] recv [x=330,y=250]")
	if err != nil || ia.Send != "[x=800,y=640,sar=1.1,q=0.6] [x=480,y=320]" || ia.Recv != "[x=330,y=250]" {
		t.Errorf("%+v %v", ia, err)
	}
	sc, err := ParseSimulcast("recv 1,~4;2;3 send ~5")
	if err != nil || !sc.RecvFirst || len(sc.Recv) != 3 || !sc.Recv[0][1].Paused || !sc.Send[0][0].Paused {
		t.Errorf("%+v %v", sc, err)
	}
	if got := string(sc.AppendValue(nil)); got != "recv 1,~4;2;3 send ~5" {
		t.Errorf("marshal %q", got)
	}
	rid, err := ParseRID("1 send pt=97,98;max-width=1280;max-height=720")
	if err != nil {
		t.Fatal(err)
	}
	if pts := rid.PayloadTypes(); len(pts) != 2 || pts[1] != "98" {
		t.Errorf("pt %v", pts)
	}
	if w, _ := rid.Restriction("max-width"); w != "1280" {
		t.Error("restriction")
	}
}

// Every line type of the RFC 8866 grammar, in canonical order, round-trips
// byte for byte and lands in the right field.
func TestWholeGrammar(t *testing.T) {
	text := "v=0\r\n" +
		"o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n" +
		"s=Call to John Smith\r\n" +
		"i=SDP Offer #1\r\n" +
		"u=http://www.jdoe.example.com/home.html\r\n" +
		"e=Jane Doe <jane@jdoe.example.com>\r\n" +
		"e=j.doe@example.com\r\n" +
		"p=+1 617 555-6011\r\n" +
		"c=IN IP4 198.51.100.1\r\n" +
		"b=CT:128\r\n" +
		"b=AS:256\r\n" +
		"t=3724394400 3724398000\r\n" +
		"r=7d 1h 0 25h\r\n" +
		"r=604800 3600 0 90000\r\n" +
		"t=0 0\r\n" +
		"z=2882844526 -1h 2898848070 0\r\n" +
		"k=prompt\r\n" +
		"a=recvonly\r\n" +
		"m=audio 49170/2 RTP/AVP 0\r\n" +
		"i=voice\r\n" +
		"c=IN IP6 2001:db8::2\r\n" +
		"c=IN IP6 2001:db8::3\r\n" +
		"b=TIAS:64000\r\n" +
		"k=clear:secret\r\n" +
		"a=sendrecv\r\n" +
		"m=video 0 RTP/AVP\r\n"
	sd, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if got := sd.String(); got != text {
		t.Errorf("round trip:\n%s", got)
	}
	if len(sd.Emails) != 2 || len(sd.Phones) != 1 || len(sd.Bandwidths) != 2 || len(sd.Times) != 2 ||
		len(sd.Times[0].Repeats) != 2 || sd.TimeZones == "" || sd.Key != "prompt" || sd.URI == "" || sd.Information == "" {
		t.Errorf("session fields: %+v", sd)
	}
	a := sd.Media[0]
	if a.NumPorts != 2 || a.Information != "voice" || len(a.Connections) != 2 || a.Bandwidths[0] != (Bandwidth{"TIAS", 64000}) || a.Key != "clear:secret" {
		t.Errorf("media fields: %+v", a)
	}
	if v := sd.Media[1]; v.Port != 0 || len(v.Formats) != 0 || !v.IsRejected() {
		t.Errorf("rejected section: %+v", v)
	}
	if sd.Direction(sd.Media[1]) != DirectionRecvOnly || sd.Direction(a) != DirectionSendRecv {
		t.Error("direction fallback")
	}
}
