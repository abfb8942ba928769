package rtc

import (
	"strconv"
	"strings"
	"testing"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// pollTrackEvents drains pc's events and returns its EventTrack ones.
func pollTrackEvents(pc *PeerConnection) []Event {
	var out []Event
	for {
		e, ok := pc.PollEvent()
		if !ok {
			return out
		}
		if e.Kind == EventTrack {
			out = append(out, e)
		}
	}
}

// mediaDirection returns the direction of the first m-section of kind in
// an SDP text.
func mediaDirection(t *testing.T, text, kind string) sdp.Direction {
	t.Helper()
	sess, err := sdp.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sess.Media {
		if m.Media == kind {
			return m.Direction()
		}
	}
	t.Fatalf("no %s section in\n%s", kind, text)
	return sdp.DirectionNone
}

// TestAnswerDirectionAtCreateAnswer: the answer's direction is the
// transceiver's when CreateAnswer runs (RFC 8829 §5.3.1, W3C
// createAnswer), so AddTrack or SetDirection between
// SetRemoteDescription(offer) and CreateAnswer take effect. Before the
// fix the direction was fixed when the offer was applied: a recvonly
// offer was answered inactive, a sendrecv one recvonly.
func TestAnswerDirectionAtCreateAnswer(t *testing.T) {
	cases := []struct {
		name    string
		offerer func(pc *PeerConnection) error
		between func(b *PeerConnection) error
		answer  sdp.Direction
		current Direction // the offerer's current direction after the exchange
	}{
		{"recvonly offer, AddTrack", func(pc *PeerConnection) error {
			_, err := pc.AddTransceiver(MediaKindVideo, TransceiverInit{Direction: DirectionRecvOnly})
			return err
		}, func(b *PeerConnection) error {
			_, err := b.AddTrack(vp8Track)
			return err
		}, sdp.DirectionSendOnly, DirectionRecvOnly},
		{"sendrecv offer, AddTrack", func(pc *PeerConnection) error {
			_, err := pc.AddTrack(vp8Track)
			return err
		}, func(b *PeerConnection) error {
			_, err := b.AddTrack(vp8Track)
			return err
		}, sdp.DirectionSendRecv, DirectionSendRecv},
		{"sendrecv offer, SetDirection inactive", func(pc *PeerConnection) error {
			_, err := pc.AddTrack(vp8Track)
			return err
		}, func(b *PeerConnection) error {
			return b.Transceivers()[0].SetDirection(DirectionInactive)
		}, sdp.DirectionInactive, DirectionInactive},
		{"sendrecv offer, nothing", func(pc *PeerConnection) error {
			_, err := pc.AddTrack(vp8Track)
			return err
		}, func(*PeerConnection) error { return nil }, sdp.DirectionRecvOnly, DirectionSendOnly},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := newTestPC(t), newTestPC(t)
			if err := c.offerer(a); err != nil {
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
			if err := c.between(b); err != nil {
				t.Fatal(err)
			}
			ans, err := b.CreateAnswer()
			if err != nil {
				t.Fatal(err)
			}
			if got := mediaDirection(t, ans.SDP, "video"); got != c.answer {
				t.Fatalf("answer direction %v, want %v:\n%s", got, c.answer, ans.SDP)
			}
			if c.answer.String() == "sendonly" || c.answer.String() == "sendrecv" {
				if !strings.Contains(ans.SDP, "a=msid:") || !strings.Contains(ans.SDP, "a=ssrc:") {
					t.Errorf("a sending answer without a=msid or a=ssrc:\n%s", ans.SDP)
				}
			}
			if err := b.SetLocalDescription(ans); err != nil {
				t.Fatal(err)
			}
			if err := a.SetRemoteDescription(ans); err != nil {
				t.Fatal(err)
			}
			if d, ok := a.Transceivers()[0].CurrentDirection(); !ok || d != c.current {
				t.Errorf("offerer's current direction %v (%v), want %v", d, ok, c.current)
			}
		})
	}
}

