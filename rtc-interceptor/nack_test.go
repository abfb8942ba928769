package interceptor

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

func TestNACKGeneratorGapAndRetries(t *testing.T) {
	g := NewNACKGenerator(NACKGeneratorConfig{MaxRetries: 3})
	g.SetRTT(40 * time.Millisecond)
	now := t0
	g.HandleRTP(now, 100)
	g.HandleRTP(now, 103) // 101, 102 missing
	d, ok := g.PollTimeout()
	if !ok || !d.Equal(now) {
		t.Fatalf("deadline %v %v, want now: a gap is asked for at once (RFC 4585 §3.5.3 immediate mode)", d, ok)
	}
	if got := g.Due(now, nil); !cmp.Equal(got, []uint16{101, 102}) {
		t.Fatalf("due %v, want [101 102]", got)
	}
	// The retry waits 5/4 of the RTT.
	d, _ = g.PollTimeout()
	if want := now.Add(50 * time.Millisecond); !d.Equal(want) {
		t.Fatalf("retry at %v, want %v", d, want)
	}
	if got := g.Due(now.Add(49*time.Millisecond), nil); len(got) != 0 {
		t.Fatalf("due early: %v", got)
	}
	g.HandleRTP(now.Add(20*time.Millisecond), 101) // recovered
	now = now.Add(50 * time.Millisecond)
	if got := g.Due(now, nil); !cmp.Equal(got, []uint16{102}) {
		t.Fatalf("due %v, want [102]", got)
	}
	now = now.Add(50 * time.Millisecond)
	if got := g.Due(now, nil); !cmp.Equal(got, []uint16{102}) {
		t.Fatalf("third try %v, want [102]", got)
	}
	now = now.Add(50 * time.Millisecond)
	if got := g.Due(now, nil); len(got) != 0 {
		t.Fatalf("after MaxRetries: %v", got)
	}
	st := g.Stats()
	want := NACKGeneratorStats{Missing: 2, Requested: 4, Recovered: 1, GivenUp: 1}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Fatalf("stats (-want +got):\n%s", diff)
	}
	if _, ok := g.PollTimeout(); ok {
		t.Fatal("deadline left with nothing missing")
	}
}

func TestNACKGeneratorMaxAge(t *testing.T) {
	g := NewNACKGenerator(NACKGeneratorConfig{MaxAge: 100 * time.Millisecond, MaxRetries: 100})
	g.SetRTT(30 * time.Millisecond)
	g.HandleRTP(t0, 1)
	g.HandleRTP(t0, 3)
	now := t0
	tries := 0
	for i := 0; i < 100; i++ {
		d, ok := g.PollTimeout()
		if !ok {
			break
		}
		if d.Before(now) {
			t.Fatalf("deadline %v before now %v", d, now)
		}
		now = d
		tries += len(g.Due(now, nil))
	}
	if _, ok := g.PollTimeout(); ok || g.Missing() != 0 {
		t.Fatal("packet kept past MaxAge")
	}
	if now.Sub(t0) != 100*time.Millisecond || tries != 3 {
		t.Fatalf("given up at +%v after %d tries, want +100ms after 3 (0, 37.5, 75 ms)", now.Sub(t0), tries)
	}
}

// Sequence numbers wrap at 2^16 (RFC 3550 §5.1); a gap across the wrap is
// still a gap, and a jump of 2^15 is not taken for a wrap backwards.
func TestNACKGeneratorWrap(t *testing.T) {
	g := NewNACKGenerator(NACKGeneratorConfig{})
	g.HandleRTP(t0, 65534)
	g.HandleRTP(t0, 1) // 65535 and 0 missing
	if got := g.Due(t0, nil); !cmp.Equal(got, []uint16{65535, 0}) {
		t.Fatalf("due %v, want [65535 0]", got)
	}
	g.HandleRTP(t0, 0)
	g.HandleRTP(t0, 65535)
	if g.Missing() != 0 || g.Stats().Recovered != 2 {
		t.Fatalf("missing %d, stats %+v", g.Missing(), g.Stats())
	}
	// A jump of 2^15 - 1 forward: larger than the window, so a reset that
	// keeps only the window's tail.
	g.HandleRTP(t0, 1+1<<15-1)
	if g.Stats().Resets != 1 || g.Missing() != 511 {
		t.Fatalf("after a 2^15 jump: missing %d, stats %+v", g.Missing(), g.Stats())
	}
	// Reordered old packets (a jump backwards) change nothing.
	g.HandleRTP(t0, 2)
	if g.Missing() != 511 {
		t.Fatalf("old packet changed the state: %d missing", g.Missing())
	}
}

