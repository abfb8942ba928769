package rtc

import (
	"errors"
	"fmt"
	"time"

	"github.com/sansrtc/rtc/rtc-interceptor/pacer"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// This file is the optional pacer (Configuration.Pacing): written RTP is
// stamped for its stream at once and queued, and leaves at the pacing
// rate (the GCC target × 2.5, rtc-interceptor/pacer), audio first; the
// chain numbers it (transport-cc) and SRTP protects it when it leaves,
// so its send time is the real one.

// pacedPacket is one stamped RTP packet waiting in the pacer, in a
// pooled buffer.
type pacedPacket struct {
	enc *sendEncoding
	raw []byte
}

// startPacer makes the pacer at the estimator's start rate.
func (m *media) startPacer(enabled bool) {
	if enabled && m.pacer == nil {
		m.pacer = pacer.New[pacedPacket](pacer.Config{}, 300_000)
		m.pacerTimer.stale = true
	}
}

// pc returns the pacer for a call that may change its deadline.
func (m *media) pc() *pacer.Pacer[pacedPacket] { m.pacerTimer.stale = true; return m.pacer }

// pace stamps p and queues it. A full pacer refuses it (the pacer's
// overflow rule): the packet is dropped, counted, and the caller gets
// ErrPacerFull.
func (m *media) pace(now time.Time, s *Sender, enc *sendEncoding, p *rtp.Packet) error {
	if err := m.stamp(s, enc, p); err != nil {
		return err
	}
	raw, err := p.AppendTo(m.sendBuffer(p.MarshalSize()))
	if err != nil {
		return layerErr("rtp", err)
	}
	class := pacer.ClassVideo
	if s.t.kind == MediaKindAudio {
		class = pacer.ClassAudio
	}
	if err := m.pc().Push(now, pacedPacket{enc: enc, raw: raw}, len(raw), class); err != nil {
		m.recycle(raw)
		m.stats.PacerDropped++
		return fmt.Errorf("%w: %w", ErrPacerFull, err)
	}
	return nil
}

// ErrPacerFull reports a packet the pacer's queue could not take: it was
// dropped (a video sender then skips a frame or asks for a keyframe).
var ErrPacerFull = errors.New("rtc: pacer queue full")

// pollPacer sends what the pacer releases at now.
func (m *media) pollPacer(now time.Time, send func([]byte) error) error {
	if m.pacer == nil || !m.pacerTimer.due(now) {
		return nil
	}
	var errs error
	for {
		it, ok := m.pc().Poll(now)
		if !ok {
			return errs
		}
		if it.Padding {
			continue // probing is off (gcc DisableProbing): no padding to send
		}
		p := m.packet()
		err := p.Unmarshal(it.Value.raw)
		var b []byte
		if err == nil {
			b, err = m.finish(now, it.Value.enc, p)
		}
		p.Payload = nil
		m.recycle(it.Value.raw)
		if err == nil {
			err = send(b)
		}
		errs = errors.Join(errs, err)
	}
}

// pacerDeadline returns when the pacer releases its next packet.
func (m *media) pacerDeadline() time.Time {
	if m.pacer == nil {
		return time.Time{}
	}
	return m.pacerTimer.get(m.pacer.PollTimeout)
}
