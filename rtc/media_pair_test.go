package rtc

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// rtpReads returns the RTP messages p read for transceiver t (all when t
// is nil).
func rtpReads(p *peer, t *Transceiver) []Message {
	var out []Message
	for _, m := range p.Reads {
		if m.Kind == MessageRTP && (t == nil || m.Transceiver == t) {
			out = append(out, m)
		}
	}
	return out
}

// trackEvents returns the EventTrack events p saw.
func trackEvents(p *peer) []Event {
	var out []Event
	for _, e := range p.Events {
		if e.Kind == EventTrack {
			out = append(out, e)
		}
	}
	return out
}

func newMediaPeer(t testing.TB, sim *netsim.Sim, seed uint64, name string, addr netip.AddrPort, cfg Configuration) *peer {
	t.Helper()
	cfg.Rand, cfg.Now, cfg.LocalAddresses = netsim.NewRand(seed, name), sim.Now(), []netip.AddrPort{addr}
	pc, err := NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := wrapPeer(t, name, pc)
	sim.Add(p, addr)
	return p
}

var (
	opusTrack = Track{Kind: MediaKindAudio, StreamIDs: []string{"s1"}, Codec: Codec{Name: "opus", ClockRate: 48000, Channels: 2}}
	vp8Track  = Track{Kind: MediaKindVideo, StreamIDs: []string{"s1"}, Codec: Codec{Name: "VP8", ClockRate: 90000}}
)

// mediaPair connects a (audio and video tracks and a data channel) to b,
// a offering; it returns a's senders.
func mediaPair(t testing.TB, seed uint64, link netsim.LinkConfig, cfg Configuration) (*netsim.Sim, *peer, *peer, *Sender, *Sender) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(link)
	a := newMediaPeer(t, sim, seed, "a", addrA, cfg)
	b := newMediaPeer(t, sim, seed, "b", addrB, cfg)
	audio, err := a.pc.AddTrack(opusTrack)
	if err != nil {
		t.Fatal(err)
	}
	video, err := a.pc.AddTrack(vp8Track)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.pc.CreateDataChannel("chat", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	keyed := func() bool { return a.pc.media.out != nil && b.pc.media.in != nil && b.channel("chat") != nil }
	if err := sim.Run(keyed, 100000); err != nil {
		t.Fatalf("not connected: %v (a %v, b %v) errs a=%v b=%v", err, a.pc.ConnectionState(), b.pc.ConnectionState(), a.errs, b.errs)
	}
	return sim, a, b, audio, video
}

// vp8Frame is a VP8 keyframe-shaped payload of n bytes (RFC 7741 §4.3:
// the P bit of the first octet clear means a keyframe).
func vp8Frame(n int, fill byte) []byte {
	f := bytes.Repeat([]byte{fill}, n)
	f[0] = 0x10
	return f
}

