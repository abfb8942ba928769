package rtc

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// connectedPair returns two peers with channels open over netsim.
func connectedPair(t testing.TB, seed uint64, channels int, cfgA, cfgB Configuration) (*netsim.Sim, *peer, *peer, []*DataChannel) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	mk := func(name string, addr netip.AddrPort, cfg Configuration) *peer {
		cfg.Rand, cfg.Now, cfg.LocalAddresses = netsim.NewRand(seed, name), sim.Now(), []netip.AddrPort{addr}
		pc, err := NewPeerConnection(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p := wrapPeer(t, name, pc)
		sim.Add(p, addr)
		return p
	}
	a, b := mk("a", addrA, cfgA), mk("b", addrB, cfgB)
	var dcs []*DataChannel
	for i := range channels {
		dc, err := a.pc.CreateDataChannel(fmt.Sprint("ch", i), DataChannelInit{})
		if err != nil {
			t.Fatal(err)
		}
		dcs = append(dcs, dc)
	}
	negotiate(t, a, b, nil)
	open := func() bool {
		for _, d := range dcs {
			if d.State() != DataChannelOpen {
				return false
			}
		}
		return true
	}
	if err := sim.Run(open, 100000); err != nil {
		t.Fatalf("seed %d: channels not open: %v", seed, err)
	}
	return sim, a, b, dcs
}

