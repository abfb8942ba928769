package rtp

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	p := testPacket()
	b, err := p.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(mustHex(f, oneBytePacket))
	f.Add(mustHex(f, "92080001000000020000000311111111222222221000000201000f03aabbcc00ff"))
	f.Add(mustHex(f, "900000010000000000000001abcd000101020304ee"))
	p.PaddingSize = 7
	if err := p.SetExtensionMixed(200, nil); err != nil {
		f.Fatal(err)
	}
	if b, err = p.Marshal(); err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

func FuzzPacket(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Packet
		err := p.Unmarshal(b)
		v, verr := ParseHeaderView(b)
		if err != nil {
			return
		}
		if verr != nil {
			t.Fatalf("Unmarshal accepted what ParseHeaderView rejected: %v", verr)
		}
		if v.SequenceNumber != p.SequenceNumber || v.SSRC != p.SSRC || !bytes.Equal(b[v.HeaderSize:v.PayloadEnd], p.Payload) {
			t.Fatal("header view disagrees")
		}
		for _, e := range p.AppendExtensions(nil) {
			if !bytes.Equal(v.Extension(e.ID), p.GetExtension(e.ID)) {
				t.Fatalf("view extension %d", e.ID)
			}
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != p.MarshalSize() {
			t.Fatal("MarshalSize")
		}
		var q Packet
		if err := q.Unmarshal(out); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if q.Marker != p.Marker || q.PayloadType != p.PayloadType || q.SequenceNumber != p.SequenceNumber ||
			q.Timestamp != p.Timestamp || q.SSRC != p.SSRC || q.PaddingSize != p.PaddingSize ||
			!bytes.Equal(q.Payload, p.Payload) || q.ExtensionProfile != p.ExtensionProfile ||
			!bytes.Equal(q.RawExtension, p.RawExtension) || len(q.AppendExtensions(nil)) != len(p.AppendExtensions(nil)) {
			t.Fatalf("round trip\n%+v\n%+v", p, q)
		}
		for i, e := range p.AppendExtensions(nil) {
			if e.ID != q.AppendExtensions(nil)[i].ID || !bytes.Equal(e.Payload, q.AppendExtensions(nil)[i].Payload) {
				t.Fatal("extension round trip")
			}
		}
		c := p.Clone()
		if c2, err := c.Marshal(); err != nil || !bytes.Equal(c2, out) {
			t.Fatal("clone", err)
		}
	})
}

