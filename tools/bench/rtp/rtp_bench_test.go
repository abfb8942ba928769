// Package rtpbench compares sansrtc's rtc-rtp with Pion's rtp (pinned in
// tools/go.mod) on the same inputs, side by side in one run:
//
//	go test -bench . -benchmem -count 5 ./bench/rtp
package rtpbench

import (
	"bytes"
	"math/rand/v2"
	"testing"

	pionrtp "github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

const mtu = 1200

// sideFilter, when set by TestRatios, runs only one side of each pair, in
// the parent benchmark itself so testing.Benchmark reports it.
var sideFilter string

// sideRan records that run found the side sideFilter asked for, so that
// TestRatios cannot time an empty benchmark.
var sideRan bool

func run(b *testing.B, side string, fn func(*testing.B)) {
	switch sideFilter {
	case "":
		b.Run(side, fn)
	case side:
		sideRan = true
		fn(b)
	}
}

// packetBytes is a 1200-byte-payload packet with two one-byte header
// extensions (abs-send-time id 2, transport-cc id 3).
func packetBytes(tb testing.TB) []byte {
	var p rtp.Packet
	p.Marker = true
	p.PayloadType = 96
	p.SequenceNumber = 27023
	p.Timestamp = 3653407706
	p.SSRC = 476325762
	if err := p.SetExtension(2, []byte{1, 2, 3}); err != nil {
		tb.Fatal(err)
	}
	if err := p.SetExtension(3, []byte{0x12, 0x34}); err != nil {
		tb.Fatal(err)
	}
	p.Payload = bytes.Repeat([]byte{0xab}, 1200)
	b, err := p.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestSameParse(t *testing.T) {
	raw := packetBytes(t)
	var ours rtp.Packet
	var theirs pionrtp.Packet
	if err := ours.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	if err := theirs.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	if ours.SequenceNumber != theirs.SequenceNumber || ours.SSRC != theirs.SSRC ||
		!bytes.Equal(ours.Payload, theirs.Payload) ||
		!bytes.Equal(ours.GetExtension(2), theirs.GetExtension(2)) ||
		!bytes.Equal(ours.GetExtension(3), theirs.GetExtension(3)) {
		t.Fatal("parsers disagree")
	}
	a, err := ours.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b, err := theirs.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || !bytes.Equal(a, raw) {
		t.Fatalf("marshal differs\n%x\n%x", a, b)
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	raw := packetBytes(b)
	run(b, "sansrtc", func(b *testing.B) {
		var p rtp.Packet
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Unmarshal(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	run(b, "pion", func(b *testing.B) {
		var p pionrtp.Packet
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Unmarshal(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHeaderOnly(b *testing.B) {
	raw := packetBytes(b)
	run(b, "sansrtc", func(b *testing.B) {
		var v rtp.HeaderView
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if err := v.Unmarshal(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	run(b, "pion", func(b *testing.B) {
		var h pionrtp.Header
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Unmarshal(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	raw := packetBytes(b)
	buf := make([]byte, 1500)
	run(b, "sansrtc", func(b *testing.B) {
		var p rtp.Packet
		if err := p.Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.MarshalTo(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	run(b, "pion", func(b *testing.B) {
		var p pionrtp.Packet
		if err := p.Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.MarshalTo(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func randFrame(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// vp8Frame is a 50 KB VP8 key frame (P bit clear).
func vp8Frame() []byte {
	f := randFrame(50_000, 1)
	f[0] &^= 1
	return f
}

// h264Frame is a 50 KB H.264 access unit: SPS, PPS and an IDR slice.
func h264Frame() []byte {
	var f []byte
	f = append(f, 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8)
	f = append(f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80)
	f = append(f, 0, 0, 0, 1, 0x65, 0x88)
	body := randFrame(50_000-len(f), 2)
	// Keep the body free of start-code emulation, as an encoder would.
	for i := range body {
		if body[i] == 0 {
			body[i] = 1
		}
	}
	return append(f, body...)
}

// ourPayloader is an rtc-rtp payloader (VP8, H.264).
type ourPayloader interface {
	Payload(dst *rtp.Payloads, mtu int, frame []byte) error
}

// ourDepayloader is an rtc-rtp depayloader (VP8, H.264).
type ourDepayloader interface {
	Depayload(dst, payload []byte) ([]byte, rtp.PayloadInfo, error)
}

// benchPayload splits frame into packets of at most mtu bytes, ours and
// Pion's side by side; each side's payloader is made fresh per run.
func benchPayload(b *testing.B, frame []byte, ours func() ourPayloader, pion func() pionrtp.Payloader) {
	run(b, "sansrtc", func(b *testing.B) {
		pl := ours()
		var ps rtp.Payloads
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			ps.Reset()
			if err := pl.Payload(&ps, mtu, frame); err != nil {
				b.Fatal(err)
			}
		}
	})
	run(b, "pion", func(b *testing.B) {
		pl := pion()
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			if len(pl.Payload(mtu, frame)) == 0 {
				b.Fatal("no payloads")
			}
		}
	})
}

// benchDepayload reassembles frame from Pion's payloads, ours and Pion's
// side by side, and checks both get frame back.
func benchDepayload(b *testing.B, frame []byte, payloads [][]byte, ours func() ourDepayloader, pion func() pionrtp.Depacketizer) {
	run(b, "sansrtc", func(b *testing.B) {
		d := ours()
		out := make([]byte, 0, 64<<10)
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			out = out[:0]
			for _, p := range payloads {
				var err error
				if out, _, err = d.Depayload(out, p); err != nil {
					b.Fatal(err)
				}
			}
		}
		if !bytes.Equal(out, frame) {
			b.Fatal("mismatch")
		}
	})
	run(b, "pion", func(b *testing.B) {
		d := pion()
		out := make([]byte, 0, 64<<10)
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			out = out[:0]
			for _, p := range payloads {
				data, err := d.Unmarshal(p)
				if err != nil {
					b.Fatal(err)
				}
				out = append(out, data...)
			}
		}
		if !bytes.Equal(out, frame) {
			b.Fatal("mismatch")
		}
	})
}

func BenchmarkVP8Payload(b *testing.B) {
	benchPayload(b, vp8Frame(),
		func() ourPayloader { return &rtp.VP8Payloader{EnablePictureID: true} },
		func() pionrtp.Payloader { return &codecs.VP8Payloader{EnablePictureID: true} })
}

func BenchmarkVP8Depayload(b *testing.B) {
	frame := vp8Frame()
	benchDepayload(b, frame, (&codecs.VP8Payloader{EnablePictureID: true}).Payload(mtu, frame),
		func() ourDepayloader { return &rtp.VP8Depayloader{} },
		func() pionrtp.Depacketizer { return &codecs.VP8Packet{} })
}

func BenchmarkH264Payload(b *testing.B) {
	benchPayload(b, h264Frame(),
		func() ourPayloader { return &rtp.H264Payloader{} },
		func() pionrtp.Payloader { return &codecs.H264Payloader{} })
}

func BenchmarkH264Depayload(b *testing.B) {
	frame := h264Frame()
	benchDepayload(b, frame, (&codecs.H264Payloader{}).Payload(mtu, frame),
		func() ourDepayloader { return &rtp.H264Depayloader{} },
		func() pionrtp.Depacketizer { return &codecs.H264Packet{} })
}

// TestCrossDepayload checks each side depayloads the other's packets.
func TestCrossDepayload(t *testing.T) {
	frame := h264Frame()
	var ps rtp.Payloads
	if err := (&rtp.H264Payloader{}).Payload(&ps, mtu, frame); err != nil {
		t.Fatal(err)
	}
	var pd codecs.H264Packet
	var out []byte
	for i := range ps.Len() {
		data, err := pd.Unmarshal(ps.At(i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data...)
	}
	if !bytes.Equal(out, frame) {
		t.Fatal("pion could not depayload our H.264")
	}
	vf := vp8Frame()
	ps.Reset()
	if err := (&rtp.VP8Payloader{EnablePictureID: true}).Payload(&ps, mtu, vf); err != nil {
		t.Fatal(err)
	}
	var vd codecs.VP8Packet
	out = out[:0]
	for i := range ps.Len() {
		data, err := vd.Unmarshal(ps.At(i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data...)
	}
	if !bytes.Equal(out, vf) {
		t.Fatal("pion could not depayload our VP8")
	}
}
