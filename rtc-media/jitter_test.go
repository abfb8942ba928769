package media

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testFrame returns frame i of a codec's bitstream: a keyframe or a delta
// frame of about size bytes that the codec's payloader accepts and whose
// depayloader reports the keyframe.
func testFrame(mime string, i int, key bool, size int) []byte {
	body := make([]byte, size)
	for k := range body {
		body[k] = byte(i*7 + k)
	}
	switch mime {
	case "video/VP8":
		// RFC 6386 §9.1: the P bit (bit 0 of the frame tag) is 0 for a key frame.
		if key {
			body[0] = 0x10
		} else {
			body[0] = 0x11
		}
		return body
	case "video/VP9":
		// VP9 §6.2: frame_marker 2, profile 0, show_existing 0, frame_type.
		if key {
			body[0] = 0x80
		} else {
			body[0] = 0x84
		}
		return body
	case "video/H264":
		clean(body)
		if key {
			return cat([]byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f}, []byte{0, 0, 0, 1, 0x68, 0xce}, []byte{0, 0, 0, 1, 0x65, 0x88}, body)
		}
		return cat([]byte{0, 0, 0, 1, 0x41, 0x9a}, body)
	case "video/H265":
		clean(body)
		if key {
			return cat([]byte{0, 0, 0, 1, 0x40, 0x01, 0x0c}, []byte{0, 0, 0, 1, 0x26, 0x01, 0xaf}, body)
		}
		return cat([]byte{0, 0, 0, 1, 0x02, 0x01, 0xd0}, body)
	case "video/AV1":
		var out []byte
		if key {
			out = appendOBU(out, 1, []byte{0, 0, 0, 0x0a})
		}
		return appendOBU(out, 6, body)
	}
	return body[:min(size, 160)] // audio: one packet per frame
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// clean removes accidental start codes from a NAL unit body.
func clean(b []byte) {
	for k := range b {
		if b[k] < 4 {
			b[k] = 0x55
		}
	}
}

// appendOBU writes an AV1 OBU with obu_has_size_field (AV1 §5.3).
func appendOBU(b []byte, typ byte, payload []byte) []byte {
	b = append(b, typ<<3|0x02)
	n := len(payload)
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	b = append(b, byte(n))
	return append(b, payload...)
}

// harness drives a JitterBuffer on a fake clock.
type harness struct {
	t      testing.TB
	jb     *JitterBuffer
	codec  rtp.Codec
	now    time.Time
	pz     rtp.Packetizer
	frames []Frame
	events []Event
}

func newHarness(t testing.TB, mime string, cfg Config) *harness {
	t.Helper()
	c, ok := rtp.LookupCodec(mime)
	if !ok {
		t.Fatalf("codec %s", mime)
	}
	cfg.Codec = c
	jb, err := NewJitterBuffer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, jb: jb, codec: c, now: t0,
		pz: rtp.Packetizer{Payloader: c.NewPayloader(), MTU: 1000, SSRC: 1, PayloadType: 96, MarkFrameEnd: c.MarkFrameEnd}}
}

// packets packetizes frame i and returns copies of its packets.
func (h *harness) packets(i int, key bool, size int, ts uint32) []rtp.Packet {
	h.t.Helper()
	ps, err := h.pz.Packetize(testFrame(h.codec.MimeType, i, key, size), ts)
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]rtp.Packet, len(ps))
	for k := range ps {
		out[k] = ps[k].Clone()
	}
	return out
}

func (h *harness) push(ps ...rtp.Packet) {
	h.t.Helper()
	for k := range ps {
		if err := h.jb.HandlePacket(h.now, &ps[k]); err != nil {
			h.t.Fatalf("HandlePacket seq %d: %v", ps[k].SequenceNumber, err)
		}
	}
	h.drain()
}

func (h *harness) drain() {
	for {
		e, ok := h.jb.PollEvent()
		if !ok {
			break
		}
		h.events = append(h.events, e)
	}
	for {
		f, ok := h.jb.PollFrame()
		if !ok {
			break
		}
		f.Data = bytes.Clone(f.Data)
		h.frames = append(h.frames, f)
	}
}