// TestTrackAtSetRemoteDescription: EventTrack fires, and Receiver().Track
// is set, when the remote offer that sends on a section is applied (W3C
// "process the addition of a remote track" in setRemoteDescription), not
// when the exchange completes; it fires once, and again only after the
// peer stopped sending and sends again. Before the fix the answerer saw
// nothing until SetLocalDescription(answer).
func TestTrackAtSetRemoteDescription(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	tr := opusTrack
	tr.ID = "mic"
	sender, err := a.AddTrack(tr)
	if err != nil {
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
	evs := pollTrackEvents(b)
	if len(evs) != 1 || evs[0].Track == nil || evs[0].Track.ID != "mic" || len(evs[0].Streams) != 1 || evs[0].Streams[0] != "s1" {
		t.Fatalf("EventTrack after SetRemoteDescription(offer): %+v", evs)
	}
	bt := b.Transceivers()[0]
	if evs[0].Transceiver != bt || bt.Receiver().Track() != evs[0].Track {
		t.Fatalf("Receiver().Track() %v, event track %v", bt.Receiver().Track(), evs[0].Track)
	}
	ans, err := b.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
	if evs := pollTrackEvents(b); len(evs) != 0 {
		t.Errorf("EventTrack fired again when the exchange completed: %+v", evs)
	}
	if evs := pollTrackEvents(a); len(evs) != 0 {
		t.Errorf("the offerer got EventTrack for a recvonly answer: %+v", evs)
	}
	// A renegotiation that changes nothing fires nothing.
	offerAndApply(t, a, b)
	if evs := pollTrackEvents(b); len(evs) != 0 {
		t.Errorf("EventTrack on a renegotiation: %+v", evs)
	}
	// The peer stops sending, then sends again: a new EventTrack.
	if err := a.RemoveTrack(sender); err != nil {
		t.Fatal(err)
	}
	offerAndApply(t, a, b)
	if evs := pollTrackEvents(b); len(evs) != 0 {
		t.Errorf("EventTrack when the peer stopped sending: %+v", evs)
	}
	tr.ID = "mic2"
	if err := sender.ReplaceTrack(&tr); err != nil {
		t.Fatal(err)
	}
	if err := a.Transceivers()[0].SetDirection(DirectionSendRecv); err != nil {
		t.Fatal(err)
	}
	offerAndApply(t, a, b)
	if evs := pollTrackEvents(b); len(evs) != 1 || evs[0].Track.ID != "mic2" {
		t.Errorf("EventTrack when the peer sends again: %+v", evs)
	}

	// The offerer's track comes with the answer (setRemoteDescription
	// of the answer).
	c, d := newTestPC(t), newTestPC(t)
	if _, err := c.AddTransceiver(MediaKindVideo, TransceiverInit{Direction: DirectionRecvOnly}); err != nil {
		t.Fatal(err)
	}
	o, err = c.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	if err := d.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddTrack(vp8Track); err != nil {
		t.Fatal(err)
	}
	ans, err = d.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	if evs := pollTrackEvents(d); len(evs) != 0 {
		t.Errorf("the answerer got EventTrack for a recvonly offer: %+v", evs)
	}
	if err := c.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
	if evs := pollTrackEvents(c); len(evs) != 1 || c.Transceivers()[0].Receiver().Track() != evs[0].Track {
		t.Errorf("offerer's EventTrack after SetRemoteDescription(answer): %+v", evs)
	}
}

// offerAndApply runs a complete exchange, from offering, to answering.
func offerAndApply(t *testing.T, from, to *PeerConnection) {
	t.Helper()
	ans := offerAnswer(t, from, to)
	if err := from.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
}

// TestRejectedAnswerKeepsRTPMap: a section rejected for want of a common
// codec is answered with port zero, the offered formats and their
// a=rtpmap (RFC 8829 §5.3.1); Pion v4.2.20 refuses an answer whose m=
// payload types have no a=rtpmap ("payload type not found"). Before the
// fix the rejected section had the formats and no a=rtpmap.
func TestRejectedAnswerKeepsRTPMap(t *testing.T) {
	a, b := newTestPC(t), newTestPC(t)
	if _, err := a.AddTrack(vp8Track); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddTrack(opusTrack); err != nil {
		t.Fatal(err)
	}
	for _, c := range DefaultVideoCodecs() {
		if c.Matches(vp8Track.Codec) {
			if err := a.Transceivers()[0].SetCodecPreferences([]Codec{c}); err != nil {
				t.Fatal(err)
			}
		}
	}
	o, err := a.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	// b knows no video codec a offers.
	o.SDP = strings.Replace(o.SDP, " VP8/90000", " XVID/90000", 1)
	if err := b.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	ans, err := b.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	sess, err := sdp.Parse(ans.SDP)
	if err != nil {
		t.Fatal(err)
	}
	offered, err := sdp.Parse(o.SDP)
	if err != nil {
		t.Fatal(err)
	}
	var video *sdp.MediaDescription
	for _, m := range sess.Media {
		if m.Media == "video" {
			video = m
		}
	}
	if video == nil || video.Port != 0 {
		t.Fatalf("video section not rejected:\n%s", ans.SDP)
	}
	if want := offered.Media[0].Formats; strings.Join(video.Formats, " ") != strings.Join(want, " ") {
		t.Errorf("rejected formats %v, offered %v", video.Formats, want)
	}
	for _, f := range video.Formats {
		pt, err := strconv.ParseUint(f, 10, 8)
		if err != nil {
			t.Fatal(err)
		}
		rm, ok := video.RTPMap(uint8(pt))
		want, _ := offered.Media[0].RTPMap(uint8(pt))
		if !ok || rm != want {
			t.Errorf("payload type %s: a=rtpmap %+v (%v), offered %+v", f, rm, ok, want)
		}
	}
	if err := b.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	if err := a.SetRemoteDescription(ans); err != nil {
		t.Fatal(err)
	}
	if !a.Transceivers()[0].Stopped() || a.Transceivers()[1].Stopped() {
		t.Errorf("stopped: video %v, audio %v", a.Transceivers()[0].Stopped(), a.Transceivers()[1].Stopped())
	}
}

// TestSendZeroAllocs: once warm, sending a packet whose payload type is
// not negotiated (WriteRTP rewrites it with sendCodec) allocates nothing;
// nor does sendCodec with a track codec. Before the fix sendCodec lowered
// codec names per packet (strings.ToLower) and parsed a=fmtp.
func TestSendZeroAllocs(t *testing.T) {
	r := newForwardRig(t)
	if allocs := testing.AllocsPerRun(100, func() {
		if c, ok := r.back.sendCodec(); !ok || c.Name != "VP8" {
			t.Fatalf("sendCodec %+v %v", c, ok)
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per sendCodec", allocs)
	}
	pc := r.b.pc
	payload := vp8Frame(1100, 9)
	var seq uint16
	raws := make([][]byte, 0, 1200)
	for range 1200 {
		seq++
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 120, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 77}, Payload: payload}
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	send := func(raw []byte) {
		if err := r.back.WriteRTP("", raw); err != nil {
			t.Fatal(err)
		}
		out, ok := pc.PollWrite()
		if !ok {
			t.Fatal("nothing to send")
		}
		pc.ReleaseWrite(out.Message)
	}
	for _, raw := range raws[:1100] {
		send(raw)
	}
	i := 1100
	if allocs := testing.AllocsPerRun(50, func() {
		send(raws[i])
		i++
	}); allocs != 0 {
		t.Errorf("%v allocations per sent packet", allocs)
	}
}
