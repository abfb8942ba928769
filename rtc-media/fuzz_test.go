package media

import (
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
