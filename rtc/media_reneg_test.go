package rtc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestMediaRenegotiation: RFC 8829 §5.2.2 on a connected pair. Adding a
// transceiver appends an m-section; Stop rejects its section (port zero)
// at the next offer and the transceiver is stopped on both sides once
// answered; a transceiver added after that recycles the rejected slot with
// a new mid; SetDirection and RemoveTrack fire negotiationneeded and
// change the negotiated direction. Media keeps flowing on the untouched
// transceiver throughout.
func TestMediaRenegotiation(t *testing.T) {
	_, a, b, audio, video := mediaPair(t, 53, netsim.LinkConfig{Delay: 5 * time.Millisecond}, Configuration{})
	extra, err := a.pc.AddTransceiver(MediaKindAudio, TransceiverInit{Direction: DirectionRecvOnly})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	if n := strings.Count(a.pc.LocalDescription().SDP, "m=audio"); n != 2 {
		t.Fatalf("%d audio sections after adding one", n)
	}
	mid := extra.Mid()
	if err := extra.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := extra.SetDirection(DirectionSendRecv); !errors.Is(err, ErrTransceiverStopped) {
		t.Errorf("SetDirection on a stopping transceiver: %v", err)
	}
	a.Events = nil
	a.Drain()
	if !a.saw(EventNegotiationNeeded) {
		t.Errorf("Stop did not fire negotiationneeded")
	}
	negotiate(t, a, b, nil)
	if !extra.Stopped() || !strings.Contains(a.pc.LocalDescription().SDP, "m=audio 0 ") {
		t.Fatalf("stopped section not rejected:\n%s", a.pc.LocalDescription().SDP)
	}
	for _, bt := range b.pc.Transceivers() {
		if bt.Mid() == mid && !bt.Stopped() {
			t.Errorf("b's transceiver for mid %s not stopped", mid)
		}
	}
	checkRecycle(t, a, b, mid)
	checkDirectionChanges(t, a, b, audio, video)
}

// checkRecycle: a new transceiver takes the rejected slot of mid, with a
// new mid.
func checkRecycle(t *testing.T, a, b *peer, mid string) {
	t.Helper()
	recycled, err := a.pc.AddTransceiver(MediaKindVideo, TransceiverInit{})
	if err != nil {
		t.Fatal(err)
	}
	sections := strings.Count(a.pc.LocalDescription().SDP, "m=")
	negotiate(t, a, b, nil)
	sdp := a.pc.LocalDescription().SDP
	if strings.Count(sdp, "m=") != sections || recycled.Mid() == mid || recycled.Mid() == "" {
		t.Fatalf("not recycled (mid %q, was %q):\n%s", recycled.Mid(), mid, sdp)
	}
}

// checkDirectionChanges: SetDirection and RemoveTrack need negotiation
// and change the negotiated direction; writes then fail clearly.
func checkDirectionChanges(t *testing.T, a, b *peer, audio, video *Sender) {
	t.Helper()
	a.Events = nil
	if err := audio.Transceiver().SetDirection(DirectionRecvOnly); err != nil {
		t.Fatal(err)
	}
	a.Drain()
	if !a.saw(EventNegotiationNeeded) {
		t.Errorf("SetDirection did not fire negotiationneeded")
	}
	negotiate(t, a, b, nil)
	if d, _ := audio.Transceiver().CurrentDirection(); d != DirectionInactive {
		t.Errorf("audio current direction %v, want inactive (b only receives)", d)
	}
	if err := audio.WriteSample(Sample{Data: []byte{1}, Duration: time.Millisecond}); !errors.Is(err, ErrNoMedia) {
		t.Errorf("write on an inactive transceiver: %v", err)
	}
	if err := a.pc.RemoveTrack(video); err != nil || video.Track() != nil {
		t.Fatalf("RemoveTrack: %v", err)
	}
	negotiate(t, a, b, nil)
	if d, _ := video.Transceiver().CurrentDirection(); d != DirectionInactive {
		t.Errorf("video current direction %v after RemoveTrack", d)
	}
	if len(a.errs)+len(b.errs) > 0 {
		t.Errorf("errors: a=%v b=%v", a.errs, b.errs)
	}
}

// TestMediaAddedLater: a data-only connection keys no SRTP; a track added
// by renegotiation keys it from the same DTLS association (the exporter,
// RFC 5764 §4.2; use_srtp was offered from the start) and its media flows.
func TestMediaAddedLater(t *testing.T) {
	sim, a, b, _ := connectedPair(t, 63, 1, Configuration{}, Configuration{})
	if a.pc.media.in != nil || b.pc.media.in != nil {
		t.Fatalf("SRTP keyed on a data-only connection")
	}
	s, err := a.pc.AddTrack(vp8Track)
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	if err := sim.Run(func() bool { return a.pc.media.out != nil && b.pc.media.in != nil }, 10000); err != nil {
		t.Fatalf("not keyed after adding media: %v", err)
	}
	if err := s.WriteSample(Sample{Data: vp8Frame(100, 1), Duration: 33 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(rtpReads(b, nil)) == 1 }, 10000); err != nil {
		t.Fatalf("no media: %v", err)
	}
}

// TestContractMedia runs rtc-shared/contracttest against a PeerConnection
// sending and receiving media (SRTP keyed, the interceptor chain and the
// pacer running), its peer then dropped: random writes are RTP and RTCP
// for its transceivers (a valid header with random payload, or junk), so
// the chain's and the pacer's timers take part in PollTimeout.
func TestContractMedia(t *testing.T) {
	s := contractSubject(func(t *testing.T) (*PeerConnection, time.Time) {
		sim, a, _, _, _ := mediaPair(t, 69, netsim.LinkConfig{Delay: 5 * time.Millisecond}, Configuration{Pacing: true})
		drainEvents(a.pc)
		return a.pc, sim.Now()
	}, nil, nil)
	var cur *PeerConnection
	newPC := s.New
	s.New = func(t *testing.T) (pcProtocol, time.Time) {
		m, now := newPC(t)
		cur = m.(*PeerConnection)
		return m, now
	}
	s.RandomWrite = func(r *contracttest.Rand) Message {
		m := Message{Kind: MessageKind(1 + r.IntN(2)), Data: make([]byte, 12+r.IntN(1200))}
		for i := range m.Data {
			m.Data[i] = byte(r.Uint32())
		}
		if r.IntN(4) > 0 {
			m.Data[0] = 0x80 // RTP/RTCP version 2
		}
		if cur != nil && r.IntN(8) > 0 {
			ts := cur.Transceivers()
			m.Transceiver = ts[r.IntN(len(ts))]
		}
		return m
	}
	contracttest.Run(t, s)
}
