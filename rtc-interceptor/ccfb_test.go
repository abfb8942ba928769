package interceptor

import (
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// RFC 8888 end to end: the receiver reports each packet's arrival and ECN
// (§3.1), the sender turns the report into PacketResults in transport order.
func TestCCFBFeedbackToEstimator(t *testing.T) {
	est := &recordingEstimator{}
	p := newPair(t, Config{CCFB: true, ReducedSize: true, Estimator: est}, videoStream(FeedbackCCFB, false))
	for i := 0; i < 20; i++ {
		b := p.send()
		if i != 5 {
			ecn := shared.ECNECT0
			if i == 9 {
				ecn = shared.ECNCE
			}
			mustNoErr(t, p.rcv.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{ECN: ecn}, Message: b}))
		}
		p.now = p.now.Add(4 * time.Millisecond)
	}
	if p.pkt.HasExtension(twccID) {
		t.Fatal("transport-cc extension written without TransportCCExtID")
	}
	p.now = p.now.Add(100 * time.Millisecond)
	mustNoErr(t, p.rcv.HandleTimeout(p.now))
	out := drain(t, p.rcv)
	var fb *rtcp.CCFeedback
	for _, pk := range rtcpOf(t, out) {
		if f, ok := pk.(*rtcp.CCFeedback); ok {
			fb = f
		}
	}
	if fb == nil || len(fb.Blocks) != 1 || len(fb.Blocks[0].Metrics) != 20 {
		t.Fatalf("feedback %+v", fb)
	}
	if m := fb.Blocks[0].Metrics; m[5].Received || !m[9].Received || m[9].ECN != uint8(shared.ECNCE) || m[8].ECN != uint8(shared.ECNECT0) {
		t.Fatalf("metrics %+v", m)
	}
	for _, b := range out {
		mustNoErr(t, p.snd.ReceiveRTCP(p.now, b))
	}
	if len(est.results) != 20 {
		t.Fatalf("%d results, want 20", len(est.results))
	}
	for i, r := range est.results {
		if r.TransportSeq != est.sent[i].TransportSeq || r.Received() == (i == 5) {
			t.Fatalf("result %d: %+v", i, r)
		}
		if i > 0 && i != 5 && i != 6 {
			// 1/1024 s resolution on both ends of the difference.
			if d := r.Arrival.Sub(est.results[i-1].Arrival); d < 3*time.Millisecond || d > 5*time.Millisecond {
				t.Fatalf("arrival spacing %v, want ~4ms", d)
			}
		}
	}
	// A report about packets never sent is counted, not used.
	bogus := rtcp.CCFeedback{SenderSSRC: 1, Blocks: []rtcp.CCFBBlock{{MediaSSRC: mediaSSRC, BeginSequence: 40000, Metrics: []rtcp.CCFBMetric{{Received: true}}}}}
	b, err := bogus.AppendTo(nil)
	mustNoErr(t, err)
	mustNoErr(t, p.snd.ReceiveRTCP(p.now, b))
	if st := p.snd.Stats(); st.TWCCUnknown != 1 || len(est.results) != 20 {
		t.Fatalf("stats %+v, %d results", st, len(est.results))
	}
}

// Late arrivals (after their report) are counted; a report spans at most
// the window.
func TestCCFBStreamBounds(t *testing.T) {
	s := NewCCFBStream(mediaSSRC)
	s.HandleRTP(t0, 10, 0)
	s.HandleRTP(t0, 5000, 0)
	b := s.Block(t0)
	if len(b.Metrics) != ccfbWindow || b.BeginSequence != 5000-ccfbWindow+1 || !b.Metrics[len(b.Metrics)-1].Received {
		t.Fatalf("block begin %d, %d metrics", b.BeginSequence, len(b.Metrics))
	}
	s.HandleRTP(t0, 4999, 0)
	if s.Late != 1 || s.Pending() {
		t.Fatalf("late %d pending %v", s.Late, s.Pending())
	}
	// An arrival 10 s before the report saturates the offset.
	s.HandleRTP(t0, 5001, 0)
	if b := s.Block(t0.Add(10 * time.Second)); b.Metrics[0].ArrivalOffset != 0x1FFE {
		t.Fatalf("offset %#x", b.Metrics[0].ArrivalOffset)
	}
}
