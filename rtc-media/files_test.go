package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type tframe struct {
	Data []byte
	TS   uint64
}

func randFrames(seed uint64, n, maxSize int) []tframe {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]tframe, n)
	for i := range out {
		b := make([]byte, 1+r.IntN(maxSize))
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		out[i] = tframe{b, uint64(i) * 3000}
	}
	return out
}

// seekBuffer is an in-memory io.WriteSeeker.
type seekBuffer struct {
	b   []byte
	off int
}

func (s *seekBuffer) Write(p []byte) (int, error) {
	if need := s.off + len(p); need > len(s.b) {
		s.b = append(s.b, make([]byte, need-len(s.b))...)
	}
	copy(s.b[s.off:], p)
	s.off += len(p)
	return len(p), nil
}

func (s *seekBuffer) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		s.off = int(off)
	case io.SeekCurrent:
		s.off += int(off)
	case io.SeekEnd:
		s.off = len(s.b) + int(off)
	}
	return int64(s.off), nil
}

func writeIVF(t testing.TB, frames []tframe) []byte {
	var out seekBuffer
	w, err := NewIVFWriter(&out, IVFHeader{FourCC: FourCCVP8, Width: 640, Height: 480})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := w.WriteFrame(f.Data, f.TS); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.b
}

func TestIVFRoundTrip(t *testing.T) {
	frames := randFrames(1, 50, 5000)
	file := writeIVF(t, frames)
	r, h, err := NewIVFReader(bytes.NewReader(file), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := IVFHeader{FourCC: FourCCVP8, Width: 640, Height: 480, TimebaseDenominator: 90000, TimebaseNumerator: 1, FrameCount: 50}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Fatalf("header (-want +got):\n%s", diff)
	}
	var got []tframe
	var buf []byte
	for {
		f, err := r.ReadFrame(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		buf = f.Data
		got = append(got, tframe{bytes.Clone(f.Data), f.Timestamp})
	}
	if diff := cmp.Diff(frames, got); diff != "" {
		t.Fatalf("frames (-want +got):\n%s", diff)
	}
	// Every strict prefix that cuts a frame fails; the cut after a whole
	// frame is a clean end.
	for n := range len(file) {
		r, _, err := NewIVFReader(bytes.NewReader(file[:n]), 0)
		if err != nil {
			if n >= 32 || !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("prefix %d: header: %v", n, err)
			}
			continue
		}
		count := 0
		for {
			_, err = r.ReadFrame(nil)
			if err != nil {
				break
			}
			count++
		}
		if err != io.EOF && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix %d: %v", n, err)
		}
		if err == io.EOF && n != ivfEnd(frames, count) {
			t.Fatalf("prefix %d read as a complete file of %d frames", n, count)
		}
		if n > 2000 { // the rest repeats the same cases
			break
		}
	}
}

func ivfEnd(frames []tframe, count int) int {
	n := 32
	for _, f := range frames[:count] {
		n += 12 + len(f.Data)
	}
	return n
}

// A frame header claiming 4 GiB is refused before any allocation.
func TestIVFHugeFrameHeader(t *testing.T) {
	file := writeIVF(t, randFrames(2, 1, 10))
	binary.LittleEndian.PutUint32(file[32:], 0xFFFFFFF0)
	r, _, err := NewIVFReader(bytes.NewReader(file), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1, func() {
		r, _, _ := NewIVFReader(bytes.NewReader(file), 1<<20)
		if _, err := r.ReadFrame(nil); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("huge frame: %v", err)
		}
	})
	if allocs > 3 {
		t.Errorf("%v allocations for a refused frame", allocs)
	}
	// Within the limit but truncated: the buffer grows by at most readChunk.
	binary.LittleEndian.PutUint32(file[32:], 100<<20)
	r, _, _ = NewIVFReader(bytes.NewReader(file), 200<<20)
	if _, err := r.ReadFrame(nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
	_ = r // reader reused above
}

