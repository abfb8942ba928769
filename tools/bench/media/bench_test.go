package mediabench

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
	media "github.com/sansrtc/rtc/rtc-media"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/tools/internal/benchutil"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// vp8Frame is a VP8 frame of n bytes (keyframe: the P bit of the frame tag
// is 0, RFC 6386 §9.1).
func vp8Frame(i, n int, key bool) []byte {
	b := make([]byte, n)
	for k := range b {
		b[k] = byte(i + k)
	}
	b[0] = 0x11
	if key {
		b[0] = 0x10
	}
	return b
}

// opusPacket is a 20 ms CELT Opus packet (TOC config 31, RFC 6716 §3.1).
func opusPacket(i int) []byte {
	b := bytes.Repeat([]byte{byte(i)}, 160)
	b[0] = 31 << 3
	return b
}

// --- jitter buffer vs samplebuilder --------------------------------------

// jbStream is a VP8 stream of 3-packet frames, in both packet types.
type jbStream struct {
	ours []rtp.Packet
	pion []*pionrtp.Packet
}

func newJBStream(b *testing.B, ring int) *jbStream {
	pz := rtp.Packetizer{Payloader: &rtp.VP8Payloader{}, MTU: 1000, MarkFrameEnd: true, SSRC: 1, PayloadType: 96}
	s := &jbStream{}
	for f := 0; len(s.ours) < ring; f++ {
		ps, err := pz.Packetize(vp8Frame(f, 2900, true), uint32(f*3000))
		if err != nil {
			b.Fatal(err)
		}
		for k := range ps {
			p := ps[k].Clone()
			s.ours = append(s.ours, p)
			s.pion = append(s.pion, &pionrtp.Packet{
				Header:  pionrtp.Header{Version: 2, Marker: p.Marker, PayloadType: 96, SequenceNumber: p.SequenceNumber, Timestamp: p.Timestamp, SSRC: 1},
				Payload: p.Payload,
			})
		}
	}
	return s
}

type oursJB struct {
	jb  *media.JitterBuffer
	s   *jbStream
	i   int
	now time.Time
	lap uint16
}

func newOursJB(b *testing.B) *oursJB {
	c, _ := rtp.LookupCodec("video/VP8")
	jb, err := media.NewJitterBuffer(media.Config{Codec: c})
	if err != nil {
		b.Fatal(err)
	}
	return &oursJB{jb: jb, s: newJBStream(b, 3*64), now: t0}
}

func (o *oursJB) step(b *testing.B) {
	n := len(o.s.ours)
	p := &o.s.ours[o.i%n]
	if o.i > 0 && o.i%n == 0 {
		o.lap++
	}
	seq, ts := p.SequenceNumber, p.Timestamp
	p.SequenceNumber += o.lap * uint16(n)
	p.Timestamp += uint32(o.lap) * uint32(n/3*3000)
	err := o.jb.HandlePacket(o.now, p)
	p.SequenceNumber, p.Timestamp = seq, ts
	if err != nil {
		b.Fatal(err)
	}
	for {
		if _, ok := o.jb.PollFrame(); !ok {
			break
		}
	}
	o.i++
	if o.i%3 == 0 {
		o.now = o.now.Add(33 * time.Millisecond)
	}
}

type pionJB struct {
	sb  *samplebuilder.SampleBuilder
	s   *jbStream
	i   int
	lap uint16
}

func newPionJB(b *testing.B) *pionJB {
	return &pionJB{sb: samplebuilder.New(50, &codecs.VP8Packet{}, 90000), s: newJBStream(b, 3*64)}
}

func (o *pionJB) step() {
	n := len(o.s.pion)
	if o.i > 0 && o.i%n == 0 {
		o.lap++
	}
	p := o.s.pion[o.i%n]
	p.SequenceNumber = uint16(o.i)
	p.Timestamp = uint32(o.i/3) * 3000
	o.sb.Push(p)
	for o.sb.Pop() != nil {
	}
	o.i++
}

func BenchmarkJitterBuffer(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		o := newOursJB(b)
		defer benchutil.Measure(b, 1000).Stop()
		for b.Loop() {
			o.step(b)
		}
		if st := o.jb.Stats(); st.FramesDropped != 0 {
			b.Fatalf("dropped frames: %+v", st)
		}
	})
	b.Run("pion", func(b *testing.B) {
		o := newPionJB(b)
		defer benchutil.Measure(b, 1000).Stop()
		for b.Loop() {
			o.step()
		}
	})
}

// --- IVF ------------------------------------------------------------------

