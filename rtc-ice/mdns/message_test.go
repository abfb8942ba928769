package mdns

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

const testName = "1f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d.local"

// unhex decodes hex with spaces, newlines and "#" comments to the end of a line.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var clean strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		line, _, _ = strings.Cut(line, "#")
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The query a Querier sends for testName: RFC 1035 §4.1.1 header, two
// §4.1.2 questions, names uncompressed.
func queryVector(t testing.TB) []byte { return readVector(t, "query.hex") }

func TestQueryVector(t *testing.T) {
	want := queryVector(t)
	m := Message{Questions: []Question{
		{Name: testName, Type: TypeA, Class: ClassIN},
		{Name: testName, Type: TypeAAAA, Class: ClassIN},
	}}
	got, err := m.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("built\n%x\nwant\n%x", got, want)
	}
	if n, err := m.MarshalSize(); err != nil || n != len(want) {
		t.Fatalf("MarshalSize = %d, %v; want %d", n, err, len(want))
	}
	p, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, p); diff != "" {
		t.Fatalf("parse (-built +parsed):\n%s", diff)
	}
}

// A response with an answer and an additional record whose name is a
// compression pointer to the answer's name (RFC 1035 §4.1.4), and the
// cache-flush bits (RFC 6762 §10.2).
func responseVector(t testing.TB) []byte { return readVector(t, "response.hex") }

// readVector reads a hand-checked vector from testdata: hex with a "#"
// comment on each field.
func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return unhex(t, string(b))
}

