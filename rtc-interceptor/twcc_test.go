package interceptor

import (
	"testing"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

// recordingEstimator is an Estimator that keeps what it is told.
type recordingEstimator struct {
	sent     []SentPacket
	results  []PacketResult
	losses   []LossReport
	rtts     []time.Duration
	rembs    []uint64
	target   int
	deadline time.Time
	timeouts int
}

func (e *recordingEstimator) OnPacketSent(p SentPacket) { e.sent = append(e.sent, p) }
func (e *recordingEstimator) OnFeedback(now time.Time, r []PacketResult) {
	e.results = append(e.results, r...)
}
func (e *recordingEstimator) OnLoss(now time.Time, r LossReport)     { e.losses = append(e.losses, r) }
func (e *recordingEstimator) OnRTT(now time.Time, rtt time.Duration) { e.rtts = append(e.rtts, rtt) }
func (e *recordingEstimator) OnREMB(now time.Time, bps uint64) {
	e.rembs = append(e.rembs, bps)
	e.target = int(bps)
}
func (e *recordingEstimator) TargetBitrate() int             { return e.target }
func (e *recordingEstimator) HandleTimeout(now time.Time)    { e.timeouts++; e.deadline = time.Time{} }
func (e *recordingEstimator) PollTimeout() (time.Time, bool) { return e.deadline, !e.deadline.IsZero() }
func (e *recordingEstimator) TimeoutReason() string          { return "test" }

// The sender numbers every packet (draft §2); the receiver's feedback
// (§3.1) comes back as PacketResults with the arrival spacing preserved to
// 250 µs and the lost packets marked.
func TestTWCCFeedbackToEstimator(t *testing.T) {
	est := &recordingEstimator{}
	p := newPair(t, Config{TransportCCExtID: twccID, ReducedSize: true, Estimator: est}, videoStream(FeedbackTransportCC, false))
	for i := 0; i < 20; i++ {
		b := p.send()
		if i != 7 && i != 8 {
			p.receive(b)
		}
		p.now = p.now.Add(3 * time.Millisecond)
	}
	// No feedback before the 100 ms cadence.
	for _, pk := range rtcpOf(t, drain(t, p.rcv)) {
		if _, ok := pk.(*rtcp.TransportCC); ok {
			t.Fatal("feedback before its interval")
		}
	}
	p.now = p.now.Add(100 * time.Millisecond)
	mustNoErr(t, p.rcv.HandleTimeout(p.now))
	fb := drain(t, p.rcv)
	n := 0
	for _, b := range fb {
		mustNoErr(t, p.snd.ReceiveRTCP(p.now, b))
		n++
	}
	if len(est.sent) != 20 || len(est.results) != 20 {
		t.Fatalf("%d sent, %d results; want 20 and 20 (from %d RTCP)", len(est.sent), len(est.results), n)
	}
	for i, r := range est.results {
		if r.TransportSeq != est.sent[i].TransportSeq || r.Size != est.sent[i].Size || !r.SendTime.Equal(est.sent[i].SendTime) {
			t.Fatalf("result %d %+v does not match sent %+v", i, r, est.sent[i])
		}
		if (i == 7 || i == 8) == r.Received() {
			t.Fatalf("result %d received=%v", i, r.Received())
		}
		if i > 0 && r.Received() && est.results[i-1].Received() {
			if d := r.Arrival.Sub(est.results[i-1].Arrival); d != 3*time.Millisecond {
				t.Fatalf("arrival spacing %v, want 3ms", d)
			}
		}
	}
	st := p.snd.Stats().TWCCSender
	if st.Received != 18 || st.Lost != 2 || st.Unknown != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Feedback naming packets never sent is counted, not turned into results.
func TestTWCCFeedbackForNeverSentPackets(t *testing.T) {
	s := NewTWCCSender(TWCCSenderConfig{FirstSequence: 100})
	for i := 0; i < 5; i++ {
		s.Number(t0, 1000, mediaSSRC, false)
	}
	var fb rtcp.TransportCC
	arr := []rtcp.TWCCArrival{{Sequence: 102, At: 0}, {Sequence: 110, At: time.Millisecond}, {Sequence: 40000, At: 2 * time.Millisecond}}
	mustNoErr(t, rtcp.BuildTransportCC(&fb, 1, 2, 0, arr[:2]))
	res := s.HandleFeedback(&fb)
	if len(res) != 3 || res[0].TransportSeq != 102 || !res[0].Received() || res[2].Received() {
		t.Fatalf("results %+v, want 102 received, 103 and 104 lost", res)
	}
	if st := s.Stats(); st.Unknown != 6 {
		t.Fatalf("unknown %d, want 6 (105..110)", st.Unknown)
	}
	// A base half the sequence space away is unknown too.
	mustNoErr(t, rtcp.BuildTransportCC(&fb, 1, 2, 0, arr[2:]))
	if res := s.HandleFeedback(&fb); len(res) != 0 {
		t.Fatalf("results %+v for a packet never sent", res)
	}
}

// Packets lost between two feedback messages are reported in the second
// as a leading run of "not received".
func TestTWCCReceiverReportsLossAcrossFeedbacks(t *testing.T) {
	r := NewTWCCReceiver(TWCCReceiverConfig{Interval: 50 * time.Millisecond})
	r.HandleRTP(t0, 65534)
	r.HandleRTP(t0, 65535)
	fb, ok := r.Feedback(t0.Add(50*time.Millisecond), 1, 2)
	if !ok || fb.StatusCount != 2 {
		t.Fatalf("first feedback %+v %v", fb, ok)
	}
	r.HandleRTP(t0.Add(60*time.Millisecond), 3) // 0, 1, 2 lost across the wrap
	r.HandleRTP(t0.Add(61*time.Millisecond), 3) // duplicate
	r.HandleRTP(t0.Add(61*time.Millisecond), 65535)
	fb, ok = r.Feedback(t0.Add(110*time.Millisecond), 1, 2)
	if !ok || fb.BaseSequence != 0 || fb.StatusCount != 4 {
		t.Fatalf("second feedback base %d count %d, want 0 and 4", fb.BaseSequence, fb.StatusCount)
	}
	pk := fb.Packets(nil)
	for i, want := range []bool{false, false, false, true} {
		if (pk[i].Symbol != rtcp.TWCCNotReceived) != want {
			t.Fatalf("packet %d: %+v", i, pk[i])
		}
	}
	if st := r.Stats(); st.Late != 1 || st.Feedbacks != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// A flood of arrivals is bounded by MaxPending and makes feedback due at
// once.
func TestTWCCReceiverFlood(t *testing.T) {
	r := NewTWCCReceiver(TWCCReceiverConfig{MaxPending: 100})
	for i := 0; i < 1000; i++ {
		r.HandleRTP(t0, uint16(i*7))
	}
	if d, _ := r.PollTimeout(); !d.Equal(t0) {
		t.Fatalf("deadline %v, want now", d)
	}
	if st := r.Stats(); st.Recorded != 100 || st.Dropped != 900 {
		t.Fatalf("stats %+v", st)
	}
	fb, ok := r.Feedback(t0, 1, 2)
	if !ok || fb.StatusCount != 99*7+1 {
		t.Fatalf("feedback %v count %d", ok, fb.StatusCount)
	}
}

// The Estimator gets RR loss, RTT and REMB; a changed target is an event.
func TestChainFeedsEstimator(t *testing.T) {
	est := &recordingEstimator{}
	p := newPair(t, Config{ReducedSize: true, Estimator: est}, videoStream(allFeedback, false))
	p.send()
	remb := rtcp.REMB{SenderSSRC: 5, SSRCs: []uint32{mediaSSRC}}
	remb.SetBitrate(1_500_000)
	b, err := remb.AppendTo(nil)
	mustNoErr(t, err)
	rr := rtcp.ReceiverReport{SSRC: 5, Reports: []rtcp.ReceptionReport{{SSRC: mediaSSRC, FractionLost: 12, TotalLost: 3}}}
	b, err = rr.AppendTo(b)
	mustNoErr(t, err)
	mustNoErr(t, p.snd.ReceiveRTCP(p.now, b))
	if len(est.rembs) != 1 || len(est.losses) != 1 || est.losses[0].FractionLost != 12 {
		t.Fatalf("estimator saw %+v %+v", est.rembs, est.losses)
	}
	ev, ok := p.snd.PollEvent()
	if !ok || ev.Kind != EventTargetBitrate || ev.Bitrate != est.target {
		t.Fatalf("event %+v %v, want target %d", ev, ok, est.target)
	}
	// The estimator's own deadline is served.
	est.deadline = p.now.Add(time.Second)
	if d, _ := p.snd.PollTimeout(); d.After(est.deadline) {
		t.Fatalf("chain deadline %v after the estimator's", d)
	}
	mustNoErr(t, p.snd.HandleTimeout(est.deadline))
	if est.timeouts != 1 {
		t.Fatalf("estimator timeouts %d", est.timeouts)
	}
}
