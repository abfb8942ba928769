package rtp

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"testing"
)

// packetize runs a payloader and wraps the payloads in packets with
// consecutive sequence numbers and the marker on the last.
func packetize(t testing.TB, pl Payloader, mtu int, frame []byte, seq *uint16, ts uint32) []Packet {
	t.Helper()
	var ps Payloads
	if err := pl.Payload(&ps, mtu, frame); err != nil {
		t.Fatal(err)
	}
	out := make([]Packet, ps.Len())
	for i := range out {
		out[i].SequenceNumber = *seq
		out[i].Timestamp = ts
		out[i].Payload = ps.At(i)
		out[i].Marker = i == ps.Len()-1
		if len(out[i].Payload) > mtu {
			t.Fatalf("payload %d is %d bytes > mtu %d", i, len(out[i].Payload), mtu)
		}
		*seq++
	}
	return out
}

// roundTrip packetizes frame and reassembles it, returning the frame.
func roundTrip(t testing.TB, pl Payloader, d Depayloader, mtu int, frame []byte) Frame {
	t.Helper()
	a := NewFrameAssembler(d, Config{})
	var seq uint16 = 65530 // cross the wrap
	var got Frame
	n := 0
	for _, p := range packetize(t, pl, mtu, frame, &seq, 9000) {
		f, ok, err := a.Push(&p)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got = f
			got.Data = bytes.Clone(f.Data)
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d frames", n)
	}
	return got
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestVP8Vectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/rfc7741_vp8_descriptor_examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Examples []struct {
			Example string `json:"example"`
			Hex     string `json:"descriptor_hex_derived"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	want := map[string]VP8Descriptor{
		"908011":   {Start: true, HasPictureID: true, PictureID: 17},
		"10":       {Start: true},
		"918011":   {Start: true, PartitionID: 1, HasPictureID: true, PictureID: 17},
		"818011":   {PartitionID: 1, HasPictureID: true, PictureID: 17},
		"90809267": {Start: true, HasPictureID: true, LongPictureID: true, PictureID: 4711},
	}
	for _, ex := range v.Examples {
		b := mustHex(t, ex.Hex)
		var d VP8Descriptor
		n, err := d.Unmarshal(b)
		if err != nil || n != len(b) {
			t.Fatalf("%s: n=%d err=%v", ex.Example, n, err)
		}
		if d != want[ex.Hex] {
			t.Errorf("%s: got %+v want %+v", ex.Example, d, want[ex.Hex])
		}
		if out := d.AppendTo(nil); !bytes.Equal(out, b) || d.MarshalSize() != len(b) {
			t.Errorf("%s: marshal %x", ex.Example, out)
		}
		for i := range len(b) {
			var d2 VP8Descriptor
			if _, err := d2.Unmarshal(b[:i]); err == nil && i < len(b) && !(i >= 1 && b[0]&0x80 == 0) {
				t.Errorf("%s: prefix %d parsed", ex.Example, i)
			}
		}
	}
}

func TestVP8DescriptorLayers(t *testing.T) {
	d := VP8Descriptor{NonReference: true, Start: true, HasPictureID: true, PictureID: 100,
		HasTL0PICIDX: true, TL0PICIDX: 200, HasTID: true, TID: 2, LayerSync: true, HasKEYIDX: true, KEYIDX: 17}
	b := d.AppendTo(nil)
	var got VP8Descriptor
	if n, err := got.Unmarshal(b); err != nil || n != len(b) || got != d {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestVP8RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	frame := randBytes(r, 5000)
	frame[0] &^= 1 // P=0: key frame
	pl := &VP8Payloader{EnablePictureID: true, PictureID: 0x7FFF}
	f := roundTrip(t, pl, &VP8Depayloader{}, 1000, frame)
	if !bytes.Equal(f.Data, frame) || !f.Keyframe {
		t.Fatal("mismatch")
	}
	if pl.PictureID != 0 {
		t.Fatalf("PictureID did not wrap: %d", pl.PictureID)
	}
	frame[0] |= 1
	if f := roundTrip(t, pl, &VP8Depayloader{}, 1000, frame); f.Keyframe {
		t.Fatal("interframe reported as keyframe")
	}
	var ps Payloads
	if err := pl.Payload(&ps, 4, frame); !errors.Is(err, ErrMTUTooSmall) {
		t.Fatal(err)
	}
}

func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(b, 0, 0, 0, 1)
		b = append(b, n...)
	}
	return b
}

func TestH264RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sps := []byte{0x67, 0x42, 0xc0, 0x1f, 0xda}
	pps := []byte{0x68, 0xce, 0x3c, 0x80}
	idr := append([]byte{0x65, 0x88}, randBytes(r, 3000)...)
	sei := []byte{0x06, 0x05, 0x01, 0x02}
	frame := annexB(sps, pps, sei, idr)
	pl := &H264Payloader{}
	var seq uint16
	pkts := packetize(t, pl, 1200, frame, &seq, 0)
	if pkts[0].Payload[0]&0x1F != h264NALSTAPA || pkts[1].Payload[0]&0x1F != h264NALFUA {
		t.Fatalf("expected STAP-A then FU-A, got %x %x", pkts[0].Payload[0], pkts[1].Payload[0])
	}
	f := roundTrip(t, pl, &H264Depayloader{}, 1200, frame)
	if !bytes.Equal(f.Data, frame) || !f.Keyframe {
		t.Fatalf("mismatch: %d vs %d", len(f.Data), len(frame))
	}
	// A later IDR without parameter sets gets the stored ones.
	f = roundTrip(t, pl, &H264Depayloader{}, 1200, annexB(idr))
	if !bytes.Equal(f.Data, annexB(sps, pps, idr)) {
		t.Fatal("SPS/PPS not prepended to IDR")
	}
	// A non-IDR slice is not a keyframe; three-byte start codes work.
	slice := []byte{0x41, 0x9a, 1, 2, 3}
	f = roundTrip(t, pl, &H264Depayloader{}, 1200, append([]byte{0, 0, 1}, slice...))
	if f.Keyframe || !bytes.Equal(f.Data, annexB(slice)) {
		t.Fatal("slice")
	}
	// Packetization mode 0.
	m0 := &H264Payloader{SingleNALMode: true}
	var ps Payloads
	if err := m0.Payload(&ps, 1200, frame); !errors.Is(err, ErrNALTooLarge) {
		t.Fatal(err)
	}
	ps.Reset()
	small := annexB(sps, pps, slice)
	if err := m0.Payload(&ps, 1200, small); err != nil || ps.Len() != 3 {
		t.Fatal(err, ps.Len())
	}
	f = roundTrip(t, m0, &H264Depayloader{}, 1200, small)
	if !bytes.Equal(f.Data, small) {
		t.Fatal("mode 0 mismatch")
	}
}

func TestH264DepayloadErrors(t *testing.T) {
	var d H264Depayloader
	for name, p := range map[string][]byte{
		"empty":       {},
		"F bit":       {0x85, 1},
		"type 0":      {0x00, 1},
		"STAP-A zero": {0x18, 0, 0},
		"STAP-A long": {0x18, 0, 9, 0x65},
		"STAP-A bare": {0x18},
		"STAP-A F":    {0x18, 0, 2, 0x67, 1, 0, 2, 0xe8, 2},
		"FU S+E":      {0x7c, 0xc5, 1},
		"FU short":    {0x7c, 0x85},
	} {
		if out, _, err := d.Depayload([]byte{9}, p); !errors.Is(err, ErrMalformedPayload) || len(out) != 1 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := d.Depayload(nil, []byte{0x19, 0, 1}); !errors.Is(err, ErrUnsupportedPayload) {
		t.Error("STAP-B")
	}
	if _, _, err := d.Depayload(nil, []byte{0x7c, 0x05, 1}); !errors.Is(err, ErrFragmentLost) {
		t.Error("FU continuation without start")
	}
}

func TestH265RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	vps := []byte{0x40, 0x01, 0x0c, 0x01}
	sps := []byte{0x42, 0x01, 0x01, 0x01}
	pps := []byte{0x44, 0x01, 0xc1, 0x72}
	idr := append([]byte{0x26, 0x01, 0xaf}, randBytes(r, 4000)...)
	frame := annexB(vps, sps, pps, idr)
	pl := &H265Payloader{}
	var seq uint16
	pkts := packetize(t, pl, 1000, frame, &seq, 0)
	if h265Type(pkts[0].Payload) != h265NALAP || h265Type(pkts[1].Payload) != h265NALFU {
		t.Fatal("expected AP then FU")
	}
	f := roundTrip(t, pl, &H265Depayloader{}, 1000, frame)
	if !bytes.Equal(f.Data, frame) || !f.Keyframe {
		t.Fatal("mismatch")
	}
	f = roundTrip(t, pl, &H265Depayloader{}, 1000, annexB(idr))
	if !bytes.Equal(f.Data, frame) {
		t.Fatal("parameter sets not prepended")
	}
	trail := []byte{0x02, 0x01, 0x80, 1, 2}
	f = roundTrip(t, pl, &H265Depayloader{}, 1000, annexB(trail))
	if f.Keyframe || !bytes.Equal(f.Data, annexB(trail)) {
		t.Fatal("trail")
	}
	// DONL: single NAL unit packet with a 2-byte DONL after the header.
	d := H265Depayloader{DONL: true}
	out, _, err := d.Depayload(nil, []byte{0x02, 0x01, 0x00, 0x07, 0x80, 9})
	if err != nil || !bytes.Equal(out, annexB([]byte{0x02, 0x01, 0x80, 9})) {
		t.Fatalf("DONL %x %v", out, err)
	}
	if _, _, err := d.Depayload(nil, []byte{0x64, 0x01, 0}); !errors.Is(err, ErrUnsupportedPayload) {
		t.Fatal("PACI")
	}
}

func TestVP9RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	key := randBytes(r, 6000)
	key[0] = 0x80 // frame_marker=2, profile 0, show_existing=0, frame_type=KEY
	inter := randBytes(r, 3000)
	inter[0] = 0x84
	for _, flexible := range []bool{false, true} {
		pl := &VP9Payloader{Flexible: flexible, Width: 640, Height: 480}
		var seq uint16
		pkts := packetize(t, pl, 1100, key, &seq, 0)
		var d VP9Descriptor
		if _, err := d.Unmarshal(pkts[0].Payload); err != nil {
			t.Fatal(err)
		}
		if d.HasSS != !flexible || d.InterPicturePredicted || !d.StartOfFrame || d.EndOfFrame {
			t.Fatalf("first descriptor %+v", d)
		}
		if !flexible && (d.SS.Width[0] != 640 || d.SS.Height[0] != 480) {
			t.Fatal("SS resolution")
		}
		if f := roundTrip(t, pl, &VP9Depayloader{}, 1100, key); !bytes.Equal(f.Data, key) || !f.Keyframe {
			t.Fatal("key mismatch")
		}
		if f := roundTrip(t, pl, &VP9Depayloader{}, 1100, inter); !bytes.Equal(f.Data, inter) || f.Keyframe {
			t.Fatal("inter mismatch")
		}
	}
}

func TestVP9DescriptorRoundTrip(t *testing.T) {
	d := VP9Descriptor{HasPictureID: true, InterPicturePredicted: true, HasLayerIndices: true, Flexible: true,
		StartOfFrame: true, HasSS: true, PictureID: 99, TID: 2, SwitchingUp: true, SID: 1, InterLayerDependency: true,
		NumPDiffs: 3, PDiffs: [3]uint8{1, 2, 127}}
	d.SS.NumSpatialLayers = 2
	d.SS.HasResolution = true
	d.SS.Width = [8]uint16{320, 640}
	d.SS.Height = [8]uint16{180, 360}
	d.SS.HasPictureGroup = true
	d.SS.NumPictures = 2
	d.SS.Pictures[0] = VP9PictureGroupEntry{TID: 0, NumPDiffs: 1, PDiffs: [3]uint8{4}}
	d.SS.Pictures[1] = VP9PictureGroupEntry{TID: 1, SwitchingUp: true, NumPDiffs: 2, PDiffs: [3]uint8{1, 2}}
	b := d.AppendTo(nil)
	if len(b) != d.MarshalSize() {
		t.Fatal("size")
	}
	var got VP9Descriptor
	n, err := got.Unmarshal(b)
	if err != nil || n != len(b) || got != d {
		t.Fatalf("%v\n%+v\n%+v", err, got, d)
	}
	for i := range len(b) {
		var x VP9Descriptor
		if _, err := x.Unmarshal(b[:i]); err == nil {
			t.Errorf("prefix %d parsed", i)
		}
	}
	// Non-flexible mode with TL0PICIDX.
	d2 := VP9Descriptor{HasPictureID: true, HasLayerIndices: true, TID: 1, TL0PICIDX: 77, PictureID: 5}
	var got2 VP9Descriptor
	if _, err := got2.Unmarshal(d2.AppendTo(nil)); err != nil || got2.TL0PICIDX != 77 || got2.TID != 1 || got2.PictureID != 5 {
		t.Fatalf("%+v", got2)
	}
}

// A malformed SS must not clobber the last good one: VP9Depayloader
// promises that Descriptor.SS stays valid until a new SS arrives.
func TestVP9DepayloaderKeepsSSOnMalformed(t *testing.T) {
	d := VP9Descriptor{HasPictureID: true, StartOfFrame: true, HasSS: true, PictureID: 7}
	d.SS.NumSpatialLayers = 2
	d.SS.HasResolution = true
	d.SS.Width = [8]uint16{320, 640}
	d.SS.Height = [8]uint16{180, 360}
	d.SS.HasPictureGroup = true
	d.SS.NumPictures = 1
	d.SS.Pictures[0] = VP9PictureGroupEntry{TID: 0, NumPDiffs: 2, PDiffs: [3]uint8{1, 2}}
	good := append(d.AppendTo(nil), 0xAA)
	var dp VP9Depayloader
	if _, _, err := dp.Depayload(nil, good); err != nil {
		t.Fatal(err)
	}
	want := dp.Descriptor.SS
	// An SS announcing eight layers with resolutions and a picture group,
	// cut short at each length: every one is rejected and leaves SS alone.
	bad := []byte{0x82, 0x07, 0xF8}
	for range 8 {
		bad = append(bad, 0x05, 0x00, 0x02, 0xD0)
	}
	bad = append(bad, 3, 0x0C, 1, 2, 3)
	for i := 3; i < len(bad); i++ {
		if _, _, err := dp.Depayload(nil, bad[:i]); err == nil {
			t.Fatalf("prefix %d accepted", i)
		}
		if dp.Descriptor.SS != want {
			t.Fatalf("prefix %d changed SS: %+v", i, dp.Descriptor.SS)
		}
	}
}

func obu(typ byte, payload []byte) []byte {
	b := []byte{typ<<3 | 0x02}
	b = appendLEB128(b, len(payload))
	return append(b, payload...)
}

func TestAV1RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	seqHdr := obu(av1OBUSequenceHeader, []byte{0, 0, 0, 0x4, 0x47})
	meta := obu(av1OBUMetadata, []byte{1, 2, 3})
	frame := obu(av1OBUFrame, randBytes(r, 5000))
	tu := append(append(append(obu(av1OBUTemporalDelimiter, nil), seqHdr...), meta...), frame...)
	want := append(append(bytes.Clone(seqHdr), meta...), frame...)
	for _, mtu := range []int{3, 50, 200, 1200, 6000} {
		pl := &AV1Payloader{}
		var seq uint16
		pkts := packetize(t, pl, mtu, tu, &seq, 0)
		if pkts[0].Payload[0]&0x08 == 0 {
			t.Fatal("N not set")
		}
		f := roundTrip(t, pl, &AV1Depayloader{}, mtu, tu)
		if !bytes.Equal(f.Data, want) || !f.Keyframe {
			t.Errorf("mtu %d: mismatch (%d vs %d)", mtu, len(f.Data), len(want))
		}
	}
	// An OBU with an extension header and many small OBUs (W=0 path).
	var small []byte
	for i := range 10 {
		o := []byte{av1OBUMetadata<<3 | 0x06, 0x28}
		o = appendLEB128(o, 3)
		small = append(small, append(o, byte(i), 2, 3)...)
	}
	if f := roundTrip(t, &AV1Payloader{}, &AV1Depayloader{}, 1200, small); !bytes.Equal(f.Data, small) || f.Keyframe {
		t.Fatal("small OBUs mismatch")
	}
	d := AV1Depayloader{MaxOBUSize: 100}
	if _, _, err := d.Depayload(nil, append([]byte{0x50}, make([]byte, 200)...)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatal("OBU limit not enforced", err)
	}
	if _, _, err := d.Depayload(nil, []byte{0x90, 0x30, 1}); !errors.Is(err, ErrFragmentLost) {
		t.Fatal("continuation without start", err)
	}
}

func TestAudio(t *testing.T) {
	f := roundTrip(t, OpusPayloader{}, OpusDepayloader{}, 1200, []byte{0xfc, 1, 2, 3})
	if !bytes.Equal(f.Data, []byte{0xfc, 1, 2, 3}) || !f.Keyframe {
		t.Fatal("opus")
	}
	var ps Payloads
	if err := (OpusPayloader{}).Payload(&ps, 3, []byte{1, 2, 3, 4}); !errors.Is(err, ErrMTUTooSmall) {
		t.Fatal("opus mtu")
	}
	if err := (G711Payloader{}).Payload(&ps, 160, make([]byte, 400)); err != nil || ps.Len() != 3 || len(ps.At(2)) != 80 {
		t.Fatal("g711 split", ps.Len())
	}
	ps.Reset()
	if err := (G722Payloader{}).Payload(&ps, 160, make([]byte, 160)); err != nil || ps.Len() != 1 {
		t.Fatal("g722")
	}
	if _, _, err := (AudioDepayloader{}).Depayload(nil, nil); err == nil {
		t.Fatal("empty audio payload accepted")
	}
}

func TestAssemblerLossAndLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	frame := randBytes(r, 4000)
	frame[0] &^= 1
	pl := &VP8Payloader{EnablePictureID: true}
	var seq uint16
	f1 := packetize(t, pl, 1000, frame, &seq, 100)
	f2 := packetize(t, pl, 1000, frame, &seq, 200)
	a := NewFrameAssembler(&VP8Depayloader{}, Config{})
	// Lose the second packet of frame 1: frame 1 is dropped, frame 2 is
	// delivered.
	var frames, fragmentsLost int
	for i, p := range append(f1, f2...) {
		if i == 1 {
			continue
		}
		_, ok, err := a.Push(&p)
		switch {
		case errors.Is(err, ErrFragmentLost):
			fragmentsLost++ // the rest of frame 1, after the loss
		case err != nil:
			t.Fatal(err)
		}
		if ok {
			frames++
		}
	}
	st := a.Stats()
	if frames != 1 || st.LostPackets != 1 || st.DroppedFrames != 1 || st.DroppedPackets != 3 || fragmentsLost != 3 {
		t.Fatalf("frames %d, %d ErrFragmentLost, stats %+v", frames, fragmentsLost, st)
	}
	// A duplicate is ignored.
	if _, ok, err := a.Push(&f2[4]); ok || err != nil || a.Stats().Reordered != 1 {
		t.Fatal("duplicate")
	}
	// Size limit.
	small := NewFrameAssembler(&VP8Depayloader{}, Config{MaxFrameSize: 2000})
	var gotErr error
	for _, p := range f1 {
		if _, _, err := small.Push(&p); err != nil && gotErr == nil {
			gotErr = err
		}
	}
	if !errors.Is(gotErr, ErrFrameTooLarge) || small.Stats().TooLarge != 1 {
		t.Fatal("MaxFrameSize not enforced", gotErr)
	}
	few := NewFrameAssembler(&VP8Depayloader{}, Config{MaxPacketsPerFrame: 2})
	gotErr = nil
	for _, p := range f1 {
		if _, _, err := few.Push(&p); err != nil && gotErr == nil {
			gotErr = err
		}
	}
	if !errors.Is(gotErr, ErrFrameTooLarge) {
		t.Fatal("MaxPacketsPerFrame not enforced")
	}
}

func TestPayloadAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	vp8 := randBytes(r, 50000)
	h264 := annexB([]byte{0x67, 1, 2}, []byte{0x68, 3}, append([]byte{0x65, 0x88}, randBytes(r, 50000)...))
	for name, c := range map[string]struct {
		pl    Payloader
		d     Depayloader
		frame []byte
	}{
		"vp8":  {&VP8Payloader{EnablePictureID: true}, &VP8Depayloader{}, vp8},
		"h264": {&H264Payloader{}, &H264Depayloader{}, h264},
		"vp9":  {&VP9Payloader{}, &VP9Depayloader{}, vp8},
		"h265": {&H265Payloader{}, &H265Depayloader{}, annexB(append([]byte{0x26, 0x01, 0xaf}, vp8...))},
		"av1":  {&AV1Payloader{}, &AV1Depayloader{}, obu(av1OBUFrame, vp8)},
	} {
		var ps Payloads
		out := make([]byte, 0, 64<<10)
		run := func() {
			ps.Reset()
			if err := c.pl.Payload(&ps, 1200, c.frame); err != nil {
				t.Fatal(err)
			}
			out = out[:0]
			for i := range ps.Len() {
				var err error
				if out, _, err = c.d.Depayload(out, ps.At(i)); err != nil {
					t.Fatal(name, err)
				}
			}
		}
		run()
		if a := testing.AllocsPerRun(20, run); a != 0 {
			t.Errorf("%s: %v allocs", name, a)
		}
	}
}

func TestPacketizer(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	frame := randBytes(r, 3000)
	frame[0] &^= 1
	pz := Packetizer{Payloader: &VP8Payloader{}, MTU: 1000, SSRC: 5, PayloadType: 96, SequenceNumber: 65535, MarkFrameEnd: true}
	pkts, err := pz.Packetize(frame, 1234)
	if err != nil {
		t.Fatal(err)
	}
	a := NewFrameAssembler(&VP8Depayloader{}, Config{})
	buf := make([]byte, 1500)
	for i := range pkts {
		if err := pkts[i].SetExtension(3, []byte{0, byte(i)}); err != nil {
			t.Fatal(err)
		}
		n, err := pkts[i].MarshalTo(buf)
		if err != nil {
			t.Fatal(err)
		}
		var rx Packet
		if err := rx.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		if rx.SSRC != 5 || rx.Timestamp != 1234 || rx.GetExtension(3)[1] != byte(i) {
			t.Fatalf("%+v", rx.Header)
		}
		if f, ok, err := a.Push(&rx); err != nil {
			t.Fatal(err)
		} else if ok && !bytes.Equal(f.Data, frame) {
			t.Fatal("frame mismatch")
		}
	}
	if a.Stats().Frames != 1 || pz.SequenceNumber != 3 { // 4 packets from 65535
		t.Fatalf("frames %d seq %d", a.Stats().Frames, pz.SequenceNumber)
	}
	// G.711 timestamps advance per chunk, no marker.
	g := Packetizer{Payloader: G711Payloader{}, MTU: 160}
	pkts, err = g.Packetize(make([]byte, 400), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != 3 || pkts[1].Timestamp != 160 || pkts[2].Timestamp != 320 || pkts[2].Marker {
		t.Fatal("g711 timestamps")
	}
	// Steady state allocates nothing (the extension value is marshalled
	// right away, so one scratch array serves every packet).
	var ext [2]byte
	if allocs := testing.AllocsPerRun(20, func() {
		pkts, err := pz.Packetize(frame, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range pkts {
			ext[1] = byte(i)
			if err := pkts[i].SetExtension(3, ext[:]); err != nil {
				t.Fatal(err)
			}
			_, err = pkts[i].MarshalTo(buf)
			if err != nil {
				t.Fatal(err)
			}
		}
	}); allocs != 0 {
		t.Fatalf("%v allocs", allocs)
	}
}

func TestAssemblerJoinMidFrame(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	frame := randBytes(r, 3000)
	frame[0] &^= 1
	var seq uint16
	pkts := packetize(t, &VP8Payloader{}, 1000, frame, &seq, 1)
	pkts = append(pkts, packetize(t, &VP8Payloader{}, 1000, frame, &seq, 2)...)
	a := NewFrameAssembler(&VP8Depayloader{}, Config{})
	var got []Frame
	for i := 1; i < len(pkts); i++ { // the first packet is missed
		f, ok, err := a.Push(&pkts[i])
		if err != nil && !errors.Is(err, ErrFragmentLost) { // the rest of the first frame
			t.Fatal(err)
		}
		if ok {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Timestamp != 2 || !bytes.Equal(got[0].Data, frame) {
		t.Fatalf("got %d frames", len(got))
	}
}

func TestH265DepayloadErrors(t *testing.T) {
	var d H265Depayloader
	for name, p := range map[string][]byte{
		"empty":     {},
		"one byte":  {0x02},
		"F bit":     {0x82, 0x01, 1},
		"AP zero":   {0x60, 0x01, 0, 0},
		"AP long":   {0x60, 0x01, 0, 9, 0x02, 0x01},
		"AP bare":   {0x60, 0x01},
		"AP nested": {0x60, 0x01, 0, 2, 0x60, 0x01},
		"FU S+E":    {0x62, 0x01, 0xd3, 1},
		"FU short":  {0x62, 0x01, 0x93},
		"type 51":   {0x66, 0x01, 1},
	} {
		if out, _, err := d.Depayload([]byte{9}, p); err == nil || len(out) != 1 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := d.Depayload(nil, []byte{0x62, 0x01, 0x13, 1}); !errors.Is(err, ErrFragmentLost) {
		t.Error("FU continuation without start")
	}
}

func TestAV1DepayloadErrors(t *testing.T) {
	var d AV1Depayloader
	for name, p := range map[string][]byte{
		"empty":         {},
		"header only":   {0x10},
		"W=1 forbidden": {0x10, 0x80},
		"bad length":    {0x00, 0x05, 0x30},
		"W=2 too long":  {0x20, 0x05, 0x30},
		"bad leb128":    {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"OBU size big":  {0x10, 0x32, 0x09, 1},
	} {
		if out, _, err := d.Depayload([]byte{9}, p); err == nil || len(out) != 1 {
			t.Errorf("%s: %v %x", name, err, out)
		}
	}
}

func TestCodecTable(t *testing.T) {
	c, ok := LookupCodec("VIDEO/vp8")
	if !ok || c.ClockRate != 90000 || !c.MarkFrameEnd {
		t.Fatal("VP8")
	}
	if _, ok := LookupCodec("video/rtx"); ok {
		t.Fatal("rtx has no payloader")
	}
	for _, c := range Codecs {
		if c.NewPayloader() == nil || c.NewDepayloader() == nil {
			t.Fatalf("%s: nil constructor", c.MimeType)
		}
	}
	// Every video codec round-trips a frame through a Packetizer and a
	// FrameAssembler built from the table.
	key := map[string][]byte{
		"video/VP8":  {0x10, 1, 2, 3},
		"video/VP9":  {0x82, 0x49, 0x83, 0x42, 1},
		"video/H264": annexB([]byte{0x65, 0x88, 1}),
		"video/H265": annexB([]byte{0x26, 0x01, 0xaf, 1}),
		"video/AV1":  obu(av1OBUFrame, []byte{1, 2, 3}),
	}
	for mime, frame := range key {
		c, _ := LookupCodec(mime)
		pz := Packetizer{Payloader: c.NewPayloader(), MarkFrameEnd: c.MarkFrameEnd}
		pkts, err := pz.Packetize(frame, 0)
		if err != nil {
			t.Fatal(mime, err)
		}
		a := NewFrameAssembler(c.NewDepayloader(), Config{})
		var got bool
		for i := range pkts {
			if f, ok, err := a.Push(&pkts[i]); err != nil {
				t.Fatal(mime, err)
			} else if ok {
				got = bytes.Equal(f.Data, frame)
			}
		}
		if !got {
			t.Errorf("%s: no frame", mime)
		}
	}
}

func TestVP9PayloaderCustomSS(t *testing.T) {
	ss := VP9ScalabilityStructure{NumSpatialLayers: 2, HasResolution: true, HasPictureGroup: true, NumPictures: 1}
	ss.Width[0], ss.Height[0], ss.Width[1], ss.Height[1] = 320, 180, 640, 360
	ss.Pictures[0] = VP9PictureGroupEntry{NumPDiffs: 1, PDiffs: [3]uint8{1}}
	pl := &VP9Payloader{SS: &ss, LayerIndices: true}
	var ps Payloads
	if err := pl.Payload(&ps, 1200, []byte{0x82, 0x49, 0x83, 0x42, 1, 2}); err != nil {
		t.Fatal(err)
	}
	var d VP9Descriptor
	if _, err := d.Unmarshal(ps.At(0)); err != nil || !d.HasSS || d.SS.NumSpatialLayers != 2 || d.SS.Width[1] != 640 ||
		d.SS.NumPictures != 1 || !d.HasLayerIndices {
		t.Fatalf("%v %+v", err, d)
	}
}

func TestHugeMTU(t *testing.T) {
	big := annexB(append([]byte{0x41, 0x9a}, bytes.Repeat([]byte{1}, 70000)...), []byte{0x41, 0x9a, 1})
	f := roundTrip(t, &H264Payloader{}, &H264Depayloader{}, 1<<20, big)
	if !bytes.Equal(f.Data, big) {
		t.Fatal("H.264 with a huge MTU")
	}
	big265 := annexB(append([]byte{0x02, 0x01, 0x80}, bytes.Repeat([]byte{1}, 70000)...), []byte{0x02, 0x01, 0x80, 1})
	if f := roundTrip(t, &H265Payloader{}, &H265Depayloader{}, 1<<20, big265); !bytes.Equal(f.Data, big265) {
		t.Fatal("H.265 with a huge MTU")
	}
}