// TestMediaPair: audio, video and a data channel between two
// PeerConnections, in both roles: a offers and sends Opus and VP8 samples;
// b answers, gets EventTrack for both with their stream (a=msid), reads
// every packet from PollRead routed to the right transceiver; then b adds
// tracks on the same transceivers (W3C addTrack reuse), which needs a new
// offer, now from b, and sends packets with WriteRTP that a reads.
func TestMediaPair(t *testing.T) {
	sim, a, b, audio, video := mediaPair(t, 41, netsim.LinkConfig{Delay: 10 * time.Millisecond}, Configuration{})
	evs := trackEvents(b)
	if len(evs) != 2 || evs[0].Track.Kind != MediaKindAudio || evs[1].Track.Kind != MediaKindVideo ||
		len(evs[0].Streams) != 1 || evs[0].Streams[0] != "s1" || evs[0].Track.ID != audio.Track().ID {
		t.Fatalf("b's track events: %+v", evs)
	}
	bAudio, bVideo := evs[0].Transceiver, evs[1].Transceiver
	for i := range 10 {
		if err := audio.WriteSample(Sample{Data: bytes.Repeat([]byte{byte(i)}, 80), Duration: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if err := video.WriteSample(Sample{Data: vp8Frame(3000, byte(i)), Duration: 33 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	got := func() bool { return len(rtpReads(b, bAudio)) == 10 && len(rtpReads(b, bVideo)) >= 30 }
	if err := sim.Run(got, 100000); err != nil {
		t.Fatalf("b read %d audio, %d video: %v; stats %+v", len(rtpReads(b, bAudio)), len(rtpReads(b, bVideo)), err, b.pc.media.stats)
	}
	checkStream(t, rtpReads(b, bAudio), audio.Encodings()[0].SSRC, 111)
	checkStream(t, rtpReads(b, bVideo), video.Encodings()[0].SSRC, 96)

	// b sends back: AddTrack reuses the recvonly transceivers.
	b.Drain()
	b.Events = nil
	bs, err := b.pc.AddTrack(vp8Track)
	if err != nil {
		t.Fatal(err)
	}
	b.Events = nil
	b.Drain()
	if bs.Transceiver() != bVideo || !b.saw(EventNegotiationNeeded) {
		t.Fatalf("AddTrack did not reuse the video transceiver (%v) or fire negotiationneeded", bs.Transceiver() == bVideo)
	}
	negotiate(t, b, a, nil)
	if d, _ := bVideo.CurrentDirection(); d != DirectionSendRecv {
		t.Fatalf("b's video current direction %v", d)
	}
	for i := range 5 {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(100 + i), Timestamp: uint32(3000 * i), SSRC: 77}, Payload: vp8Frame(100, byte(i))}
		raw, err := pkt.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := bs.WriteRTP("", raw); err != nil {
			t.Fatal(err)
		}
	}
	aVideo := video.Transceiver()
	if err := sim.Run(func() bool { return len(rtpReads(a, aVideo)) == 5 }, 100000); err != nil {
		t.Fatalf("a read %d: %v", len(rtpReads(a, aVideo)), err)
	}
	checkStream(t, rtpReads(a, aVideo), bs.Encodings()[0].SSRC, 96)
	if len(a.errs)+len(b.errs) > 0 {
		t.Errorf("errors: a=%v b=%v", a.errs, b.errs)
	}
}

// checkStream: the packets have the sender's SSRC and payload type and
// consecutive sequence numbers.
func checkStream(t *testing.T, msgs []Message, ssrc uint32, pt uint8) {
	t.Helper()
	for i, m := range msgs {
		var p rtp.Packet
		if err := p.Unmarshal(m.Data); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if p.SSRC != ssrc || p.PayloadType != pt {
			t.Fatalf("packet %d: ssrc %d pt %d, want %d %d", i, p.SSRC, p.PayloadType, ssrc, pt)
		}
		if i > 0 {
			var q rtp.Packet
			if err := q.Unmarshal(msgs[i-1].Data); err != nil {
				t.Fatal(err)
			}
			if p.SequenceNumber != q.SequenceNumber+1 {
				t.Fatalf("packet %d: seq %d after %d", i, p.SequenceNumber, q.SequenceNumber)
			}
		}
	}
}

// TestMediaRTXUnderLoss: VP8 over a link losing 5% of datagrams both ways
// through the default interceptor chain: b's NACKs (RFC 4585 §6.2.1) make
// a retransmit on its RTX stream (RFC 4588, a=ssrc-group:FID), b turns
// each RTX packet back into the original and every sequence number
// arrives; the counters say so.
func TestMediaRTXUnderLoss(t *testing.T) {
	link := netsim.LinkConfig{Delay: 20 * time.Millisecond, Loss: 0.05}
	sim, a, b, _, video := mediaPair(t, 43, netsim.LinkConfig{Delay: 20 * time.Millisecond}, Configuration{})
	sim.SetDefaultLink(link)
	bVideo := trackEvents(b)[1].Transceiver
	const frames = 200
	for i := range frames {
		if err := video.WriteSample(Sample{Data: vp8Frame(500, byte(i)), Duration: 33 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if err := sim.RunFor(33*time.Millisecond, 100000); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func() int {
		seen := map[uint16]bool{}
		for _, m := range rtpReads(b, bVideo) {
			var p rtp.Packet
			if err := p.Unmarshal(m.Data); err == nil {
				seen[p.SequenceNumber] = true
			}
		}
		return len(seen)
	}
	if err := sim.Run(func() bool { return seqs() == frames }, 200000); err != nil {
		t.Fatalf("b has %d of %d packets: %v; a %+v; b %+v", seqs(), frames, err, a.pc.media.stats, b.pc.media.stats)
	}
	as, bs := a.pc.MediaStats(), b.pc.MediaStats()
	t.Logf("a %+v\nb %+v", as, bs)
	if as.Retransmitted == 0 || bs.RTXRepaired == 0 || as.NACKsReceived == 0 || bs.NACKsSent == 0 {
		t.Errorf("counters: a %+v, b %+v", as, bs)
	}
}

// TestMediaPacing: with Configuration.Pacing a 60 KB video frame does not
// leave in one burst: right after WriteSample only the pacer's burst
// budget is in PollWrite, PollTimeout names the pacer, and the whole
// frame reaches b, in order, once the pacer released it.
func TestMediaPacing(t *testing.T) {
	sim, a, b, _, video := mediaPair(t, 67, netsim.LinkConfig{Delay: 10 * time.Millisecond}, Configuration{Pacing: true})
	bVideo := trackEvents(b)[1].Transceiver
	if err := video.WriteSample(Sample{Data: vp8Frame(60000, 3), Duration: 33 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if n := a.pc.tr.outbox.Len(); n > 10 {
		t.Errorf("%d packets left at once", n)
	}
	if r := a.pc.TimeoutReason(); r != "pending" && !strings.HasPrefix(r, "media/pacer") {
		t.Errorf("TimeoutReason %q", r)
	}
	pkts := func() int { return len(rtpReads(b, bVideo)) }
	if err := sim.Run(func() bool { return pkts() >= 50 }, 100000); err != nil {
		t.Fatalf("b read %d packets: %v (%+v)", pkts(), err, a.pc.MediaStats())
	}
	checkStream(t, rtpReads(b, bVideo), video.Encodings()[0].SSRC, 96)
}
