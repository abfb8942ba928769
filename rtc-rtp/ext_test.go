package rtp

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

type extCodec interface {
	Unmarshal([]byte) error
	MarshalSize() int
	AppendTo([]byte) []byte
}

func TestTypedExtensions(t *testing.T) {
	cases := []struct {
		name string
		wire string
		dec  extCodec
		want extCodec
	}{
		{"abs-send-time", "123456", &AbsSendTime{}, &AbsSendTime{Timestamp: 0x123456}},
		{"transport-cc", "beef", &TransportCC{}, &TransportCC{SequenceNumber: 0xbeef}},
		{"mid", "61756469", &SDESItem{}, &SDESItem{Value: []byte("audi")}},
		// RFC 6464 §3: V=1, level 42 dBov below overload.
		{"audio level", "aa", &AudioLevel{}, &AudioLevel{Voice: true, Level: 42}},
		// 3GPP TS 26.114: C=1 F=0 R=01 (90 degrees).
		{"cvo", "09", &VideoOrientation{}, &VideoOrientation{BackCamera: true, Rotation: 1}},
		// min 100 (1 s), max 1000 (10 s) in 10 ms units.
		{"playout delay", "0643e8", &PlayoutDelay{}, &PlayoutDelay{Min: 100, Max: 1000}},
		{"abs-capture-time", "0102030405060708", &AbsCaptureTime{}, &AbsCaptureTime{Timestamp: 0x0102030405060708}},
		{"abs-capture-time offset", "0102030405060708ffffffffffffffff", &AbsCaptureTime{},
			&AbsCaptureTime{Timestamp: 0x0102030405060708, ClockOffset: -1, HasClockOffset: true}},
		{"toffset", "fffffe", &TransmissionTimeOffset{}, &TransmissionTimeOffset{Offset: -2}},
	}
	for _, c := range cases {
		b := mustHex(t, c.wire)
		if err := c.dec.Unmarshal(b); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got, want := c.dec.AppendTo(nil), c.want.AppendTo(nil); !bytes.Equal(got, want) || !bytes.Equal(got, b) {
			t.Errorf("%s: got %x want %x", c.name, got, b)
		}
		if c.dec.MarshalSize() != len(b) {
			t.Errorf("%s: size", c.name)
		}
	}
	var a AudioLevel
	if err := a.Unmarshal([]byte{0xaa}); err != nil {
		t.Fatal(err)
	}
	if !a.Voice || a.Level != 42 {
		t.Fatal("audio level fields")
	}
	var o VideoOrientation
	if err := o.Unmarshal([]byte{0x07}); err != nil {
		t.Fatal(err)
	}
	if o.Degrees() != 270 || !o.Flip || o.BackCamera {
		t.Fatal("cvo fields")
	}
	for _, bad := range []extCodec{&AbsSendTime{}, &TransportCC{}, &SDESItem{}, &AudioLevel{}, &VideoOrientation{},
		&PlayoutDelay{}, &AbsCaptureTime{}, &TransmissionTimeOffset{}} {
		if err := bad.Unmarshal(nil); !errors.Is(err, ErrExtensionValue) {
			t.Errorf("%T accepted empty payload", bad)
		}
	}
}

func TestAbsSendTimeConversions(t *testing.T) {
	e := AbsSendTimeFromDuration(1500 * time.Millisecond)
	if e.Timestamp != 3<<17 || e.Duration() != 1500*time.Millisecond {
		t.Fatalf("%x %v", e.Timestamp, e.Duration())
	}
	// The encoding is modulo 64 s, at any distance from the epoch: 1000 h
	// and 1.7e9 s (a Unix time) are multiples of 64 s.
	for _, base := range []time.Duration{1000 * time.Hour, 1_700_000_000 * time.Second, -64 * time.Second} {
		if got := AbsSendTimeFromDuration(base + 1500*time.Millisecond); got != e {
			t.Errorf("base %v: %x, want %x", base, got.Timestamp, e.Timestamp)
		}
	}
	// NTP 1.5 s: seconds in the high 32 bits, fraction 0x80000000.
	if AbsSendTimeFromNTP(1<<32|0x80000000).Timestamp != 3<<17 {
		t.Fatal("from NTP")
	}
	if !ValidRID([]byte("hi-res_1")) || ValidRID([]byte("a b")) || ValidRID(nil) {
		t.Fatal("ValidRID")
	}
}

func TestSDESItemTrimsPadding(t *testing.T) {
	var s SDESItem
	if err := s.Unmarshal([]byte{'0', 0, 0}); err != nil || string(s.Value) != "0" {
		t.Fatal(err, s.Value)
	}
}