func FuzzExtensions(f *testing.F) {
	for _, s := range []string{"123456", "beef", "61756469", "aa", "09", "0643e8", "0102030405060708",
		"0102030405060708ffffffffffffffff", "c5123480", "80000180003a40813f3"} {
		if len(s)%2 == 1 {
			s += "0"
		}
		f.Add(mustHex(f, s))
	}
	// An L2T2 structure with chains and resolutions, and a frame with
	// custom DTIs, frame diffs and chains.
	var st DDStructure
	st.NumDecodeTargets, st.NumTemplates, st.NumChains = 4, 4, 2
	st.Templates[1].TemporalID = 1
	st.Templates[2].SpatialID = 1
	st.Templates[3].SpatialID, st.Templates[3].TemporalID = 1, 1
	for i := range 4 {
		st.Templates[i].DTIs = [DDMaxDecodeTargets]uint8{3, 2, 1, uint8(i)}
		st.Templates[i].NumFDiffs, st.Templates[i].FDiffs[0] = 1, uint8(i+1)
		st.Templates[i].ChainDiffs[1] = 3
	}
	st.DecodeTargetProtectedBy = [DDMaxDecodeTargets]uint8{0, 0, 1, 1}
	st.HasResolutions, st.Width[0], st.Height[0], st.Width[1], st.Height[1] = true, 320, 180, 640, 360
	dd := DependencyDescriptor{StartOfFrame: true, HasStructure: true, HasActiveDecodeTargets: true,
		ActiveDecodeTargets: 5, CustomDTIs: true, CustomFDiffs: true, CustomChains: true, NumFDiffs: 2}
	dd.FDiffs[0], dd.FDiffs[1] = 1, 300
	if seed, err := dd.AppendTo(nil, &st); err == nil {
		f.Add(seed)
	} else {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, e := range []extCodec{&AbsSendTime{}, &TransportCC{}, &SDESItem{}, &AudioLevel{}, &VideoOrientation{},
			&PlayoutDelay{}, &AbsCaptureTime{}, &TransmissionTimeOffset{}} {
			if e.Unmarshal(b) != nil {
				continue
			}
			out := e.AppendTo(nil)
			if len(out) != e.MarshalSize() {
				t.Fatalf("%T size", e)
			}
			if err := e.Unmarshal(out); err != nil {
				t.Fatalf("%T re-parse: %v", e, err)
			}
			if again := e.AppendTo(nil); !bytes.Equal(again, out) {
				t.Fatalf("%T round trip", e)
			}
		}
		var s DDStructure
		var d DependencyDescriptor
		// Bad input is refused with one of the two documented errors.
		if err := d.Unmarshal(b, &s); err != nil && !errors.Is(err, ErrDDMalformed) && !errors.Is(err, ErrDDNoStructure) {
			t.Fatalf("undocumented error %v", err)
		}
		if d.Unmarshal(b, &s) == nil { // again with whatever structure was learned
			out, err := d.AppendTo(nil, &s)
			if err != nil {
				t.Fatalf("AppendTo of a parsed descriptor: %v", err)
			}
			s2 := s
			var d2 DependencyDescriptor
			if err := d2.Unmarshal(out, &s2); err != nil || d2 != d {
				t.Fatalf("dependency descriptor round trip: %v\n%+v\n%+v", err, d, d2)
			}
			if d.HasStructure && s2 != s {
				t.Fatal("structure round trip")
			}
		}
		if err := d.Unmarshal(b, nil); err != nil && !errors.Is(err, ErrDDMalformed) && !errors.Is(err, ErrDDNoStructure) {
			t.Fatalf("undocumented error without a structure: %v", err)
		}
	})
}