// advance moves the clock by d, firing every deadline on the way.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	end := h.now.Add(d)
	for range 10000 {
		t, ok := h.jb.PollTimeout()
		if !ok || t.After(end) {
			h.now = end
			if err := h.jb.HandleTimeout(h.now); err != nil {
				h.t.Fatal(err)
			}
			h.drain()
			return
		}
		// The harness may have moved h.now without telling the buffer.
		h.now = later(h.now, t)
		if err := h.jb.HandleTimeout(h.now); err != nil {
			h.t.Fatal(err)
		}
		h.drain()
	}
	h.t.Fatal("advance: deadline does not move (livelock)")
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (h *harness) timestamps() []uint32 {
	var ts []uint32
	for _, f := range h.frames {
		ts = append(ts, f.Timestamp)
	}
	return ts
}

func (h *harness) nacked() []uint16 {
	var seqs []uint16
	for _, e := range h.events {
		e.Lost(func(s uint16) { seqs = append(seqs, s) })
	}
	return seqs
}

func (h *harness) plis() int {
	n := 0
	for _, e := range h.events {
		if e.Kind == EventKeyframeRequest {
			n++
		}
	}
	return n
}

// reference depayloads the packets of one frame in order with the codec's
// own FrameAssembler, the answer the jitter buffer must give.
func reference(t testing.TB, c rtp.Codec, ps []rtp.Packet) []byte {
	a := rtp.NewFrameAssembler(c.NewDepayloader(), rtp.Config{})
	for k := range ps {
		p := ps[k]
		if k == len(ps)-1 {
			p.Marker = true
		}
		f, ok, err := a.Push(&p)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return bytes.Clone(f.Data)
		}
	}
	t.Fatal("reference: no frame")
	return nil
}

var allCodecs = []string{"audio/opus", "audio/PCMU", "audio/PCMA", "audio/G722", "video/VP8", "video/VP9", "video/H264", "video/H265", "video/AV1"}

