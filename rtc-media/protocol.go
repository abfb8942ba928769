package media

import (
	"errors"
	"strconv"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// The JitterBuffer is a shared.Protocol: RTP datagrams in (HandleRead),
// frames out (PollRead), requests for the sender out (PollEvent), control
// in (HandleEvent). It sends nothing itself: PollWrite always reports false
// and HandleWrite refuses, because NACK and keyframe requests leave as
// events for the caller's RTCP machinery (rtc-interceptor).
var (
	_ shared.Protocol[Frame, NoWrite, Control, Event] = (*JitterBuffer)(nil)
	_ shared.TimeoutReasoner                          = (*JitterBuffer)(nil)
)

// NoWrite is the HandleWrite type of a JitterBuffer: it has nothing to
// send.
type NoWrite struct{}

// ErrNoWrite is what HandleWrite returns on an open JitterBuffer.
var ErrNoWrite = errors.New("media: a jitter buffer sends nothing (its requests come out of PollEvent)")

// ControlKind is a command for HandleEvent.
type ControlKind uint8

// Control kinds.
const (
	// ControlReset forgets the stream: buffered packets are dropped (and
	// counted), and the next packet starts a new stream with its own
	// sequence numbers and timeline (a new SSRC, a restarted sender).
	// Statistics and queued events are kept.
	ControlReset ControlKind = iota + 1
)

// String returns the kind's name.
func (k ControlKind) String() string {
	if k == ControlReset {
		return "Reset"
	}
	return "ControlKind(" + strconv.Itoa(int(k)) + ")"
}

// Control is a command for HandleEvent.
type Control struct {
	Kind ControlKind
}

// ErrUnknownControl is returned by HandleEvent for an unknown ControlKind.
var ErrUnknownControl = errors.New("media: unknown control")

// HandleEvent applies a control command.
func (j *JitterBuffer) HandleEvent(c Control) error {
	if j.closed {
		return ErrClosed
	}
	if c.Kind != ControlReset {
		return ErrUnknownControl
	}
	j.reset()
	return j.result(nil)
}

// reset drops the stream, keeping buffers, statistics and events.
func (j *JitterBuffer) reset() {
	if j.started && j.next <= j.highest {
		j.stats.FramesDropped++
	}
	for i := range j.slots {
		j.slots[i].present, j.slots[i].missing = false, false
	}
	j.seqU, j.tsU = rtp.Unwrapper16{}, rtp.Unwrapper32{}
	j.started, j.emitted, j.synced = false, false, false
	j.next, j.highest = 0, 0
	j.waitKey, j.pliSent, j.pliAt = j.video, false, 0
	j.nackDue = never
	j.delay = delayEstimator{}
	j.delay.init(&j.cfg, j.rate)
}

// HandleWrite returns ErrNoWrite (ErrClosed after Close): a jitter buffer
// sends nothing.
func (j *JitterBuffer) HandleWrite(NoWrite) error {
	if j.closed {
		return ErrClosed
	}
	return ErrNoWrite
}

// PollWrite always reports false: a jitter buffer sends nothing.
func (j *JitterBuffer) PollWrite() (shared.TaggedBytes, bool) { return shared.TaggedBytes{}, false }

// PollRead is PollFrame, for the shared.Protocol drive loop.
func (j *JitterBuffer) PollRead() (Frame, bool) { return j.PollFrame() }
