package rtp

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkUnmarshal(b *testing.B) {
	p := testPacket()
	raw, err := p.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	var q Packet
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if err := q.Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHeaderView(b *testing.B) {
	p := testPacket()
	raw, err := p.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeaderView(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalTo(b *testing.B) {
	p := testPacket()
	buf := make([]byte, 1500)
	b.SetBytes(int64(p.MarshalSize()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.MarshalTo(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFrame(n int) []byte {
	r := rand.New(rand.NewPCG(1, 1))
	f := randBytes(r, n)
	for i := range f {
		if f[i] == 0 {
			f[i] = 1
		}
	}
	return f
}

func BenchmarkVP8Payload(b *testing.B) {
	frame := benchFrame(50_000)
	pl := &VP8Payloader{EnablePictureID: true}
	var ps Payloads
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		ps.Reset()
		if err := pl.Payload(&ps, 1200, frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVP8Depayload(b *testing.B) {
	frame := benchFrame(50_000)
	var ps Payloads
	if err := (&VP8Payloader{EnablePictureID: true}).Payload(&ps, 1200, frame); err != nil {
		b.Fatal(err)
	}
	var d VP8Depayloader
	out := make([]byte, 0, 64<<10)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	var err error
	for b.Loop() {
		out = out[:0]
		for i := range ps.Len() {
			out, _, err = d.Depayload(out, ps.At(i))
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkH264Payload(b *testing.B) {
	frame := annexB([]byte{0x67, 0x42, 0xc0, 0x1f}, []byte{0x68, 0xce}, append([]byte{0x65, 0x88}, benchFrame(50_000)...))
	pl := &H264Payloader{}
	var ps Payloads
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		ps.Reset()
		if err := pl.Payload(&ps, 1200, frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkH264Depayload(b *testing.B) {
	frame := annexB([]byte{0x67, 0x42, 0xc0, 0x1f}, []byte{0x68, 0xce}, append([]byte{0x65, 0x88}, benchFrame(50_000)...))
	var ps Payloads
	if err := (&H264Payloader{}).Payload(&ps, 1200, frame); err != nil {
		b.Fatal(err)
	}
	var d H264Depayloader
	out := make([]byte, 0, 64<<10)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	var err error
	for b.Loop() {
		out = out[:0]
		for i := range ps.Len() {
			out, _, err = d.Depayload(out, ps.At(i))
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkFrameAssemblerVP8(b *testing.B) {
	frame := benchFrame(50_000)
	var ps Payloads
	if err := (&VP8Payloader{EnablePictureID: true}).Payload(&ps, 1200, frame); err != nil {
		b.Fatal(err)
	}
	pkts := make([]Packet, ps.Len())
	a := NewFrameAssembler(&VP8Depayloader{}, Config{})
	var seq uint16
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	ts := uint32(0)
	for b.Loop() {
		ts += 3000
		for i := range pkts {
			pkts[i] = Packet{Header: Header{SequenceNumber: seq, Timestamp: ts, Marker: i == len(pkts)-1}, Payload: ps.At(i)}
			seq++
			if _, _, err := a.Push(&pkts[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCodecs packetizes and depayloads a 50 KB frame with every video
// payload format.
func BenchmarkCodecs(b *testing.B) {
	body := benchFrame(50_000)
	for _, c := range []struct {
		name  string
		pl    Payloader
		d     Depayloader
		frame []byte
	}{
		{"VP8", &VP8Payloader{EnablePictureID: true}, &VP8Depayloader{}, body},
		{"VP9", &VP9Payloader{}, &VP9Depayloader{}, body},
		{"H264", &H264Payloader{}, &H264Depayloader{}, annexB(append([]byte{0x65, 0x88}, body...))},
		{"H265", &H265Payloader{}, &H265Depayloader{}, annexB(append([]byte{0x26, 0x01, 0xaf}, body...))},
		{"AV1", &AV1Payloader{}, &AV1Depayloader{}, obu(av1OBUFrame, body)},
	} {
		var ps Payloads
		b.Run(c.name+"/payload", func(b *testing.B) {
			b.SetBytes(int64(len(c.frame)))
			b.ReportAllocs()
			for b.Loop() {
				ps.Reset()
				if err := c.pl.Payload(&ps, 1200, c.frame); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/depayload", func(b *testing.B) {
			out := make([]byte, 0, 64<<10)
			b.SetBytes(int64(len(c.frame)))
			b.ReportAllocs()
			for b.Loop() {
				out = out[:0]
				for i := range ps.Len() {
					var err error
					if out, _, err = c.d.Depayload(out, ps.At(i)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
