package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

var (
	senderAddr   = netip.MustParseAddrPort("192.0.2.1:5000")
	receiverAddr = netip.MustParseAddrPort("198.51.100.1:6000")
)

// Feedback on the wire between the test endpoints (the real stack sends
// RTCP; rtc-media does not depend on rtc-rtcp): 'N' PID BLP, or 'P'.

// simSender sends one VP8 frame every 33 ms (a keyframe every keyEvery
// frames, or at once after a keyframe request) and retransmits what a
// NACK names from a history of its last packets.
type simSender struct {
	pz       rtp.Packetizer
	next     time.Time
	frame    int
	frames   int // to send
	keyEvery int
	keyOwed  bool
	keys     map[int]bool // frames sent as keyframes
	out      [][]byte
	history  map[uint16][]byte
	rtx      int
}

func newSimSender(frames int) *simSender {
	return &simSender{
		pz:       rtp.Packetizer{Payloader: &rtp.VP8Payloader{EnablePictureID: true}, MTU: 1000, SSRC: 7, PayloadType: 96, MarkFrameEnd: true, SequenceNumber: 65000},
		next:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		frames:   frames,
		keyEvery: 60,
		keys:     map[int]bool{},
		history:  map[uint16][]byte{},
	}
}

func (s *simSender) HandleRead(m shared.TaggedBytes) error {
	b := m.Message
	switch {
	case len(b) == 5 && b[0] == 'N':
		e := Event{Kind: EventNACK, PacketID: binary.BigEndian.Uint16(b[1:]), Bitmask: binary.BigEndian.Uint16(b[3:])}
		e.Lost(func(seq uint16) {
			if p, ok := s.history[seq]; ok {
				s.out = append(s.out, p)
				s.rtx++
			}
		})
	case len(b) == 1 && b[0] == 'P':
		s.keyOwed = true
	default:
		return fmt.Errorf("sender: unknown feedback % x", b)
	}
	return nil
}

func (s *simSender) PollWrite() (shared.TaggedBytes, bool) {
	if len(s.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	b := s.out[0]
	s.out = s.out[1:]
	return shared.TaggedBytes{Transport: shared.TransportContext{Local: senderAddr, Peer: receiverAddr}, Message: b}, true
}

func (s *simSender) HandleTimeout(now time.Time) error {
	if s.frame >= s.frames || now.Before(s.next) {
		return nil
	}
	key := s.frame%s.keyEvery == 0 || s.keyOwed
	s.keyOwed = false
	s.keys[s.frame] = key
	ps, err := s.pz.Packetize(testFrame("video/VP8", s.frame, key, 800+(s.frame*397)%3000), uint32(s.frame*3000))
	if err != nil {
		return err
	}
	for k := range ps {
		b, err := ps[k].Marshal()
		if err != nil {
			return err
		}
		s.out = append(s.out, b)
		delete(s.history, ps[k].SequenceNumber-1024)
		s.history[ps[k].SequenceNumber] = b
	}
	s.frame++
	s.next = s.next.Add(33 * time.Millisecond)
	return nil
}

func (s *simSender) PollTimeout() (time.Time, bool) {
	if s.frame >= s.frames {
		return time.Time{}, false
	}
	return s.next, true
}

// simReceiver runs a JitterBuffer and turns its events into feedback.
type simReceiver struct {
	jb     *JitterBuffer
	out    [][]byte
	played []Frame
	errs   int
}

func (r *simReceiver) drain() {
	for {
		e, ok := r.jb.PollEvent()
		if !ok {
			break
		}
		switch e.Kind {
		case EventNACK:
			r.out = append(r.out, binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16([]byte{'N'}, e.PacketID), e.Bitmask))
		case EventKeyframeRequest:
			r.out = append(r.out, []byte{'P'})
		}
	}
	for {
		f, ok := r.jb.PollFrame()
		if !ok {
			return
		}
		f.Data = bytes.Clone(f.Data)
		r.played = append(r.played, f)
	}
}

func (r *simReceiver) HandleRead(m shared.TaggedBytes) error {
	err := r.jb.HandleRead(m)
	r.drain()
	return err
}

