package sdp

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func seedFixtures(f *testing.F) {
	files, err := filepath.Glob("testdata/*.sdp")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzParse: whatever parses marshals and re-parses to the same value,
// and marshalling that again gives the same bytes.
func FuzzParse(f *testing.F) {
	seedFixtures(f)
	f.Add("v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nm=audio 9 RTP/AVP 0\na=rtcp-mux")
	f.Fuzz(func(t *testing.T, text string) {
		sd, err := Parse(text)
		if err != nil {
			return
		}
		out, err := sd.Marshal()
		if err != nil {
			t.Fatalf("Marshal refuses what Parse accepted: %v\n%q", err, text)
		}
		sd2, err := Parse(string(out))
		if err != nil {
			t.Fatalf("re-parse: %v\n%q", err, out)
		}
		if d := cmp.Diff(sd, sd2, cmpopts.IgnoreUnexported(SessionDescription{})); d != "" {
			t.Fatalf("re-parse differs:\n%s", d)
		}
		if out2, err := sd2.Marshal(); err != nil || string(out2) != string(out) {
			t.Fatalf("marshal not stable:\n%q\n%q", out, out2)
		}
		// Parse checked every typed attribute, so the typed accessors
		// succeed on whatever it accepted.
		if _, err := sd.Groups(); err != nil {
			t.Fatalf("Groups: %v", err)
		}
		for _, md := range sd.Media {
			if _, err := md.Candidates(); err != nil {
				t.Fatalf("Candidates: %v", err)
			}
			if _, err := md.RTPMaps(); err != nil {
				t.Fatalf("RTPMaps: %v", err)
			}
			if _, _, err := md.Simulcast(); err != nil {
				t.Fatalf("Simulcast: %v", err)
			}
			if _, err := sd.Fingerprints(md); err != nil {
				t.Fatalf("Fingerprints: %v", err)
			}
			if _, err := md.SSRCGroups(); err != nil {
				t.Fatalf("SSRCGroups: %v", err)
			}
			_ = sd.Direction(md) // not an error: a Direction
		}
	})
}

// FuzzParseMedia: the same for media fragments.
func FuzzParseMedia(f *testing.F) {
	seedFixtures(f)
	f.Fuzz(func(t *testing.T, text string) {
		mds, err := ParseMedia(text)
		if err != nil {
			return
		}
		var b []byte
		for _, md := range mds {
			if b, err = md.AppendTo(b); err != nil {
				t.Fatalf("AppendTo refuses what ParseMedia accepted: %v", err)
			}
		}
		mds2, err := ParseMedia(string(b))
		if err != nil {
			t.Fatalf("re-parse: %v\n%q", err, b)
		}
		if d := cmp.Diff(mds, mds2); d != "" {
			t.Fatalf("re-parse differs:\n%s", d)
		}
	})
}

var attrParsers = map[string]func(string) (AttrValue, error){
	AttrCandidate:    func(v string) (AttrValue, error) { return ParseCandidate(v) },
	AttrRTPMap:       func(v string) (AttrValue, error) { return ParseRTPMap(v) },
	AttrFMTP:         func(v string) (AttrValue, error) { return ParseFMTP(v) },
	AttrRTCPFB:       func(v string) (AttrValue, error) { return ParseRTCPFeedback(v) },
	AttrExtMap:       func(v string) (AttrValue, error) { return ParseExtMap(v) },
	AttrSSRC:         func(v string) (AttrValue, error) { return ParseSSRC(v) },
	AttrSSRCGroup:    func(v string) (AttrValue, error) { return ParseSSRCGroup(v) },
	AttrRID:          func(v string) (AttrValue, error) { return ParseRID(v) },
	AttrSimulcast:    func(v string) (AttrValue, error) { return ParseSimulcast(v) },
	AttrFingerprint:  func(v string) (AttrValue, error) { return ParseFingerprint(v) },
	AttrSetup:        func(v string) (AttrValue, error) { return ParseSetup(v) },
	AttrGroup:        func(v string) (AttrValue, error) { return ParseGroup(v) },
	AttrMSID:         func(v string) (AttrValue, error) { return ParseMSID(v) },
	AttrMSIDSemantic: func(v string) (AttrValue, error) { return ParseMSIDSemantic(v) },
	AttrRTCP:         func(v string) (AttrValue, error) { return ParseRTCP(v) },
	AttrImageAttr:    func(v string) (AttrValue, error) { return ParseImageAttr(v) },
}

// FuzzAttributes: every typed attribute parser round-trips: what parses
// marshals and re-parses to the same value.
func FuzzAttributes(f *testing.F) {
	files, err := filepath.Glob("testdata/*.sdp")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\r\n") {
			if k, v, ok := strings.Cut(strings.TrimPrefix(l, "a="), ":"); ok && attrParsers[k] != nil {
				f.Add(k, v)
			}
		}
	}
	f.Add(AttrImageAttr, "97 send [x=800,y=640] recv [x=330,y=250]")
	f.Add(AttrSimulcast, "recv 1,~4;2;3 send ~5")
	f.Fuzz(func(t *testing.T, key, value string) {
		p := attrParsers[key]
		if p == nil {
			return
		}
		v, err := p(value)
		// The parse-time check (Parse, Validate) and the typed parser
		// agree on every value: what Parse lets through, the accessors
		// can read.
		if checkErr := checkTyped(key, value); (checkErr == nil) != (err == nil) {
			t.Fatalf("a=%s:%q: typed parser says %v, grammar check %v", key, value, err, checkErr)
		}
		if err != nil {
			return
		}
		text := string(v.AppendValue(nil))
		v2, err := p(text)
		if err != nil {
			t.Fatalf("a=%s:%q marshals as %q which fails: %v", key, value, text, err)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("a=%s:%q -> %q: %#v != %#v", key, value, text, v, v2)
		}
	})
}