func FuzzDescriptors(f *testing.F) {
	// Seeds: every RFC 7741 §4.6 descriptor from testdata, and a VP9 one.
	raw, err := os.ReadFile("testdata/rfc7741_vp8_descriptor_examples.json")
	if err != nil {
		f.Fatal(err)
	}
	var v struct {
		Examples []struct {
			Hex string `json:"descriptor_hex_derived"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		f.Fatal(err)
	}
	for _, ex := range v.Examples {
		f.Add(mustHex(f, ex.Hex))
	}
	f.Add(mustHex(f, "fe8063320200"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d8 VP8Descriptor
		if n, err := d8.Unmarshal(b); err == nil {
			out := d8.AppendTo(nil)
			var r VP8Descriptor
			if m, err := r.Unmarshal(out); err != nil || m != len(out) || r != d8 || d8.MarshalSize() != len(out) || n < 1 {
				t.Fatalf("vp8 round trip %+v %+v", d8, r)
			}
		}
		var d9 VP9Descriptor
		if _, err := d9.Unmarshal(b); err == nil {
			if d9.Flexible && d9.InterPicturePredicted && d9.NumPDiffs == 0 {
				t.Fatal("flexible P without P_DIFF")
			}
			out := d9.AppendTo(nil)
			var r VP9Descriptor
			if m, err := r.Unmarshal(out); err != nil || m != len(out) || d9.MarshalSize() != len(out) {
				t.Fatalf("vp9 round trip: %v", err)
			}
		}
	})
}

// FuzzDepayloaders feeds random payloads to every depayloader, alone and
// through a FrameAssembler: nothing may panic, and a failed Depayload
// returns dst unchanged.
func FuzzDepayloaders(f *testing.F) {
	f.Add(byte(0), []byte{0x90, 0x80, 0x11, 0x10, 1, 2})
	f.Add(byte(1), []byte{0x18, 0, 2, 0x67, 1, 0, 2, 0x68, 2})
	f.Add(byte(1), []byte{0x7c, 0x85, 1, 2, 3})
	f.Add(byte(2), []byte{0x60, 0x01, 0, 3, 0x40, 1, 2})
	f.Add(byte(2), []byte{0x62, 0x01, 0x93, 1, 2})
	f.Add(byte(3), []byte{0x8e, 0x80, 0x01, 0x18, 0x02, 0x80, 0x01, 0xe0, 1})
	f.Add(byte(4), []byte{0x18, 0x07, 0x0a, 0x05, 1, 2, 3, 4, 5})
	f.Add(byte(4), []byte{0x50, 0x32, 1, 2})
	f.Add(byte(5), []byte{0xfc})
	f.Fuzz(func(t *testing.T, which byte, payload []byte) {
		mk := func() Depayloader {
			switch which % 7 {
			case 0:
				return &VP8Depayloader{}
			case 1:
				return &H264Depayloader{}
			case 2:
				return &H265Depayloader{}
			case 3:
				return &VP9Depayloader{}
			case 4:
				return &AV1Depayloader{MaxOBUSize: 1 << 16}
			case 5:
				return &H265Depayloader{DONL: true}
			default:
				return AudioDepayloader{}
			}
		}
		d := mk()
		dst := []byte{0xAA}
		for i := 0; i < 3; i++ {
			out, _, err := d.Depayload(dst, payload)
			if err != nil && (len(out) != 1 || out[0] != 0xAA) {
				t.Fatal("dst changed on error")
			}
			if len(payload) > 1 {
				payload = payload[1:]
			}
		}
		a := NewFrameAssembler(mk(), Config{MaxFrameSize: 1 << 12})
		for i := range 8 {
			p := Packet{Payload: payload, Header: Header{SequenceNumber: uint16(i), Marker: i%3 == 2}}
			if _, _, err := a.Push(&p); err != nil && !knownPayloadError(err) {
				t.Fatalf("undocumented error %v", err)
			}
		}
	})
}

// FuzzPayloaders packetizes random frames at random MTUs and checks that
// the depayloaders give the frame back.
func FuzzPayloaders(f *testing.F) {
	f.Add(uint16(100), []byte{0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint16(3), []byte{0, 0, 0, 1, 0x65, 0x88, 1, 2, 0, 0, 1, 0x41, 0x80})
	f.Fuzz(func(t *testing.T, mtu uint16, frame []byte) {
		m := int(mtu%1500) + 1
		if len(frame) == 0 {
			return
		}
		check := func(pl Payloader, d Depayloader, want []byte) {
			var ps Payloads
			if err := pl.Payload(&ps, m, frame); err != nil {
				return
			}
			var out []byte
			for i := range ps.Len() {
				if len(ps.At(i)) > m {
					t.Fatalf("%T: payload over mtu", pl)
				}
				var err error
				if out, _, err = d.Depayload(out, ps.At(i)); err != nil {
					t.Fatalf("%T: %v", d, err)
				}
			}
			if want != nil && !bytes.Equal(out, want) {
				t.Fatalf("%T: round trip mismatch", pl)
			}
		}
		check(&VP8Payloader{EnablePictureID: true}, &VP8Depayloader{}, frame)
		check(&VP9Payloader{Flexible: mtu&1 == 1}, &VP9Depayloader{}, frame)
		check(G711Payloader{}, AudioDepayloader{}, frame)
		check(&H264Payloader{}, &H264Depayloader{}, nil)
		check(&H265Payloader{}, &H265Depayloader{}, nil)
		check(&AV1Payloader{}, &AV1Depayloader{}, nil)
	})
}

// knownPayloadError reports the documented errors of depayloading and
// frame assembly.
func knownPayloadError(err error) bool {
	for _, e := range []error{ErrMalformedPayload, ErrUnsupportedPayload, ErrMalformedFrame, ErrEmptyFrame,
		ErrFragmentLost, ErrFrameTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
