package media

import (
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// randomRTP returns a nearly valid RTP datagram of a stream whose sequence
// numbers and timestamps wander around a moving point, with random
// payloads (half of them starting like a VP8 payload descriptor).
func randomRTP(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
	p := rtp.Packet{}
	p.Version = 2
	p.PayloadType = 96
	p.SSRC = 1
	base := uint16(now.UnixMilli() / 10)
	p.SequenceNumber = base + uint16(r.IntN(40)) - 20
	p.Timestamp = uint32(p.SequenceNumber/3) * 3000
	if r.IntN(100) == 0 {
		p.SequenceNumber, p.Timestamp = uint16(r.Uint32()), r.Uint32()
	}
	p.Marker = r.IntN(3) == 0
	n := r.IntN(1400)
	p.Payload = make([]byte, n)
	for i := range p.Payload {
		p.Payload[i] = byte(r.Uint32())
	}
	if n > 1 && r.IntN(2) == 0 {
		p.Payload[0] = 0x10 // S bit, partition 0
		p.Payload[1] &^= 1
	}
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	return shared.TaggedBytes{Now: now, Message: b}
}

func TestContract(t *testing.T) {
	for mime, payload := range map[string][]byte{
		"video/VP8":  {0x10, 0x10},
		"audio/opus": {0xf8, 1},
		"video/H264": {0x65, 0x88},
	} {
		t.Run(mime, func(t *testing.T) {
			c, _ := rtp.LookupCodec(mime)
			contracttest.Run(t, contracttest.Subject[Frame, NoWrite, Control, Event]{
				New: func(t *testing.T) (shared.Protocol[Frame, NoWrite, Control, Event], time.Time) {
					jb, err := NewJitterBuffer(Config{Codec: c, MaxPackets: 64, MaxEvents: 8})
					if err != nil {
						t.Fatal(err)
					}
					return jb, t0
				},
				RandomRead:  randomRTP,
				RandomEvent: func(r *contracttest.Rand) Control { return Control{Kind: ControlKind(r.IntN(3))} },
				FillEvents: func(t *testing.T, m shared.Protocol[Frame, NoWrite, Control, Event], now time.Time) contracttest.Fill {
					// Every packet two ahead of the last: one missing
					// packet, one NACK entry each.
					var f contracttest.Fill
					for i := range 20 {
						p := rtp.Packet{Payload: payload}
						p.Version, p.SequenceNumber, p.Timestamp = 2, uint16(2*i), uint32(i*960)
						b, err := p.Marshal()
						if err != nil {
							t.Fatal(err)
						}
						f.Errs = append(f.Errs, m.HandleRead(shared.TaggedBytes{Now: now, Message: b}))
					}
					f.Produced = -1 // audio or video: keyframe requests may add to the NACKs
					return f
				},
			})
		})
	}
}
