package rtc

import (
	"errors"
	"strings"
	"testing"
	"time"

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
