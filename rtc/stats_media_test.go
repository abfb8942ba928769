package rtc

import (
	"bytes"
	"slices"
	"testing"
	"time"

	rtcmedia "github.com/sansrtc/rtc/rtc-media"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestGetStatsMedia: a netsim media pair (Opus and VP8 from a to b, and a
// data channel) reports codec, outbound-rtp and remote-inbound-rtp on the
// sender, inbound-rtp and remote-outbound-rtp on the receiver, linked to
// each other, to their codec and to the transport; the counters match
// what was sent and move with traffic, and the selected pair counts the
// SRTP packets.
func TestGetStatsMedia(t *testing.T) {
	sim, a, b, audio, video := mediaPair(t, 43, netsim.LinkConfig{Delay: 10 * time.Millisecond}, Configuration{})
	send := func(n int) {
		for i := range n {
			if err := audio.WriteSample(Sample{Data: bytes.Repeat([]byte{byte(i)}, 80), Duration: 20 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := video.WriteSample(Sample{Data: vp8Frame(500, byte(i)), Duration: 20 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := sim.RunFor(20*time.Millisecond, 100000); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(100) // 2 s: sender and receiver reports flow (RFC 3550 §6.2)
	if err := sim.RunFor(2*time.Second, 200000); err != nil {
		t.Fatal(err)
	}
	ra, rb := a.pc.GetStats(sim.Now()), b.pc.GetStats(sim.Now())
	statsLinks(t, "a", ra)
	statsLinks(t, "b", rb)
	aSSRC, vSSRC := audio.Encodings()[0].SSRC, video.Encodings()[0].SSRC
	outs := StatsOf[StatsOutboundRTP](ra)
	if len(outs) != 2 {
		t.Fatalf("a: %d outbound-rtp: %v", len(outs), ra.IDs(StatsTypeOutboundRTP))
	}
	for _, o := range outs {
		c := ra[o.CodecID].(StatsCodec)
		switch o.SSRC {
		case aSSRC:
			if o.Kind != "audio" || o.PacketsSent != 100 || o.BytesSent != 100*80 || c.MimeType != "audio/opus" || c.ClockRate != 48000 || c.Channels != 2 {
				t.Errorf("audio outbound %+v, codec %+v", o, c)
			}
		case vSSRC:
			if o.Kind != "video" || o.PacketsSent < 100 || o.BytesSent < 100*500 || c.MimeType != "video/VP8" {
				t.Errorf("video outbound %+v, codec %+v", o, c)
			}
		default:
			t.Errorf("outbound of unknown SSRC %+v", o)
		}
		ri, ok := ra[o.RemoteID].(StatsRemoteInboundRTP)
		if !ok || ri.PacketsLost != 0 || ri.RoundTripTime == nil || *ri.RoundTripTime < 0.015 || *ri.RoundTripTime > 0.1 {
			t.Errorf("remote-inbound of %d: %+v (%v)", o.SSRC, ri, ok)
		}
		if o.Mid == "" || o.HeaderBytesSent == 0 {
			t.Errorf("outbound %+v", o)
		}
	}
	ins := StatsOf[StatsInboundRTP](rb)
	if len(ins) != 2 {
		t.Fatalf("b: %d inbound-rtp: %v", len(ins), rb.IDs(StatsTypeInboundRTP))
	}
	for _, in := range ins {
		want := map[uint32]uint64{aSSRC: 100}[in.SSRC]
		if in.SSRC == aSSRC && in.PacketsReceived != want || in.PacketsReceived < 100 || in.PacketsLost != 0 ||
			in.TrackIdentifier == "" || in.LastPacketReceivedTimestamp == 0 || in.BytesReceived == 0 {
			t.Errorf("inbound %+v", in)
		}
		if ro, ok := rb[in.RemoteID].(StatsRemoteOutboundRTP); !ok || ro.ReportsSent == 0 {
			t.Errorf("remote-outbound of %d: %+v (%v)", in.SSRC, rb[in.RemoteID], ok)
		}
		if c := rb[in.CodecID].(StatsCodec); c.ID[:3] != "CIT" {
			t.Errorf("inbound codec %+v", c)
		}
	}
	// A jitter buffer the application runs is folded in.
	jb := rtcmedia.Stats{PacketsDiscarded: 1, FramesAssembled: 99, FramesDropped: 1, FramesEmitted: 98, JitterBufferDelay: time.Second}
	if !rb.AddJitterBuffer(vSSRC, jb) || rb.AddJitterBuffer(12345, jb) {
		t.Errorf("AddJitterBuffer found the wrong streams")
	}
	for _, in := range StatsOf[StatsInboundRTP](rb) {
		if in.SSRC == vSSRC && (in.FramesReceived != 99 || in.JitterBufferEmittedCount != 98 || in.JitterBufferDelay != 1 || in.PacketsDiscarded != 1) {
			t.Errorf("video inbound with its jitter buffer: %+v", in)
		}
	}
	tr := statsTransportOf(t, ra)
	if tr.SRTPCipher == "" {
		t.Errorf("transport %+v", tr)
	}
	cp := ra[tr.SelectedCandidatePairID].(StatsCandidatePair)
	if cp.PacketsSent < 200+1 { // 200 RTP packets, RTCP and DTLS
		t.Errorf("selected pair sent %d packets, the SRTP ones included", cp.PacketsSent)
	}

	// Counters move: 50 more audio packets.
	send(50)
	ra2 := a.pc.GetStats(sim.Now())
	for _, o := range StatsOf[StatsOutboundRTP](ra2) {
		if o.SSRC == aSSRC && o.PacketsSent != 150 {
			t.Errorf("audio outbound after 150 samples: %+v", o)
		}
	}
	if cp2 := ra2[tr.SelectedCandidatePairID].(StatsCandidatePair); cp2.PacketsSent < cp.PacketsSent+100 {
		t.Errorf("pair packets %d then %d", cp.PacketsSent, cp2.PacketsSent)
	}
	if len(a.errs)+len(b.errs) > 0 {
		t.Errorf("errors: a=%v b=%v", a.errs, b.errs)
	}
}

// TestGetStatsMediaNoChain: with the interceptor chain disabled the RTP
// types still come, from the media part's own counts (no reports, so no
// remote-inbound-rtp or remote-outbound-rtp).
func TestGetStatsMediaNoChain(t *testing.T) {
	sim, a, b, audio, _ := mediaPair(t, 44, netsim.LinkConfig{Delay: 5 * time.Millisecond}, Configuration{DisableInterceptors: true})
	for i := range 20 {
		if err := audio.WriteSample(Sample{Data: bytes.Repeat([]byte{byte(i)}, 50), Duration: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.RunFor(time.Second, 100000); err != nil {
		t.Fatal(err)
	}
	ra, rb := a.pc.GetStats(sim.Now()), b.pc.GetStats(sim.Now())
	statsLinks(t, "a", ra)
	statsLinks(t, "b", rb)
	aSSRC := audio.Encodings()[0].SSRC
	var sent, got bool
	for _, o := range StatsOf[StatsOutboundRTP](ra) {
		if o.SSRC == aSSRC {
			sent = o.PacketsSent == 20 && o.BytesSent >= 20*50 && o.RemoteID == ""
		}
	}
	for _, in := range StatsOf[StatsInboundRTP](rb) {
		if in.SSRC == aSSRC {
			got = in.PacketsReceived == 20 && in.BytesReceived >= 20*50 && in.RemoteID == ""
		}
	}
	if !sent || !got {
		t.Errorf("outbound %+v\ninbound %+v", StatsOf[StatsOutboundRTP](ra), StatsOf[StatsInboundRTP](rb))
	}
	if len(ra.IDs(StatsTypeRemoteInboundRTP))+len(rb.IDs(StatsTypeRemoteOutboundRTP)) != 0 {
		t.Errorf("remote stats without RTCP reports")
	}
}

// TestGetStatsSimulcast: each simulcast encoding is its own outbound-rtp
// with its rid (RFC 8853), sharing one codec object.
func TestGetStatsSimulcast(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 52})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	a := newMediaPeer(t, sim, 52, "a", addrA, Configuration{})
	b := newMediaPeer(t, sim, 52, "b", addrB, Configuration{})
	if _, err := a.pc.AddTransceiverTrack(vp8Track, TransceiverInit{Direction: DirectionSendOnly,
		SendEncodings: []Encoding{{RID: "q", ScaleResolutionDownBy: 4}, {RID: "h", ScaleResolutionDownBy: 2}, {RID: "f"}}}); err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	r := a.pc.GetStats(sim.Now())
	statsLinks(t, "a", r)
	outs := StatsOf[StatsOutboundRTP](r)
	var rids []string
	ssrcs := map[uint32]bool{}
	for _, o := range outs {
		rids = append(rids, o.RID)
		ssrcs[o.SSRC] = true
		if o.CodecID != outs[0].CodecID || o.Kind != "video" {
			t.Errorf("outbound %+v", o)
		}
	}
	slices.Sort(rids)
	if !slices.Equal(rids, []string{"f", "h", "q"}) || len(ssrcs) != 3 {
		t.Errorf("rids %v, %d SSRCs", rids, len(ssrcs))
	}
}