func TestLimitMaxDataChannels(t *testing.T) {
	pc, err := NewPeerConnection(Configuration{MaxDataChannels: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := pc.CreateDataChannel(fmt.Sprint(i), DataChannelInit{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pc.CreateDataChannel("x", DataChannelInit{}); !errors.Is(err, ErrTooManyChannels) {
		t.Errorf("third channel: %v", err)
	}
}

func TestLimitMaxSDPSize(t *testing.T) {
	pc, err := NewPeerConnection(Configuration{MaxSDPSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	err = pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: "v=0\r\n" + strings.Repeat("a=x\r\n", 50)})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("oversized SDP: %v", err)
	}
}

func TestLimitMaxRemoteCandidates(t *testing.T) {
	src, err := NewPeerConnection(Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := src.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := NewPeerConnection(Configuration{MaxRemoteCandidates: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	err = nil
	for i := range 3 {
		err = pc.AddICECandidate(ICECandidateInit{Candidate: fmt.Sprintf("candidate:%d 1 udp 2130706175 192.0.2.%d 5000 typ host", i, i+1)})
	}
	if !errors.Is(err, ErrLimit) {
		t.Errorf("third candidate: %v", err)
	}
}

// TestLimitMessageSize: a message above the peer's max-message-size is
// refused (RFC 8841 §6: "the sender MUST NOT send a message larger"), at
// the smallest MaxMessageSize allowed on either side, with which channels
// still open (before minMaxMessageSize, a limit of 1 byte left no room for
// DATA_CHANNEL_OPEN and no channel opened).
func TestLimitMessageSize(t *testing.T) {
	const n = minMaxMessageSize
	for _, cfgs := range [][2]Configuration{{{}, {MaxMessageSize: n}}, {{MaxMessageSize: n}, {}}} {
		sim, _, b, dcs := connectedPair(t, 11, 1, cfgs[0], cfgs[1])
		if err := dcs[0].Send(make([]byte, n)); err != nil {
			t.Errorf("%d bytes: %v", n, err)
		}
		if err := dcs[0].Send(make([]byte, n+1)); !errors.Is(err, ErrMessageTooLarge) {
			t.Errorf("%d bytes: %v", n+1, err)
		}
		if err := sim.Run(func() bool { return len(b.Reads) == 1 }, 100000); err != nil || len(b.Reads[0].Data) != n {
			t.Errorf("the %d-byte message did not arrive: %v", n, err)
		}
	}
}

// TestLargeMaxMessageSize: a message of the largest size we advertise
// arrives. Before, the SCTP receive buffer stayed at 1 MiB whatever
// MaxMessageSize was, so with 4 MiB advertised a 2 MiB message could never
// be reassembled: it stalled the association ("data outside the receive
// window") for good.
func TestLargeMaxMessageSize(t *testing.T) {
	const n = 4 << 20
	cfg := Configuration{MaxMessageSize: n}
	sim, _, b, dcs := connectedPair(t, 3, 1, cfg, cfg)
	msg := make([]byte, n)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	if err := dcs[0].Send(msg); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(b.Reads) == 1 }, 200000); err != nil {
		t.Fatalf("the %d-byte message did not arrive: %v (errors %v)", n, err, b.errs)
	}
	if !bytes.Equal(b.Reads[0].Data, msg) {
		t.Fatal("the message arrived changed")
	}
	if _, err := NewPeerConnection(Configuration{MaxMessageSize: maxMaxMessageSize + 1}); !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("MaxMessageSize %d: %v, want an invalid configuration", maxMaxMessageSize+1, err)
	}
}

func TestLimitBufferedAmount(t *testing.T) {
	_, _, _, dcs := connectedPair(t, 12, 1, Configuration{MaxBufferedAmount: 100 << 10}, Configuration{})
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		err = dcs[0].Send(make([]byte, 16<<10))
	}
	if !errors.Is(err, ErrBufferFull) {
		t.Errorf("send past MaxBufferedAmount: %v", err)
	}
}

// TestEventQueueFull: a full event queue is reported, not silently dropped.
func TestEventQueueFull(t *testing.T) {
	pc, err := NewPeerConnection(Configuration{MaxQueuedEvents: 2, LocalAddresses: []netip.AddrPort{addrA}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.CreateDataChannel("x", DataChannelInit{}); err != nil { // negotiationneeded
		t.Fatal(err)
	}
	o, err := pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(o); err != nil { // signaling, gathering and candidate events overflow
		t.Fatal(err)
	}
	if pc.out.events.Lost() == 0 {
		t.Fatalf("overflow not counted (%d queued)", pc.out.events.Len())
	}
	err = pc.HandleTimeout(time.Unix(1, 0))
	var oe *shared.OverflowError
	if !errors.Is(err, shared.ErrQueueFull) || !errors.As(err, &oe) || oe.Lost != pc.out.events.Lost() {
		t.Fatalf("next Handle* should report the %d lost events: %v", pc.out.events.Lost(), err)
	}
	if err := pc.HandleTimeout(time.Unix(2, 0)); err != nil {
		t.Errorf("the loss was reported twice: %v", err)
	}
	if n := len(drainEvents(pc)); n != 2 {
		t.Errorf("%d events queued, want the first 2", n)
	}
}

func drainEvents(pc *PeerConnection) []Event {
	var es []Event
	for {
		e, ok := pc.PollEvent()
		if !ok {
			return es
		}
		es = append(es, e)
	}
}

// TestGarbageDatagrams: bad network input is counted and dropped with an
// error, never a panic, and the connection keeps working.
func TestGarbageDatagrams(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 13, 1, Configuration{}, Configuration{})
	tr := shared.TransportContext{Local: addrA, Peer: addrB}
	for _, g := range [][]byte{nil, {}, {0}, {1, 1, 0, 0}, {22, 254, 253}, {23, 254, 253, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4},
		{0x80, 96, 0, 1}, {0x80, 200}, {255, 255}, {64, 0, 0, 4, 1, 2, 3, 4}} {
		before := a.pc.Stats().Dropped
		err := a.pc.HandleRead(shared.TaggedBytes{Now: sim.Now(), Transport: tr, Message: g})
		// Each datagram is dropped and counted once; the error, if any,
		// says why (some layers drop without one: counted in their stats).
		if got := a.pc.Stats().Dropped - before; got != 1 {
			t.Errorf("% x: Dropped grew by %d, want 1 (err %v)", g, got, err)
		}
		if errors.Is(err, shared.ErrQueueFull) || errors.Is(err, ErrClosed) {
			t.Errorf("% x: %v", g, err)
		}
	}
	if err := dcs[0].SendText("still here"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(b.Reads) > 0 }, 10000); err != nil {
		t.Fatalf("connection broken by garbage: %v", err)
	}
}

// TestPollTimeoutIdleNoAlloc: an idle PollTimeout allocates nothing.
func TestPollTimeoutIdleNoAlloc(t *testing.T) {
	_, a, _, _ := connectedPair(t, 14, 50, Configuration{}, Configuration{})
	a.pc.PollTimeout()
	if n := testing.AllocsPerRun(100, func() { a.pc.PollTimeout() }); n != 0 {
		t.Errorf("idle PollTimeout allocates %v", n)
	}
}

// BenchmarkPollTimeoutIdle: an idle poll reads the cached deadlines
// ("cached"); "refresh" asks every layer again, as without the cache.
func BenchmarkPollTimeoutIdle(b *testing.B) {
	for _, n := range []int{1, 50} {
		_, a, _, _ := connectedPair(b, 15, n, Configuration{}, Configuration{})
		b.Run(fmt.Sprintf("cached/%dch", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.pc.PollTimeout()
			}
		})
		b.Run(fmt.Sprintf("refresh/%dch", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.pc.tr.iceTimer.stale, a.pc.tr.dtlsTimer.stale, a.pc.data.timer.stale = true, true, true
				a.pc.PollTimeout()
			}
		})
	}
}