// Every codec: frames (several packets for video) arrive shuffled within
// each group of three frames and come out whole, in order, equal to what an
// in-order assembler rebuilds.
func TestJitterEveryCodecReordered(t *testing.T) {
	for _, mime := range allCodecs {
		t.Run(mime, func(t *testing.T) {
			h := newHarness(t, mime, Config{})
			r := rand.New(rand.NewPCG(1, 2))
			var want [][]byte
			var group []rtp.Packet
			var ts uint32 = 1000
			step := h.codec.ClockRate / 30
			for i := range 30 {
				ps := h.packets(i, i%10 == 0, 2500, ts)
				want = append(want, reference(t, h.codec, ps))
				group = append(group, ps...)
				ts += step
				if i%3 == 2 {
					r.Shuffle(len(group), func(a, b int) { group[a], group[b] = group[b], group[a] })
					h.push(group...)
					group = group[:0]
					h.now = h.now.Add(100 * time.Millisecond)
				}
			}
			h.advance(time.Second)
			if len(h.frames) != len(want) {
				t.Fatalf("got %d frames, want %d (stats %+v)", len(h.frames), len(want), h.jb.Stats())
			}
			for i, f := range h.frames {
				if !bytes.Equal(f.Data, want[i]) {
					t.Fatalf("frame %d differs", i)
				}
				if f.Keyframe != (h.codec.Channels > 0 || i%10 == 0) {
					t.Errorf("frame %d keyframe %v", i, f.Keyframe)
				}
			}
			st := h.jb.Stats()
			if st.FramesEmitted != 30 || st.FramesAssembled != 30 || st.FramesDropped != 0 || st.PacketsLost != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// Sequence numbers across 2^15 and the 2^16 wrap, timestamps across 2^31
// and the 2^32 wrap (RFC 3550 §5.1: both wrap), with reordering at the wrap.
func TestJitterWraparound(t *testing.T) {
	for _, c := range []struct {
		name string
		seq  uint16
		ts   uint32
	}{
		{"seq 2^15", 1<<15 - 5, 1000},
		{"seq wrap", 0xFFFF - 5, 1000},
		{"ts 2^31", 100, 1<<31 - 7000},
		{"ts wrap", 100, 0xFFFFFFFF - 7000},
		{"both wrap", 0xFFFF - 2, 0xFFFFFFFF - 3000},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, "video/VP8", Config{})
			h.pz.SequenceNumber = c.seq
			ts := c.ts
			var wantTS []uint32
			for i := range 12 {
				ps := h.packets(i, i == 0, 2500, ts)
				wantTS = append(wantTS, ts)
				if len(ps) > 1 {
					ps[0], ps[len(ps)-1] = ps[len(ps)-1], ps[0]
				}
				h.push(ps...)
				ts += 3000
				h.now = h.now.Add(33 * time.Millisecond)
			}
			h.advance(time.Second)
			if diff := cmp.Diff(wantTS, h.timestamps()); diff != "" {
				t.Fatalf("timestamps (-want +got):\n%s", diff)
			}
			if st := h.jb.Stats(); st.FramesDropped != 0 || st.PacketsDiscarded != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// Duplicates and packets older than what was played are discarded and
// counted (W3C packetsDiscarded), and produce nothing.
func TestJitterDuplicatesAndLate(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{})
	ps := h.packets(0, true, 100, 0)
	ps2 := h.packets(1, true, 100, 960)
	h.push(ps...)
	h.advance(20 * time.Millisecond)
	h.push(ps2...)
	h.push(ps2...) // already played: late
	h.push(ps...)  // late
	if len(h.frames) != 2 {
		t.Fatalf("frames %d", len(h.frames))
	}
	ps3 := h.packets(2, true, 100, 1920)
	ps4 := h.packets(3, true, 100, 2880)
	h.advance(20 * time.Millisecond)
	h.push(ps4...) // ahead of a gap: held
	h.push(ps4...) // a real duplicate in the buffer
	st := h.jb.Stats()
	if st.PacketsDiscarded != 3 || st.PacketsDuplicated != 1 {
		t.Errorf("discarded %d duplicated %d, want 3 and 1", st.PacketsDiscarded, st.PacketsDuplicated)
	}
	h.push(ps3...)
	h.advance(100 * time.Millisecond)
	if diff := cmp.Diff([]uint32{0, 960, 1920, 2880}, h.timestamps()); diff != "" {
		t.Error(diff)
	}
}

// A lost packet is NACKed at once (RFC 4585 §6.2.1 PID/BLP), again every
// NACKInterval, and its retransmission completes the frame.
func TestJitterNACKAndRetransmission(t *testing.T) {
	h := newHarness(t, "video/VP8", Config{NACKInterval: 20 * time.Millisecond})
	var all []rtp.Packet
	for i := range 3 {
		all = append(all, h.packets(i, i == 0, 2500, uint32(i*3000))...)
	}
	// Frame 1 is packets 3..5; lose 3 and 4.
	lost := []rtp.Packet{all[3], all[4]}
	h.push(all[:3]...)
	h.push(all[5:]...)
	s0 := all[0].SequenceNumber
	if diff := cmp.Diff([]uint16{s0 + 3, s0 + 4}, h.nacked()); diff != "" {
		t.Fatalf("first NACK (-want +got):\n%s", diff)
	}
	if len(h.events) != 1 || h.events[0].Bitmask != 0b1 {
		t.Fatalf("one FCI entry with BLP 0b1, got %+v", h.events)
	}
	if len(h.frames) != 1 {
		t.Fatalf("frames before repair: %d", len(h.frames))
	}
	h.advance(20 * time.Millisecond)
	if got := len(h.nacked()); got != 4 {
		t.Fatalf("NACKs after one interval: %d, want 4", got)
	}
	h.push(lost...)
	h.advance(500 * time.Millisecond)
	if diff := cmp.Diff([]uint32{0, 3000, 6000}, h.timestamps()); diff != "" {
		t.Fatalf("frames (-want +got):\n%s", diff)
	}
	if st := h.jb.Stats(); st.FramesDropped != 0 || st.PacketsLost != 0 || st.NACKs != 4 {
		t.Errorf("stats %+v", st)
	}
	if h.plis() != 0 {
		t.Error("keyframe requested without an unrecoverable loss")
	}
}

// An unrecoverable video loss: the frame is given up after LossTimeout, a
// keyframe is requested, and no frame is emitted before the next keyframe.
func TestJitterKeyframeRuleAfterLoss(t *testing.T) {
	h := newHarness(t, "video/H264", Config{LossTimeout: 100 * time.Millisecond, DisableNACK: true})
	var ts uint32
	for i := range 10 {
		ps := h.packets(i, i == 0 || i == 7, 2500, ts)
		if i == 3 {
			ps = ps[1:] // the first packet of frame 3 never arrives
		}
		h.push(ps...)
		ts += 3000
		h.now = h.now.Add(33 * time.Millisecond)
	}
	h.advance(time.Second)
	if diff := cmp.Diff([]uint32{0, 3000, 6000, 21000, 24000, 27000}, h.timestamps()); diff != "" {
		t.Fatalf("frames (-want +got):\n%s", diff)
	}
	if !h.frames[3].Keyframe {
		t.Error("first frame after the loss is not the keyframe")
	}
	if h.plis() != 1 {
		t.Errorf("keyframe requests %d, want 1", h.plis())
	}
	if len(h.nacked()) != 0 {
		t.Error("NACK sent with DisableNACK")
	}
	st := h.jb.Stats()
	// Frame 3 given up, frames 4..6 not decodable.
	if st.FramesDropped != 4 || st.PacketsLost != 1 || st.KeyframeRequests != 1 {
		t.Errorf("stats %+v", st)
	}
}

// Give-up timing: a blocked frame waits LossTimeout from when the gap was
// seen, not less.
func TestJitterGiveUpDeadline(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{LossTimeout: 80 * time.Millisecond})
	h.push(h.packets(0, true, 50, 0)...)
	lost := h.packets(1, true, 50, 960)
	h.now = h.now.Add(20 * time.Millisecond)
	h.push(h.packets(2, true, 50, 1920)...)
	if d, _ := h.jb.PollTimeout(); h.jb.TimeoutReason() != "nack" || !d.Equal(h.now.Add(50*time.Millisecond)) {
		t.Fatalf("deadline %v (%s)", d.Sub(h.now), h.jb.TimeoutReason())
	}
	h.advance(79 * time.Millisecond)
	if len(h.frames) != 1 {
		t.Fatalf("frame 2 emitted before the loss deadline: %v", h.timestamps())
	}
	h.advance(time.Millisecond)
	if diff := cmp.Diff([]uint32{0, 1920}, h.timestamps()); diff != "" {
		t.Fatal(diff)
	}
	h.push(lost...) // too late now
	if st := h.jb.Stats(); st.PacketsLost != 1 || st.PacketsDiscarded != 1 || st.FramesDropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A stream joined mid-frame and starting with a delta frame: the partial
// frame is skipped, delta frames are dropped with one keyframe request
// until the keyframe arrives.
func TestJitterStartWithoutKeyframe(t *testing.T) {
	h := newHarness(t, "video/VP9", Config{})
	var ts uint32
	for i := range 6 {
		ps := h.packets(i, i == 4, 2500, ts)
		if i == 0 {
			ps = ps[1:]
		}
		h.push(ps...)
		ts += 3000
		h.now = h.now.Add(33 * time.Millisecond)
	}
	h.advance(time.Second)
	if diff := cmp.Diff([]uint32{12000, 15000}, h.timestamps()); diff != "" {
		t.Fatal(diff)
	}
	if h.plis() != 1 {
		t.Errorf("keyframe requests %d", h.plis())
	}
}

// The target delay follows the jitter between MinDelay and MaxDelay, and
// frames are held until their playout time.
func TestJitterAdaptiveDelay(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{MinDelay: 10 * time.Millisecond, MaxDelay: 80 * time.Millisecond})
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		ps := h.packets(i, true, 50, uint32(i*960))
		at := t0.Add(time.Duration(i)*20*time.Millisecond + time.Duration(r.IntN(40))*time.Millisecond)
		if at.After(h.now) {
			h.advance(at.Sub(h.now))
		}
		h.push(ps...)
	}
	st := h.jb.Stats()
	if st.TargetDelay < 20*time.Millisecond || st.TargetDelay > 80*time.Millisecond {
		t.Errorf("target delay %v with 0-40 ms jitter (jitter %v)", st.TargetDelay, st.Jitter)
	}
	// Without jitter it settles at MinDelay.
	h2 := newHarness(t, "audio/opus", Config{MinDelay: 10 * time.Millisecond, MaxDelay: 80 * time.Millisecond})
	for i := range 100 {
		h2.push(h2.packets(i, true, 50, uint32(i*960))...)
		if i == 0 && len(h2.frames) != 0 {
			t.Fatal("frame emitted before its playout delay")
		}
		h2.advance(20 * time.Millisecond)
	}
	if st := h2.jb.Stats(); st.TargetDelay != 10*time.Millisecond || st.FramesEmitted != 100 {
		t.Errorf("steady stream: %+v", st)
	}
	if avg := h2.jb.Stats().JitterBufferDelay / 100; avg != 10*time.Millisecond {
		t.Errorf("jitterBufferDelay per frame %v, want 10ms", avg)
	}
}

// A frame whose packets arrive more than MaxLatency after they were due is
// dropped, not played.
func TestJitterMaxLatency(t *testing.T) {
	h := newHarness(t, "video/VP8", Config{MaxLatency: 200 * time.Millisecond, LossTimeout: time.Second})
	a := h.packets(0, true, 2500, 0)
	b := h.packets(1, false, 2500, 3000)
	c := h.packets(2, false, 2500, 6000)
	h.push(a...)
	h.now = h.now.Add(33 * time.Millisecond)
	h.push(b[1:]...)
	h.push(c...)
	h.now = h.now.Add(300 * time.Millisecond)
	h.push(b[0]) // completes frame 1, 300 ms late
	h.advance(time.Second)
	if diff := cmp.Diff([]uint32{0}, h.timestamps()); diff != "" {
		t.Fatal(diff)
	}
	if st := h.jb.Stats(); st.FramesDropped == 0 {
		t.Errorf("stats %+v", st)
	}
}

// The window in packets: a packet MaxPackets ahead forces the oldest frame
// out; a jump far ahead flushes and restarts.
func TestJitterWindow(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{MaxPackets: 8, DisableNACK: true, LossTimeout: time.Hour, MaxLatency: time.Hour})
	h.push(h.packets(0, true, 50, 0)...)
	h.pz.SequenceNumber++ // lose one: the rest waits
	for i := 2; i < 9; i++ {
		h.advance(20 * time.Millisecond)
		h.push(h.packets(i, true, 50, uint32(i*960))...)
	}
	h.advance(20 * time.Millisecond)
	if len(h.frames) != 1 {
		t.Fatalf("frames %d", len(h.frames))
	}
	h.push(h.packets(9, true, 50, 9*960)...) // 8 ahead of the gap
	h.advance(20 * time.Millisecond)
	if len(h.frames) != 9 {
		d, _ := h.jb.PollTimeout()
		t.Fatalf("window overflow did not skip the gap: %v %+v %v %s", h.timestamps(), h.jb.Stats(), d.Sub(h.now), h.jb.TimeoutReason())
	}
	h.pz.SequenceNumber += 30000
	h.advance(20 * time.Millisecond)
	h.push(h.packets(10, true, 50, 10*960)...)
	h.advance(20 * time.Millisecond)
	if len(h.frames) != 10 {
		t.Fatalf("jump: %v", h.timestamps())
	}
}

// Hostile and malformed input is dropped, counted and reported.
func TestJitterBadInput(t *testing.T) {
	h := newHarness(t, "video/H264", Config{MaxPacketSize: 100})
	big := rtp.Packet{Payload: make([]byte, 101)}
	if err := h.jb.HandlePacket(h.now, &big); !errors.Is(err, ErrPacketTooLarge) {
		t.Errorf("big: %v", err)
	}
	bad := rtp.Packet{Payload: []byte{0x80}} // forbidden_zero_bit set
	if err := h.jb.HandlePacket(h.now, &bad); !errors.Is(err, ErrMalformedPacket) {
		t.Errorf("malformed: %v", err)
	}
	if err := h.jb.HandleRead(shared.TaggedBytes{Now: h.now, Message: []byte{1, 2}}); !errors.Is(err, ErrMalformedPacket) {
		t.Errorf("not rtp: %v", err)
	}
	if st := h.jb.Stats(); st.PacketsDiscarded != 3 || st.PacketsReceived != 3 {
		t.Errorf("stats %+v", st)
	}
}

// Contract rule 1: an event lost to a full queue is counted, reported by
// the call (errors.Is ErrQueueFull, shared.ErrQueueFull), and the packet is
// still handled.
func TestJitterEventQueueFull(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{MaxEvents: 1})
	p := h.packets(0, true, 50, 0)
	if err := h.jb.HandlePacket(h.now, &p[0]); err != nil {
		t.Fatal(err)
	}
	h.pz.SequenceNumber += 20 // a gap of 20: two NACK entries
	p = h.packets(1, true, 50, 960)
	err := h.jb.HandlePacket(h.now, &p[0])
	if !errors.Is(err, ErrQueueFull) || !errors.Is(err, shared.ErrQueueFull) {
		t.Fatalf("want ErrQueueFull, got %v", err)
	}
	if st := h.jb.Stats(); st.EventsLost != 1 || st.PacketsReceived != 2 {
		t.Errorf("stats %+v", st)
	}
	if err := h.jb.HandleTimeout(h.now); err != nil {
		t.Errorf("reported twice: %v", err)
	}
}

