package stun

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stunvectors "github.com/sansrtc/rtc/rtc-stun/stunvectors"
)

func fuzzSeeds(f *testing.F) {
	for _, v := range rfc5769(f) {
		f.Add(v.Message)
	}
	errata, _, err := stunvectors.RFC8489B1()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(errata)
	f.Add(buildAll(f))
	f.Add(iceRequest(nil, NewIntegrity([]byte("k"))))
	for _, raw := range trailerCases() {
		f.Add(raw)
	}
}

// FuzzParse: whatever parses re-encodes (attribute by attribute) and
// re-parses to the same type, transaction ID and attributes; no getter
// panics on any input.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if err := Parse(data, &m); err != nil {
			return
		}
		// Exercise every getter: a value or an expected error, never a panic.
		callAll(t, &m, in)
		// RFC 7983: a STUN message whose first byte is 0-3 demultiplexes as
		// STUN (methods past 0x3F share the DTLS range and are not used).
		if k := Classify(data); data[0] <= 3 && k != KindSTUN {
			t.Fatalf("a parsed STUN message classified as %v", k)
		}

		b := NewBuilder(nil, m.Type, m.TransactionID)
		for _, a := range m.All() {
			b.Add(a.Type, a.Value)
		}
		out, err := b.Bytes()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var m2 Message
		if err := Parse(out, &m2); err != nil {
			t.Fatalf("re-parse: %v\n%x", err, out)
		}
		if m2.Type != m.Type || m2.TransactionID != m.TransactionID || m2.Len() != m.Len() {
			t.Fatalf("header or count changed: %v vs %v", &m, &m2)
		}
		for i := range m.Len() {
			a, a2 := m.Attr(i), m2.Attr(i)
			if a.Type != a2.Type || !bytes.Equal(a.Value, a2.Value) {
				t.Fatalf("attribute %d changed: %v %x vs %v %x", i, a.Type, a.Value, a2.Type, a2.Value)
			}
		}
	})
}

// FuzzClient feeds arbitrary datagrams and timer firings to a Client with
// outstanding transactions: no panic, no deadline before the latest time,
// the outstanding count stays bounded, and every started transaction ends
// at most once.
func FuzzClient(f *testing.F) {
	f.Add([]byte{0, 1, 2}, bindingResponse(f, TransactionID{1}, clientAddr))
	f.Add([]byte{200, 255}, buildAll(f))
	f.Fuzz(func(t *testing.T, steps []byte, datagram []byte) {
		c := NewClient(Config{MaxTransactions: 3})
		now := t0
		for i := range 3 {
			must(t, c.HandleWrite(shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingRequest(t, TransactionID{byte(i)})}))
		}
		ended := map[TransactionID]int{}
		for _, s := range steps {
			switch {
			case s < 100:
				now = now.Add(time.Duration(s) * 10 * time.Millisecond)
				// A full queue keeps what is due due (documented): allowed.
				if err := c.HandleTimeout(now); err != nil && !errors.Is(err, shared.ErrQueueFull) {
					t.Fatal(err)
				}
			case s < 200:
				clientReadErr(t, c.HandleRead(shared.TaggedBytes{Now: now, Transport: udpPath, Message: datagram}))
			default:
				// A matching response, possibly a duplicate.
				clientReadErr(t, c.HandleRead(shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingResponse(t, TransactionID{s % 4}, clientAddr)}))
			}
			for {
				if _, ok := c.PollWrite(); !ok {
					break
				}
			}
			for {
				ev, ok := c.PollEvent()
				if !ok {
					break
				}
				ended[ev.TransactionID]++
				if ended[ev.TransactionID] > 1 {
					t.Fatalf("transaction %v ended twice", ev.TransactionID)
				}
			}
			if d, ok := c.PollTimeout(); ok && d.Before(now) {
				t.Fatalf("deadline %v before now %v", d, now)
			}
			if c.Outstanding() > 3 {
				t.Fatal("outstanding over the limit")
			}
		}
	})
}

// sameParse reports how a and b differ, or "".
func sameParse(a, b *Message) string {
	switch {
	case a.Type != b.Type || a.TransactionID != b.TransactionID:
		return "header"
	case !bytes.Equal(a.Raw, b.Raw) || (a.Raw == nil) != (b.Raw == nil):
		return "raw"
	case len(a.attrs) != len(b.attrs):
		return "attribute count"
	case a.miOff != b.miOff || a.mi256Off != b.mi256Off || a.fpOff != b.fpOff:
		return "integrity offsets"
	}
	for i := range a.attrs {
		if a.attrs[i] != b.attrs[i] {
			return "attribute " + strconv.Itoa(i)
		}
	}
	return ""
}

// FuzzParseFastSlow checks that ParseWithLimits (a fast path that falls
// back to parseSlow) and parseSlow, the reference walk, agree on every
// input and limit: same error, same index, same getter results.
func FuzzParseFastSlow(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []Limits{{}, {MaxAttributes: 3}, {MaxAttributes: 5}, {MaxMessageSize: 64}} {
			var fast, slow Message
			errFast := ParseWithLimits(data, &fast, lim)
			errSlow := slow.parseSlow(data, lim)
			if (errFast == nil) != (errSlow == nil) || (errFast != nil && errFast.Error() != errSlow.Error()) {
				t.Fatalf("%+v: fast %v, slow %v", lim, errFast, errSlow)
			}
			if d := sameParse(&fast, &slow); d != "" {
				t.Fatalf("%+v: %s differs", lim, d)
			}
			if errFast != nil {
				continue
			}
			u, err := fast.Username()
			u2, err2 := slow.Username()
			p, err3 := fast.Priority()
			p2, err4 := slow.Priority()
			if !bytes.Equal(u, u2) || err != err2 || p != p2 || err3 != err4 || fast.UseCandidate() != slow.UseCandidate() {
				t.Fatal("getters differ")
			}
		}
	})
}

