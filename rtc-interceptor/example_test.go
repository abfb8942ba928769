package interceptor_test

import (
	"fmt"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// counter is an application unit: it counts the packets it sees.
type counter struct{ sent, received int }

func (u *counter) SendRTP(time.Time, *rtp.Packet)                { u.sent++ }
func (u *counter) ReceiveRTP(time.Time, *rtp.HeaderView, []byte) { u.received++ }
func (u *counter) ReceiveRTCP(time.Time, []byte)                 {}
func (u *counter) AppendRTCP(_ time.Time, dst []byte) []byte     { return dst }
func (u *counter) PollTimeout() (time.Time, bool)                { return time.Time{}, false }

// A sender and a receiver chain for one video stream with NACK and RTX:
// packet 2 is lost, the receiver's NACK comes back as an RTX packet. The
// receiver also runs an application unit after the built-in ones.
func Example() {
	stream := interceptor.StreamConfig{
		SSRC: 0x1111, ClockRate: 90000, PayloadType: 96,
		RTXSSRC: 0x2222, RTXPayloadType: 97,
		Feedback: interceptor.FeedbackNACK | interceptor.FeedbackPLI | interceptor.FeedbackTransportCC,
	}
	now := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	seeded := func(seed byte) *fixedRand { return &fixedRand{seed} }

	snd, _ := interceptor.NewChain(interceptor.Config{TransportCCExtID: 3, ReducedSize: true, Rand: seeded(1)})
	unit := &counter{}
	rcv, _ := interceptor.NewChain(interceptor.Config{TransportCCExtID: 3, ReducedSize: true, Rand: seeded(2),
		Units: []interceptor.Unit{unit}})
	if err := snd.BindLocal(stream); err != nil {
		panic(err)
	}
	if err := rcv.BindRemote(stream); err != nil {
		panic(err)
	}

	var buf []byte
	for seq := uint16(0); seq < 5; seq++ {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: 0x1111}, Payload: []byte("frame")}
		var err error
		if buf, err = snd.SendRTP(now, &p, buf[:0]); err != nil {
			panic(err)
		}
		if seq != 2 { // lost on the way
			if err := rcv.ReceiveRTP(now, buf); err != nil {
				panic(err)
			}
		}
		now = now.Add(10 * time.Millisecond)
	}
	// The drive loop: drain PollWrite (and PollEvent), then PollTimeout.
	for m, ok := rcv.PollWrite(); ok; m, ok = rcv.PollWrite() {
		pkts, _ := rtcp.Unmarshal(m.Message)
		if n, ok := pkts[0].(*rtcp.NACK); ok {
			fmt.Println("receiver sends NACK for", n.Lost(nil))
		}
		if err := snd.ReceiveRTCP(now, m.Message); err != nil {
			panic(err)
		}
		rcv.Release(m.Message)
	}
	for m, ok := snd.PollWrite(); ok; m, ok = snd.PollWrite() {
		var p rtp.Packet
		if err := p.Unmarshal(m.Message); err == nil {
			fmt.Printf("sender retransmits on SSRC %#x, OSN %d\n", p.SSRC, uint16(p.Payload[0])<<8|uint16(p.Payload[1]))
		}
		if err := rcv.ReceiveRTP(now, m.Message); err != nil {
			panic(err)
		}
		snd.Release(m.Message)
	}
	st, _ := rcv.RemoteStats(0x1111)
	fmt.Println("recovered:", st.NACK.Recovered, "lost:", st.Lost, "unit saw:", unit.received)
	// Output:
	// receiver sends NACK for [2]
	// sender retransmits on SSRC 0x2222, OSN 2
	// recovered: 1 lost: 0 unit saw: 5
}

// fixedRand is a deterministic Config.Rand.
type fixedRand struct{ b byte }

func (r *fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		r.b = r.b*31 + 7
		p[i] = r.b
	}
	return len(p), nil
}