// Close: nothing comes out, Handle* fails with ErrClosed, Close again is fine.
func TestJitterClose(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{MinDelay: time.Second})
	p := h.packets(0, true, 50, 0)
	h.push(p...)
	for range 2 {
		if err := h.jb.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := h.jb.PollFrame(); ok {
		t.Error("frame after Close")
	}
	if _, ok := h.jb.PollTimeout(); ok {
		t.Error("deadline after Close")
	}
	if err := h.jb.HandlePacket(h.now, &p[0]); !errors.Is(err, shared.ErrClosed) {
		t.Errorf("HandlePacket after Close: %v", err)
	}
	if err := h.jb.HandleTimeout(h.now); !errors.Is(err, ErrClosed) {
		t.Errorf("HandleTimeout after Close: %v", err)
	}
}

// A flood of random packets (sizes, sequence numbers, timestamps) never
// panics, never reports a deadline before now, and memory stays within the
// documented bound.
func TestJitterFloodBounded(t *testing.T) {
	for _, mime := range allCodecs {
		t.Run(mime, func(t *testing.T) {
			cfg := Config{MaxPackets: 64, MaxPacketSize: 1200, MaxFrameSize: 64 << 10}
			h := newHarness(t, mime, cfg)
			r := rand.New(rand.NewPCG(5, 6))
			payload := make([]byte, 1200)
			for i := range 20000 {
				for k := range payload {
					payload[k] = byte(r.Uint32())
				}
				p := rtp.Packet{Payload: payload[:1+r.IntN(1200)]}
				p.SequenceNumber = uint16(i + r.IntN(100))
				p.Timestamp = uint32(i/3*3000 + r.IntN(10))
				if r.IntN(50) == 0 {
					p.SequenceNumber, p.Timestamp = uint16(r.Uint32()), r.Uint32()
				}
				p.Marker = r.IntN(3) == 0
				err := h.jb.HandlePacket(h.now, &p)
				if err != nil && !errors.Is(err, ErrMalformedPacket) && !errors.Is(err, ErrQueueFull) {
					t.Fatal(err)
				}
				h.events = h.events[:0]
				h.drain()
				h.frames = h.frames[:0]
				if d, ok := h.jb.PollTimeout(); ok && d.Before(h.now) {
					t.Fatalf("deadline %v before now", d)
				}
				h.now = h.now.Add(time.Duration(r.IntN(5)) * time.Millisecond)
			}
			limit := 64*(1200+200) + 2*(64<<10) + 64<<10
			if m := h.jb.MemoryUsage(); m > limit {
				t.Errorf("memory %d > %d", m, limit)
			}
		})
	}
}

