package sdp

import (
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// strictParse parses text with the per-line NUL and CR checks only (the
// reference for the whole-text scans of Parse).
func strictParse(text string) (*SessionDescription, error) {
	var c Config
	lines, err := countLines(text, &c)
	if err != nil {
		return nil, err
	}
	p := newParser(text, &c, lines, true)
	return p.parse()
}

// TestBareCRReportedOnItsLine: the whole-text scans must not change which
// line an error names. A bare CR on line 5 is reported on line 5 even when
// a later line has another error, when every line still ends in CRLF
// (CR count one above the line endings), and when a later line ends in LF
// only (CR count equal to the lines, one of them not at a line end).
func TestBareCRReportedOnItsLine(t *testing.T) {
	bare := "a=x-1:a\rb\r\n"
	cases := map[string]string{
		"then a bad line": minimal + bare + "a=bad key:x\r\n",
		"CRLF everywhere": minimal + bare + "a=x-2\r\n",
		"then LF only":    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" + bare + "a=x-2\n",
		"first line":      "v=0\r\r\n" + minimal[5:],
		"last, no LF":     minimal + "a=x-1:a\rb",
		"NUL":             minimal + "a=x-1:a\x00b\r\n" + "a=bad key:x\r\n",
	}
	for name, text := range cases {
		_, err := Parse(text)
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) || pe.Reason != "NUL or CR inside a line" {
			t.Errorf("%s: %v, want the NUL or CR error", name, err)
			continue
		}
		want := 5
		if name == "first line" {
			want = 1
		}
		if pe.Line != want {
			t.Errorf("%s: error on line %d, want %d", name, pe.Line, want)
		}
	}
}

// FuzzParseScansMatchStrict: Parse (whole-text scans, strict re-parse when
// needed) and the strict per-line parse agree on every input: the same
// error text or the same description.
func FuzzParseScansMatchStrict(f *testing.F) {
	seedFixtures(f)
	f.Add(minimal + "a=x-1:a\rb\r\na=y\n")
	f.Add(minimal + "a=x\r\n\r\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		sd, err := Parse(text)
		ref, rerr := strictParse(text)
		if (err == nil) != (rerr == nil) || err != nil && err.Error() != rerr.Error() {
			t.Fatalf("Parse: %v\nstrict: %v", err, rerr)
		}
		if err == nil {
			if d := cmp.Diff(ref, sd, cmpopts.IgnoreUnexported(SessionDescription{})); d != "" {
				t.Fatalf("descriptions differ:\n%s", d)
			}
		}
		mds, err := ParseMedia(text)
		var c Config
		lines, lerr := countLines(text, &c)
		if lerr != nil {
			return
		}
		p := newParser(text, &c, lines, true)
		rmds, rerr := p.parseMedia()
		if (err == nil) != (rerr == nil) || err != nil && err.Error() != rerr.Error() {
			t.Fatalf("ParseMedia: %v\nstrict: %v", err, rerr)
		}
		if d := cmp.Diff(rmds, mds); d != "" {
			t.Fatalf("fragments differ:\n%s", d)
		}
	})
}

// FuzzParseDec: parseDec accepts exactly what strconv.ParseUint(s, 10,
// bits) accepts, with the same value.
func FuzzParseDec(f *testing.F) {
	for _, s := range []string{"0", "007", "127", "128", "65535", "65536", "4294967295", "4294967296",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "", "+1", "-1", "1_0", "1 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, bits := range []int{7, 16, 31, 32, 64} {
			got, err := parseDec(s, bits)
			want, werr := strconv.ParseUint(s, 10, bits)
			if (err == nil) != (werr == nil) || err == nil && got != want {
				t.Fatalf("parseDec(%q, %d) = %d, %v; strconv %d, %v", s, bits, got, err, want, werr)
			}
		}
	})
}
