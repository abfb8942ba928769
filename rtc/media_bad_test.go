package rtc

import (
	"errors"
	"strings"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

// inject protects a hand-made RTP packet with from's SRTP context and
// feeds it to to from the selected pair, returning HandleRead's error.
func inject(t *testing.T, sim *netsim.Sim, from, to *peer, p rtp.Packet, corrupt bool) error {
	t.Helper()
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := from.pc.media.out.AppendProtectRTP(nil, raw)
	if err != nil {
		t.Fatal(err)
	}
	if corrupt {
		sealed[len(sealed)-20] ^= 1
	}
	return to.pc.HandleRead(shared.TaggedBytes{Now: sim.Now(), Transport: to.pc.tr.selected, Message: sealed})
}

// TestMediaBadInput: each bad input of issue 13 gets a clear error from
// HandleRead, is dropped and counted, and media keeps flowing: RTP on an
// unknown SSRC with no MID, RTP with a payload type the answer does not
// have, an SRTP authentication failure, and a replay.
func TestMediaBadInput(t *testing.T) {
	sim, a, b, _, video := mediaPair(t, 45, netsim.LinkConfig{Delay: 5 * time.Millisecond}, Configuration{})
	bVideo := trackEvents(b)[1].Transceiver
	ssrc := video.Encodings()[0].SSRC
	good := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 9, SSRC: ssrc}, Payload: vp8Frame(50, 1)}
	cases := []struct {
		name    string
		p       rtp.Packet
		corrupt bool
		want    error
		count   func(MediaStats) uint64
	}{
		{"unknown SSRC, no MID", rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 35, SSRC: 0xdead}, Payload: []byte{1}}, false,
			ErrUnroutedRTP, func(s MediaStats) uint64 { return s.UnroutedRTP }},
		{"payload type not in the answer", rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 127, SequenceNumber: 5, SSRC: ssrc}, Payload: []byte{1}}, false,
			ErrUnknownPayloadType, func(s MediaStats) uint64 { return s.UnknownPayloadType }},
		{"SRTP authentication failure", good, true, srtp.ErrAuthFailed, func(s MediaStats) uint64 { return s.SRTPAuthFailures }},
	}
	for _, tc := range cases {
		before := b.pc.MediaStats()
		err := inject(t, sim, a, b, tc.p, tc.corrupt)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: HandleRead: %v, want %v", tc.name, err, tc.want)
		}
		if got := tc.count(b.pc.MediaStats()); got != tc.count(before)+1 {
			t.Errorf("%s: counter %d -> %d", tc.name, tc.count(before), got)
		}
	}
	n := len(rtpReads(b, bVideo))
	if err := video.WriteSample(Sample{Data: vp8Frame(100, 2), Duration: 33 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(rtpReads(b, bVideo)) == n+1 }, 10000); err != nil {
		t.Fatalf("media stopped after bad input: %v", err)
	}
	if in, _ := b.pc.SRTPStats(); in.AuthFailures != 1 {
		t.Errorf("SRTP stats %+v", in)
	}
}

// TestMediaUnknownCodecsOffer: a remote offer whose video section has
// only codecs we do not know is answered with that section rejected (port
// zero, RFC 8829 §5.3.1), EventError says why (ErrNoCodec), the offerer's
// transceiver stops, and the rest of the connection (data) works.
func TestMediaUnknownCodecsOffer(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 47})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	a := newMediaPeer(t, sim, 47, "a", addrA, Configuration{VideoCodecs: []Codec{{PayloadType: 96, Name: "XVID", ClockRate: 90000}}})
	b := newMediaPeer(t, sim, 47, "b", addrB, Configuration{})
	tr, err := a.pc.AddTransceiver(MediaKindVideo, TransceiverInit{})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := a.pc.CreateDataChannel("chat", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	if ans := b.pc.LocalDescription().SDP; !strings.Contains(ans, "m=video 0 ") {
		t.Errorf("video section not rejected:\n%s", ans)
	}
	if len(b.errs) != 1 || !errors.Is(b.errs[0], ErrNoCodec) {
		t.Errorf("b's errors: %v", b.errs)
	}
	if !tr.Stopped() {
		t.Errorf("a's transceiver not stopped")
	}
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 100000); err != nil {
		t.Fatalf("data channel: %v", err)
	}
}

// TestMediaFloods: the remote peer floods authenticated RTP. New SSRCs
// stop at MaxRemoteSSRCs (ErrTooManySSRCs, counted) and known streams
// keep flowing; RTP that does not fit in the read queue (the application
// stopped reading) is dropped and counted, never queued without bound.
func TestMediaFloods(t *testing.T) {
	cfg := Configuration{MaxRemoteSSRCs: 8, MaxQueuedMessages: 64}
	sim, a, b, _, video := mediaPair(t, 59, netsim.LinkConfig{Delay: 5 * time.Millisecond}, cfg)
	known := len(b.pc.media.ssrcs)
	refused := 0
	for i := range 50 {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, SSRC: uint32(5000 + i)}, Payload: []byte{0x10}}
		if err := inject(t, sim, a, b, p, false); errors.Is(err, ErrTooManySSRCs) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if len(b.pc.media.ssrcs) != 8 || refused != 50-(8-known) || b.pc.MediaStats().TooManySSRCs != uint64(refused) {
		t.Errorf("streams %d (had %d), refused %d, counted %d", len(b.pc.media.ssrcs), known, refused, b.pc.MediaStats().TooManySSRCs)
	}
	// Stop reading: b's collector is not drained while a sends 200 packets.
	ssrc := video.Encodings()[0].SSRC
	dropped := 0
	for i := range 200 {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(100 + i), SSRC: ssrc}, Payload: []byte{0x10}}
		if err := inject(t, sim, a, b, p, false); err != nil {
			dropped++
		}
	}
	if q := b.pc.out.reads.Len(); q > 64 || dropped < 200-64 {
		t.Errorf("read queue %d, %d refused", q, dropped)
	}
	b.Drain()
	if err := video.WriteSample(Sample{Data: vp8Frame(100, 1), Duration: 33 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	n := len(b.Reads)
	if err := sim.Run(func() bool { return len(b.Reads) > n }, 10000); err != nil {
		t.Fatalf("no media after the floods: %v", err)
	}
}
