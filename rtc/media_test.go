package rtc

import (
	"errors"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestMediaRouting: RTP and RTCP are told apart (RFC 7983 first byte
// 128-191, RFC 5761 §4 packet types 192-223 are RTCP) and reach the media
// part only from the selected pair; a data-only connection keys no SRTP,
// so the media part drops and counts them, HandleRead says why
// (ErrNoMedia), and the connection is unaffected.
func TestMediaRouting(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 71, 1, Configuration{}, Configuration{})
	b.echo = true
	rtp := []byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 42, 0xde, 0xad}
	rtcp := []byte{0x81, 200, 0, 6, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 0}
	cases := []struct {
		name string
		from shared.TransportContext
		msg  []byte
		want func(before, after Stats) bool
		err  error
	}{
		{"RTP on the selected pair", a.pc.tr.selected, rtp, func(x, y Stats) bool { return y.DroppedRTP == x.DroppedRTP+1 && y.DroppedRTCP == x.DroppedRTCP }, ErrNoMedia},
		{"RTCP on the selected pair", a.pc.tr.selected, rtcp, func(x, y Stats) bool { return y.DroppedRTCP == x.DroppedRTCP+1 && y.DroppedRTP == x.DroppedRTP }, ErrNoMedia},
		{"RTP off path", shared.TransportContext{Local: addrA, Peer: addrEvil}, rtp, func(x, y Stats) bool { return y.DroppedOffPath == x.DroppedOffPath+1 && y.DroppedRTP == x.DroppedRTP }, nil},
		{"RTCP off path", shared.TransportContext{Local: addrA, Peer: addrEvil}, rtcp, func(x, y Stats) bool { return y.DroppedOffPath == x.DroppedOffPath+1 && y.DroppedRTCP == x.DroppedRTCP }, nil},
	}
	for _, tc := range cases {
		before := a.pc.Stats()
		if err := a.pc.HandleRead(shared.TaggedBytes{Now: sim.Now(), Transport: tc.from, Message: tc.msg}); !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
		if after := a.pc.Stats(); !tc.want(before, after) || after.Dropped != before.Dropped+1 {
			t.Errorf("%s: stats %+v -> %+v", tc.name, before, after)
		}
		if m, ok := a.pc.PollRead(); ok {
			t.Errorf("%s: a message came out: %+v", tc.name, m)
		}
	}
	if err := dcs[0].SendText("still up"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(a.Reads) > 0 }, 10000); err != nil {
		t.Fatalf("no echo after media: %v", err)
	}
}

// TestMediaWrite: the one write path takes RTP and RTCP Messages; until
// media is negotiated they are refused with a clear error, and a Message
// of no known kind is refused too.
func TestMediaWrite(t *testing.T) {
	pc, err := NewPeerConnection(Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := pc.AddTransceiver(MediaKindVideo, TransceiverInit{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m    Message
		want error
	}{
		{Message{Kind: MessageRTP, Transceiver: tr, Data: []byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 42}}, ErrNoMedia},
		{Message{Kind: MessageRTCP, Transceiver: tr, Data: []byte{0x81, 201, 0, 1}}, ErrNoMedia},
		{Message{Kind: MessageRTP, Data: []byte{0x80}}, ErrUnknownTransceiver},
		{Message{Kind: MessageData}, ErrUnknownChannel},
	} {
		if err := pc.HandleWrite(tc.m); !errors.Is(err, tc.want) {
			t.Errorf("HandleWrite(%v): %v, want %v", tc.m.Kind, err, tc.want)
		}
	}
	if err := pc.HandleWrite(Message{Kind: 9}); err == nil {
		t.Errorf("HandleWrite of an unknown kind succeeded")
	}
	pc.ReleaseRead(Message{Kind: MessageRTP}) // nothing lent out: harmless
	for k, want := range map[MessageKind]string{MessageData: "data", MessageRTP: "rtp", MessageRTCP: "rtcp", 7: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("MessageKind(%d) = %q, want %q", k, got, want)
		}
	}
}

// TestOutgoingMessageAlias: code written for OutgoingMessage still
// compiles and means a data channel message.
func TestOutgoingMessageAlias(t *testing.T) {
	var m OutgoingMessage = Message{Binary: true}
	if m.Kind != MessageData {
		t.Errorf("kind %v", m.Kind)
	}
}