func TestResponseVector(t *testing.T) {
	m, err := Parse(responseVector(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Message{
		Flags: FlagResponse | FlagAuthoritative,
		Answers: []Record{{Name: "h.local", Type: TypeA, Class: ClassIN, CacheFlush: true, TTL: 120,
			Data: []byte{192, 168, 77, 2}}},
		Additionals: []Record{{Name: "h.local", Type: TypeAAAA, Class: ClassIN, CacheFlush: true, TTL: 10,
			Data: netip.MustParseAddr("fe80::1").AsSlice()}},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if a, ok := m.Answers[0].Addr(); !ok || a != netip.MustParseAddr("192.168.77.2") {
		t.Fatalf("A Addr = %v %v", a, ok)
	}
	if a, ok := m.Additionals[0].Addr(); !ok || a != netip.MustParseAddr("fe80::1") {
		t.Fatalf("AAAA Addr = %v %v", a, ok)
	}
	if !m.Response() || m.Opcode() != 0 || m.RCode() != 0 {
		t.Fatalf("flags: response %v opcode %d rcode %d", m.Response(), m.Opcode(), m.RCode())
	}
}

// Every strict prefix of a valid message fails to parse (and never panics).
func TestPrefixesFail(t *testing.T) {
	for _, v := range [][]byte{queryVector(t), responseVector(t)} {
		for n := range len(v) {
			if _, err := Parse(v[:n]); !errors.Is(err, ErrBadMessage) {
				t.Fatalf("prefix of %d/%d bytes: err = %v, want ErrBadMessage", n, len(v), err)
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	hdr := func(qd, an uint16) string {
		return "0000 8400" + hex.EncodeToString([]byte{byte(qd >> 8), byte(qd), byte(an >> 8), byte(an)}) + "0000 0000"
	}
	long := strings.Repeat("3f"+strings.Repeat("61", 63), 4) + "00" // 4 x 64 + 1 = 257 octets
	tests := []struct{ name, hex string }{
		{"pointer to itself", hdr(1, 0) + "c00c 0001 0001"},
		{"pointer forwards", hdr(1, 0) + "c00e 0001 0001 00"},
		{"pointer loop a->b->a", hdr(2, 0) + "01 61 c0 0c 0001 0001" + "c00e 0001 0001"},
		{"label type 0x40", hdr(1, 0) + "41 00 0001 0001"},
		{"label type 0x80", hdr(1, 0) + "81 00 0001 0001"},
		{"name over 255 octets", hdr(1, 0) + long + "0001 0001"},
		{"count larger than the input", hdr(100, 0) + "00 0001 0001"},
		{"more than MaxRecords", hdr(200, 100) + strings.Repeat("00 0001 0001", 200)},
		{"rdlength past the end", hdr(0, 1) + "00 0001 0001 00000078 0005 c0a8"},
		{"trailing bytes", hdr(1, 0) + "00 0001 0001 ff"},
		{"label past the end", hdr(1, 0) + "3f 61"},
	}
	for _, tc := range tests {
		b, err := hex.DecodeString(strings.ReplaceAll(tc.hex, " ", ""))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := Parse(b); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s: err = %v, want ErrBadMessage", tc.name, err)
		}
	}
	if _, err := Parse(make([]byte, MaxMessageSize+1)); !errors.Is(err, ErrBadMessage) {
		t.Errorf("9001 bytes: err = %v", err)
	}
}

// A chain of 64 backward pointers is followed; the 65th is refused.
func TestPointerChainBound(t *testing.T) {
	build := func(n int) []byte {
		b := unhex(t, "0000 0000 0001 0000 0000 0000")
		// n names "a" + pointer to the previous one, then the question
		// pointing at the last.
		b = append(b, 0x01, 'a', 0x00) // offset 12: "a"
		prev := 12
		var hops []byte
		for range n - 1 {
			at := 12 + 3 + len(hops)
			hops = append(hops, 0xc0|byte(prev>>8), byte(prev))
			prev = at
		}
		b = append(b, hops...)
		b = append(b, 0xc0|byte(prev>>8), byte(prev), 0x00, 0x01, 0x00, 0x01)
		return b // the question's name: n pointers, each to the one before, ending at "a"
	}
	// Direct check through readName: 64 pointers ok, 65 refused.
	for _, tc := range []struct {
		n  int
		ok bool
	}{{64, true}, {65, false}} {
		b := build(tc.n)
		qstart := len(b) - 6
		c := cursorAt(b, qstart)
		name, err := readName(b, &c)
		if tc.ok && (err != nil || name != "a") {
			t.Fatalf("%d pointers: %q %v", tc.n, name, err)
		}
		if !tc.ok && !errors.Is(err, ErrBadMessage) {
			t.Fatalf("%d pointers: err = %v, want refused", tc.n, err)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	for _, name := range []string{
		strings.Repeat("a", 64) + ".local", // label over 63
		"a..local",                         // empty label
		strings.Repeat(strings.Repeat("b", 63)+".", 4) + "local", // over 255
	} {
		m := Message{Questions: []Question{{Name: name, Type: TypeA, Class: ClassIN}}}
		before := []byte{1, 2, 3}
		got, err := m.AppendTo(before)
		if !errors.Is(err, ErrNameTooLong) || !bytes.Equal(got, before) {
			t.Errorf("%.20s...: %x %v, want ErrNameTooLong and the buffer unchanged", name, got, err)
		}
	}
}

// Names with escaped characters parse to an unambiguous string.
func TestNameEscapes(t *testing.T) {
	b := unhex(t, "0000 0000 0001 0000 0000 0000 03 612e62 02 5c63 00 0001 0001")
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Questions[0].Name; got != `a\.b.\\c` {
		t.Fatalf("name = %q", got)
	}
}

func TestIsICEName(t *testing.T) {
	for name, want := range map[string]bool{
		testName:                  true,
		strings.ToUpper(testName): true,
		testName + ".":            true,
		"printer.local":           false,
		"1f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d.lan":   false,
		"1f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5.local":  false,
		"1f0b2c3d04e5f-4a6b-8c7d-0e1f2a3b4c5d.local": false,
		"1f0b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5g.local": false,
		"x." + testName: false,
		"":              false,
	} {
		if got := IsICEName(name); got != want {
			t.Errorf("IsICEName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestNewName(t *testing.T) {
	name, err := newName(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	if err != nil {
		t.Fatal(err)
	}
	// Version nibble 4, variant bits 10 (RFC 4122 §4.1.1, §4.1.3).
	if want := "ffffffff-ffff-4fff-bfff-ffffffffffff.local"; name != want {
		t.Fatalf("name = %q, want %q", name, want)
	}
	if !IsICEName(name) {
		t.Fatal("a drawn name is not an ICE name")
	}
	if _, err := newName(bytes.NewReader(nil)); err == nil {
		t.Fatal("an empty Rand gave a name")
	}
}

func cursorAt(b []byte, off int) shared.Cursor {
	c := shared.NewCursor(b)
	c.Skip(off)
	return c
}
