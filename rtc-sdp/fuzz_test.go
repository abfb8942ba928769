package sdp

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func seedFixtures(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sdp")
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
		out := sd.Marshal()
		sd2, err := Parse(string(out))
		if err != nil {
			t.Fatalf("re-parse: %v\n%q", err, out)
		}
		if d := cmp.Diff(sd, sd2); d != "" {
			t.Fatalf("re-parse differs:\n%s", d)
		}
		if out2 := sd2.Marshal(); string(out2) != string(out) {
			t.Fatalf("marshal not stable:\n%q\n%q", out, out2)
		}
		// Typed accessors never panic.
		_, _ = sd.Groups()
		for _, md := range sd.Media {
			_, _ = md.Candidates()
			_, _ = md.RTPMaps()
			_, _, _ = md.Simulcast()
			_, _ = sd.Fingerprints(md)
			_ = sd.Direction(md)
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
			b = md.AppendTo(b)
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
	files, _ := filepath.Glob("testdata/*.sdp")
	for _, p := range files {
		b, _ := os.ReadFile(p)
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
