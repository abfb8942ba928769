package mediafile

import (
	"bytes"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// FuzzSaver feeds hostile RTP (what an authenticated remote peer can
// send) to a Saver of each codec: it never panics, and Close still
// writes a well-formed file.
func FuzzSaver(f *testing.F) {
	f.Add([]byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0x10, 0x10, 0, 0x9d, 1, 0x2a}, uint8(0))
	f.Add([]byte{0x80, 102, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0x7c, 0x85, 1, 2, 3}, uint8(2))
	f.Add([]byte{0x80, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0xf8, 1, 2}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		codec := []rtc.Codec{VP8, Opus, H264}[which%3]
		var out bytes.Buffer
		s, err := NewSaver(codec, &out)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Unix(0, 0)
		// The input split into packets of up to 200 bytes, 10 ms apart.
		// Junk is refused with an error; every frame written comes from
		// an accepted packet.
		accepted := 0
		for len(data) > 0 {
			n := min(len(data), 200)
			if err := s.HandleRTP(now, data[:n]); err == nil {
				accepted++
			}
			data = data[n:]
			now = now.Add(10 * time.Millisecond)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if s.Frames() > accepted {
			t.Fatalf("%d frames from %d accepted packets", s.Frames(), accepted)
		}
	})
}

// FuzzOpen reads hostile files of each format: Open and Next never
// panic and end with an error (io.EOF or a format error).
func FuzzOpen(f *testing.F) {
	var ivf, ogg, h264 bytes.Buffer
	if _, err := SynthVP8(&ivf, 2, 1); err != nil {
		f.Fatal(err)
	}
	if _, err := SynthOpus(&ogg, 2, 1); err != nil {
		f.Fatal(err)
	}
	if _, err := SynthH264(&h264, 2, 1); err != nil {
		f.Fatal(err)
	}
	f.Add(ivf.Bytes(), uint8(0))
	f.Add(ogg.Bytes(), uint8(1))
	f.Add(h264.Bytes(), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		name := []string{"x.ivf", "x.ogg", "x.h264"}[which%3]
		src, err := Open(name, bytes.NewReader(data), 30)
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			if _, _, err := src.Next(); err != nil {
				return
			}
			if i > len(data) {
				t.Fatalf("%d frames from %d bytes", i, len(data))
			}
		}
	})
}
