package media

import (
	"errors"
	"math"
	"time"
	"unsafe"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Frame is one complete media frame (sample) played out by a JitterBuffer.
type Frame struct {
	// Data is the codec bitstream, as the codec's rtp depayloader writes it
	// (Annex B for H.264/H.265, low-overhead OBUs for AV1). It aliases the
	// buffer's frame buffer and is valid until the next call on the
	// JitterBuffer; copy it to keep it.
	Data []byte
	// Timestamp is the RTP timestamp of the frame.
	Timestamp uint32
	// Keyframe reports an independently decodable frame (always true for
	// audio).
	Keyframe bool
	// FirstSequence and LastSequence are the sequence numbers of the first
	// and last packet of the frame; Packets is how many there were.
	FirstSequence, LastSequence uint16
	Packets                     int
	// Arrival is when the first packet of the frame arrived, Playout when
	// it was due to be played (Arrival plus the wait in the buffer is the
	// emission time).
	Arrival, Playout time.Time
}

// slot holds one sequence number of the reorder window: a packet that
// arrived (present), or a gap known to be missing (with its NACK state).
type slot struct {
	ext     int64 // extended sequence number this slot describes
	present bool
	missing bool // ext was skipped by a later arrival
	marker  bool
	start   bool // the payload format says a frame starts here
	end     bool // marker bit or the payload format says the frame ends
	key     bool
	ts      uint32
	tsExt   int64
	at      nanos // arrival, or when the gap was seen
	nackAt  nanos // last NACK sent for a missing slot
	nacks   uint8
	payload []byte
}

// JitterBuffer turns the RTP packets of one stream into complete frames,
// in order, at their playout time. It reorders within a window of
// Config.MaxPackets sequence numbers, drops duplicates and late packets,
// asks for retransmission of missing packets (EventNACK) and gives a frame
// up after Config.LossTimeout; after an unrecoverable video loss it drops
// frames until the next keyframe and asks for one (EventKeyframeRequest).
// The playout delay adapts to the measured jitter between Config.MinDelay
// and Config.MaxDelay.
//
// It is a sans-I/O machine: feed packets with HandlePacket (or HandleRead)
// and time with HandleTimeout, then drain PollEvent and PollFrame and wait
// for PollTimeout. It allocates nothing per packet once its buffers have
// grown, and never holds more than Config.MaxPackets payloads of at most
// Config.MaxPacketSize bytes (see MemoryUsage).
type JitterBuffer struct {
	cfg      Config
	video    bool
	rate     uint32
	depay    rtp.Depayloader // assembles frames, in order
	probe    rtp.Depayloader // reads one payload's signals on arrival
	scratch  []byte
	frameBuf []byte
	pkt      rtp.Packet // HandleRead's parse target

	slots []slot
	mask  int64

	clock   shared.Clock
	epoch   time.Time // the first time seen: nanos count from it
	now     nanos     // the latest time seen
	seqU    rtp.Unwrapper16
	tsU     rtp.Unwrapper32
	started bool
	emitted bool  // a frame was emitted or dropped: next never moves back
	next    int64 // extended sequence number of the oldest slot kept
	highest int64 // highest extended sequence number that arrived
	synced  bool  // next is known to start a frame

	waitKey bool // video: drop frames until a keyframe
	pliAt   nanos
	pliSent bool
	nackDue nanos // never: no NACK due

	delay delayEstimator

	events shared.EventQueue[Event]

	closed bool
	stats  Stats
}

// NewJitterBuffer returns a buffer for one stream of cfg.Codec.
func NewJitterBuffer(cfg Config) (*JitterBuffer, error) {
	if cfg.Codec.ClockRate == 0 || cfg.Codec.NewDepayloader == nil {
		return nil, ErrConfig
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := cfg.maxPackets()
	j := &JitterBuffer{
		cfg:    cfg,
		video:  cfg.Codec.MarkFrameEnd,
		rate:   cfg.Codec.ClockRate,
		depay:  cfg.Codec.NewDepayloader(),
		probe:  cfg.Codec.NewDepayloader(),
		slots:  make([]slot, n),
		mask:   int64(n - 1),
		events: shared.NewEventQueue[Event](cfg.maxEvents()),
	}
	j.events.SetName("media events")
	j.waitKey = j.video
	j.nackDue = never
	j.delay.init(&j.cfg, j.rate)
	return j, nil
}

// Stats returns the counters.
func (j *JitterBuffer) Stats() Stats {
	s := j.stats
	s.EventsLost = j.events.Lost()
	s.Jitter = j.delay.jitter
	s.TargetDelay = j.delay.target
	return s
}

// MemoryUsage returns the bytes the buffer holds, overhead included: the
// slot table, every payload buffer's capacity, the frame and scratch
// buffers and the event queue. It is bounded by about
// MaxPackets*(MaxPacketSize+slot size) + 2*MaxFrameSize.
func (j *JitterBuffer) MemoryUsage() int {
	n := int(unsafe.Sizeof(*j)) + len(j.slots)*int(unsafe.Sizeof(slot{}))
	for i := range j.slots {
		n += cap(j.slots[i].payload)
	}
	n += cap(j.frameBuf) + cap(j.scratch) + cap(j.pkt.Payload)
	n += j.events.Cap() * int(unsafe.Sizeof(Event{}))
	return n
}

func (j *JitterBuffer) at(ext int64) *slot { return &j.slots[ext&j.mask] }

// has reports whether the packet ext is in the buffer.
func (j *JitterBuffer) has(ext int64) bool {
	s := j.at(ext)
	return s.present && s.ext == ext
}

// nanos is a time in the buffer's own timeline: nanoseconds since the
// first time it was given. Arithmetic on it is plain integer arithmetic,
// cheaper per packet than time.Time's.
type nanos int64

// never is the nanos of "no deadline".
const never = nanos(math.MaxInt64)

// tick records t (time never moves backwards) and returns the latest time
// seen, in nanos.
func (j *JitterBuffer) tick(t time.Time) nanos {
	latest := j.clock.Advance(t)
	if j.epoch.IsZero() {
		j.epoch = latest
	}
	j.now = nanos(latest.Sub(j.epoch))
	return j.now
}

// abs turns nanos back into a time.
func (j *JitterBuffer) abs(n nanos) time.Time { return j.epoch.Add(time.Duration(n)) }

// HandleRead parses msg.Message as an RTP packet and hands it to
// HandlePacket. msg is borrowed for the call: the payload is copied.
func (j *JitterBuffer) HandleRead(msg shared.TaggedBytes) error {
	if j.closed {
		return ErrClosed
	}
	if err := j.pkt.Unmarshal(msg.Message); err != nil {
		j.stats.PacketsReceived++
		j.stats.PacketsDiscarded++
		j.advance(j.tick(msg.Now))
		return j.result(errors.Join(ErrMalformedPacket, err))
	}
	err := j.HandlePacket(msg.Now, &j.pkt)
	j.pkt.Payload = nil
	return err
}

// HandlePacket adds one packet that arrived at now. The payload is copied;
// p may be reused after the call. A packet that is late, duplicated or out
// of the window is counted and dropped without error; a payload too large
// or malformed for the codec is counted, dropped and reported. An error
// wrapping ErrQueueFull says an event was lost; the packet was still
// handled.
func (j *JitterBuffer) HandlePacket(now time.Time, p *rtp.Packet) error {
	if j.closed {
		return ErrClosed
	}
	j.stats.PacketsReceived++
	n := j.tick(now)
	err := j.insert(n, p)
	j.advance(n)
	return j.result(err)
}

// HandleTimeout tells the buffer that time now has been reached: frames
// blocked past their loss deadline are given up and NACKs are repeated.
// Calling it early is harmless.
func (j *JitterBuffer) HandleTimeout(now time.Time) error {
	if j.closed {
		return ErrClosed
	}
	j.advance(j.tick(now))
	return j.result(nil)
}

// result adds the event-loss report to err (contract rule 1: the call during
// which an event was lost, or the next one, reports it): ErrQueueFull and
// the queue's *shared.OverflowError, both wrapping shared.ErrQueueFull.
func (j *JitterBuffer) result(err error) error {
	lost := j.events.Err()
	if lost == nil {
		return err
	}
	return errors.Join(err, ErrQueueFull, lost)
}

func (j *JitterBuffer) pushEvent(e Event) { j.events.Push(e) }

// PollEvent returns the next request for the sender (NACK or keyframe).
func (j *JitterBuffer) PollEvent() (Event, bool) {
	if j.closed {
		return Event{}, false
	}
	return j.events.Pop()
}

// PollFrame returns the next frame due for playout at the latest time seen.
// Frame.Data aliases the buffer until the next call on the JitterBuffer.
// Frames that cannot be played (malformed, too large, too late, or video
// before a keyframe) are dropped and counted here; a keyframe request they
// cause comes out of the next PollEvent.
func (j *JitterBuffer) PollFrame() (Frame, bool) {
	if j.closed {
		return Frame{}, false
	}
	now := j.now
	for {
		h := j.head()
		if h.state != headComplete {
			return Frame{}, false
		}
		expected := j.delay.expected(h.tsExt)
		playout := expected + nanos(j.delay.target)
		if playout > now {
			return Frame{}, false
		}
		f, arrival, ok := j.assemble(h)
		j.release(h.end)
		if !ok {
			j.stats.FramesDropped++
			j.lostVideo(now)
			continue
		}
		j.stats.FramesAssembled++
		if now-expected > nanos(j.cfg.maxLatency()) {
			// Past the maximum latency: not worth playing.
			j.stats.FramesDropped++
			j.lostVideo(now)
			continue
		}
		if j.waitKey {
			if !f.Keyframe {
				j.stats.FramesDropped++
				j.requestKeyframe(now)
				continue
			}
			j.waitKey, j.pliSent = false, false
		}
		f.Playout = j.abs(playout)
		j.stats.FramesEmitted++
		if f.Keyframe {
			j.stats.KeyframesEmitted++
		}
		j.stats.JitterBufferDelay += time.Duration(now - arrival)
		j.stats.JitterBufferTargetDelay += j.delay.target
		return f, true
	}
}

// assemble depayloads the head frame into the frame buffer.
func (j *JitterBuffer) assemble(h headInfo) (Frame, nanos, bool) {
	first := j.at(j.next)
	f := Frame{
		Timestamp: first.ts, FirstSequence: uint16(j.next), LastSequence: uint16(h.end),
		Packets: int(h.end - j.next + 1),
	}
	arrival := first.at
	j.depay.Reset()
	buf := j.frameBuf[:0]
	for s := j.next; s <= h.end; s++ {
		sl := j.at(s)
		arrival = min(arrival, sl.at)
		var info rtp.PayloadInfo
		var err error
		buf, info, err = j.depay.Depayload(buf, sl.payload)
		if err != nil || len(buf) > j.cfg.maxFrameSize() {
			j.frameBuf = buf[:0]
			return Frame{}, 0, false
		}
		f.Keyframe = f.Keyframe || info.Keyframe
	}
	j.frameBuf = buf
	f.Data = buf
	f.Arrival = j.abs(arrival)
	return f, arrival, true
}

// PollTimeout returns when the buffer must next be called: the playout
// time of the next complete frame, the give-up deadline of a blocked one,
// or the next NACK repetition. While a frame is due or an event is queued
// it returns the latest time seen (drain rule: nothing is left pending
// behind a later deadline).
func (j *JitterBuffer) PollTimeout() (time.Time, bool) {
	t, _ := j.timeout()
	return t, !t.IsZero()
}

// TimeoutReason names why PollTimeout's deadline exists: "playout",
// "loss", "nack", "pending" (output waiting to be polled) or "" when none.
func (j *JitterBuffer) TimeoutReason() string {
	_, r := j.timeout()
	return r
}

func (j *JitterBuffer) timeout() (time.Time, string) {
	if j.closed {
		return time.Time{}, ""
	}
	if j.events.Len() > 0 {
		return j.clock.Now(), "pending"
	}
	t := never
	reason := ""
	switch h := j.head(); h.state {
	case headComplete:
		t, reason = j.deadline(h), "playout"
		if t <= j.now {
			reason = "pending"
		}
	case headBlocked:
		t, reason = j.deadline(h), "loss"
	}
	if j.nackDue < t {
		t, reason = j.nackDue, "nack"
	}
	if t == never {
		return time.Time{}, ""
	}
	// Never a deadline before the latest time seen (shared.Clock.Clamp).
	return j.abs(max(t, j.now)), reason
}

// Close drops everything buffered. Afterwards every Poll* reports false and
// every Handle* returns ErrClosed. Close is idempotent.
func (j *JitterBuffer) Close() error {
	j.closed = true
	j.events.Clear()
	for i := range j.slots {
		j.slots[i].present = false
	}
	return nil
}
