package rtp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A packet built by hand from RFC 3550 §5.1 and RFC 8285 §4.2.
var oneBytePacket = "" +
	"b0" + // V=2 P=1 X=1 CC=0
	"e0" + // M=1 PT=96
	"1234" + // sequence number
	"00bc614e" + // timestamp 12345678
	"deadbeef" + // SSRC
	"bede0002" + // one-byte profile, 2 words
	"22aabbcc" + // ID=2 L=2 (3 bytes)
	"510102" + "00" + // ID=5 L=1 (2 bytes), padding
	"01020304" + // payload
	"00000003" // padding: 3 octets... last octet says 3 (see below)

func TestUnmarshalOneByte(t *testing.T) {
	b := mustHex(t, oneBytePacket)
	var p Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if !p.Marker || p.PayloadType != 96 || p.SequenceNumber != 0x1234 || p.Timestamp != 12345678 || p.SSRC != 0xdeadbeef {
		t.Fatalf("fixed header: %+v", p.Header)
	}
	if got := p.GetExtension(2); !bytes.Equal(got, []byte{0xaa, 0xbb, 0xcc}) {
		t.Errorf("ext 2 = %x", got)
	}
	if got := p.GetExtension(5); !bytes.Equal(got, []byte{1, 2}) {
		t.Errorf("ext 5 = %x", got)
	}
	if p.GetExtension(3) != nil {
		t.Error("ext 3 present")
	}
	// RFC 3550 §5.1: padding count includes itself; 3 octets of padding
	// leave payload 01020304 00.
	if !bytes.Equal(p.Payload, []byte{1, 2, 3, 4, 0}) || p.PaddingSize != 3 {
		t.Errorf("payload %x padding %d", p.Payload, p.PaddingSize)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, b) {
		t.Errorf("round trip\n got %x\nwant %x", out, b)
	}
	if p.MarshalSize() != len(b) {
		t.Errorf("MarshalSize %d want %d", p.MarshalSize(), len(b))
	}
}

func TestUnmarshalTwoByteAndCSRC(t *testing.T) {
	b := mustHex(t, "92"+"08"+"0001"+"00000002"+"00000003"+
		"11111111"+"22222222"+ // CSRCs
		"10000002"+ // two-byte profile, 2 words
		"0100"+"0f03aabbcc"+"00"+ // ID=1 empty, ID=15 3 bytes, padding
		"ff")
	var p Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]uint32{0x11111111, 0x22222222}, p.CSRCs()); diff != "" {
		t.Error(diff)
	}
	if !p.HasExtension(1) || len(p.GetExtension(1)) != 0 {
		t.Error("empty ext 1 missing")
	}
	if !bytes.Equal(p.GetExtension(15), []byte{0xaa, 0xbb, 0xcc}) {
		t.Error("ext 15")
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, b) {
		t.Errorf("round trip\n got %x\nwant %x", out, b)
	}
}

// RFC 8285 §4.3: the low four bits of the two-byte profile are "appbits",
// to be ignored by a receiver: 0x1005 is still the two-byte form, and the
// value is kept when the header is written back (a forwarder preserves it).
func TestTwoByteAppBits(t *testing.T) {
	b := mustHex(t, "900000010000000000000001"+"10050001"+"0201aa00")
	var p Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if p.ExtensionCount() != 1 || !bytes.Equal(p.GetExtension(2), []byte{0xaa}) {
		t.Fatalf("exts %+v", p.AppendExtensions(nil))
	}
	var v HeaderView
	if err := v.Unmarshal(b); err != nil || !bytes.Equal(v.Extension(2), []byte{0xaa}) {
		t.Fatalf("view: %v %x", err, v.Extension(2))
	}
	if out, err := p.Marshal(); err != nil || !bytes.Equal(out, b) {
		t.Fatalf("round trip %v\n got %x\nwant %x", err, out, b)
	}
}

func TestOneByteID15StopsParsing(t *testing.T) {
	// RFC 8285 §4.2: ID 15 terminates processing.
	b := mustHex(t, "9000000100000000000000"+"01"+"bede0001"+"10aaf0ff"+"")
	var p Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if len(p.AppendExtensions(nil)) != 1 || p.GetExtension(1)[0] != 0xaa {
		t.Fatalf("exts %+v", p.AppendExtensions(nil))
	}
}

