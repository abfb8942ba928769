package media

import (
	"bytes"
	"io"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// BenchmarkJitterBuffer measures one packet pushed and, when it completes
// a frame, the frame popped: a VP8 stream of 3-packet frames of 1000-byte
// payloads, in order.
func BenchmarkJitterBuffer(b *testing.B) {
	c, _ := rtp.LookupCodec("video/VP8")
	jb, err := NewJitterBuffer(Config{Codec: c})
	if err != nil {
		b.Fatal(err)
	}
	pz := rtp.Packetizer{Payloader: &rtp.VP8Payloader{}, MTU: 1000, MarkFrameEnd: true}
	ps, err := pz.Packetize(testFrame("video/VP8", 0, true, 2900), 0)
	if err != nil {
		b.Fatal(err)
	}
	now := t0
	var seq uint16
	var ts uint32
	b.SetBytes(int64(len(ps[0].Payload)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := &ps[i%len(ps)]
		p.SequenceNumber = seq
		p.Timestamp = ts
		seq++
		if err := jb.HandlePacket(now, p); err != nil {
			b.Fatal(err)
		}
		for {
			if _, ok := jb.PollFrame(); !ok {
				break
			}
		}
		i++
		if i%len(ps) == 0 {
			ts += 3000
			now = now.Add(33 * time.Millisecond)
		}
	}
	if st := jb.Stats(); st.FramesDropped != 0 {
		b.Fatalf("dropped frames: %+v", st)
	}
}

func BenchmarkIVFRead(b *testing.B) {
	file := writeIVF(b, randFrames(1, 100, 3000))
	br := bytes.NewReader(file)
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		br.Reset(file)
		r, _, err := NewIVFReader(br, 0)
		if err != nil {
			b.Fatal(err)
		}
		for {
			f, err := r.ReadFrame(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			buf = f.Data
		}
	}
}

func BenchmarkOggRead(b *testing.B) {
	packets := make([][]byte, 250)
	for i := range packets {
		packets[i] = bytes.Repeat([]byte{0xfc}, 160)
	}
	file := writeOgg(b, packets, 0)
	br := bytes.NewReader(file)
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		br.Reset(file)
		r := NewOggReader(br, 0)
		for {
			p, err := r.ReadPacket(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			buf = p.Data
		}
	}
}

func BenchmarkOggWrite(b *testing.B) {
	p := bytes.Repeat([]byte{0xfc}, 160)
	w := NewOggWriter(io.Discard, 1, 0)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	var g int64
	for b.Loop() {
		g += 960
		if err := w.WritePacket(p, g); err != nil {
			b.Fatal(err)
		}
	}
}