func ivfFile(b *testing.B) []byte {
	var out bytes.Buffer
	w, err := media.NewIVFWriter(&out, media.IVFHeader{FourCC: media.FourCCVP8, Width: 640, Height: 480})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		if err := w.WriteFrame(vp8Frame(i, 500+i*37%3000, i%30 == 0), uint64(i*3000)); err != nil {
			b.Fatal(err)
		}
	}
	return out.Bytes()
}

type oursIVFReader struct {
	file []byte
	br   bytes.Reader
	buf  []byte
}

func (o *oursIVFReader) read(b *testing.B) {
	o.br.Reset(o.file)
	r, _, err := media.NewIVFReader(&o.br, 0)
	if err != nil {
		b.Fatal(err)
	}
	for {
		f, err := r.ReadFrame(o.buf)
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		o.buf = f.Data
	}
}

func pionIVFRead(b *testing.B, file []byte) {
	r, _, err := ivfreader.NewWith(bytes.NewReader(file))
	if err != nil {
		b.Fatal(err)
	}
	for {
		_, _, err := r.ParseNextFrame()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIVFRead(b *testing.B) {
	file := ivfFile(b)
	b.Run("ours", func(b *testing.B) {
		o := &oursIVFReader{file: file}
		defer benchutil.Measure(b, int64(len(file))).Stop()
		for b.Loop() {
			o.read(b)
		}
	})
	b.Run("pion", func(b *testing.B) {
		defer benchutil.Measure(b, int64(len(file))).Stop()
		for b.Loop() {
			pionIVFRead(b, file)
		}
	})
}

// vp8Packets are single-packet VP8 frames (payload descriptor + frame), in
// both packet types.
func vp8Packets(b *testing.B) ([]rtp.Packet, []*pionrtp.Packet) {
	pz := rtp.Packetizer{Payloader: &rtp.VP8Payloader{}, MTU: 4000, MarkFrameEnd: true}
	var ours []rtp.Packet
	var pion []*pionrtp.Packet
	for i := range 100 {
		ps, err := pz.Packetize(vp8Frame(i, 500+i*37%3000, i == 0), uint32(i*3000))
		if err != nil || len(ps) != 1 {
			b.Fatal(err)
		}
		p := ps[0].Clone()
		ours = append(ours, p)
		pion = append(pion, &pionrtp.Packet{Header: pionrtp.Header{Version: 2, Marker: true, SequenceNumber: p.SequenceNumber, Timestamp: p.Timestamp}, Payload: p.Payload})
	}
	return ours, pion
}

type oursIVFWriter struct {
	w   *media.IVFWriter
	d   rtp.VP8Depayloader
	buf []byte
}

func (o *oursIVFWriter) write(b *testing.B, p *rtp.Packet) {
	var err error
	if o.buf, _, err = o.d.Depayload(o.buf[:0], p.Payload); err != nil {
		b.Fatal(err)
	}
	if err := o.w.WriteFrame(o.buf, uint64(p.Timestamp)); err != nil {
		b.Fatal(err)
	}
}

func newOursIVFWriter(b *testing.B) *oursIVFWriter {
	w, err := media.NewIVFWriter(io.Discard, media.IVFHeader{FourCC: media.FourCCVP8})
	if err != nil {
		b.Fatal(err)
	}
	return &oursIVFWriter{w: w}
}

func newPionIVFWriter(b *testing.B) *ivfwriter.IVFWriter {
	w, err := ivfwriter.NewWith(io.Discard, ivfwriter.WithCodec("video/VP8"))
	if err != nil {
		b.Fatal(err)
	}
	return w
}

func BenchmarkIVFWrite(b *testing.B) {
	ours, pion := vp8Packets(b)
	b.Run("ours", func(b *testing.B) {
		o := newOursIVFWriter(b)
		i := 0
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			o.write(b, &ours[i%len(ours)])
			i++
		}
	})
	b.Run("pion", func(b *testing.B) {
		w := newPionIVFWriter(b)
		i := 0
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if err := w.WriteRTP(pion[i%len(pion)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// --- Ogg Opus ---------------------------------------------------------------

func oggFile(b *testing.B) []byte {
	var out bytes.Buffer
	w, err := media.NewOpusWriter(&out, 1, media.OpusHead{Channels: 2, PreSkip: 312, InputSampleRate: 48000}, media.OpusTags{})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 250 {
		if err := w.WritePacket(opusPacket(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

type oursOggReader struct {
	file []byte
	br   bytes.Reader
	buf  []byte
}

func (o *oursOggReader) read(b *testing.B) {
	o.br.Reset(o.file)
	r, _, _, err := media.NewOpusReader(&o.br, 0)
	if err != nil {
		b.Fatal(err)
	}
	for {
		p, err := r.ReadPacket(o.buf)
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		o.buf = p.Data
	}
}

func pionOggRead(b *testing.B, file []byte) {
	r, _, err := oggreader.NewWith(bytes.NewReader(file))
	if err != nil {
		b.Fatal(err)
	}
	for {
		_, _, err := r.ParseNextPage()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOggRead(b *testing.B) {
	file := oggFile(b)
	b.Run("ours", func(b *testing.B) {
		o := &oursOggReader{file: file}
		defer benchutil.Measure(b, int64(len(file))).Stop()
		for b.Loop() {
			o.read(b)
		}
	})
	b.Run("pion", func(b *testing.B) {
		defer benchutil.Measure(b, int64(len(file))).Stop()
		for b.Loop() {
			pionOggRead(b, file)
		}
	})
}

func opusPackets() []*pionrtp.Packet {
	var ps []*pionrtp.Packet
	for i := range 250 {
		ps = append(ps, &pionrtp.Packet{Header: pionrtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: opusPacket(i)})
	}
	return ps
}

func newOursOpusWriter(b *testing.B) *media.OpusWriter {
	w, err := media.NewOpusWriter(io.Discard, 1, media.OpusHead{Channels: 2, PreSkip: 312, InputSampleRate: 48000}, media.OpusTags{})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

func newPionOggWriter(b *testing.B) *oggwriter.OggWriter {
	w, err := oggwriter.NewWith(io.Discard, 48000, 2)
	if err != nil {
		b.Fatal(err)
	}
	return w
}

func BenchmarkOggWrite(b *testing.B) {
	ps := opusPackets()
	b.Run("ours", func(b *testing.B) {
		w := newOursOpusWriter(b)
		i := 0
		defer benchutil.Measure(b, 160).Stop()
		for b.Loop() {
			if err := w.WritePacket(ps[i%len(ps)].Payload); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("pion", func(b *testing.B) {
		w := newPionOggWriter(b)
		i := 0
		defer benchutil.Measure(b, 160).Stop()
		for b.Loop() {
			if err := w.WriteRTP(ps[i%len(ps)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// --- paired ratios ------------------------------------------------------------

// BenchmarkSpeedup runs ours and Pion in alternating batches on the same
// input and reports the median over batch pairs of time(Pion)/time(ours)
// as "x-vs-pion" (2.0 = we are twice as fast).
func BenchmarkSpeedup(b *testing.B) {
	paired := func(b *testing.B, batch int, ours, pion func()) {
		var r []float64
		for b.Loop() {
			t0 := time.Now()
			for range batch {
				ours()
			}
			t1 := time.Now()
			for range batch {
				pion()
			}
			t2 := time.Now()
			if d := t1.Sub(t0); d > 0 {
				r = append(r, float64(t2.Sub(t1))/float64(d))
			}
		}
		if len(r) > 0 {
			slices.Sort(r)
			b.ReportMetric(r[len(r)/2], "x-vs-pion")
		}
	}
	b.Run("JitterBuffer", func(b *testing.B) {
		o, p := newOursJB(b), newPionJB(b)
		paired(b, 64, func() { o.step(b) }, p.step)
	})
	b.Run("IVFRead", func(b *testing.B) {
		file := ivfFile(b)
		o := &oursIVFReader{file: file}
		paired(b, 1, func() { o.read(b) }, func() { pionIVFRead(b, file) })
	})
	b.Run("IVFWrite", func(b *testing.B) {
		ours, pion := vp8Packets(b)
		o, p := newOursIVFWriter(b), newPionIVFWriter(b)
		i := 0
		paired(b, 16, func() { o.write(b, &ours[i%len(ours)]) }, func() {
			if err := p.WriteRTP(pion[i%len(pion)]); err != nil {
				b.Fatal(err)
			}
			i++
		})
	})
	b.Run("OggRead", func(b *testing.B) {
		file := oggFile(b)
		o := &oursOggReader{file: file}
		paired(b, 1, func() { o.read(b) }, func() { pionOggRead(b, file) })
	})
	b.Run("OggWrite", func(b *testing.B) {
		ps := opusPackets()
		o, p := newOursOpusWriter(b), newPionOggWriter(b)
		i := 0
		paired(b, 16, func() {
			if err := o.WritePacket(ps[i%len(ps)].Payload); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if err := p.WriteRTP(ps[i%len(ps)]); err != nil {
				b.Fatal(err)
			}
			i++
		})
	})
}
