package rtc

import (
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// forwardRig is a connected pair where b receives a's VP8 and sends VP8
// back on the same transceiver: b is the SFU.
type forwardRig struct {
	a, b  *peer
	sim   *netsim.Sim
	video *Sender // a's
	back  *Sender // b's
	seq   uint16
	ring  [][]byte
}

func newForwardRig(t testing.TB) *forwardRig {
	sim, a, b, _, video := mediaPair(t, 61, netsim.LinkConfig{Delay: 5 * time.Millisecond}, Configuration{})
	back, err := b.pc.AddTrack(vp8Track)
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, b, a, nil)
	if err := sim.RunFor(100*time.Millisecond, 100000); err != nil {
		t.Fatal(err)
	}
	b.Reads = nil
	return &forwardRig{a: a, b: b, sim: sim, video: video, back: back}
}

// fill seals n packets of 1100 payload bytes as a's video stream.
func (r *forwardRig) fill(t testing.TB, n int) {
	r.ring = r.ring[:0]
	ssrc := r.video.Encodings()[0].SSRC
	payload := vp8Frame(1100, 7)
	for range n {
		r.seq++
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: r.seq, Timestamp: uint32(r.seq) * 3000, SSRC: ssrc}, Payload: payload}
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := r.a.pc.media.out.AppendProtectRTP(nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		r.ring = append(r.ring, sealed)
	}
}

// forward is one SFU step on b: receive SRTP, decrypt, route (HandleRead,
// PollRead), rewrite and encrypt (WriteRTP), send (PollWrite), and give
// the buffers back.
func (r *forwardRig) forward(tb testing.TB, dg []byte) {
	pc := r.b.pc
	if err := pc.HandleRead(shared.TaggedBytes{Now: r.sim.Now(), Transport: pc.tr.selected, Message: dg}); err != nil {
		tb.Fatal(err)
	}
	m, ok := pc.PollRead()
	if !ok {
		tb.Fatal("no packet read")
	}
	if err := r.back.WriteRTP("", m.Data); err != nil {
		tb.Fatal(err)
	}
	pc.ReleaseRead(m)
	out, ok := pc.PollWrite()
	if !ok {
		tb.Fatal("nothing to send")
	}
	pc.ReleaseWrite(out.Message)
}

// BenchmarkForwardPacket: the SFU cost per forwarded packet (issue 13),
// with the default interceptor chain on both streams. Steady state
// allocates nothing.
func BenchmarkForwardPacket(b *testing.B) {
	r := newForwardRig(b)
	const chunk = 4096
	r.fill(b, chunk)
	b.ReportAllocs()
	b.SetBytes(1100)
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%chunk == 0 {
			b.StopTimer()
			r.fill(b, chunk)
			b.StartTimer()
		}
		r.forward(b, r.ring[i%chunk])
	}
}

// TestForwardZeroAllocs: once warm (the chain's retransmission history of
// 1024 packets filled), forwarding a packet allocates nothing.
func TestForwardZeroAllocs(t *testing.T) {
	r := newForwardRig(t)
	r.fill(t, 1300)
	for _, dg := range r.ring[:1100] {
		r.forward(t, dg)
	}
	i := 1100
	allocs := testing.AllocsPerRun(100, func() {
		r.forward(t, r.ring[i])
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per forwarded packet", allocs)
	}
}

// BenchmarkSendPacket: the send path per packet (WriteRTP with a payload
// type that is not negotiated, so the send codec is chosen, sealed and
// polled), with the default interceptor chain. Steady state allocates
// nothing (TestSendZeroAllocs).
func BenchmarkSendPacket(b *testing.B) {
	r := newForwardRig(b)
	pc := r.b.pc
	payload := vp8Frame(1100, 9)
	const chunk = 4096
	raws := make([][]byte, chunk)
	var seq uint16
	refill := func() {
		for i := range raws {
			seq++
			p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 120, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 77}, Payload: payload}
			raw, err := p.AppendTo(raws[i][:0])
			if err != nil {
				b.Fatal(err)
			}
			raws[i] = raw
		}
	}
	refill()
	b.ReportAllocs()
	b.SetBytes(1100)
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%chunk == 0 {
			b.StopTimer()
			refill()
			b.StartTimer()
		}
		if err := r.back.WriteRTP("", raws[i%chunk]); err != nil {
			b.Fatal(err)
		}
		out, ok := pc.PollWrite()
		if !ok {
			b.Fatal("nothing to send")
		}
		pc.ReleaseWrite(out.Message)
	}
}
