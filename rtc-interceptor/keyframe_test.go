package interceptor

import (
	"errors"
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

func TestKeyframeRequesterThrottleAndKind(t *testing.T) {
	k := NewKeyframeRequester(KeyframeRequesterConfig{})
	if kind, _, err := k.Request(t0, FeedbackPLI|FeedbackFIR, 0); err != nil || kind != KeyframePLI {
		t.Fatalf("got %v %v, want PLI (RFC 5104 §4.3.1.2 prefers PLI)", kind, err)
	}
	if _, _, err := k.Request(t0.Add(299*time.Millisecond), FeedbackPLI, 0); !errors.Is(err, ErrThrottled) {
		t.Fatalf("second request within 300 ms: %v", err)
	}
	// The RTT stretches the throttle.
	if _, _, err := k.Request(t0.Add(400*time.Millisecond), FeedbackPLI, 500*time.Millisecond); !errors.Is(err, ErrThrottled) {
		t.Fatalf("request within one 500 ms RTT: %v", err)
	}
	kind, seq, err := k.Request(t0.Add(time.Second), FeedbackFIR, 0)
	if err != nil || kind != KeyframeFIR || seq != 1 {
		t.Fatalf("got %v seq %d %v, want FIR 1", kind, seq, err)
	}
	if _, _, err := k.Request(t0.Add(2*time.Second), FeedbackNACK, 0); !errors.Is(err, ErrNotNegotiated) {
		t.Fatalf("without PLI or FIR: %v", err)
	}
	if st := k.Stats(); st.PLIs != 1 || st.FIRs != 1 || st.Suppressed != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// An SFU: two viewers' chains report keyframe requests for the stream they
// receive; the SFU forwards each to the publisher's chain, whose throttle
// sends one PLI upstream.
func TestKeyframeForwardingForSFU(t *testing.T) {
	const downSSRC = 0x44444444
	publisher, err := NewChain(Config{ReducedSize: true, Rand: &seededRand{x: 3}})
	mustNoErr(t, err)
	mustNoErr(t, publisher.BindRemote(videoStream(FeedbackPLI|FeedbackFIR, false)))
	var viewers []*Chain
	for i := 0; i < 2; i++ {
		v, err := NewChain(Config{ReducedSize: true, Rand: &seededRand{x: uint64(10 + i)}})
		mustNoErr(t, err)
		mustNoErr(t, v.BindLocal(StreamConfig{SSRC: downSSRC, Feedback: FeedbackPLI | FeedbackFIR}))
		viewers = append(viewers, v)
	}
	pli, _ := (&rtcp.PLI{SenderSSRC: 77, MediaSSRC: downSSRC}).AppendTo(nil)
	fir := rtcp.FIR{SenderSSRC: 78, Entries: []rtcp.FIREntry{{SSRC: downSSRC, SequenceNumber: 4}}}
	firB, _ := fir.AppendTo(nil)
	mustNoErr(t, viewers[0].ReceiveRTCP(t0, pli))
	mustNoErr(t, viewers[1].ReceiveRTCP(t0, firB))
	mustNoErr(t, viewers[1].ReceiveRTCP(t0, firB)) // the same FIR again: not a new request
	forwarded, throttled := 0, 0
	for _, v := range viewers {
		for ev, ok := v.PollEvent(); ok; ev, ok = v.PollEvent() {
			if ev.Kind != EventKeyframeRequest || ev.SSRC != downSSRC {
				t.Fatalf("event %+v", ev)
			}
			switch err := publisher.RequestKeyframe(t0, mediaSSRC); {
			case err == nil:
				forwarded++
			case errors.Is(err, ErrThrottled):
				throttled++
			default:
				t.Fatal(err)
			}
		}
	}
	up := rtcpOf(t, drain(t, publisher))
	if forwarded != 1 || throttled != 1 || len(up) != 1 {
		t.Fatalf("forwarded %d throttled %d upstream %v", forwarded, throttled, up)
	}
	if p, ok := up[0].(*rtcp.PLI); !ok || p.MediaSSRC != mediaSSRC {
		t.Fatalf("upstream %#v, want a PLI for the publisher's stream", up[0])
	}
	if err := publisher.RequestKeyframe(t0, 0x999); !errors.Is(err, ErrUnknownStream) {
		t.Fatalf("unknown stream: %v", err)
	}
}

// Rule 1 of the shared contract: an event lost to a full queue is counted
// and the call during which it was lost returns ErrQueueFull; the input
// itself is still processed.
func TestChainEventQueueFull(t *testing.T) {
	c, err := NewChain(Config{MaxEvents: 2, Rand: &seededRand{x: 4}})
	mustNoErr(t, err)
	mustNoErr(t, c.BindLocal(StreamConfig{SSRC: mediaSSRC, Feedback: FeedbackPLI}))
	pli, _ := (&rtcp.PLI{SenderSSRC: 77, MediaSSRC: mediaSSRC}).AppendTo(nil)
	mustNoErr(t, c.ReceiveRTCP(t0, pli))
	mustNoErr(t, c.ReceiveRTCP(t0, pli))
	err = c.ReceiveRTCP(t0, pli)
	var oe *shared.OverflowError
	if !errors.Is(err, shared.ErrQueueFull) || !errors.As(err, &oe) || oe.Lost != 1 {
		t.Fatalf("third event: %v, want ErrQueueFull", err)
	}
	ls, _ := c.LocalStats(mediaSSRC)
	if ls.PLIsReceived != 3 || c.Stats().EventsLost != 1 {
		t.Fatalf("PLIs %d lost %d", ls.PLIsReceived, c.Stats().EventsLost)
	}
	// Reported once per loss.
	mustNoErr(t, c.HandleTimeout(t0))
}

func TestChainClosed(t *testing.T) {
	p := newPair(t, Config{TransportCCExtID: twccID}, videoStream(allFeedback, true))
	p.receive(p.send())
	mustNoErr(t, p.snd.Close())
	mustNoErr(t, p.snd.Close())
	if _, err := p.snd.SendRTP(p.now, &p.pkt, nil); !errors.Is(err, shared.ErrClosed) {
		t.Fatalf("SendRTP after Close: %v", err)
	}
	if err := p.snd.ReceiveRTCP(p.now, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReceiveRTCP after Close: %v", err)
	}
	if _, ok := p.snd.PollWrite(); ok {
		t.Fatal("output after Close")
	}
	if _, ok := p.snd.PollTimeout(); ok {
		t.Fatal("deadline after Close")
	}
}

// Garbage through the public API is counted and reported, never a panic.
func TestChainMalformedInput(t *testing.T) {
	p := newPair(t, Config{TransportCCExtID: twccID}, videoStream(allFeedback, true))
	if err := p.rcv.ReceiveRTP(p.now, []byte{0x80, 96, 0}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short RTP: %v", err)
	}
	if err := p.rcv.ReceiveRTCP(p.now, []byte{0x81, 205, 0, 9, 1}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short RTCP: %v", err)
	}
	// RTP for an unknown SSRC is counted, not an error.
	p.pkt.SSRC = 0x5555
	b, err := p.pkt.Marshal()
	mustNoErr(t, err)
	mustNoErr(t, p.rcv.ReceiveRTP(p.now, b))
	if st := p.rcv.Stats(); st.MalformedRTP != 1 || st.MalformedRTCP != 1 || st.UnknownSSRC != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestChainBind(t *testing.T) {
	c, err := NewChain(Config{MaxStreams: 2, Rand: &seededRand{x: 5}})
	mustNoErr(t, err)
	mustNoErr(t, c.BindLocal(StreamConfig{SSRC: 1, RTXSSRC: 2}))
	wantErr(t, c.BindRemote(StreamConfig{SSRC: 2}), ErrDuplicateStream)
	wantErr(t, c.BindRemote(StreamConfig{SSRC: 3, RTXSSRC: 1}), ErrDuplicateStream)
	mustNoErr(t, c.BindRemote(StreamConfig{SSRC: 3}))
	wantErr(t, c.BindRemote(StreamConfig{SSRC: 4}), ErrTooManyStreams)
	mustNoErr(t, c.Unbind(3))
	wantErr(t, c.Unbind(3), ErrUnknownStream)
	mustNoErr(t, c.BindRemote(StreamConfig{SSRC: 4}))
}

// A packet the NACK generator gives up on (here: a gap larger than its
// window) makes the chain ask for a keyframe once, throttled.
func TestChainKeyframeWhenNACKGivesUp(t *testing.T) {
	p := newPair(t, Config{ReducedSize: true, NACKGenerator: NACKGeneratorConfig{Size: 64}}, videoStream(FeedbackNACK|FeedbackPLI, false))
	p.receive(p.send())
	p.seq += 1000 // 1000 packets lost
	p.receive(p.send())
	plis := 0
	for _, pk := range rtcpOf(t, drain(t, p.rcv)) {
		if _, ok := pk.(*rtcp.PLI); ok {
			plis++
		}
	}
	if plis != 1 || p.rcv.Stats().AutoKeyframes != 1 {
		t.Fatalf("%d PLIs, stats %+v", plis, p.rcv.Stats())
	}
}