func (r *simReceiver) PollWrite() (shared.TaggedBytes, bool) {
	if len(r.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	b := r.out[0]
	r.out = r.out[1:]
	return shared.TaggedBytes{Transport: shared.TransportContext{Local: receiverAddr, Peer: senderAddr}, Message: b}, true
}

func (r *simReceiver) HandleTimeout(now time.Time) error {
	err := r.jb.HandleTimeout(now)
	r.drain()
	return err
}

func (r *simReceiver) PollTimeout() (time.Time, bool) { return r.jb.PollTimeout() }

type simResult struct {
	sent, played, rtx int
	stats             Stats
}

// runSim streams frames VP8 frames over a link with the given loss, 50 ms
// of jitter and 5% reordering, both ways, and checks every played frame
// against what was sent.
func runSim(t *testing.T, seed uint64, loss float64, nack bool, nackDelay time.Duration, frames int) simResult {
	t.Helper()
	c, _ := rtp.LookupCodec("video/VP8")
	jb, err := NewJitterBuffer(Config{Codec: c, DisableNACK: !nack, MaxDelay: 300 * time.Millisecond, LossTimeout: 250 * time.Millisecond, NACKDelay: nackDelay, NACKInterval: 60 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sim := netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 20 * time.Millisecond, Jitter: 50 * time.Millisecond, Loss: loss, Reorder: 0.05})
	snd := newSimSender(frames)
	rcv := &simReceiver{jb: jb}
	sim.Add(snd, senderAddr)
	sim.Add(rcv, receiverAddr)
	if err := sim.RunFor(time.Duration(frames)*33*time.Millisecond+2*time.Second, 2_000_000); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	if st := sim.Stats(); st.ReadErrors+st.TimeoutErrors != 0 {
		t.Fatalf("seed %d: endpoint errors: %v", seed, sim.LastError())
	}
	// Every played frame is a sent frame, whole, in order; after a gap
	// (frames lost) the next played frame is a keyframe.
	last := -1
	for _, f := range rcv.played {
		i := int(f.Timestamp / 3000)
		if i <= last {
			t.Fatalf("seed %d: frame %d played after %d", seed, i, last)
		}
		want := testFrame("video/VP8", i, snd.keys[i], 800+(i*397)%3000)
		if !bytes.Equal(f.Data, want) {
			t.Fatalf("seed %d: frame %d corrupted", seed, i)
		}
		if f.Keyframe != snd.keys[i] {
			t.Fatalf("seed %d: frame %d keyframe %v", seed, i, f.Keyframe)
		}
		if i != last+1 && !f.Keyframe {
			t.Fatalf("seed %d: frame %d played after a loss (last played %d) without a keyframe", seed, i, last)
		}
		last = i
	}
	return simResult{sent: snd.frame, played: len(rcv.played), rtx: snd.rtx, stats: jb.Stats()}
}

// The jitter buffer on the simulated network (netsim: 20 ms delay, 50 ms
// jitter, 5% reordering, loss both ways).
func TestJitterOverNetsim(t *testing.T) {
	const frames = 600 // 20 s of video
	for _, c := range []struct {
		loss      float64
		nack      bool
		nackDelay time.Duration
		minRate   float64 // frames played / frames sent
	}{
		{0, true, 0, 1},
		{0.05, true, 0, 0.99},
		{0.05, true, 25 * time.Millisecond, 0.99}, // fewer spurious requests
		{0.20, true, 0, 0.5},
		{0.05, false, 0, 0}, // the keyframe rule is checked on every played frame
		{0.20, false, 0, 0},
	} {
		t.Run(fmt.Sprintf("loss %.0f%% nack %v delay %v", c.loss*100, c.nack, c.nackDelay), func(t *testing.T) {
			for _, seed := range []uint64{1, 2, 3} {
				r := runSim(t, seed, c.loss, c.nack, c.nackDelay, frames)
				rate := float64(r.played) / float64(r.sent)
				t.Logf("seed %d: played %d of %d (%.1f%%), %d retransmissions, stats %+v", seed, r.played, r.sent, 100*rate, r.rtx, r.stats)
				if rate < c.minRate {
					t.Errorf("seed %d: played %.2f%% of frames, want at least %.0f%%", seed, 100*rate, 100*c.minRate)
				}
				if c.loss > 0 && !c.nack && r.stats.KeyframeRequests == 0 {
					t.Errorf("seed %d: losses without a keyframe request", seed)
				}
			}
		})
	}
}