// Steady state: push and pop allocate nothing once the buffers have grown.
func TestJitterAllocs(t *testing.T) {
	h := newHarness(t, "video/VP8", Config{})
	var pkts [][]rtp.Packet
	for i := range 64 {
		pkts = append(pkts, h.packets(i, i%32 == 0, 3000, uint32(i*3000)))
	}
	i := 0
	step := func() {
		ps := pkts[i%len(pkts)]
		for k := range ps {
			ps[k].SequenceNumber += 0 // already consecutive across loops below
			if err := h.jb.HandlePacket(h.now, &ps[k]); err != nil {
				t.Fatal(err)
			}
		}
		for {
			if _, ok := h.jb.PollEvent(); !ok {
				break
			}
		}
		for {
			if _, ok := h.jb.PollFrame(); !ok {
				break
			}
		}
		// The next lap reuses the packets with shifted numbers.
		for k := range ps {
			ps[k].SequenceNumber += uint16(len(pkts) * len(ps))
			ps[k].Timestamp += uint32(len(pkts) * 3000)
		}
		h.now = h.now.Add(33 * time.Millisecond)
		i++
	}
	for range 200 {
		step()
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
	if st := h.jb.Stats(); st.FramesDropped != 0 || st.FramesEmitted < 400 {
		t.Errorf("stats %+v", st)
	}
}

func Example_names() {
	fmt.Println(EventNACK, EventKeyframeRequest)
	// Output: NACK KeyframeRequest
}

// A frame over MaxFrameSize is dropped (counted, keyframe requested), and
// the buffer goes on with the next keyframe.
func TestJitterFrameTooLarge(t *testing.T) {
	h := newHarness(t, "video/VP8", Config{MaxFrameSize: 2000})
	h.push(h.packets(0, true, 3000, 0)...)
	h.advance(33 * time.Millisecond)
	h.push(h.packets(1, false, 500, 3000)...)
	h.advance(33 * time.Millisecond)
	h.push(h.packets(2, true, 1500, 6000)...)
	h.advance(time.Second)
	if diff := cmp.Diff([]uint32{6000}, h.timestamps()); diff != "" {
		t.Fatal(diff)
	}
	if st := h.jb.Stats(); st.FramesDropped != 2 || st.KeyframeRequests != 1 {
		t.Errorf("stats %+v", st)
	}
}

// ControlReset: a new stream with unrelated sequence numbers and
// timestamps plays after the reset.
func TestJitterReset(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{})
	for i := range 5 {
		h.push(h.packets(i, true, 50, uint32(i*960))...)
		h.advance(20 * time.Millisecond)
	}
	if err := h.jb.HandleEvent(Control{Kind: ControlReset}); err != nil {
		t.Fatal(err)
	}
	h.pz.SequenceNumber -= 1000 // "older" numbers: a new stream, not late packets
	for i := range 5 {
		h.push(h.packets(i, true, 50, 0x80000000+uint32(i*960))...)
		h.advance(20 * time.Millisecond)
	}
	if len(h.frames) != 10 {
		t.Fatalf("frames %v (stats %+v)", h.timestamps(), h.jb.Stats())
	}
	if err := h.jb.HandleEvent(Control{Kind: 9}); !errors.Is(err, ErrUnknownControl) {
		t.Errorf("unknown control: %v", err)
	}
	if err := h.jb.HandleWrite(NoWrite{}); !errors.Is(err, ErrNoWrite) {
		t.Errorf("HandleWrite: %v", err)
	}
}

