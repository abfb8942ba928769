package rtc

import (
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestIdleReleases: a connected PeerConnection that carried no DTLS record
// for shared.IdleAfter has its DTLS and SCTP parts give back what they keep
// for reuse (buffers, scratch, queue storage), at the next wake-up (a
// consent check); consent checks alone do not take it back; data, a new
// channel and a close still work afterwards. Measured on the heap of a
// few idle pairs: before, an idle PeerConnection kept about 6 KB more
// (issue 18).
func TestIdleReleases(t *testing.T) {
	const n = 10
	type run struct {
		sim  *netsim.Sim
		a, b *peer
		dc   *DataChannel
	}
	var runs []run
	for i := range n {
		sim, a, b, dcs := connectedPair(t, uint64(i+1), 1, Configuration{}, Configuration{})
		if err := dcs[0].SendText("ping"); err != nil {
			t.Fatal(err)
		}
		if err := sim.Run(func() bool { return len(b.Reads) == 1 }, 100000); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run{sim: sim, a: a, b: b, dc: dcs[0]})
	}
	// Just under IdleAfter after the last record: nothing released yet.
	for _, r := range runs {
		if err := r.sim.RunFor(shared.IdleAfter/2, 100000); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*peer{r.a, r.b} {
			if p.pc.idle.Due(p.pc.clock.Now()) {
				t.Fatalf("%s: due %v after the last record", p.name, shared.IdleAfter/2)
			}
		}
	}
	before := contracttest.LiveHeap()
	// Past the first consent checks (4-6 s, RFC 7675).
	for _, r := range runs {
		if err := r.sim.RunFor(10*time.Second, 1000000); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*peer{r.a, r.b} {
			if !p.pc.idle.Released() || p.pc.data.pkt != nil {
				t.Fatalf("%s: idle for 10 s and nothing released (packet scratch %d)", p.name, cap(p.pc.data.pkt))
			}
			if len(p.errs) > 0 {
				t.Fatalf("%s: %v", p.name, p.errs)
			}
		}
	}
	after := contracttest.LiveHeap()
	saved := (float64(before) - float64(after)) / (2 * n)
	t.Logf("an idle PeerConnection gave back %.0f B", saved)
	// 6.2 KB measured (linux/amd64, go1.26): ICE, DTLS and SCTP buffers,
	// scratch and queue storage; -0.2 KB without the release.
	if saved < 5000 {
		t.Errorf("an idle PeerConnection gave back %.0f B, want at least 5000", saved)
	}
	r := runs[0]
	if err := r.dc.SendText("after"); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Run(func() bool { return len(r.b.Reads) == 2 }, 100000); err != nil {
		t.Fatal(err)
	}
	if got := string(r.b.Reads[1].Data); got != "after" {
		t.Fatalf("read %q after the release", got)
	}
	dc2, err := r.b.pc.CreateDataChannel("second", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Run(func() bool { return r.a.channel("second") != nil && dc2.State() == DataChannelOpen }, 100000); err != nil {
		t.Fatal(err)
	}
	if err := r.dc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Run(func() bool { return r.dc.State() == DataChannelClosed }, 100000); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(runs)
}

// TestSettledDescriptionsReleased: once an exchange is settled, neither end
// keeps its parsed local description (about 1.2 KB) nor, at the answerer,
// the parser's whole array of format strings through a section's formats
// (about 1 KB); LocalDescription renders the same text from the
// description parsed again, and a rollback and a renegotiation still work
// (issue 18).
func TestSettledDescriptionsReleased(t *testing.T) {
	sim, a, b, _ := connectedPair(t, 7, 1, Configuration{}, Configuration{})
	for _, p := range []*peer{a, b} {
		n := &p.pc.neg
		for name, d := range map[string]*localDesc{"current": n.currentLocal, "last offer": n.lastOffer, "last answer": n.lastAnswer} {
			if d != nil && d.sd != nil {
				t.Errorf("%s: %s local description still parsed", p.name, name)
			}
		}
		for _, s := range n.sections {
			if cap(s.formats) > len(s.formats) {
				t.Errorf("%s: section %s keeps %d format strings for %d", p.name, s.mid, cap(s.formats), len(s.formats))
			}
		}
		got := p.pc.LocalDescription()
		d := *n.currentLocal
		cfg := sdp.Config{}
		sd, err := cfg.Parse(d.text)
		if err != nil {
			t.Fatal(err)
		}
		d.sd = sd
		want := render(&d, p.pc.tr.localCandidates, p.pc.tr.gathering == ICEGatheringComplete)
		if got != want || !strings.Contains(got.SDP, "a=candidate:") {
			t.Errorf("%s: LocalDescription after release differs:\n%s\nwant\n%s", p.name, got.SDP, want.SDP)
		}
	}
	// A rollback reads the current description's m-sections.
	if _, err := a.pc.AddTransceiver(MediaKindAudio, TransceiverInit{}); err != nil {
		t.Fatal(err)
	}
	offer, err := a.pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetLocalDescription(SessionDescription{Type: SDPTypeRollback}); err != nil {
		t.Fatal(err)
	}
	if len(a.pc.neg.sections) != 1 || a.pc.neg.dataSection() == nil {
		t.Fatalf("after rollback: %d sections, data section %v", len(a.pc.neg.sections), a.pc.neg.dataSection() != nil)
	}
	// A renegotiation adds the audio section; data keeps flowing.
	negotiate(t, a, b, nil)
	if len(a.pc.neg.sections) != 2 || len(b.pc.neg.sections) != 2 || a.pc.SignalingState() != SignalingStable {
		t.Fatalf("after renegotiation: %d / %d sections, %v", len(a.pc.neg.sections), len(b.pc.neg.sections), a.pc.SignalingState())
	}
	dc := a.channel("ch0")
	if dc == nil {
		t.Fatal("no channel")
	}
	if err := dc.SendText("after renegotiation"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(b.Reads) == 1 }, 100000); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{a, b} {
		if len(p.errs) > 0 {
			t.Fatalf("%s: %v", p.name, p.errs)
		}
	}
}

// TestPeerConnectionSize: the PeerConnection struct fits the 2048-byte size
// class (2192 bytes, the 2304-byte class, before): the ICE server lists are
// allocated only when configured, and the one-byte fields of it, its
// transport and its negotiation are grouped without padding (issue 18).
func TestPeerConnectionSize(t *testing.T) {
	if n := unsafe.Sizeof(PeerConnection{}); n > 2048 {
		t.Errorf("PeerConnection is %d bytes, want at most 2048", n)
	}
	pc, err := NewPeerConnection(Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if pc.servers != nil {
		t.Error("ICE server lists allocated without a server")
	}
	if tr, ok := pc.TURNTransport(netip.MustParseAddrPort("192.0.2.1:3478")); ok || pc.TURNTransports() != nil {
		t.Errorf("a TURN transport without servers: %v", tr)
	}
	if err := pc.ResolveICEServer("turn.example", nil); !errors.Is(err, ErrInvalidState) {
		t.Errorf("ResolveICEServer without servers: %v", err)
	}
}
