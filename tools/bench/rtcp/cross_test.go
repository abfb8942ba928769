package rtcpbench

import (
	"bytes"
	"testing"
	"time"

	pionrtcp "github.com/pion/rtcp"
	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

// ourPackets is one of each type both libraries decode.
func ourPackets() []rtcp.Packet {
	var twcc rtcp.TransportCC
	var arr []rtcp.TWCCArrival
	at := time.Second
	for s := uint16(65500); s != 100; s++ {
		if s%5 == 0 {
			continue
		}
		at += time.Duration(s%3) * time.Millisecond
		if s == 7 {
			at += 80 * time.Millisecond
		}
		arr = append(arr, rtcp.TWCCArrival{Sequence: s, At: at})
	}
	if err := rtcp.BuildTransportCC(&twcc, 11, 22, 3, arr); err != nil {
		panic(err)
	}
	return []rtcp.Packet{
		srPacket(), sdesPacket(),
		&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 2, FractionLost: 9, TotalLost: 1000, LastSequenceNumber: 70000, Jitter: 5, LastSenderReport: 6, Delay: 7}}},
		&rtcp.Goodbye{Sources: []uint32{1, 2}, Reason: []byte("done")},
		&rtcp.NACK{SenderSSRC: 1, MediaSSRC: 2, Pairs: rtcp.NACKPairs(nil, []uint16{10, 11, 20, 40})},
		&rtcp.PLI{SenderSSRC: 1, MediaSSRC: 2},
		// No SLI: Pion v1.2.17 marshals SLI with PT 205 and rejects PT 206
		// (RFC 4585 §6.3.2 says PSFB, 206), so it cannot parse a correct one.
		&rtcp.ApplicationDefined{Subtype: 3, SSRC: 4, Name: [4]byte{'n', 'a', 'm', 'e'}, Data: []byte{1, 2, 3, 4}},
		&rtcp.FIR{SenderSSRC: 1, Entries: []rtcp.FIREntry{{SSRC: 2, SequenceNumber: 3}}},
		&rtcp.REMB{SenderSSRC: 1, Exp: 2, Mantissa: 250000, SSRCs: []uint32{3, 4}},
		&twcc,
		&rtcp.CCFeedback{SenderSSRC: 1, ReportTimestamp: 99, Blocks: []rtcp.CCFBBlock{
			{MediaSSRC: 2, BeginSequence: 10, Metrics: []rtcp.CCFBMetric{{Received: true, ECN: 1, ArrivalOffset: 40}, {}, {Received: true, ArrivalOffset: 3}}}}},
		&rtcp.ExtendedReport{SSRC: 5, Blocks: []rtcp.XRBlock{rtcp.NewRRTR(0x1122334455667788), rtcp.NewDLRR(rtcp.DLRRItem{SSRC: 1, LastRR: 2, DLRR: 3})}},
	}
}

func srPacket() *rtcp.SenderReport {
	return &rtcp.SenderReport{SSRC: 0x902f9e2e, NTPTime: 0xda8bd1fcdddda05a, RTPTime: 0xaaf4edd5, PacketCount: 1, OctetCount: 2,
		Reports: []rtcp.ReceptionReport{{SSRC: 0xbc5e9a40, FractionLost: 3, TotalLost: 5, LastSequenceNumber: 0x46e1, Jitter: 273, LastSenderReport: 0x9f36432, Delay: 150137}}}
}

func sdesPacket() *rtcp.SourceDescription {
	return &rtcp.SourceDescription{Chunks: []rtcp.SDESChunk{
		{Source: 0x902f9e2e, Items: []rtcp.SDESItem{{Type: rtcp.SDESCNAME, Text: []byte("{9c00eb92-1afb-9d49-a47d-91f64eee69f5}")}}},
	}}
}

// TestCrossMarshal: what we marshal, Pion parses and marshals back
// identically; and Pion's bytes, we parse and marshal back identically.
func TestCrossMarshal(t *testing.T) {
	for _, p := range ourPackets() {
		ours, err := rtcp.Marshal(p)
		if err != nil {
			t.Fatalf("%T: %v", p, err)
		}
		pp, err := pionrtcp.Unmarshal(ours)
		if err != nil {
			t.Errorf("%T: Pion cannot parse ours: %v", p, err)
			continue
		}
		pb, err := pionrtcp.Marshal(pp)
		if err != nil {
			t.Errorf("%T: Pion cannot marshal: %v", p, err)
			continue
		}
		if !bytes.Equal(pb, ours) {
			t.Errorf("%T: Pion re-marshals differently:\nours %x\npion %x", p, ours, pb)
		}
		back, err := rtcp.Unmarshal(pb)
		if err != nil {
			t.Errorf("%T: we cannot parse Pion's: %v", p, err)
			continue
		}
		again, err := rtcp.Marshal(back...)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, pb) {
			t.Errorf("%T: we re-marshal Pion's differently", p)
		}
	}
}

// TestPionTransportCC parses transport-cc feedback Pion builds itself (its
// own chunk choices) and checks the statuses and deltas.
func TestPionTransportCC(t *testing.T) {
	pkt := &pionrtcp.TransportLayerCC{
		SenderSSRC: 1, MediaSSRC: 2, BaseSequenceNumber: 65534, PacketStatusCount: 6, ReferenceTime: 0xfffff0, FbPktCount: 4,
		PacketChunks: []pionrtcp.PacketStatusChunk{
			&pionrtcp.StatusVectorChunk{SymbolSize: pionrtcp.TypeTCCSymbolSizeTwoBit, SymbolList: []uint16{1, 2, 0, 1, 3, 1, 0}},
		},
		RecvDeltas: []*pionrtcp.RecvDelta{
			{Type: pionrtcp.TypeTCCPacketReceivedSmallDelta, Delta: 250 * 4},
			{Type: pionrtcp.TypeTCCPacketReceivedLargeDelta, Delta: -250 * 100},
			{Type: pionrtcp.TypeTCCPacketReceivedSmallDelta, Delta: 250 * 255},
			{Type: pionrtcp.TypeTCCPacketReceivedSmallDelta, Delta: 0},
		},
	}
	pkt.Header = pionrtcp.Header{Padding: true, Count: pionrtcp.FormatTCC, Type: pionrtcp.TypeTransportSpecificFeedback,
		Length: uint16(pkt.MarshalSize()/4 - 1)}
	b, err := pkt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var ours rtcp.TransportCC
	if err := ours.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	got := ours.Packets(nil)
	want := []rtcp.TWCCPacket{{Sequence: 65534, Symbol: 1, Delta: 4}, {Sequence: 65535, Symbol: 2, Delta: -100}, {Sequence: 0, Symbol: 0, Delta: 0}, {Sequence: 1, Symbol: 1, Delta: 255}, {Sequence: 2, Symbol: 3, Delta: 0}, {Sequence: 3, Symbol: 1, Delta: 0}}
	if len(got) != len(want) {
		t.Fatalf("%d packets", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("packet %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if ours.ReferenceTime != -16 || ours.FeedbackCount != 4 {
		t.Errorf("reference %d, count %d", ours.ReferenceTime, ours.FeedbackCount)
	}
	again, err := rtcp.Marshal(&ours)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Errorf("re-marshal differs:\n%x\n%x", again, b)
	}
}