// FuzzBuilder writes hostile values through every builder path (a raw
// attribute, a typed value, a line field) and checks that Marshal either
// refuses the description or writes text that parses back to exactly the
// description built: no value can add, end or split a line (issue 11).
func FuzzBuilder(f *testing.F) {
	for _, v := range hostile {
		f.Add(AttrMID, v)
		f.Add("x-custom", v)
	}
	f.Add(AttrMID, "0")
	f.Add(AttrCandidate, "1 1 udp 1 1.2.3.4 9 typ host\r\na=x")
	f.Add(AttrExtMap, "256 urn:x")
	f.Fuzz(func(t *testing.T, key, value string) {
		builds := []func(sd *SessionDescription, md *MediaDescription){
			func(_ *SessionDescription, md *MediaDescription) { md.AddAttr(key, value) },
			func(sd *SessionDescription, _ *MediaDescription) {
				sd.Attributes.AddValue(Group{Semantics: "BUNDLE", MIDs: []string{value}})
			},
			func(_ *SessionDescription, md *MediaDescription) { md.Add(MSID{StreamID: key, TrackID: value}) },
			func(_ *SessionDescription, md *MediaDescription) { md.Add(SSRC{SSRC: 1, Attribute: key, Value: value}) },
			func(_ *SessionDescription, md *MediaDescription) { md.Formats = append(md.Formats, value) },
			func(sd *SessionDescription, _ *MediaDescription) { sd.SessionName = value },
			func(_ *SessionDescription, md *MediaDescription) {
				md.Add(Candidate{Foundation: key, Component: 1, Transport: "udp", Address: value, Port: 9, Type: "host"})
			},
		}
		for i, build := range builds {
			sd := NewSession(1, 1)
			md := NewMedia("audio", 9, "UDP/TLS/RTP/SAVPF", "96").WithDiscardConnection()
			sd.AddMedia(md)
			build(sd, md)
			out, err := sd.Marshal()
			if err != nil {
				if out != nil {
					t.Fatalf("build %d: Marshal returned text with an error", i)
				}
				continue
			}
			back, err := Parse(string(out))
			if err != nil {
				t.Fatalf("build %d: Marshal wrote %q which does not parse: %v", i, out, err)
			}
			if d := cmp.Diff(sd, back, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(SessionDescription{})); d != "" {
				t.Fatalf("build %d: %q parses back differently:\n%s", i, out, d)
			}
		}
	})
}
