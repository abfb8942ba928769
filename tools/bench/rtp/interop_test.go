package rtpbench

import (
	"bytes"
	"testing"

	pionrtp "github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// pionDepay is any Pion depacketizer.
type pionDepay interface {
	Unmarshal([]byte) ([]byte, error)
}

func ourPayloads(t *testing.T, pl rtp.Payloader, frame []byte) [][]byte {
	t.Helper()
	var ps rtp.Payloads
	if err := pl.Payload(&ps, mtu, frame); err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, ps.Len())
	for i := range out {
		out[i] = bytes.Clone(ps.At(i))
	}
	return out
}

func ourDepay(t *testing.T, d rtp.Depayloader, payloads [][]byte) []byte {
	t.Helper()
	var out []byte
	for i, p := range payloads {
		var err error
		if out, _, err = d.Depayload(out, p); err != nil {
			t.Fatalf("payload %d (%x...): %v", i, p[:min(len(p), 8)], err)
		}
	}
	return out
}

func pionDepayAll(t *testing.T, d pionDepay, payloads [][]byte) []byte {
	t.Helper()
	var out []byte
	for i, p := range payloads {
		data, err := d.Unmarshal(p)
		if err != nil {
			t.Fatalf("pion payload %d: %v", i, err)
		}
		out = append(out, data...)
	}
	return out
}

// vp9Key is a VP9 profile 0 key frame whose uncompressed header (VP9
// bitstream spec §6.2) is valid up to render_size, followed by random
// bytes: Pion's non-flexible payloader parses the header.
func vp9Key() []byte {
	var bits []byte
	var n int
	put := func(w int, v uint32) {
		for i := w - 1; i >= 0; i-- {
			if n%8 == 0 {
				bits = append(bits, 0)
			}
			bits[len(bits)-1] |= byte(v>>i&1) << (7 - n%8)
			n++
		}
	}
	put(2, 2)         // frame_marker
	put(2, 0)         // profile 0
	put(1, 0)         // show_existing_frame
	put(1, 0)         // frame_type KEY_FRAME
	put(1, 1)         // show_frame
	put(1, 0)         // error_resilient_mode
	put(24, 0x498342) // frame_sync_code
	put(3, 1)         // color_space BT.601
	put(1, 0)         // color_range
	put(16, 639)      // frame_width_minus_1
	put(16, 479)      // frame_height_minus_1
	put(1, 0)         // render_and_frame_size_different
	return append(bits, randFrame(20_000, 3)...)
}

func TestInteropVP9(t *testing.T) {
	frame := vp9Key()
	for _, flexible := range []bool{false, true} {
		// Pion -> ours
		pp := (&codecs.VP9Payloader{FlexibleMode: flexible, InitialPictureIDFn: func() uint16 { return 5 }}).Payload(mtu, frame)
		if got := ourDepay(t, &rtp.VP9Depayloader{}, pp); !bytes.Equal(got, frame) {
			t.Fatalf("flexible=%v: our depayloader on Pion's VP9", flexible)
		}
		// ours -> Pion
		op := ourPayloads(t, &rtp.VP9Payloader{Flexible: flexible, Width: 640, Height: 480}, frame)
		if got := pionDepayAll(t, &codecs.VP9Packet{}, op); !bytes.Equal(got, frame) {
			t.Fatalf("flexible=%v: Pion's depayloader on our VP9", flexible)
		}
	}
}

func h265Frame() []byte {
	var f []byte
	f = append(f, 0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff)
	f = append(f, 0, 0, 0, 1, 0x42, 0x01, 0x01, 0x01, 0x60)
	f = append(f, 0, 0, 0, 1, 0x44, 0x01, 0xc1, 0x72, 0xb4)
	f = append(f, 0, 0, 0, 1, 0x26, 0x01, 0xaf)
	body := randFrame(20_000, 4)
	for i := range body {
		if body[i] == 0 {
			body[i] = 1
		}
	}
	return append(f, body...)
}