func TestSetExtensionForms(t *testing.T) {
	var h Header
	if err := h.SetExtension(3, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if h.ExtensionProfile != ExtensionProfileOneByte {
		t.Fatalf("profile %x", h.ExtensionProfile)
	}
	if err := h.SetExtension(20, []byte{1}); !errors.Is(err, ErrExtensionID) {
		t.Fatalf("id 20 in one-byte: %v", err)
	}
	if err := h.SetExtension(4, make([]byte, 17)); !errors.Is(err, ErrExtensionSize) {
		t.Fatalf("17 bytes in one-byte: %v", err)
	}
	if err := h.SetExtensionMixed(20, nil); err != nil {
		t.Fatal(err)
	}
	if h.ExtensionProfile != ExtensionProfileTwoByte {
		t.Fatalf("mixed did not switch to two-byte: %x", h.ExtensionProfile)
	}
	if err := h.SetExtension(3, []byte{9, 9}); err != nil {
		t.Fatal(err)
	}
	p := Packet{Header: h, Payload: []byte{1}}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var q Packet
	if err := q.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(q.GetExtension(3), []byte{9, 9}) || !q.HasExtension(20) {
		t.Fatalf("exts %+v", q.AppendExtensions(nil))
	}
	if !q.DelExtension(3) || q.DelExtension(3) {
		t.Fatal("DelExtension")
	}
	q.DelExtension(20)
	if q.Header.Extension || q.MarshalSize() != FixedHeaderSize+1 {
		t.Fatalf("extension block not removed: %d", q.MarshalSize())
	}
	if err := h.SetExtension(0, []byte{1}); !errors.Is(err, ErrExtensionID) {
		t.Fatal("id 0 accepted")
	}
	if err := h.SetCSRCs(make([]uint32, 16)); !errors.Is(err, ErrTooManyCSRC) {
		t.Fatal("16 CSRCs accepted")
	}
	var many Header
	for i := range MaxExtensions {
		if err := many.SetExtensionMixed(uint8(i+1), []byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := many.SetExtensionMixed(200, []byte{1}); !errors.Is(err, ErrTooManyExtensions) {
		t.Fatal("limit not enforced")
	}
}

func TestRawExtensionProfile(t *testing.T) {
	// RFC 3550 §5.3.1 with a profile that is not RFC 8285: kept opaque.
	b := mustHex(t, "9000000100000000000000"+"01"+"abcd0001"+"01020304"+"ee")
	var p Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if p.ExtensionProfile != 0xabcd || !bytes.Equal(p.RawExtension, []byte{1, 2, 3, 4}) || len(p.AppendExtensions(nil)) != 0 {
		t.Fatalf("%+v", p.Header)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, b) {
		t.Fatalf("round trip %x", out)
	}
}

func TestPrefixesFail(t *testing.T) {
	// Every strict prefix of the header must fail. (A cut inside the payload
	// may still be a valid packet, so only the header is checked.)
	for _, s := range []string{oneBytePacket} {
		b := mustHex(t, s)
		for i := range 24 {
			var p Packet
			if err := p.Unmarshal(b[:i]); err == nil {
				t.Errorf("prefix %d parsed", i)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	cases := map[string]struct {
		hex string
		err error
	}{
		"version 1":     {"50000001000000000000000000", ErrBadVersion},
		"short":         {"8000000100", ErrTruncated},
		"csrc short":    {"8100000100000000000000", ErrTruncated},
		"pad zero":      {"a000000100000000000000000100", ErrBadPadding},
		"pad too long":  {"a0000001000000000000000005", ErrBadPadding},
		"ext short":     {"9000000100000000000000bede", ErrTruncated},
		"ext len":       {"9000000100000000000000bede0002aaaaaaaa", ErrTruncated},
		"element long":  {"900000010000000000000000bede00011f000000", ErrBadExtension},
		"two-byte long": {"9000000100000000000000001000000101050000", ErrBadExtension},
	}
	for name, c := range cases {
		var p Packet
		if err := p.Unmarshal(mustHex(t, c.hex)); !errors.Is(err, c.err) {
			t.Errorf("%s: err %v want %v", name, err, c.err)
		}
		if _, err := ParseHeaderView(mustHex(t, c.hex)); err == nil && c.err != ErrBadExtension {
			t.Errorf("%s: header view accepted", name)
		}
	}
}

// A malformed extension block leaves neither a size nor elements behind,
// in the two-byte form as in the one-byte form: a good element before the
// bad one is not reported.
func TestBadExtensionLeavesNoElements(t *testing.T) {
	for name, hex := range map[string]string{
		"one-byte": "900000010000000000000000bede0002" + "10aa" + "2f000000" + "0000",
		"two-byte": "9000000100000000000000001000000201" + "01aa" + "0205000000",
	} {
		var h Header
		n, err := h.Unmarshal(mustHex(t, hex))
		if !errors.Is(err, ErrBadExtension) || n != 0 || h.ExtensionCount() != 0 {
			t.Errorf("%s: n=%d err=%v elements=%d", name, n, err, h.ExtensionCount())
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	b := mustHex(t, oneBytePacket)
	var p Packet
	if err := p.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	c := p.Clone()
	for i := range b {
		b[i] = 0xff
	}
	if !bytes.Equal(c.GetExtension(2), []byte{0xaa, 0xbb, 0xcc}) || !bytes.Equal(c.Payload, []byte{1, 2, 3, 4, 0}) {
		t.Fatal("clone aliases input")
	}
}

func TestMarshalToShortBuffer(t *testing.T) {
	var p Packet
	p.Payload = make([]byte, 100)
	if _, err := p.MarshalTo(make([]byte, 50)); !errors.Is(err, ErrShortBuffer) {
		t.Fatal(err)
	}
	if n, err := p.MarshalTo(make([]byte, 200)); err != nil || n != 112 {
		t.Fatal(n, err)
	}
}

// testPacket is the benchmark packet: 1200 bytes of payload, two header
// extensions (abs-send-time and transport-cc), one-byte form.
func testPacket() Packet {
	var p Packet
	p.Marker = true
	p.PayloadType = 96
	p.SequenceNumber = 27023
	p.Timestamp = 3653407706
	p.SSRC = 476325762
	if err := p.SetExtension(2, []byte{0x01, 0x02, 0x03}); err != nil {
		panic(err)
	}
	if err := p.SetExtension(3, []byte{0x12, 0x34}); err != nil {
		panic(err)
	}
	p.Payload = bytes.Repeat([]byte{0xab}, 1200)
	return p
}

func TestZeroAllocs(t *testing.T) {
	p := testPacket()
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1500)
	var q Packet
	allocs := testing.AllocsPerRun(100, func() {
		if err := q.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		var err error
		if buf, err = q.AppendTo(buf[:0]); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseHeaderView(raw); err != nil {
			t.Fatal(err)
		}
		if _, err := q.MarshalTo(buf[:cap(buf)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("allocs = %v", allocs)
	}
	if !bytes.Equal(buf, raw) {
		t.Fatal("round trip")
	}
}

func TestHeaderView(t *testing.T) {
	p := testPacket()
	p.PaddingSize = 4
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseHeaderView(raw)
	if err != nil {
		t.Fatal(err)
	}
	if v.SequenceNumber != p.SequenceNumber || v.SSRC != p.SSRC || !v.Marker || v.PayloadType != 96 {
		t.Fatalf("%+v", v)
	}
	if !bytes.Equal(raw[v.HeaderSize:v.PayloadEnd], p.Payload) {
		t.Fatal("payload bounds")
	}
	if !bytes.Equal(v.Extension(3), []byte{0x12, 0x34}) || v.Extension(7) != nil {
		t.Fatal("extension lookup")
	}
	if !v.RewriteExtension(3, []byte{0xbe, 0xef}) || v.RewriteExtension(3, []byte{1}) {
		t.Fatal("rewrite")
	}
	SetSequenceNumber(raw, 7)
	SetSSRC(raw, 8)
	SetTimestamp(raw, 9)
	SetPayloadType(raw, 100)
	SetMarker(raw, false)
	var q Packet
	if err := q.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	if q.SequenceNumber != 7 || q.SSRC != 8 || q.Timestamp != 9 || q.PayloadType != 100 || q.Marker ||
		!bytes.Equal(q.GetExtension(3), []byte{0xbe, 0xef}) {
		t.Fatalf("%+v", q.Header)
	}
}

func TestRTX(t *testing.T) {
	p := testPacket()
	b, err := AppendRTX(nil, &p, 999, 97, 5)
	if err != nil {
		t.Fatal(err)
	}
	var r Packet
	if err := r.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if r.SSRC != 999 || r.PayloadType != 97 || r.SequenceNumber != 5 || len(r.Payload) != len(p.Payload)+2 {
		t.Fatalf("%+v", r.Header)
	}
	if err := UnwrapRTX(&r, p.SSRC, p.PayloadType); err != nil {
		t.Fatal(err)
	}
	if r.SequenceNumber != p.SequenceNumber || r.SSRC != p.SSRC || !bytes.Equal(r.Payload, p.Payload) ||
		!bytes.Equal(r.GetExtension(3), p.GetExtension(3)) {
		t.Fatal("unwrap mismatch")
	}
	r.Payload = r.Payload[:1]
	if err := UnwrapRTX(&r, 1, 1); !errors.Is(err, ErrMalformedPayload) {
		t.Fatal("short RTX accepted")
	}
}

func TestRTXAllocs(t *testing.T) {
	p := testPacket()
	buf := make([]byte, 0, 1500)
	var r Packet
	if a := testing.AllocsPerRun(50, func() {
		out, err := AppendRTX(buf[:0], &p, 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Unmarshal(out); err != nil {
			t.Fatal(err)
		}
		if err := UnwrapRTX(&r, p.SSRC, p.PayloadType); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("%v allocs", a)
	}
}

func TestString(t *testing.T) {
	p := testPacket()
	p.PaddingSize = 2
	want := "RTP PT=96 SN=27023 TS=3653407706 SSRC=0x1c642782 M exts=[2:010203 3:1234] payload=1200B pad=2"
	if got := p.String(); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}
