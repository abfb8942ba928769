package mediafile

import (
	"bytes"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// TestSaverRoundTrip packetizes the frames of each synthetic file as a
// sender does, feeds the packets to a Saver in real-time steps, and reads
// the saved file back: every frame, the last one included, equals the one
// sent.
func TestSaverRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		codec rtc.Codec
		mime  string
		synth func(w *bytes.Buffer) ([][]byte, error)
		ext   string
		step  uint32
	}{
		{VP8, "video/VP8", func(w *bytes.Buffer) ([][]byte, error) { return SynthVP8(w, 20, 1) }, ".ivf", 3000},
		{Opus, "audio/opus", func(w *bytes.Buffer) ([][]byte, error) { return SynthOpus(w, 20, 2) }, ".ogg", 960},
		{H264, "video/H264", func(w *bytes.Buffer) ([][]byte, error) { return SynthH264(w, 20, 3) }, ".h264", 3000},
	} {
		t.Run(tc.codec.Name, func(t *testing.T) {
			var in bytes.Buffer
			frames, err := tc.synth(&in)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			s, err := NewSaver(tc.codec, &out)
			if err != nil {
				t.Fatal(err)
			}
			rc, _ := rtp.LookupCodec(tc.mime)
			pz := rtp.Packetizer{Payloader: rc.NewPayloader(), MTU: 1100, MarkFrameEnd: rc.MarkFrameEnd, SSRC: 7, PayloadType: tc.codec.PayloadType, SequenceNumber: 65530}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, f := range frames {
				ps, err := pz.Packetize(f, uint32(i)*tc.step)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ps {
					b, err := p.Marshal()
					if err != nil {
						t.Fatal(err)
					}
					if err := s.HandleRTP(now, b); err != nil {
						t.Fatal(err)
					}
				}
				now = now.Add(20 * time.Millisecond)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			src, err := Open("x"+tc.ext, &out, 30)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			for ; ; n++ {
				f, _, err := src.Next()
				if err != nil {
					break
				}
				if n < len(frames) && !bytes.Equal(f, frames[n]) {
					t.Errorf("frame %d differs", n)
				}
			}
			if n != len(frames) || s.Frames() != len(frames) {
				t.Errorf("%d frames read back, %d saved, %d sent", n, s.Frames(), len(frames))
			}
		})
	}
}
