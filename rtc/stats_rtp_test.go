package rtc

import (
	"testing"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	rtcmedia "github.com/sansrtc/rtc/rtc-media"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// chainStreams runs one VP8 stream (SSRC 0x1111, RTX 0x2222) from a
// sender chain to a receiver chain for 3 s at 100 packets/s, packets 5
// and 6 lost for good (NACK disabled so they stay lost), with the RTCP
// reports of both directions delivered. It returns the sender's stream
// (outbound-rtp, with remote-inbound-rtp from the receiver reports) and
// the receiver's (inbound-rtp, with remote-outbound-rtp from the sender
// reports), as the media part will hand them to getStats.
func chainStreams(t *testing.T) (local, remote statsStream) {
	t.Helper()
	vp8 := Codec{PayloadType: 96, Name: "VP8", ClockRate: 90000}
	sc := interceptor.StreamConfig{SSRC: 0x1111, ClockRate: 90000, PayloadType: 96, RTXSSRC: 0x2222, RTXPayloadType: 97,
		Feedback: interceptor.FeedbackPLI}
	cfg := func(name string, ssrc uint32) interceptor.Config {
		return interceptor.Config{SSRC: ssrc, CNAME: name, Rand: netsim.NewRand(1, name), Disable: interceptor.UnitNACK | interceptor.UnitTWCC,
			ReportInterval: 500 * time.Millisecond}
	}
	snd, err := interceptor.NewChain(cfg("snd", 1))
	if err != nil {
		t.Fatal(err)
	}
	rcv, err := interceptor.NewChain(cfg("rcv", 2))
	if err != nil {
		t.Fatal(err)
	}
	if err := snd.BindLocal(sc); err != nil {
		t.Fatal(err)
	}
	if err := rcv.BindRemote(sc); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	deliver := func(from, to *interceptor.Chain) {
		for m, ok := from.PollWrite(); ok; m, ok = from.PollWrite() {
			// RFC 5761 §4: RTCP packet types 192-223 in the second byte.
			if pt := m.Message[1]; pt >= 192 && pt <= 223 {
				if err := to.ReceiveRTCP(now, m.Message); err != nil {
					t.Fatal(err)
				}
			} else if err := to.ReceiveRTP(now, m.Message); err != nil {
				t.Fatal(err)
			}
			from.Release(m.Message)
		}
	}
	var buf []byte
	for seq := range uint16(300) {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 900, SSRC: 0x1111},
			Payload: make([]byte, 100)}
		if buf, err = snd.SendRTP(now, &p, buf[:0]); err != nil {
			t.Fatal(err)
		}
		if seq != 5 && seq != 6 {
			if err := rcv.ReceiveRTP(now, buf); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []*interceptor.Chain{snd, rcv} {
			if d, ok := c.PollTimeout(); ok && !d.After(now) {
				if err := c.HandleTimeout(now); err != nil {
					t.Fatal(err)
				}
			}
		}
		deliver(snd, rcv)
		deliver(rcv, snd)
		now = now.Add(10 * time.Millisecond)
	}
	ls, ok := snd.LocalStats(0x1111)
	if !ok {
		t.Fatal("no local stats")
	}
	rs, ok := rcv.RemoteStats(0x1111)
	if !ok {
		t.Fatal("no remote stats")
	}
	local = statsStream{kind: MediaKindVideo, mid: "0", rid: "h", codec: vp8, rtxSSRC: 0x2222, local: &ls}
	remote = statsStream{kind: MediaKindVideo, mid: "0", trackID: "track-1", codec: vp8, rtxSSRC: 0x2222, remote: &rs,
		jitter: &rtcmedia.Stats{PacketsDiscarded: 2, FramesAssembled: 90, FramesDropped: 1, FramesEmitted: 89,
			JitterBufferDelay: 890 * time.Millisecond, JitterBufferTargetDelay: 445 * time.Millisecond}}
	return local, remote
}

// addStreamsForTest adds chainStreams' two streams to a report, as
// GetStats does for the media part's streams.
func (r StatsReport) addStreamsForTest(t *testing.T) {
	local, remote := chainStreams(t)
	var h StatsHeader
	for _, e := range r {
		h.Timestamp = e.Header().Timestamp
		break
	}
	r.addStream(h, statsTransportID, &local)
	r.addStream(h, statsTransportID, &remote)
}

// TestStatsRTPStreams: the chains' counters become the W3C RTP types,
// linked to each other and to their codec.
func TestStatsRTPStreams(t *testing.T) {
	r := StatsReport{"T01": StatsTransport{StatsHeader: StatsHeader{ID: "T01", Type: StatsTypeTransport, Timestamp: 1}}}
	r.addStreamsForTest(t)
	statsLinks(t, "rtp", r)
	for _, id := range []string{"COT01_96", "CIT01_96"} {
		codec, ok := r[id].(StatsCodec)
		if !ok || codec.MimeType != "video/VP8" || codec.ClockRate != 90000 || codec.PayloadType != 96 || codec.Channels != 0 {
			t.Errorf("codec %s: %+v", id, r[id])
		}
	}
	out, ok := r["OT01V4369"].(StatsOutboundRTP)
	if !ok {
		t.Fatalf("no outbound-rtp: %v", r.IDs(StatsTypeOutboundRTP))
	}
	if out.PacketsSent != 300 || out.BytesSent != 300*100 || out.HeaderBytesSent != 300*12 || out.SSRC != 0x1111 ||
		out.Kind != "video" || out.Mid != "0" || out.RID != "h" || out.RTXSSRC != 0x2222 || out.RemoteID != "RIV4369" {
		t.Errorf("outbound-rtp %+v", out)
	}
	ri, ok := r["RIV4369"].(StatsRemoteInboundRTP)
	if !ok || ri.PacketsLost != 2 || ri.LocalID != out.ID || ri.RoundTripTimeMeasurements == 0 || ri.RoundTripTime == nil || ri.FractionLost < 0 || ri.FractionLost > 1 {
		t.Errorf("remote-inbound-rtp %+v", r["RIV4369"])
	}
	in, ok := r["IT01V4369"].(StatsInboundRTP)
	if !ok {
		t.Fatalf("no inbound-rtp: %v", r.IDs(StatsTypeInboundRTP))
	}
	if in.PacketsReceived != 298 || in.PacketsLost != 2 || in.BytesReceived != 298*100 || in.TrackIdentifier != "track-1" ||
		in.RemoteID != "ROV4369" || in.LastPacketReceivedTimestamp == 0 || in.FramesReceived != 90 ||
		in.JitterBufferEmittedCount != 89 || in.JitterBufferDelay != 0.89 || in.PacketsDiscarded != 2 {
		t.Errorf("inbound-rtp %+v", in)
	}
	if ro, ok := r["ROV4369"].(StatsRemoteOutboundRTP); !ok || ro.ReportsSent == 0 || ro.LocalID != in.ID {
		t.Errorf("remote-outbound-rtp %+v", r["ROV4369"])
	}
	// An audio codec reports its channels (1 when the SDP leaves them out).
	if c := codecStats(StatsHeader{}, "T01", true, MediaKindAudio, Codec{PayloadType: 0, Name: "PCMU", ClockRate: 8000}); c.Channels != 1 || c.MimeType != "audio/PCMU" || c.ID != "CIT01_0" {
		t.Errorf("PCMU codec %+v", c)
	}
	opus := DefaultAudioCodecs()[0]
	if id := codecID("T01", false, opus); id != "COT01_111_minptime=10;useinbandfec=1" {
		t.Errorf("opus codec id %q, Chromium's form is COT01_111_minptime=10;useinbandfec=1", id)
	}
}
