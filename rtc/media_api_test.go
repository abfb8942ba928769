package rtc

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestForwarder: the output stream stays continuous (sequence number +1,
// timestamp moving forward) when the source SSRC changes or Switch is
// called, and a source's reordered packets keep their order.
func TestForwarder(t *testing.T) {
	var f Forwarder
	f.Start(1000, 50000)
	type in struct {
		ssrc uint32
		seq  uint16
		ts   uint32
	}
	steps := []struct {
		in      in
		seq     uint16
		ts      uint32
		doSwith bool
	}{
		{in{1, 7, 100}, 1000, 50000, false},
		{in{1, 8, 200}, 1001, 50100, false},
		{in{1, 10, 300}, 1003, 50200, false},
		{in{1, 9, 250}, 1002, 50150, false},   // reordered
		{in{2, 60000, 9}, 1004, 50201, false}, // new source
		{in{2, 60001, 20}, 1005, 50212, false},
		{in{2, 60002, 30}, 1006, 50213, true}, // Switch: same SSRC, new source
	}
	for i, s := range steps {
		if s.doSwith {
			f.Switch()
		}
		seq, ts := f.Rewrite(s.in.ssrc, s.in.seq, s.in.ts)
		if seq != s.seq || ts != s.ts {
			t.Errorf("step %d: (%d, %d), want (%d, %d)", i, seq, ts, s.seq, s.ts)
		}
	}
	var zero Forwarder
	if seq, ts := zero.Rewrite(5, 65535, 4294967295); seq != 65535 || ts != 4294967295 {
		t.Errorf("zero Forwarder changed the first packet: %d %d", seq, ts)
	}
	if seq, _ := zero.Rewrite(6, 3, 3); seq != 0 {
		t.Errorf("switch across the wrap: seq %d, want 0", seq)
	}
}

// TestCodecPreferences: SetCodecPreferences orders and limits the offered
// codecs (with their RTX), a codec outside the registry is refused, and a
// track whose codec is not in the registry is refused by AddTrack.
func TestCodecPreferences(t *testing.T) {
	pc := newTestPC(t)
	tr, err := pc.AddTransceiver(MediaKindVideo, TransceiverInit{})
	if err != nil {
		t.Fatal(err)
	}
	h264 := Codec{Name: "H264", ClockRate: 90000, FMTP: "profile-level-id=42e01f;packetization-mode=1"}
	if err := tr.SetCodecPreferences([]Codec{{Name: "XVID", ClockRate: 90000}}); !errors.Is(err, ErrNoCodec) {
		t.Errorf("unknown codec preference: %v", err)
	}
	var pref Codec
	for _, c := range DefaultVideoCodecs() {
		if c.Matches(h264) {
			pref = c
			break
		}
	}
	if err := tr.SetCodecPreferences([]Codec{pref}); err != nil {
		t.Fatal(err)
	}
	o, err := pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.SDP, "m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\n") {
		t.Errorf("offer does not list H.264 and its RTX only:\n%s", o.SDP)
	}
	if _, err := pc.AddTrack(Track{Kind: MediaKindAudio, Codec: Codec{Name: "speex", ClockRate: 8000}}); !errors.Is(err, ErrNoCodec) {
		t.Errorf("AddTrack with an unknown codec: %v", err)
	}
	if _, err := pc.AddTrack(Track{Kind: 9}); err == nil {
		t.Errorf("AddTrack with an unknown kind succeeded")
	}
}

// TestReplaceTrack: a replaced track keeps the stream (same SSRC) and its
// numbering continuous; a track of the other kind is refused.
func TestReplaceTrack(t *testing.T) {
	sim, _, b, _, video := mediaPair(t, 57, netsim.LinkConfig{Delay: 5 * time.Millisecond}, Configuration{})
	bVideo := trackEvents(b)[1].Transceiver
	if err := video.ReplaceTrack(&opusTrack); !errors.Is(err, ErrKindMismatch) {
		t.Errorf("ReplaceTrack with audio: %v", err)
	}
	for i := range 4 {
		if i == 2 {
			other := vp8Track
			other.ID = "screen"
			if err := video.ReplaceTrack(&other); err != nil {
				t.Fatal(err)
			}
		}
		if err := video.WriteSample(Sample{Data: vp8Frame(100, byte(i)), Duration: 33 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.Run(func() bool { return len(rtpReads(b, bVideo)) == 4 }, 10000); err != nil {
		t.Fatal(err)
	}
	checkStream(t, rtpReads(b, bVideo), video.Encodings()[0].SSRC, 96)
}

// TestChromiumSimulcastOffer: Chromium's offer with its video section
// turned into three-layer simulcast (a=rid send, a=simulcast:send, no
// a=ssrc, as Chromium writes it) is answered with a=rid recv and
// a=simulcast:recv; EventTrack carries the a=msid track id.
func TestChromiumSimulcastOffer(t *testing.T) {
	raw, err := os.ReadFile("testdata/chromium-offer-media-datachannel.sdp")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(raw), "\r\n"), "\r\n") {
		if strings.HasPrefix(l, "a=ssrc") && strings.Contains(l, "2048798385") || strings.HasPrefix(l, "a=ssrc:967418315") {
			continue
		}
		lines = append(lines, l)
		if strings.HasPrefix(l, "a=msid:- 67f4763b") {
			lines = append(lines, "a=rid:q send", "a=rid:h send", "a=rid:f send", "a=simulcast:send q;h;f")
		}
	}
	pc := newTestPC(t)
	if err := pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: strings.Join(lines, "\r\n") + "\r\n"}); err != nil {
		t.Fatal(err)
	}
	ans, err := pc.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a=rid:q recv\r\n", "a=rid:f recv\r\n", "a=simulcast:recv q;h;f\r\n"} {
		if !strings.Contains(ans.SDP, want) {
			t.Errorf("answer lacks %q", want)
		}
	}
	if err := pc.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	var tracks []Event
	for {
		e, ok := pc.PollEvent()
		if !ok {
			break
		}
		if e.Kind == EventTrack {
			tracks = append(tracks, e)
		}
	}
	if len(tracks) != 2 || tracks[1].Track.ID != "67f4763b-ff10-4259-ba50-c160f7646f62" || len(tracks[1].Streams) != 0 {
		t.Errorf("track events %+v", tracks)
	}
	if got := tracks[1].Transceiver.remoteRIDs; strings.Join(got, ",") != "q,h,f" {
		t.Errorf("remote rids %v", got)
	}
}