// A layer error that already names its layer is not prefixed twice.
func TestLayerErrorPrefix(t *testing.T) {
	for _, tc := range []struct {
		layer string
		err   error
		want  string
	}{
		{"sctp", errors.New("sctp: association aborted by peer"), "rtc: sctp: association aborted by peer"},
		{"dtls", errors.New("handshake timeout"), "rtc: dtls: handshake timeout"},
		{"ice", errors.New("icebox: x"), "rtc: ice: icebox: x"},
	} {
		if got := layerErr(tc.layer, tc.err).Error(); got != tc.want {
			t.Errorf("layerErr(%q, %q) = %q, want %q", tc.layer, tc.err, got, tc.want)
		}
	}
}

// TestCandidateCutReported (issue 11): a remote description with more
// candidates than MaxRemoteCandidates is applied with the first ones, and
// the cut is reported (EventICECandidateError wrapping ErrLimit), not
// silent.
func TestCandidateCutReported(t *testing.T) {
	src, err := NewPeerConnection(Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := src.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	var cands strings.Builder
	for i := range 5 {
		fmt.Fprintf(&cands, "a=candidate:%d 1 udp 2130706175 192.0.2.%d 5000 typ host\r\n", i, i+1)
	}
	o.SDP = strings.Replace(o.SDP, "a=sctp-port", cands.String()+"a=sctp-port", 1)
	pc, err := NewPeerConnection(Configuration{MaxRemoteCandidates: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetRemoteDescription(o); err != nil {
		t.Fatal(err)
	}
	var cut []Event
	for _, e := range drainEvents(pc) {
		if e.Kind == EventICECandidateError {
			cut = append(cut, e)
		}
	}
	if len(cut) != 1 || !errors.Is(cut[0].Err, ErrLimit) || !strings.Contains(cut[0].Candidate.Candidate, "192.0.2.3") {
		t.Fatalf("cut reported as %+v", cut)
	}
	if got := pc.tr.remoteCands; got != 2 {
		t.Errorf("%d candidates applied, want the first 2", got)
	}
}

// TestAgentCandidateRefusedSurfaced: the ICE agent's report that it cut
// remote candidates (EventCandidateRefused: trickled or peer-reflexive
// ones over its limits) comes out as EventICECandidateError.
func TestAgentCandidateRefusedSurfaced(t *testing.T) {
	pc := newTestPC(t)
	c, err := ice.ParseCandidate("candidate:9 1 udp 1694498815 203.0.113.9 7000 typ prflx")
	if err != nil {
		t.Fatal(err)
	}
	pc.tr.iceEvent(time.Unix(1, 0), ice.Event{Kind: ice.EventCandidateRefused, Candidate: c}, &pc.out)
	es := drainEvents(pc)
	if len(es) != 1 || es[0].Kind != EventICECandidateError || !errors.Is(es[0].Err, ErrLimit) || !strings.Contains(es[0].Candidate.Candidate, "203.0.113.9") {
		t.Fatalf("events %v", es)
	}
	if es[0].String() == "" || EventICECandidateError.String() != "icecandidateerror" {
		t.Errorf("names: %q %q", es[0], EventICECandidateError)
	}
}
