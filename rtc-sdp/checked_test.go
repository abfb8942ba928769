package sdp

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// sections returns every attribute list of sd, session level first.
func sections(sd *SessionDescription) []*Attributes {
	out := []*Attributes{&sd.Attributes}
	for _, md := range sd.Media {
		out = append(out, &md.Attributes)
	}
	return out
}

// wantRefused marshals sd and fails unless Marshal and AppendTo both
// refuse it, AppendTo leaving the buffer as it was.
func wantRefused(t *testing.T, what string, sd *SessionDescription) {
	t.Helper()
	if out, err := sd.Marshal(); err == nil {
		t.Fatalf("%s: Marshal wrote %q", what, out)
	}
	buf := []byte("keep")
	got, err := sd.AppendTo(buf)
	if err == nil || !bytes.Equal(got, []byte("keep")) {
		t.Fatalf("%s: AppendTo = %q, %v", what, got, err)
	}
}

// fullValidate is Validate without the record of what Parse checked.
func fullValidate(sd *SessionDescription) error {
	c := *sd
	c.checked = nil
	return c.Validate()
}

// TestValidateRechecksChangedAttributes: Validate skips an attribute equal
// to the bytes Parse checked, per its private record (the marshal speed-up
// of the sdpperf work). Every way of changing an attribute of a parsed
// description must make it check that attribute again: its value or its
// name changed in place, an attribute inserted before it (shifting the
// others), appended, or a media section replaced.
func TestValidateRechecksChangedAttributes(t *testing.T) {
	base := mustParseFile(t, "chrome_offer_gathered.sdp")
	for si := range sections(base) {
		for ai := range *sections(base)[si] {
			for i, h := range hostile {
				sd := base.Clone()
				(*sections(sd)[si])[ai].Value = h
				// CR, LF and NUL break every value's grammar; ESC and DEL
				// only a typed attribute's: agree with the full check.
				if i < 4 || fullValidate(sd) != nil {
					wantRefused(t, "value "+h, sd)
				} else if _, err := sd.Marshal(); err != nil {
					t.Fatalf("value %q: %v, full check passes", h, err)
				}
			}
			// A name changed to one whose grammar the value breaks: a
			// candidate value is not a token (mid), anything else is
			// not a candidate.
			sd := base.Clone()
			a := &(*sections(sd)[si])[ai]
			if a.Key == AttrCandidate {
				a.Key = AttrMID
			} else {
				a.Key = AttrCandidate
			}
			wantRefused(t, "key "+a.Key+" over "+a.Value, sd)
			// A name that is not a token.
			sd = base.Clone()
			(*sections(sd)[si])[ai].Key += " x"
			wantRefused(t, "key with a space", sd)
		}
		for _, h := range hostile {
			sd := base.Clone()
			as := sections(sd)[si]
			*as = append(Attributes{{AttrMID, h}}, *as...)
			wantRefused(t, "inserted first", sd)
			sd = base.Clone()
			as = sections(sd)[si]
			*as = append(*as, Attribute{AttrMID, h})
			wantRefused(t, "appended", sd)
		}
	}
	// A media section replaced by one built with a hostile attribute where
	// the parsed one had a valid attribute of the same name.
	sd := base.Clone()
	md := sd.Media[0].Clone()
	md.Attributes[0].Value = hostile[0]
	sd.Media[0] = md
	wantRefused(t, "media replaced", sd)
	// The original still marshals: nothing above reached its copy.
	if _, err := base.Marshal(); err != nil {
		t.Fatal(err)
	}
}

// TestCheckedSpansLocateEveryAttribute: every attribute of a parsed
// description (CRLF or LF text) matches the span Parse kept for it, so
// Validate skips them all; a clone shares the spans and matches too.
func TestCheckedSpansLocateEveryAttribute(t *testing.T) {
	b, err := os.ReadFile("testdata/chrome_offer_gathered.sdp")
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{string(b), strings.ReplaceAll(string(b), "\r\n", "\n")} {
		sd, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []*SessionDescription{sd, sd.Clone()} {
			seg, rest := nextChecked(d.checked)
			n := 0
			for si, as := range sections(d) {
				if si > 0 {
					seg, rest = nextChecked(rest)
				}
				if len(seg) != len(*as) {
					t.Fatalf("section %d: %d spans for %d attributes", si, len(seg), len(*as))
				}
				for i := range *as {
					if !seg[i].matches(d.src, &(*as)[i]) {
						t.Fatalf("section %d attribute %d %v does not match its span", si, i, (*as)[i])
					}
					n++
				}
			}
			if len(rest) != 0 || n != 173 {
				t.Fatalf("%d spans left over, %d attributes", len(rest), n)
			}
		}
	}
}

