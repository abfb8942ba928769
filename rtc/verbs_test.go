package rtc

import (
	"errors"
	"testing"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
)

// TestPranswer: have-remote-pranswer and have-local-pranswer (RFC 8829 §3.2).
func TestPranswer(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	ans, err := b.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetLocalDescription(SessionDescription{Type: SDPTypePranswer, SDP: ans.SDP}); err != nil || b.SignalingState() != SignalingHaveLocalPranswer {
		t.Fatalf("local pranswer: %v %v", err, b.SignalingState())
	}
	if err := a.SetRemoteDescription(SessionDescription{Type: SDPTypePranswer, SDP: ans.SDP}); err != nil || a.SignalingState() != SignalingHaveRemotePranswer {
		t.Fatalf("remote pranswer: %v %v", err, a.SignalingState())
	}
	if err := b.SetLocalDescription(ans); err != nil || b.SignalingState() != SignalingStable {
		t.Fatalf("final answer: %v %v", err, b.SignalingState())
	}
	if err := a.SetRemoteDescription(ans); err != nil || a.SignalingState() != SignalingStable {
		t.Fatalf("final remote answer: %v %v", err, a.SignalingState())
	}
}

// TestVerbs: HandleEvent and HandleWrite are the methods they name.
func TestVerbs(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 61, 1, Configuration{}, Configuration{})
	if err := a.pc.HandleWrite(OutgoingMessage{Channel: dcs[0], Binary: true, Data: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	if err := a.pc.HandleWrite(OutgoingMessage{}); !errors.Is(err, ErrUnknownChannel) {
		t.Errorf("nil channel: %v", err)
	}
	if err := sim.Run(func() bool { return len(b.Reads) > 0 }, 10000); err != nil {
		t.Fatal(err)
	}
	if m := b.Reads[0]; !m.Binary || string(m.Data) != "\x01\x02\x03" {
		t.Errorf("got %+v", m)
	}
	if err := a.pc.HandleEvent(Command{Kind: CmdAddICECandidate}); err != nil {
		t.Errorf("end-of-candidates: %v", err)
	}
	if err := a.pc.HandleEvent(Command{Kind: CmdCloseChannel, Channel: dcs[0]}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return dcs[0].State() == DataChannelClosed }, 10000); err != nil {
		t.Fatal(err)
	}
	if err := a.pc.HandleEvent(Command{Kind: 99}); err == nil {
		t.Errorf("unknown command accepted")
	}
	// Close: closed states, further calls fail, timers stop.
	if err := a.pc.Close(); err != nil {
		t.Fatal(err)
	}
	if a.pc.ConnectionState() != PeerConnectionClosed || a.pc.SignalingState() != SignalingClosed {
		t.Errorf("after Close: %v %v", a.pc.ConnectionState(), a.pc.SignalingState())
	}
	if _, err := a.pc.CreateOffer(); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateOffer after Close: %v", err)
	}
	// What Close queued (ABORT, close_notify) is pending until polled;
	// then no timer is left.
	if d, ok := a.pc.PollTimeout(); !ok || !d.Equal(a.pc.clock.Now()) {
		t.Errorf("PollTimeout after Close with output pending: %v %v, want now", d, ok)
	}
	for {
		if _, ok := a.pc.PollWrite(); !ok {
			break
		}
	}
	drainEvents(a.pc)
	if _, ok := a.pc.PollTimeout(); ok {
		t.Errorf("deadline after Close")
	}
	if err := a.pc.HandleTimeout(time.Now()); err != nil {
		t.Errorf("HandleTimeout after Close: %v", err)
	}
}

// TestICEStateMapping: drainICE converts rtc-ice's connection state by
// value; the two enums must name the same W3C states in the same order.
func TestICEStateMapping(t *testing.T) {
	for s := ice.StateNew; s <= ice.StateClosed; s++ {
		if got, want := ICEConnectionState(s).String(), s.String(); got != want {
			t.Errorf("ice state %d: rtc says %q, rtc-ice %q", s, got, want)
		}
	}
}
