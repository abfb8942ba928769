package rtc

import (
	"errors"
	"strings"
	"testing"
)

// An answer that accepts the media sections but rejects the data m-section
// (port zero, RFC 8829 §5.3.1) fails the data channels: each gets an error
// and closes, instead of waiting in connecting for a transport that never comes.
func TestAnswerRejectingDataSectionFailsChannels(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.AddTransceiver(MediaKindAudio, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	d, err := a.CreateDataChannel("chat", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	ans := offerAnswer(t, a, b)
	ans.SDP = strings.Replace(ans.SDP, "m=application 9 ", "m=application 0 ", 1)
	for _, ok := a.PollEvent(); ok; _, ok = a.PollEvent() {
	}
	if err := a.SetRemoteDescription(ans); err != nil {
		t.Fatalf("SetRemoteDescription(answer rejecting data): %v", err)
	}
	var sawErr, sawClose bool
	for ev, ok := a.PollEvent(); ok; ev, ok = a.PollEvent() {
		switch {
		case ev.Kind == EventDataChannelError && ev.Channel == d:
			sawErr = errors.Is(ev.Err, ErrDataSectionRejected)
		case ev.Kind == EventDataChannelClose && ev.Channel == d:
			sawClose = true
		}
	}
	if !sawErr || !sawClose {
		t.Errorf("error event %v, close event %v; want both", sawErr, sawClose)
	}
	if d.State() != DataChannelClosed {
		t.Errorf("channel state %v, want closed", d.State())
	}
}