// rawAttr encodes one attribute with zero padding.
func rawAttr(t AttrType, v ...byte) []byte {
	a := binary.BigEndian.AppendUint16(nil, uint16(t))
	a = binary.BigEndian.AppendUint16(a, uint16(len(v)))
	a = append(a, v...)
	for len(a)%4 != 0 {
		a = append(a, 0)
	}
	return a
}

// rawMessage frames attributes as a Binding request, whatever their order.
func rawMessage(attrs ...[]byte) []byte {
	var body []byte
	for _, a := range attrs {
		body = append(body, a...)
	}
	b := binary.BigEndian.AppendUint16(nil, BindingRequest.Value())
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	b = binary.BigEndian.AppendUint32(b, MagicCookie)
	b = append(b, testTID[:]...)
	return append(b, body...)
}

// trailerCases are messages whose integrity and fingerprint attributes
// are out of the usual order, repeated or followed by something: the fast
// path leaves them to parseSlow.
func trailerCases() map[string][]byte {
	mi := rawAttr(AttrMessageIntegrity, make([]byte, 20)...)
	mi256 := rawAttr(AttrMessageIntegritySHA256, make([]byte, 32)...)
	fp := rawAttr(AttrFingerprint, 1, 2, 3, 4)
	user := rawAttr(AttrUsername, 'a', 'b', 'c')
	prio := rawAttr(AttrPriority, 1, 2, 3, 4)
	return map[string][]byte{
		"mi mi256 fp":          rawMessage(user, mi, mi256, fp),
		"mi256 fp":             rawMessage(user, mi256, fp),
		"mi":                   rawMessage(prio, mi),
		"fp only":              rawMessage(fp),
		"attr after mi":        rawMessage(user, mi, prio, fp),
		"mi twice":             rawMessage(mi, mi, fp),
		"mi after mi256":       rawMessage(mi256, mi, fp),
		"mi256 twice":          rawMessage(mi, mi256, mi256),
		"attr after fp":        rawMessage(user, fp, prio),
		"fp twice":             rawMessage(fp, fp),
		"mi after fp":          rawMessage(fp, mi),
		"duplicate username":   rawMessage(user, rawAttr(AttrUsername, 'x'), prio),
		"truncated after mi":   rawMessage(mi, rawAttr(AttrPriority, 1, 2, 3, 4)[:4]),
		"bad length in middle": rawMessage(user, []byte{0, 0x24, 0, 9, 1, 2, 3, 4}, fp),
		"low byte of fp":       rawMessage(user, rawAttr(0xC028, 1), mi, fp),
		"low byte of mi last":  rawMessage(prio, rawAttr(0x0108, 1, 2)),
	}
}

func TestParseTrailers(t *testing.T) {
	for name, raw := range trailerCases() {
		for _, lim := range []Limits{{}, {MaxAttributes: 2}} {
			var fast, slow Message
			errFast := ParseWithLimits(raw, &fast, lim)
			errSlow := slow.parseSlow(raw, lim)
			if fmt.Sprint(errFast) != fmt.Sprint(errSlow) {
				t.Errorf("%s %+v: fast %v, slow %v", name, lim, errFast, errSlow)
			}
			if d := sameParse(&fast, &slow); d != "" {
				t.Errorf("%s %+v: %s differs", name, lim, d)
			}
		}
	}
	var m Message
	if err := Parse(trailerCases()["attr after mi"], &m); err != nil || m.Len() != 3 || m.Contains(AttrPriority) {
		t.Errorf("attribute after MESSAGE-INTEGRITY: %v, %v", err, &m)
	}
	if u, err := m.Username(); string(u) != "abc" || err != nil {
		t.Errorf("Username = %q, %v", u, err)
	}
	if _, err := m.Priority(); err != ErrAttributeNotFound {
		t.Errorf("Priority after MESSAGE-INTEGRITY: %v", err)
	}
	if err := Parse(trailerCases()["duplicate username"], &m); err != nil {
		t.Fatal(err)
	}
	if u, err := m.Username(); err != nil || string(u) != "abc" {
		t.Errorf("Username = %q, want the first", u)
	}
	if err := Parse(trailerCases()["attr after fp"], &m); !errors.Is(err, ErrFingerprintNotLast) {
		t.Errorf("attribute after FINGERPRINT: %v", err)
	}
}

// The fast path takes what ICE and TURN send, once m.attrs has grown.
func TestParseFastPathTaken(t *testing.T) {
	cases := trailerCases()
	for name, raw := range map[string][]byte{
		"ice":         iceRequest(nil, NewIntegrity([]byte("k"))),
		"all":         buildAll(t),
		"mi mi256 fp": cases["mi mi256 fp"],
		"mi256 fp":    cases["mi256 fp"],
		"mi":          cases["mi"],
		"fp only":     cases["fp only"],
	} {
		var m Message
		if err := Parse(raw, &m); err != nil {
			t.Fatal(name, err)
		}
		if !m.parseFast(raw, Limits{}) {
			t.Errorf("%s: parseFast declined", name)
		}
		if testing.AllocsPerRun(10, func() { _ = Parse(raw, &m) }) != 0 {
			t.Errorf("%s: allocates", name)
		}
	}
}
