package gcc

import (
	"net/netip"
	"testing"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	"github.com/sansrtc/rtc/rtc-interceptor/pacer"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

const (
	mediaSSRC = 0x1234
	rtxSSRC   = 0x5678
	twccExt   = 5
)

// chainSender drives the default chain (gcc.NewChain) with the pacer, as a
// PeerConnection would: frames at the target into the pacer, packets out
// of the pacer through SendRTP (SendRTPProbe in a probe cluster, padding
// as RTX padding-only packets), target events back to the pacer.
type chainSender struct {
	t         *testing.T
	chain     *interceptor.Chain
	est       *Estimator
	pc        *pacer.Pacer[int]
	tc        shared.TransportContext
	next      time.Time
	last      time.Time
	seq, rseq uint16
	pkt       rtp.Packet
	payload   [1200]byte
	out       [][]byte
	events    int
}

func (s *chainSender) drainEvents() {
	for {
		ev, ok := s.chain.PollEvent()
		if !ok {
			return
		}
		if ev.Kind == interceptor.EventTargetBitrate {
			s.events++
			s.pc.SetRate(ev.Bitrate)
		}
	}
}

func (s *chainSender) HandleRead(m shared.TaggedBytes) error {
	err := s.chain.HandleRead(m)
	s.drainEvents()
	return err
}

func (s *chainSender) HandleTimeout(now time.Time) error {
	s.last = now
	for !now.Before(s.next) {
		for frame := s.chain.TargetBitrate() / 8 / fps; frame > 0; frame -= maxPacket {
			n := max(min(frame, maxPacket), 100)
			if err := s.pc.Push(now, n, n, pacer.ClassVideo); err != nil {
				s.t.Errorf("pacer: %v", err)
			}
		}
		s.next = s.next.Add(time.Second / fps)
	}
	for {
		pr, ok := s.est.PollProbe()
		if !ok {
			break
		}
		s.pc.Probe(now, pacer.Probe(pr))
	}
	for {
		it, ok := s.pc.Poll(now)
		if !ok {
			break
		}
		if it.Padding {
			s.pkt = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 97, SequenceNumber: s.rseq, SSRC: rtxSSRC}, PaddingSize: 255}
			s.rseq++
		} else {
			s.pkt = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: s.seq, Timestamp: uint32(now.UnixMilli() * 90), SSRC: mediaSSRC}, Payload: s.payload[:it.Value]}
			s.seq++
		}
		var b []byte
		var err error
		if it.ProbeCluster != 0 {
			b, err = s.chain.SendRTPProbe(now, &s.pkt, it.ProbeCluster, nil)
		} else {
			b, err = s.chain.SendRTP(now, &s.pkt, nil)
		}
		if err != nil {
			return err
		}
		s.out = append(s.out, b)
	}
	err := s.chain.HandleTimeout(now)
	s.drainEvents()
	return err
}

func (s *chainSender) PollWrite() (shared.TaggedBytes, bool) {
	if len(s.out) > 0 {
		b := s.out[0]
		s.out = s.out[1:]
		return shared.TaggedBytes{Transport: s.tc, Message: b}, true
	}
	m, ok := s.chain.PollWrite()
	m.Transport = s.tc
	return m, ok
}

func (s *chainSender) PollTimeout() (time.Time, bool) {
	d := s.next
	if t, ok := s.pc.PollTimeout(); ok && t.Before(d) {
		d = t
	}
	if t, ok := s.chain.PollTimeout(); ok && t.Before(d) {
		d = t
	}
	if d.Before(s.last) {
		d = s.last
	}
	return d, true
}

// chainReceiver is a receiving chain on the network.
type chainReceiver struct {
	chain *interceptor.Chain
	tc    shared.TransportContext
}

func (r *chainReceiver) HandleRead(m shared.TaggedBytes) error { return r.chain.HandleRead(m) }
func (r *chainReceiver) HandleTimeout(now time.Time) error     { return r.chain.HandleTimeout(now) }
func (r *chainReceiver) PollTimeout() (time.Time, bool)        { return r.chain.PollTimeout() }
func (r *chainReceiver) PollWrite() (shared.TaggedBytes, bool) {
	m, ok := r.chain.PollWrite()
	m.Transport = r.tc
	return m, ok
}

// The default chain end to end on a 1.5 Mbit/s link: transport-cc numbering
// (starting just below 2^16, so it wraps), feedback from the receiving
// chain, GCC, probe clusters marked through SendRTPProbe, and target events
// driving the pacer.
func TestChainWithPacer(t *testing.T) {
	const capacity = 1_500_000
	sim := netsim.New(netsim.Config{Seed: 1, TraceLimit: -1})
	sa := netip.MustParseAddrPort("192.0.2.1:5000")
	ra := netip.MustParseAddrPort("198.51.100.1:6000")
	cfg := interceptor.Config{TransportCCExtID: twccExt, ReducedSize: true, Rand: netsim.NewRand(1, "snd"), TWCCSender: interceptor.TWCCSenderConfig{FirstSequence: 65000}}
	chain, est, err := NewChain(cfg, Config{})
	if err != nil {
		t.Fatal(err)
	}
	sc := interceptor.StreamConfig{SSRC: mediaSSRC, PayloadType: 96, RTXSSRC: rtxSSRC, RTXPayloadType: 97, Feedback: interceptor.FeedbackTransportCC | interceptor.FeedbackNACK}
	if err := chain.BindLocal(sc); err != nil {
		t.Fatal(err)
	}
	cfg.Rand = netsim.NewRand(1, "rcv")
	rchain, err := interceptor.NewChain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := rchain.BindRemote(sc); err != nil {
		t.Fatal(err)
	}
	s := &chainSender{t: t, chain: chain, est: est, pc: pacer.New[int](pacer.Config{PaddingSize: 300}, est.TargetBitrate()), tc: shared.TransportContext{Local: sa, Peer: ra}, next: sim.Now()}
	r := &chainReceiver{chain: rchain, tc: shared.TransportContext{Local: ra, Peer: sa}}
	sim.Add(s, sa)
	sim.Add(r, ra)
	sim.SetLink(sa.Addr(), ra.Addr(), bottleneck(capacity))
	sim.SetLink(ra.Addr(), sa.Addr(), netsim.LinkConfig{Delay: oneWay})
	if err := sim.RunFor(10*time.Second, 0); err != nil {
		t.Fatal(err)
	}
	st := est.Stats()
	tw := chain.Stats().TWCCSender
	t.Logf("target %s after 10 s on %s; %d target events; estimator %+v; transport-cc %+v", mbps(float64(st.Target)), mbps(capacity), s.events, st, tw)
	if st.Target < capacity*7/10 || st.Target > capacity*11/10 {
		t.Errorf("target %d on a %d bit/s link", st.Target, capacity)
	}
	if s.events < 10 || st.ProbeResults == 0 || st.Ignored != 0 || tw.Sent < 1000 || tw.Unknown != 0 {
		t.Errorf("events %d, estimator %+v, transport-cc %+v", s.events, st, tw)
	}
}
