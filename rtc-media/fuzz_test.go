package media

import (
	"bytes"
	"errors"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// FuzzJitterBuffer feeds hostile packets and time steps to a jitter buffer
// of every codec: it never panics, never reports a deadline in its past,
// and reports only its documented errors.
func FuzzJitterBuffer(f *testing.F) {
	f.Add([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 1, 2, 3}, uint8(4))
	f.Add([]byte{0x80, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x7c, 0x85, 1}, uint8(6))
	f.Add([]byte{0x80, 0xe0, 0x80, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 1, 0x18, 0x00}, uint8(8))
	f.Fuzz(func(t *testing.T, data []byte, codec uint8) {
		c := rtp.Codecs[int(codec)%len(rtp.Codecs)]
		jb, err := NewJitterBuffer(Config{Codec: c, MaxPackets: 32, MaxPacketSize: 256, MaxFrameSize: 4096, MaxEvents: 8})
		if err != nil {
			t.Fatal(err)
		}
		now := t0
		// The input is a list of records: one byte of time step (ms), one
		// byte of length, then a packet.
		for len(data) >= 2 {
			now = now.Add(time.Duration(data[0]) * time.Millisecond)
			n := min(int(data[1]), len(data)-2)
			pkt := data[2 : 2+n]
			data = data[2+n:]
			err := jb.HandleRead(shared.TaggedBytes{Now: now, Message: pkt})
			if err != nil && !errors.Is(err, ErrMalformedPacket) && !errors.Is(err, ErrPacketTooLarge) && !errors.Is(err, ErrQueueFull) {
				t.Fatalf("unexpected error %v", err)
			}
			for range 100 {
				if _, ok := jb.PollEvent(); !ok {
					break
				}
			}
			for range 100 {
				if _, ok := jb.PollFrame(); !ok {
					break
				}
			}
			if d, ok := jb.PollTimeout(); ok {
				if d.Before(now) {
					t.Fatalf("deadline %v before now %v", d, now)
				}
				if d.Sub(now) < 50*time.Millisecond {
					if err := jb.HandleTimeout(d); err != nil && !errors.Is(err, ErrQueueFull) {
						t.Fatal(err)
					}
				}
			}
		}
	})
}

// The file readers never panic, never return more than their limits, and
// end with io.EOF or an error within a bounded number of reads.

func FuzzIVFReader(f *testing.F) {
	f.Add(writeIVF(f, randFrames(1, 3, 40)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, _, err := NewIVFReader(bytes.NewReader(data), 1000)
		if err != nil {
			return
		}
		for range len(data) + 1 {
			fr, err := r.ReadFrame(nil)
			if err != nil {
				return
			}
			if len(fr.Data) > 1000 {
				t.Fatalf("frame of %d bytes over the limit", len(fr.Data))
			}
		}
		t.Fatal("reader did not end")
	})
}

func FuzzOggReader(f *testing.F) {
	f.Add(writeOgg(f, [][]byte{{1}, make([]byte, 600), {2, 3}}, 100))
	var b bytes.Buffer
	w, err := NewOpusWriter(&b, 1, OpusHead{Channels: 1}, OpusTags{Comments: []string{"A=b"}})
	if err != nil {
		f.Fatal(err)
	}
	if err := w.WritePacket([]byte{0xf8, 1, 2}); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewOggReader(bytes.NewReader(data), 1000)
		for range len(data) + 1 {
			p, err := r.ReadPacket(nil)
			if err != nil {
				break
			}
			if len(p.Data) > 1000 {
				t.Fatalf("packet of %d bytes over the limit", len(p.Data))
			}
		}
		or, _, _, err := NewOpusReader(bytes.NewReader(data), 1000)
		if err != nil {
			return
		}
		for range len(data) + 1 {
			if _, err := or.ReadPacket(nil); err != nil {
				return
			}
		}
		t.Fatal("reader did not end")
	})
}

func FuzzAnnexBReader(f *testing.F) {
	file, _ := annexBStream(H264, 3)
	f.Add(file, false)
	file, _ = annexBStream(H265, 3)
	f.Add(file, true)
	f.Fuzz(func(t *testing.T, data []byte, h265 bool) {
		codec := H264
		if h265 {
			codec = H265
		}
		r := NewAnnexBReader(&chunkReader{b: data, n: 5}, codec, 500)
		for range len(data) + 1 {
			au, err := r.ReadAccessUnit(nil)
			if err != nil {
				break
			}
			if len(au.Data) > 500 {
				t.Fatalf("unit of %d bytes over the limit", len(au.Data))
			}
		}
		r = NewAnnexBReader(bytes.NewReader(data), codec, 500)
		for range len(data) + 1 {
			if _, err := r.ReadNAL(nil); err != nil {
				return
			}
		}
		t.Fatal("reader did not end")
	})
}

func FuzzOBUReader(f *testing.F) {
	var b bytes.Buffer
	w := NewOBUWriter(&b)
	for i := range 3 {
		if err := w.WriteTemporalUnit(testFrame("video/AV1", i, i == 0, 30)); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewOBUReader(bytes.NewReader(data), 500)
		for range len(data) + 1 {
			tu, err := r.ReadTemporalUnit(nil)
			if err != nil {
				break
			}
			if len(tu.Data) > 500 {
				t.Fatalf("unit of %d bytes over the limit", len(tu.Data))
			}
		}
		r = NewOBUReader(bytes.NewReader(data), 500)
		for range len(data) + 1 {
			if _, err := r.ReadOBU(nil); err != nil {
				return
			}
		}
		t.Fatal("reader did not end")
	})
}