// The AV1 dependency descriptor's start_of_frame marks a frame start that
// the payload does not show (a first OBU that is a tile group): with the
// extension ID configured the frame plays, without it the buffer waits for
// a start and gives the packet up.
func TestJitterAV1DependencyDescriptor(t *testing.T) {
	for _, id := range []uint8{0, 5} {
		h := newHarness(t, "video/AV1", Config{DependencyDescriptorID: id, LossTimeout: 50 * time.Millisecond})
		// Aggregation header: N=1 (new coded video sequence), W=1; one
		// OBU_TILE_GROUP element without a size field.
		p := rtp.Packet{Payload: []byte{0x18, OBUTileGroup << 3, 1, 2, 3}}
		p.Version, p.Marker, p.SequenceNumber, p.Timestamp = 2, true, 10, 3000
		if err := p.SetExtension(5, []byte{0xC0, 0, 1}); err != nil { // start_of_frame, end_of_frame
			t.Fatal(err)
		}
		h.push(p)
		h.advance(time.Second)
		want := 0
		if id != 0 {
			want = 1
		}
		if len(h.frames) != want {
			t.Errorf("extension id %d: %d frames, want %d (stats %+v)", id, len(h.frames), want, h.jb.Stats())
		}
	}
}

// NACKDelay: a packet that is only reordered is not requested; a lost one
// is, NACKDelay after its gap was seen.
func TestJitterNACKDelay(t *testing.T) {
	h := newHarness(t, "audio/opus", Config{NACKDelay: 10 * time.Millisecond})
	a, b, c := h.packets(0, true, 50, 0), h.packets(1, true, 50, 960), h.packets(2, true, 50, 1920)
	h.push(a...)
	h.push(c...)
	h.advance(5 * time.Millisecond)
	h.push(b...) // reordered by 5 ms
	h.advance(50 * time.Millisecond)
	if n := len(h.nacked()); n != 0 {
		t.Fatalf("reordered packet requested %d times", n)
	}
	h.pz.SequenceNumber++ // lost
	h.push(h.packets(4, true, 50, 4*960)...)
	h.advance(9 * time.Millisecond)
	if n := len(h.nacked()); n != 0 {
		t.Fatalf("requested before NACKDelay")
	}
	h.advance(time.Millisecond)
	if diff := cmp.Diff([]uint16{c[0].SequenceNumber + 1}, h.nacked()); diff != "" {
		t.Fatalf("NACK (-want +got):\n%s", diff)
	}
}