// TestDependencyDescriptor builds an L1T2 structure bit by bit following
// the AV1 RTP spec §A.8 syntax and parses it back.
func TestDependencyDescriptor(t *testing.T) {
	var w bitWriter
	w.put(1, 1)       // start_of_frame
	w.put(1, 0)       // end_of_frame
	w.put(6, 5)       // frame_dependency_template_id (offset 5 -> template 0)
	w.put(16, 0x1234) // frame_number
	w.put(1, 1)       // template_dependency_structure_present_flag
	w.put(1, 0)       // active_decode_targets_present_flag
	w.put(1, 0)       // custom_dtis_flag
	w.put(1, 0)       // custom_fdiffs_flag
	w.put(1, 0)       // custom_chains_flag
	w.put(6, 5)       // template_id_offset
	w.put(5, 1)       // dt_cnt_minus_one: 2 decode targets
	w.put(2, 1)       // next_layer_idc: next temporal layer
	w.put(2, 3)       // next_layer_idc: no more
	w.put(2, 2)       // template 0 DTIs: switch, switch
	w.put(2, 2)
	w.put(2, 0) // template 1 DTIs: not present, discardable
	w.put(2, 1)
	w.put(1, 1) // template 0: fdiff follows
	w.put(4, 1) // fdiff 2
	w.put(1, 0)
	w.put(1, 1) // template 1: fdiff 1
	w.put(4, 0)
	w.put(1, 0)
	w.put(1, 1) // chain_cnt = ns(3) = 1: v=1, extra bit 0
	w.put(1, 0)
	// decode_target_protected_by: ns(1) reads no bits.
	w.put(4, 2) // template 0 chain fdiff
	w.put(4, 1) // template 1 chain fdiff
	w.put(1, 1) // resolutions_present_flag
	w.put(16, 639)
	w.put(16, 359)
	var s DDStructure
	var d DependencyDescriptor
	if err := d.Unmarshal(w.b, &s); err != nil {
		t.Fatal(err)
	}
	if !d.StartOfFrame || d.EndOfFrame || d.FrameNumber != 0x1234 || !d.HasStructure || !d.Resolved {
		t.Fatalf("%+v", d)
	}
	// Writing it back gives the same bytes.
	if out, err := d.AppendTo(nil, &s); err != nil || !bytes.Equal(out, w.b) {
		t.Fatalf("AppendTo: %v\n got %x\nwant %x", err, out, w.b)
	}
	if s.NumTemplates != 2 || s.NumDecodeTargets != 2 || s.NumChains != 1 || s.Width[0] != 640 || s.Height[0] != 360 {
		t.Fatalf("structure %+v", s)
	}
	if s.Templates[1].TemporalID != 1 || s.Templates[1].DTIs[1] != 1 || s.Templates[0].FDiffs[0] != 2 || s.Templates[0].ChainDiffs[0] != 2 {
		t.Fatalf("templates %+v %+v", s.Templates[0], s.Templates[1])
	}
	if d.ActiveDecodeTargets != 3 || d.TemporalID != 0 || d.NumFDiffs != 1 || d.FDiffs[0] != 2 {
		t.Fatalf("frame %+v", d)
	}
	// A later 3-byte descriptor that uses template 1.
	next := (&DependencyDescriptor{EndOfFrame: true, TemplateID: 6, FrameNumber: 0x1235}).AppendMandatory(nil)
	if err := d.Unmarshal(next, &s); err != nil || d.TemporalID != 1 || d.FDiffs[0] != 1 || !d.EndOfFrame {
		t.Fatalf("%v %+v", err, d)
	}
	// Without a structure only the mandatory fields are known.
	if err := d.Unmarshal(next, nil); err != nil || d.Resolved || d.FrameNumber != 0x1235 {
		t.Fatal(err)
	}
	// Template id outside the structure.
	if err := d.Unmarshal([]byte{0x3f, 0, 0}, &s); !errors.Is(err, ErrDDMalformed) {
		t.Fatal(err)
	}
	// Every prefix of the structure-carrying descriptor fails or is
	// mandatory-only.
	for i := range len(w.b) {
		var s2 DDStructure
		if err := d.Unmarshal(w.b[:i], &s2); err == nil && i > 3 {
			t.Errorf("prefix %d parsed", i)
		}
	}
}

func TestSequenceHelpers(t *testing.T) {
	if !SeqLess(65535, 0) || SeqLess(0, 65535) || SeqDiff(65535, 1) != 2 {
		t.Fatal("seq")
	}
	if !TimestampLess(0xFFFFFFF0, 5) || TimestampDiff(0xFFFFFFF0, 5) != 21 {
		t.Fatal("ts")
	}
	if TimestampToDuration(90000*3/2, 90000) != 1500*time.Millisecond || DurationToTimestamp(20*time.Millisecond, 48000) != 960 {
		t.Fatal("durations")
	}
	var tr SequenceTracker
	for _, s := range []uint16{65534, 65535, 1, 2, 0} {
		tr.Update(s)
	}
	if tr.ExtendedHighest() != 65536+2 || tr.Expected() != 5 || tr.Lost() != 0 {
		t.Fatalf("%d %d %d", tr.ExtendedHighest(), tr.Expected(), tr.Lost())
	}
	tr.Update(5)
	if tr.Lost() != 2 {
		t.Fatal("lost", tr.Lost())
	}
	var u Unwrapper32
	if u.Unwrap(0xFFFFFFFF) != 0xFFFFFFFF || u.Unwrap(1) != 1<<32+1 {
		t.Fatal("ts unwrap")
	}
}

func TestIsRTCPAndClock(t *testing.T) {
	sr := []byte{0x80, 200, 0, 6}
	rtpPkt := []byte{0x80, 96, 0, 1}
	marked := []byte{0x80, 0x80 | 111, 0, 1}
	if !IsRTCP(sr) || IsRTCP(rtpPkt) || IsRTCP(marked) || IsRTCP([]byte{0x80}) {
		t.Fatal("IsRTCP")
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := TimestampClock{ClockRate: 90000, Base: 0xFFFFFF00, Start: start}
	if got := c.At(start.Add(time.Second)); got != 90000-0x100 { // wrapped
		t.Fatalf("%d", got)
	}
}

func TestExtensionIDs(t *testing.T) {
	var m ExtensionIDs
	if !m.Set(URITransportCC, 3) || !m.Set(URIMID, 9) || m.Set("urn:unknown", 4) || m.Set(URIAbsSendTime, 0) || m.Set(URIAbsSendTime, 256) {
		t.Fatal("Set")
	}
	if m.TransportCC != 3 || m.ID(URIMID) != 9 || m.ID(URIAbsSendTime) != 0 || m.ID("x") != 0 {
		t.Fatalf("%+v", m)
	}
}
