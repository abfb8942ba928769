package sdp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func fixtures(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.sdp")
	if err != nil || len(files) == 0 {
		t.Fatal("no fixtures", err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

// nonCanonical lists fixtures whose text is valid but not in the order
// Marshal writes: they must parse, and marshal to something that re-parses
// to the same value.
var nonCanonical = map[string]string{
	"rfc4585_sec4.4_example1.sdp": "c= after t=",
}

func isFragment(name string) bool { return strings.Contains(name, "fragment") }

// Every fixture parses; canonical ones marshal back byte for byte (RFC 8866
// with CRLF), the rest re-parse to the same value.
func TestFixturesRoundTrip(t *testing.T) {
	for name, text := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			if isFragment(name) {
				mds, err := ParseMedia(text)
				if err != nil {
					t.Fatal(err)
				}
				var b []byte
				for _, md := range mds {
					if b, err = md.AppendTo(b); err != nil {
						t.Fatal(err)
					}
				}
				if string(b) != text {
					t.Errorf("fragment round trip:\n%s", cmp.Diff(text, string(b)))
				}
				return
			}
			sd, err := Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			outB, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			out := string(outB)
			if _, ok := nonCanonical[name]; !ok {
				if out != text {
					t.Errorf("round trip differs:\n%s", cmp.Diff(text, out))
				}
			}
			sd2, err := Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(sd, sd2, cmpopts.IgnoreUnexported(SessionDescription{})); d != "" {
				t.Errorf("re-parse differs:\n%s", d)
			}
			// LF-only input parses to the same value.
			sd3, err := Parse(strings.ReplaceAll(text, "\r\n", "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(sd, sd3, cmpopts.IgnoreUnexported(SessionDescription{})); d != "" {
				t.Errorf("LF input differs:\n%s", d)
			}
		})
	}
}