func TestIVFAllocs(t *testing.T) {
	frames := randFrames(3, 20, 3000)
	file := writeIVF(t, frames)
	br := bytes.NewReader(file)
	r, _, err := NewIVFReader(br, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	w, err := NewIVFWriter(io.Discard, IVFHeader{FourCC: FourCCVP9})
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		f, err := r.ReadFrame(buf)
		if err == io.EOF {
			br.Reset(file)
			if _, err := br.Seek(32, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFrame(f.Data, f.Timestamp); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
}

// RFC 3533 §6 CRC: the table-driven, 4-way sliced CRC equals the bitwise
// definition.
func TestOggCRC(t *testing.T) {
	bitwise := func(b []byte) uint32 {
		var crc uint32
		for _, v := range b {
			crc ^= uint32(v) << 24
			for range 8 {
				if crc&0x80000000 != 0 {
					crc = crc<<1 ^ 0x04c11db7
				} else {
					crc <<= 1
				}
			}
		}
		return crc
	}
	r := rand.New(rand.NewPCG(4, 4))
	for n := range 40 {
		b := make([]byte, n)
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		if got, want := oggCRC(oggCRC(0, b[:n/3]), b[n/3:]), bitwise(b); got != want {
			t.Fatalf("len %d: %08x want %08x", n, got, want)
		}
	}
	// The standard check value of CRC-32/MPEG-2's sibling with zero init
	// and no final XOR (CRC-32/BZIP2 without reflection is "CKSUM"-like);
	// for "123456789" CRC-32 with poly 04C11DB7, init 0, no xorout is 0x89A1897F.
	if got := oggCRC(0, []byte("123456789")); got != 0x89A1897F {
		t.Errorf("check value %08x", got)
	}
}

func writeOgg(t testing.TB, packets [][]byte, pageSize int) []byte {
	var out bytes.Buffer
	w := NewOggWriter(&out, 0x1234, pageSize)
	for i, p := range packets {
		if err := w.WritePacket(p, int64(i+1)*960); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Packets of every size class: empty, 255 multiples (a zero lacing value
// ends them), and larger than a page (split across pages, continued flag).
func TestOggRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 254, 255, 256, 510, 1000, 65025, 70000, 200000, 3, 4000}
	var packets [][]byte
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range sizes {
		b := make([]byte, n)
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		packets = append(packets, b)
	}
	for _, pageSize := range []int{0, 100, 65025} {
		file := writeOgg(t, packets, pageSize)
		or := NewOggReader(bytes.NewReader(file), 0)
		var got [][]byte
		lastGranule := int64(-1)
		for {
			p, err := or.ReadPacket(nil)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("page size %d: packet %d: %v", pageSize, len(got), err)
			}
			got = append(got, p.Data)
			if p.Granule != -1 {
				if want := int64(len(got)) * 960; p.Granule != want {
					t.Fatalf("granule %d after %d packets", p.Granule, len(got))
				}
				lastGranule = p.Granule
			}
		}
		if diff := cmp.Diff(packets, got, cmp.Comparer(bytes.Equal)); diff != "" {
			t.Fatalf("page size %d: packets differ", pageSize)
		}
		if lastGranule != int64(len(packets))*960 {
			t.Errorf("final granule %d", lastGranule)
		}
	}
}

// A flipped bit anywhere in a page fails its CRC; a packet over the limit
// is ErrTooLarge.
func TestOggCorruption(t *testing.T) {
	file := writeOgg(t, [][]byte{make([]byte, 500), make([]byte, 10)}, 0)
	for i := range file {
		bad := bytes.Clone(file)
		bad[i] ^= 0x10
		or := NewOggReader(bytes.NewReader(bad), 0)
		var err error
		for err == nil {
			_, err = or.ReadPacket(nil)
		}
		if err == io.EOF {
			t.Fatalf("flipped bit at %d not detected", i)
		}
	}
	or := NewOggReader(bytes.NewReader(file), 100)
	if _, err := or.ReadPacket(nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
	if p, err := or.ReadPacket(nil); err != nil || len(p.Data) != 10 {
		t.Fatalf("packet after the refused one: %v", err)
	}
}

// RFC 6716 §3.1 TOC: config 0-11 SILK, 12-15 hybrid, 16-31 CELT; codes 0-3.
func TestOpusPacketSamples(t *testing.T) {
	for _, c := range []struct {
		p    []byte
		want int
	}{
		{[]byte{0 << 3}, 480},              // SILK NB 10 ms
		{[]byte{3 << 3}, 2880},             // SILK NB 60 ms
		{[]byte{13 << 3}, 960},             // hybrid 20 ms
		{[]byte{31<<3 | 0}, 960},           // CELT FB 20 ms
		{[]byte{16 << 3}, 120},             // CELT 2.5 ms
		{[]byte{31<<3 | 1}, 1920},          // two frames
		{[]byte{30<<3 | 3, 0x83}, 3 * 480}, // code 3, three 10 ms frames
		{[]byte{30<<3 | 3}, 0},             // code 3 without its count
		{nil, 0},
	} {
		if got := OpusPacketSamples(c.p); got != c.want {
			t.Errorf("%x: %d, want %d", c.p, got, c.want)
		}
	}
}

func TestOpusRoundTrip(t *testing.T) {
	head := OpusHead{Version: 1, Channels: 2, PreSkip: 312, InputSampleRate: 48000}
	tags := OpusTags{Vendor: "test", Comments: []string{"TITLE=x", "ARTIST=y"}}
	var out bytes.Buffer
	w, err := NewOpusWriter(&out, 7, head, tags)
	if err != nil {
		t.Fatal(err)
	}
	var packets [][]byte
	for i := range 200 {
		p := append([]byte{31 << 3}, bytes.Repeat([]byte{byte(i)}, 100+i)...) // 20 ms CELT
		packets = append(packets, p)
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, gotHead, gotTags, err := NewOpusReader(bytes.NewReader(out.Bytes()), 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(head, gotHead, cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("head: %s", diff)
	}
	if diff := cmp.Diff(tags, gotTags); diff != "" {
		t.Errorf("tags: %s", diff)
	}
	var got [][]byte
	var last OggPacket
	for {
		p, err := r.ReadPacket(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Data)
		last = p
	}
	if diff := cmp.Diff(packets, got); diff != "" {
		t.Fatal("packets differ")
	}
	// RFC 7845 §4: the last granule is pre-skip plus all samples.
	if want := int64(312 + 200*960); last.Granule != want || last.Page.Flags&oggEOS == 0 {
		t.Errorf("last granule %d flags %x, want %d with EOS", last.Granule, last.Page.Flags, want)
	}
	// RFC 7845 §5.1: OpusHead alone on the first page (a BOS page).
	or := NewOggReader(bytes.NewReader(out.Bytes()), 0)
	p, err := or.ReadPacket(nil)
	if err != nil || p.Page.Flags != oggBOS || p.Page.Segments != 1 || p.Granule != 0 {
		t.Errorf("first page %+v %v", p.Page, err)
	}
}

func TestOpusTagsHostile(t *testing.T) {
	b := (&OpusTags{Vendor: "v"}).AppendTo(nil)
	binary.LittleEndian.PutUint32(b[len(b)-4:], 0xFFFFFFFF) // a billion comments
	if _, err := UnmarshalOpusTags(b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("comment count: %v", err)
	}
	b = (&OpusTags{Vendor: "v"}).AppendTo(nil)
	binary.LittleEndian.PutUint32(b[8:], 0xFFFFFFF0)
	if _, err := UnmarshalOpusTags(b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("vendor length: %v", err)
	}
	if _, err := UnmarshalOpusHead([]byte("OpusHead\x01\x03\x00\x00\x80\xbb\x00\x00\x00\x00\x00")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("3 channels in family 0: %v", err)
	}
}

func TestOggAllocs(t *testing.T) {
	packets := make([][]byte, 50)
	for i := range packets {
		packets[i] = bytes.Repeat([]byte{byte(i)}, 100+i*3)
	}
	file := writeOgg(t, packets, 0)
	br := bytes.NewReader(file)
	r := NewOggReader(br, 0)
	w := NewOggWriter(io.Discard, 1, 0)
	buf := make([]byte, 0, 1024)
	var g int64
	step := func() {
		p, err := r.ReadPacket(buf)
		if err == io.EOF {
			br.Reset(file)
			r.nextSeq = 0
			r.pages = 0
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		g += 960
		if err := w.WritePacket(p.Data, g); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		step()
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
}

func annexBStream(codec VideoCodec, aus int) ([]byte, [][]byte) {
	var file []byte
	var want [][]byte
	for i := range aus {
		var au []byte
		if codec == H264 {
			au = testFrame("video/H264", i, i%5 == 0, 300+i*50)
		} else {
			au = testFrame("video/H265", i, i%5 == 0, 300+i*50)
		}
		want = append(want, au)
		file = append(file, au...)
	}
	return file, want
}

func TestAnnexBAccessUnits(t *testing.T) {
	for _, codec := range []VideoCodec{H264, H265} {
		file, want := annexBStream(codec, 30)
		for _, chunk := range []int{1, 7, 1 << 20} {
			r := NewAnnexBReader(&chunkReader{b: file, n: chunk}, codec, 0)
			var got [][]byte
			keys := 0
			var buf []byte
			for {
				au, err := r.ReadAccessUnit(buf)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%d chunk %d: %v", codec, chunk, err)
				}
				buf = au.Data
				got = append(got, bytes.Clone(au.Data))
				if au.Keyframe {
					keys++
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("codec %d chunk %d: access units differ (%d vs %d)", codec, chunk, len(want), len(got))
			}
			if keys != 6 {
				t.Errorf("keyframes %d", keys)
			}
		}
		// NAL by NAL, and written back.
		r := NewAnnexBReader(bytes.NewReader(file), codec, 0)
		var out bytes.Buffer
		w := NewAnnexBWriter(&out)
		for {
			nal, err := r.ReadNAL(nil)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteNAL(nal); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(out.Bytes(), file) {
			t.Error("NAL round trip differs")
		}
	}
}

// Three-byte start codes, leading garbage and trailing zeros.
func TestAnnexBStartCodes(t *testing.T) {
	in := []byte{0xAA, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 0, 1, 0x65, 0x88, 9, 0, 0}
	r := NewAnnexBReader(bytes.NewReader(in), H264, 0)
	var got [][]byte
	for {
		nal, err := r.ReadNAL(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, nal)
	}
	want := [][]byte{{0x67, 1, 2}, {0x68, 3}, {0x65, 0x88, 9}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	r = NewAnnexBReader(bytes.NewReader(append([]byte{0, 0, 1}, make([]byte, 5000)...)), H264, 1000)
	if _, err := r.ReadNAL(nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long NAL: %v", err)
	}
}

type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[n:]
	return n, nil
}

func TestOBURoundTrip(t *testing.T) {
	var depayloaded [][]byte // temporal units without delimiters, as RTP gives them
	for i := range 20 {
		depayloaded = append(depayloaded, testFrame("video/AV1", i, i%10 == 0, 100+i*100))
	}
	var out bytes.Buffer
	w := NewOBUWriter(&out)
	for _, tu := range depayloaded {
		if err := w.WriteTemporalUnit(tu); err != nil {
			t.Fatal(err)
		}
	}
	r := NewOBUReader(bytes.NewReader(out.Bytes()), 0)
	keys := 0
	for i := range depayloaded {
		tu, err := r.ReadTemporalUnit(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tu.Data, append(bytes.Clone(temporalDelimiter), depayloaded[i]...)) {
			t.Fatalf("unit %d differs", i)
		}
		if tu.Keyframe {
			keys++
		}
	}
	if _, err := r.ReadTemporalUnit(nil); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if keys != 2 {
		t.Errorf("keyframes %d", keys)
	}
	// OBU by OBU; one without a size field gets one.
	r = NewOBUReader(bytes.NewReader(out.Bytes()), 0)
	o, err := r.ReadOBU(nil)
	if err != nil || o.Type != OBUTemporalDelimiter {
		t.Fatalf("first OBU %+v %v", o, err)
	}
	var b bytes.Buffer
	if err := NewOBUWriter(&b).WriteOBU([]byte{OBUFrame << 3, 1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if want := []byte{OBUFrame<<3 | 2, 3, 1, 2, 3}; !bytes.Equal(b.Bytes(), want) {
		t.Errorf("WriteOBU % x", b.Bytes())
	}
	// Hostile sizes.
	for name, in := range map[string][]byte{
		"huge":      {OBUFrame<<3 | 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F},
		"leb 9":     {OBUFrame<<3 | 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0},
		"forbidden": {0x80 | OBUFrame<<3 | 2, 0},
		"no size":   {OBUFrame << 3, 0},
		"truncated": {OBUFrame<<3 | 2, 10, 1},
	} {
		_, err := NewOBUReader(bytes.NewReader(in), 1<<20).ReadOBU(nil)
		if err == nil || err == io.EOF {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestWAVWriter(t *testing.T) {
	var out seekBuffer
	w, err := NewWAVWriter(&out, WAVHeader{Format: WAVMuLaw, SampleRate: 8000, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte{0xFF}, 801)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := out.b
	if string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[38:42]) != "data" {
		t.Fatalf("header % x", b[:46])
	}
	if got := binary.LittleEndian.Uint32(b[42:]); got != 801 {
		t.Errorf("data size %d", got)
	}
	if got := binary.LittleEndian.Uint32(b[4:]); int(got) != len(b)-8 {
		t.Errorf("RIFF size %d, file %d", got, len(b))
	}
	if binary.LittleEndian.Uint16(b[20:]) != 7 || binary.LittleEndian.Uint16(b[34:]) != 8 {
		t.Error("format tag or bits")
	}
	// L16 from RTP is big-endian; the file is little-endian.
	var l16 bytes.Buffer
	w, err = NewWAVWriter(&l16, WAVHeader{Format: WAVPCM, SampleRate: 16000, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteL16([]byte{0x12, 0x34}); err != nil {
		t.Fatal(err)
	}
	if got := l16.Bytes()[46:]; !bytes.Equal(got, []byte{0x34, 0x12}) {
		t.Errorf("L16 % x", got)
	}
	if _, err := NewWAVWriter(&l16, WAVHeader{Format: 99, SampleRate: 1, Channels: 1}); !errors.Is(err, ErrUnsupported) {
		t.Error(err)
	}
}

// Annex B and OBU readers: zero allocations per unit with a reused buffer
// once the read-ahead buffer has grown.
func TestAnnexBAndOBUAllocs(t *testing.T) {
	file, _ := annexBStream(H264, 30)
	br := bytes.NewReader(file)
	r := NewAnnexBReader(br, H264, 0)
	buf := make([]byte, 0, 8192)
	step := func() {
		au, err := r.ReadAccessUnit(buf)
		if err == io.EOF {
			br.Reset(file)
			r.eof = false
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		buf = au.Data
	}
	for range 100 {
		step()
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("Annex B: %v allocations per access unit", n)
	}

	var obu bytes.Buffer
	w := NewOBUWriter(&obu)
	for i := range 20 {
		if err := w.WriteTemporalUnit(testFrame("video/AV1", i, i%10 == 0, 500)); err != nil {
			t.Fatal(err)
		}
	}
	ob := bytes.NewReader(obu.Bytes())
	or := NewOBUReader(ob, 0)
	w = NewOBUWriter(io.Discard)
	ostep := func() {
		tu, err := or.ReadTemporalUnit(buf)
		if err == io.EOF {
			ob.Reset(obu.Bytes())
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		buf = tu.Data
		if err := w.WriteTemporalUnit(tu.Data); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		ostep()
	}
	if n := testing.AllocsPerRun(200, ostep); n != 0 {
		t.Errorf("OBU: %v allocations per temporal unit", n)
	}
}