// A flood of gaps keeps the state bounded by the window and each NACK
// bounded by MaxPerRequest.
func TestNACKGeneratorFloodBounded(t *testing.T) {
	g := NewNACKGenerator(NACKGeneratorConfig{Size: 256, MaxPerRequest: 100})
	seq := uint16(0)
	g.HandleRTP(t0, seq)
	for i := 0; i < 10000; i++ {
		seq += 2
		g.HandleRTP(t0, seq)
	}
	if g.Missing() > 256 {
		t.Fatalf("%d tracked, window 256", g.Missing())
	}
	if got := g.Due(t0, nil); len(got) != 100 {
		t.Fatalf("one request named %d, want 100", len(got))
	}
	if d, _ := g.PollTimeout(); !d.Equal(t0) {
		t.Fatalf("the rest must stay due now, deadline %v", d)
	}
}

func recordPackets(r *NACKResponder, now time.Time, from uint16, n int) {
	for i := 0; i < n; i++ {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: from + uint16(i), SSRC: mediaSSRC}, Payload: make([]byte, 1000)}
		b, _ := p.Marshal()
		r.Record(now, p.SequenceNumber, -1, b)
	}
}

func TestNACKResponderRTXAndLimits(t *testing.T) {
	r := NewNACKResponder(NACKResponderConfig{RTXSSRC: rtxSSRC, RTXPayloadType: 97, RTXSequence: 7, MaxBitrate: 80_000})
	recordPackets(r, t0, 65530, 10) // 65530..3 across the wrap
	b, ok := r.Resend(t0, 65535, 0, nil)
	if !ok {
		t.Fatal("no retransmission")
	}
	var p rtp.Packet
	mustNoErr(t, p.Unmarshal(b))
	if p.SSRC != rtxSSRC || p.PayloadType != 97 || p.SequenceNumber != 7 || p.Payload[0] != 0xff || p.Payload[1] != 0xff {
		t.Fatalf("RTX %v payload %x: want SSRC %#x PT 97 seq 7 and OSN 65535 (RFC 4588 §4)", p.Header.String(), p.Payload[:2], rtxSSRC)
	}
	// Asked again within one RTT: not resent.
	if _, ok := r.Resend(t0.Add(50*time.Millisecond), 65535, 0, nil); ok {
		t.Fatal("resent twice within one RTT")
	}
	// Never sent, or overwritten: missing.
	if _, ok := r.Resend(t0, 500, 0, nil); ok {
		t.Fatal("resent a packet never sent")
	}
	// Too old.
	if _, ok := r.Resend(t0.Add(2*time.Second), 2, 0, nil); ok {
		t.Fatal("resent a packet past MaxAge")
	}
	// 80 kbit/s: a 250 ms bucket holds 2500 octets, one packet already
	// spent; a second fits, a third does not.
	_, ok1 := r.Resend(t0, 0, 0, nil)
	_, ok2 := r.Resend(t0, 1, 0, nil)
	if !ok1 || ok2 {
		t.Fatalf("rate limit: second %v third %v, want true false", ok1, ok2)
	}
	st := r.Stats()
	want := NACKResponderStats{Requested: 6, Retransmitted: 2, Bytes: st.Bytes, Missing: 2, TooSoon: 1, RateLimited: 1}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Fatalf("stats (-want +got):\n%s", diff)
	}
}