// TestMarshalAllocs: AppendTo into a buffer with room allocates nothing,
// Marshal only its result, and Validate nothing.
func TestMarshalAllocs(t *testing.T) {
	text, err := os.ReadFile("testdata/chrome_offer_gathered.sdp")
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Unmarshal(text)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 2*len(text))
	var aerr error
	if n := testing.AllocsPerRun(50, func() { buf, aerr = sd.AppendTo(buf[:0]) }); n != 0 || aerr != nil {
		t.Errorf("AppendTo: %v allocations, %v", n, aerr)
	}
	if n := testing.AllocsPerRun(50, func() { aerr = sd.Validate() }); n != 0 || aerr != nil {
		t.Errorf("Validate: %v allocations, %v", n, aerr)
	}
	if n := testing.AllocsPerRun(50, func() { _, aerr = sd.Marshal() }); n != 1 || aerr != nil {
		t.Errorf("Marshal: %v allocations, %v", n, aerr)
	}
}

// FuzzChangeParsed: one attribute of a parsed description replaced by an
// arbitrary name and value. Marshal must accept exactly when the full
// check (a token name, then checkAttr) accepts, the private record of what
// Parse checked notwithstanding, and what it writes must parse back.
func FuzzChangeParsed(f *testing.F) {
	f.Add(uint16(0), AttrMID, "0")
	f.Add(uint16(40), AttrCandidate, "0")
	f.Add(uint16(7), AttrRTPMap, "111 opus/48000/2")
	for _, h := range hostile {
		f.Add(uint16(3), AttrMID, h)
		f.Add(uint16(90), "x-unknown", h)
	}
	base := func() *SessionDescription {
		b, err := os.ReadFile("testdata/chrome_offer_gathered.sdp")
		if err != nil {
			f.Fatal(err)
		}
		sd, err := Unmarshal(b)
		if err != nil {
			f.Fatal(err)
		}
		return sd
	}()
	f.Fuzz(func(t *testing.T, at uint16, key, value string) {
		sd := base.Clone()
		var all []*Attribute
		for _, as := range sections(sd) {
			for i := range *as {
				all = append(all, &(*as)[i])
			}
		}
		*all[int(at)%len(all)] = Attribute{key, value}
		want := isToken(key) && checkAttr(key, value) == nil
		if full := fullValidate(sd); (full == nil) != want {
			t.Fatalf("a=%q:%q: full Validate %v, checkAttr says ok=%v", key, value, full, want)
		}
		out, err := sd.Marshal()
		if (err == nil) != want {
			t.Fatalf("a=%q:%q: Marshal error %v, full check says ok=%v", key, value, err, want)
		}
		if err == nil {
			if ref := sd.appendText(nil); !bytes.Equal(out, ref) {
				t.Fatalf("a=%q:%q: Marshal wrote\n%q\nthe field-by-field writer\n%q", key, value, out, ref)
			}
			if _, err := Parse(string(out)); err != nil {
				t.Fatalf("a=%q:%q: wrote text that does not parse: %v", key, value, err)
			}
		}
	})
}

// TestMarshalCopiesMatchWriter: Marshal, which copies runs of unchanged
// attributes from the parsed text, writes exactly what the field-by-field
// writer writes, for every fixture read with CRLF, with LF, and with a
// blank line (CRLF or LF) or an "a=key:" with an empty value (which end a
// run).
func TestMarshalCopiesMatchWriter(t *testing.T) {
	for name, text := range fixtures(t) {
		variants := []string{text, strings.ReplaceAll(text, "\r\n", "\n"),
			strings.Replace(text, "\r\na=", "\r\n\r\na=", 3), strings.Replace(text, "\r\na=", "\r\na=x-empty:\r\na=", 3),
			strings.Replace(strings.ReplaceAll(text, "\r\n", "\n"), "\na=", "\n\na=", 3)}
		for vi, v := range variants {
			var sd *SessionDescription
			var err error
			if isFragment(name) {
				continue
			}
			if sd, err = Parse(v); err != nil {
				t.Fatalf("%s variant %d: %v", name, vi, err)
			}
			out, err := sd.Marshal()
			if err != nil {
				t.Fatalf("%s variant %d: %v", name, vi, err)
			}
			if ref := sd.appendText(nil); !bytes.Equal(out, ref) {
				t.Fatalf("%s variant %d: Marshal wrote\n%q\nthe writer\n%q", name, vi, out, ref)
			}
		}
	}
}