func TestInteropH265(t *testing.T) {
	frame := h265Frame()
	pp := (&codecs.H265Payloader{}).Payload(mtu, frame)
	if got := ourDepay(t, &rtp.H265Depayloader{}, pp); !bytes.Equal(got, frame) {
		t.Fatalf("our depayloader on Pion's H.265: %d vs %d bytes", len(got), len(frame))
	}
	op := ourPayloads(t, &rtp.H265Payloader{}, frame)
	if got := pionDepayAll(t, &codecs.H265Depacketizer{}, op); !bytes.Equal(got, frame) {
		t.Fatalf("Pion's depayloader on our H.265: %d vs %d bytes", len(got), len(frame))
	}
}

func TestInteropH264(t *testing.T) {
	frame := h264Frame()
	pp := (&codecs.H264Payloader{}).Payload(mtu, frame)
	if got := ourDepay(t, &rtp.H264Depayloader{}, pp); !bytes.Equal(got, frame) {
		t.Fatal("our depayloader on Pion's H.264")
	}
	small := []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 0x88, 4}
	op := ourPayloads(t, &rtp.H264Payloader{}, small)
	if len(op) != 1 {
		t.Fatalf("expected one STAP-A, got %d payloads", len(op))
	}
	if got := pionDepayAll(t, &codecs.H264Packet{}, op); !bytes.Equal(got, small) {
		t.Fatalf("Pion's depayloader on our STAP-A: %x", got)
	}
}

func av1TU() []byte {
	obu := func(typ byte, payload []byte) []byte {
		b := []byte{typ<<3 | 0x02}
		n := len(payload)
		for n >= 0x80 {
			b = append(b, byte(n)|0x80)
			n >>= 7
		}
		b = append(b, byte(n))
		return append(b, payload...)
	}
	var tu []byte
	tu = append(tu, obu(1, []byte{0, 0, 0, 0x4, 0x47, 0x7e})...) // sequence header
	tu = append(tu, obu(6, randFrame(8000, 5))...)               // frame
	return tu
}

func TestInteropAV1(t *testing.T) {
	tu := av1TU()
	pp := (&codecs.AV1Payloader{}).Payload(mtu, tu)
	if got := ourDepay(t, &rtp.AV1Depayloader{}, pp); !bytes.Equal(got, tu) {
		t.Fatalf("our depayloader on Pion's AV1: %d vs %d bytes", len(got), len(tu))
	}
	op := ourPayloads(t, &rtp.AV1Payloader{}, tu)
	if got := pionDepayAll(t, &codecs.AV1Depacketizer{}, op); !bytes.Equal(got, tu) {
		t.Fatalf("Pion's depayloader on our AV1: %d vs %d bytes", len(got), len(tu))
	}
}

func TestInteropTwoByteExtensions(t *testing.T) {
	var pp pionrtp.Packet
	pp.Version = 2
	pp.SSRC = 7
	if err := pp.SetExtension(1, []byte{}); err != nil {
		t.Fatal(err)
	}
	pp.ExtensionProfile = pionrtp.ExtensionProfileTwoByte
	if err := pp.SetExtension(20, bytes.Repeat([]byte{9}, 40)); err != nil {
		t.Fatal(err)
	}
	pp.Payload = []byte{1, 2, 3}
	raw, err := pp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var ours rtp.Packet
	if err := ours.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours.GetExtension(20), bytes.Repeat([]byte{9}, 40)) || !ours.HasExtension(1) {
		t.Fatalf("%+v", ours.AppendExtensions(nil))
	}
	back, err := ours.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var again pionrtp.Packet
	if err := again.Unmarshal(back); err != nil || !bytes.Equal(again.GetExtension(20), bytes.Repeat([]byte{9}, 40)) {
		t.Fatal("Pion cannot parse our two-byte form", err)
	}
}
