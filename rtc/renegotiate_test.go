package rtc

import (
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestRenegotiation: after the connection is up, a new offer/answer (a
// transceiver added) keeps m-line order and mids, and the data channel
// keeps working; then an ICE restart (RFC 8445 §9) re-offers with new
// credentials and the channel still carries messages.
func TestRenegotiation(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 51})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	a := newPeer(t, sim, 51, "a", addrA)
	b := newPeer(t, sim, 51, "b", addrB)
	dc, err := a.pc.CreateDataChannel("keep", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 20000); err != nil {
		t.Fatal(err)
	}
	tr, err := a.pc.AddTransceiver(MediaKindVideo, TransceiverInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	if tr.Mid() != "1" {
		t.Errorf("new transceiver mid %q, want 1 (appended after the data section 0)", tr.Mid())
	}
	if len(b.pc.Transceivers()) != 1 || b.pc.Transceivers()[0].Mid() != "1" {
		t.Errorf("b transceivers %+v", b.pc.Transceivers())
	}
	send := func(s string) {
		t.Helper()
		n := len(b.Reads)
		if err := dc.SendText(s); err != nil {
			t.Fatal(err)
		}
		if err := sim.Run(func() bool { return len(b.Reads) > n }, 20000); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	send("after renegotiation")

	if err := a.pc.RestartICE(); err != nil {
		t.Fatal(err)
	}
	oldUfrag := b.pc.tr.remoteUfrag
	negotiate(t, a, b, nil)
	if b.pc.tr.remoteUfrag == oldUfrag {
		t.Errorf("ICE restart did not change the ufrag")
	}
	if err := sim.RunFor(3*time.Second, 50000); err != nil {
		t.Fatal(err)
	}
	send("after ICE restart")
	if a.pc.ConnectionState() != PeerConnectionConnected {
		t.Errorf("state after restart: %v", a.pc.ConnectionState())
	}
}

// TestDataChannelAddedLater: a connection negotiated with media only gets
// its first data channel in a later exchange; the m=application section
// it adds must start SCTP over the DTLS transport that is already up.
func TestDataChannelAddedLater(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 52})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	a := newPeer(t, sim, 52, "a", addrA)
	b := newPeer(t, sim, 52, "b", addrB)
	b.echo = true
	if _, err := a.pc.AddTransceiver(MediaKindAudio, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	connected := func() bool {
		return a.pc.ConnectionState() == PeerConnectionConnected && b.pc.ConnectionState() == PeerConnectionConnected
	}
	if err := sim.Run(connected, 20000); err != nil {
		t.Fatal(err)
	}
	dc, err := a.pc.CreateDataChannel("late", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 20000); err != nil {
		t.Fatalf("channel added after the transport was up: %v (state %v)", err, dc.State())
	}
	if err := dc.SendText("hello"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(a.Reads) > 0 }, 20000); err != nil {
		t.Fatal(err)
	}
	if got := string(a.Reads[0].Data); got != "hello" {
		t.Errorf("echo %q", got)
	}
}
