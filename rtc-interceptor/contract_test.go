package interceptor

import (
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

type chainProtocol = shared.Protocol[struct{}, *rtp.Packet, Command, Event]

// TestContract runs the shared conformance suite (issue 12) on a chain
// with a local and a remote stream, NACK, RTX, TWCC and reports, fed nearly
// valid RTP and RTCP.
func TestContract(t *testing.T) {
	seeds := rtcpSeeds(t)
	contracttest.Run(t, contracttest.Subject[struct{}, *rtp.Packet, Command, Event]{
		New: func(t *testing.T) (chainProtocol, time.Time) {
			c, err := NewChain(Config{TransportCCExtID: twccID, CCFB: true, Rand: &seededRand{x: 9}, MaxEvents: 8, Estimator: &recordingEstimator{}})
			mustNoErr(t, err)
			mustNoErr(t, c.BindLocal(videoStream(allFeedback, true)))
			mustNoErr(t, c.BindRemote(StreamConfig{SSRC: 0x5000, RTXSSRC: 0x5001, Feedback: allFeedback}))
			mustNoErr(t, c.HandleTimeout(t0))
			return c, t0
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
			if r.IntN(3) == 0 {
				b := append([]byte(nil), seeds[r.IntN(len(seeds))]...)
				if r.IntN(2) == 0 && len(b) > 8 {
					b[8+r.IntN(len(b)-8)] ^= byte(r.Uint32())
				}
				return shared.TaggedBytes{Now: now, Message: b}
			}
			p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(r.IntN(64)), SSRC: []uint32{0x5000, 0x5001, 7}[r.IntN(3)]}, Payload: make([]byte, r.IntN(4))}
			var ext [2]byte
			ext[1] = byte(r.IntN(64))
			mustNoErr(t, p.SetExtension(twccID, ext[:]))
			b, err := p.Marshal()
			mustNoErr(t, err)
			return shared.TaggedBytes{Now: now, Message: b}
		},
		RandomWrite: func(r *contracttest.Rand) *rtp.Packet {
			if r.IntN(8) == 0 {
				return nil
			}
			return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(r.IntN(1 << 16)), SSRC: mediaSSRC}, Payload: make([]byte, 100)}
		},
		RandomEvent: func(r *contracttest.Rand) Command {
			return Command{Kind: CommandKind(r.IntN(5)), SSRC: []uint32{0x5000, mediaSSRC, 9}[r.IntN(3)], Stream: StreamConfig{SSRC: uint32(r.IntN(4))}}
		},
		FillEvents: func(t *testing.T, m chainProtocol, now time.Time) contracttest.Fill {
			pli, err := (&rtcp.PLI{SenderSSRC: 1, MediaSSRC: mediaSSRC}).AppendTo(nil)
			mustNoErr(t, err)
			var f contracttest.Fill
			for i := 0; i < 20; i++ {
				f.Errs = append(f.Errs, m.HandleRead(shared.TaggedBytes{Now: now, Message: pli}))
			}
			f.Produced = 20
			return f
		},
	})
}
