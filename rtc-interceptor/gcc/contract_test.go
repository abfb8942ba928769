package gcc

import (
	"testing"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

type chainProtocol = shared.Protocol[struct{}, *rtp.Packet, interceptor.Command, interceptor.Event]

// TestContract runs the shared conformance suite (issue 12) on the default
// chain with GCC (gcc.NewChain), fed random transport-cc feedback (arrival
// times jumping both ways, sequence numbers around those sent), REMB and
// RTP writes, so that the Estimator's deadline, target events and probes
// meet the contract's random walks.
func TestContract(t *testing.T) {
	contracttest.Run(t, contracttest.Subject[struct{}, *rtp.Packet, interceptor.Command, interceptor.Event]{
		New: func(t *testing.T) (chainProtocol, time.Time) {
			c, _, err := NewChain(interceptor.Config{TransportCCExtID: twccExt, ReducedSize: true, Rand: netsim.NewRand(9, "contract"), MaxEvents: 8,
				TWCCSender: interceptor.TWCCSenderConfig{FirstSequence: 1}}, Config{})
			if err != nil {
				t.Fatal(err)
			}
			sc := interceptor.StreamConfig{SSRC: mediaSSRC, RTXSSRC: rtxSSRC, RTXPayloadType: 97, PayloadType: 96, Feedback: interceptor.FeedbackTransportCC | interceptor.FeedbackNACK | interceptor.FeedbackPLI | interceptor.FeedbackREMB}
			if err := c.BindLocal(sc); err != nil {
				t.Fatal(err)
			}
			if err := c.HandleTimeout(t0); err != nil {
				t.Fatal(err)
			}
			return c, t0
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
			var b []byte
			var err error
			switch r.IntN(4) {
			case 0:
				b, err = (&rtcp.REMB{SenderSSRC: 1, Exp: uint8(r.IntN(8)), Mantissa: uint32(r.IntN(1 << 18)), SSRCs: []uint32{mediaSSRC}}).AppendTo(nil)
			default:
				var fb rtcp.TransportCC
				var arr []rtcp.TWCCArrival
				seq := uint16(r.IntN(64))
				at := time.Duration(r.IntN(1000)) * time.Millisecond
				for range r.IntN(30) {
					seq += uint16(1 + r.IntN(3))
					at += time.Duration(r.IntN(40)-10) * time.Millisecond
					arr = append(arr, rtcp.TWCCArrival{Sequence: seq, At: at})
				}
				if err := rtcp.BuildTransportCC(&fb, 1, mediaSSRC, uint8(r.IntN(256)), arr); err != nil {
					t.Fatal(err)
				}
				b, err = fb.AppendTo(nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			return shared.TaggedBytes{Now: now, Message: b}
		},
		RandomWrite: func(r *contracttest.Rand) *rtp.Packet {
			return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(r.IntN(1 << 16)), SSRC: mediaSSRC}, Payload: make([]byte, 100+r.IntN(1100))}
		},
		RandomEvent: func(r *contracttest.Rand) interceptor.Command {
			return interceptor.Command{Kind: interceptor.CommandKind(r.IntN(5)), SSRC: []uint32{mediaSSRC, 9}[r.IntN(2)]}
		},
		FillEvents: func(t *testing.T, m chainProtocol, now time.Time) contracttest.Fill {
			pli, err := (&rtcp.PLI{SenderSSRC: 1, MediaSSRC: mediaSSRC}).AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			var f contracttest.Fill
			for range 20 {
				f.Errs = append(f.Errs, m.HandleRead(shared.TaggedBytes{Now: now, Message: pli}))
			}
			f.Produced = 20
			return f
		},
	})
}