// A NACK naming thousands of packets (every bit of every pair set) costs
// bounded work and output.
func TestChainHugeNACK(t *testing.T) {
	p := newPair(t, Config{ReducedSize: true, MaxOutput: 64}, videoStream(FeedbackNACK, true))
	for i := 0; i < 2000; i++ {
		p.send()
	}
	var nack []byte
	{
		pairs := make([]byte, 0, 4*350)
		for i := 0; i < 350; i++ {
			pid := uint16(1000 + 17*i)
			pairs = append(pairs, byte(pid>>8), byte(pid), 0xff, 0xff)
		}
		const words = 2 + 350 // RFC 4585 §6.1 length: 32-bit words minus one
		nack = []byte{0x81, 205, words >> 8, words & 0xff, 0, 0, 0, 1, 0x11, 0x11, 0x11, 0x11}
		nack = append(nack, pairs...)
	}
	mustNoErr(t, p.snd.ReceiveRTCP(p.now, nack))
	out := drain(t, p.snd)
	st := p.snd.Stats()
	if len(out) > 64 || st.NACKTruncated != 350*17-maxNACKPerMessage {
		t.Fatalf("%d outputs, truncated %d", len(out), st.NACKTruncated)
	}
}

// held counts the packet buffers a responder owns (in slots or free).
func (r *NACKResponder) held() int {
	n := len(r.free)
	for i := range r.slots {
		if r.slots[i].buf != nil {
			n++
		}
	}
	return n
}

// The send history takes buffers as packets arrive and reuses those of
// packets past MaxAge: at 100 packets/s it holds about 100 buffers, not
// HistorySize (1024); a flood within MaxAge is still bounded by HistorySize;
// recording allocates nothing in steady state.
func TestNACKResponderLazyHistory(t *testing.T) {
	r := NewNACKResponder(NACKResponderConfig{})
	pkt := func(seq uint16) []byte {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: mediaSSRC}, Payload: make([]byte, 1000)}
		b, err := p.Marshal()
		mustNoErr(t, err)
		return b
	}
	b := pkt(0)
	now, seq := t0, uint16(0)
	record := func() {
		seq++
		now = now.Add(10 * time.Millisecond)
		b[2], b[3] = byte(seq>>8), byte(seq)
		r.Record(now, seq, int64(seq), b)
	}
	for range 500 { // 5 s at 100 packets/s
		record()
	}
	if h := r.held(); h > 102 {
		t.Fatalf("%d buffers held at 100 packets/s with MaxAge 1 s, want about 101", h)
	}
	if a := testing.AllocsPerRun(1000, record); a != 0 {
		t.Fatalf("%v allocations per recorded packet", a)
	}
	if _, ok := r.Resend(now, seq-50, 0, nil); !ok {
		t.Fatal("a packet sent 0.5 s ago was not resent")
	}
	if _, ok := r.Resend(now, seq-150, 0, nil); ok {
		t.Fatal("a packet sent 1.5 s ago (past MaxAge, buffer reused) was resent")
	}
	if ts, ok := r.TransportSeq(seq - 150); !ok || ts != int64(seq-150) {
		t.Fatalf("TransportSeq of an expired packet %d %v, want it kept", ts, ok)
	}
	// An earlier now (harmless) finds the expired packet missing, never an
	// empty buffer.
	if _, ok := r.Resend(now.Add(-time.Second), seq-150, 0, nil); ok {
		t.Fatal("resent a packet whose buffer was reused")
	}
	// Flood: 3000 packets in one instant keep at most HistorySize buffers.
	for range 3000 {
		seq++
		b[2], b[3] = byte(seq>>8), byte(seq)
		r.Record(now, seq, -1, b)
	}
	if h := r.held(); h > 1024 {
		t.Fatalf("%d buffers held after a flood, want at most HistorySize 1024", h)
	}
	if _, ok := r.Resend(now, seq-1000, 0, nil); !ok {
		t.Fatal("a packet within HistorySize and MaxAge was not resent")
	}
}
