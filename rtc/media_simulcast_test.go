package rtc

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestMediaSimulcast: a sends three-layer simulcast (RFC 8853: a=rid send
// and a=simulcast:send q;h;f, no a=ssrc, as Chromium offers it); b answers
// with a=rid recv and a=simulcast:recv, learns each layer's SSRC from the
// MID and RID header extensions (RFC 8852 §3.3) and tags every packet
// with its rid; an RTX packet that names its layer by repaired-rid (RFC
// 8852 §3.4) is turned back into a packet of that layer.
func TestMediaSimulcast(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 51})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	a := newMediaPeer(t, sim, 51, "a", addrA, Configuration{})
	b := newMediaPeer(t, sim, 51, "b", addrB, Configuration{})
	rids := []string{"q", "h", "f"}
	tr, err := a.pc.AddTransceiverTrack(vp8Track, TransceiverInit{Direction: DirectionSendOnly,
		SendEncodings: []Encoding{{RID: "q", ScaleResolutionDownBy: 4}, {RID: "h", ScaleResolutionDownBy: 2}, {RID: "f"}}})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	offer, answer := a.pc.LocalDescription().SDP, b.pc.LocalDescription().SDP
	for _, want := range []string{"a=rid:q send", "a=simulcast:send q;h;f"} {
		if !strings.Contains(offer, want) || strings.Contains(offer, "a=ssrc:") {
			t.Fatalf("offer lacks %q or has a=ssrc:\n%s", want, offer)
		}
	}
	for _, want := range []string{"a=rid:f recv", "a=simulcast:recv q;h;f", "a=recvonly"} {
		if !strings.Contains(answer, want) {
			t.Fatalf("answer lacks %q:\n%s", want, answer)
		}
	}
	if err := sim.Run(func() bool { return a.pc.media.out != nil && b.pc.media.in != nil }, 100000); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		for _, rid := range rids {
			if err := tr.Sender().WriteSample(Sample{Data: vp8Frame(200, byte(i)), Duration: 33 * time.Millisecond, RID: rid}); err != nil {
				t.Fatal(err)
			}
		}
	}
	bt := trackEvents(b)[0].Transceiver
	if err := sim.Run(func() bool { return len(rtpReads(b, bt)) == 9 }, 100000); err != nil {
		t.Fatalf("b read %d: %v (%+v)", len(rtpReads(b, bt)), err, b.pc.MediaStats())
	}
	perRID := map[string][]Message{}
	for _, m := range rtpReads(b, bt) {
		perRID[m.RID] = append(perRID[m.RID], m)
	}
	for i, rid := range rids {
		checkStream(t, perRID[rid], tr.Sender().Encodings()[i].SSRC, 96)
		if len(perRID[rid]) != 3 {
			t.Errorf("rid %q: %d packets", rid, len(perRID[rid]))
		}
	}
	var got []string
	for _, s := range bt.Receiver().Streams() {
		got = append(got, s.RID)
	}
	if slices.Sort(got); !slices.Equal(got, []string{"f", "h", "q"}) {
		t.Errorf("receiver streams %v", bt.Receiver().Streams())
	}
	checkRepairedRID(t, sim, a, b, bt, tr.Sender().Encodings()[1].SSRC)
}

// checkRepairedRID injects an RTX packet (PT 97, apt 96) on a new SSRC
// naming layer "h" by repaired-rid: b delivers it as layer h's packet
// with the original sequence number.
func checkRepairedRID(t *testing.T, sim *netsim.Sim, a, b *peer, bt *Transceiver, hSSRC uint32) {
	t.Helper()
	ids := b.pc.media.ids
	if ids.mid == 0 || ids.rrid == 0 {
		t.Fatalf("extension ids %+v", ids)
	}
	payload := append([]byte{0, 0}, vp8Frame(40, 9)...)
	binary.BigEndian.PutUint16(payload, 4242)
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 97, SequenceNumber: 1, SSRC: 0xabc}, Payload: payload}
	if err := p.SetExtension(ids.mid, []byte(bt.Mid())); err != nil {
		t.Fatal(err)
	}
	if err := p.SetExtension(ids.rrid, []byte("h")); err != nil {
		t.Fatal(err)
	}
	n := len(b.Reads)
	if err := inject(t, sim, a, b, p, false); err != nil {
		t.Fatal(err)
	}
	b.Drain()
	if len(b.Reads) != n+1 {
		t.Fatalf("RTX packet not delivered (%+v)", b.pc.MediaStats())
	}
	m := b.Reads[n]
	var q rtp.Packet
	if err := q.Unmarshal(m.Data); err != nil {
		t.Fatal(err)
	}
	if m.RID != "h" || q.SSRC != hSSRC || q.SequenceNumber != 4242 || q.PayloadType != 96 || len(q.Payload) != 40 {
		t.Errorf("repaired packet: rid %q ssrc %d seq %d pt %d len %d", m.RID, q.SSRC, q.SequenceNumber, q.PayloadType, len(q.Payload))
	}
}
