package rtp

// Frame is a reassembled media frame.
type Frame struct {
	// Data is the codec bitstream. It aliases the FrameAssembler's buffer
	// and is valid until the next call to Push.
	Data      []byte
	Timestamp uint32
	Keyframe  bool
	// FirstSequence and LastSequence are the extended (64-bit) sequence
	// numbers of the first and last packet of the frame.
	FirstSequence, LastSequence int64
}

// AssemblerStats counts what a FrameAssembler did and dropped.
type AssemblerStats struct {
	Packets        uint64 // packets pushed
	Frames         uint64 // frames completed
	Keyframes      uint64 // of which keyframes
	LostPackets    uint64 // sequence gaps (counted in packets)
	DroppedFrames  uint64 // partial frames dropped (loss, size, malformed)
	DroppedPackets uint64 // packets dropped while waiting for a frame start
	Malformed      uint64 // payloads the depayloader rejected
	TooLarge       uint64 // frames over Config.MaxFrameSize or MaxPacketsPerFrame
	Reordered      uint64 // late or duplicate packets ignored
}

// FrameAssembler rebuilds frames from RTP packets of one stream, in
// sequence order (put a jitter buffer in front of it to reorder). A frame
// ends at the packet with the marker bit, or at a payload that says so
// (audio). Packets are skipped until one that starts a frame, at the
// beginning and after a loss (the partial frame is then dropped). Limits come from Config.
//
// The assembler owns one growing buffer; Frame.Data aliases it.
type FrameAssembler struct {
	d   Depayloader
	cfg Config

	buf      []byte
	seq      Unwrapper16
	lastSeq  int64
	started  bool // at least one packet seen
	inFrame  bool
	waiting  bool // after a loss: skip packets until a frame start
	ts       uint32
	key      bool
	first    int64
	nPackets int

	stats AssemblerStats
}

// NewFrameAssembler returns an assembler that uses d to depayload.
func NewFrameAssembler(d Depayloader, cfg Config) *FrameAssembler {
	// Until a packet that starts a frame arrives, packets are skipped: a
	// stream joined mid-frame must not yield the frame's tail.
	return &FrameAssembler{d: d, cfg: cfg, waiting: true}
}

// Stats returns the counters.
func (a *FrameAssembler) Stats() AssemblerStats { return a.stats }

// Push consumes one packet. When the packet completes a frame, Push returns
// it with ok true. An error reports a dropped packet or partial frame (the
// counters say which); the assembler stays usable.
func (a *FrameAssembler) Push(p *Packet) (frame Frame, ok bool, err error) {
	a.stats.Packets++
	ext := a.seq.Unwrap(p.SequenceNumber)
	if a.started {
		switch {
		case ext <= a.lastSeq:
			a.stats.Reordered++
			return Frame{}, false, nil
		case ext != a.lastSeq+1:
			a.stats.LostPackets += uint64(ext - a.lastSeq - 1)
			a.dropFrame()
			a.waiting = true
		}
	}
	a.started = true
	a.lastSeq = ext
	if a.inFrame && p.Timestamp != a.ts {
		// A new timestamp without a marker on the previous frame: its
		// end was lost or never marked.
		a.dropFrame()
		a.waiting = true
	}
	if !a.inFrame {
		a.buf = a.buf[:0]
		a.key = false
		a.nPackets = 0
	}
	n := len(a.buf)
	out, info, derr := a.d.Depayload(a.buf, p.Payload)
	if derr != nil {
		a.stats.Malformed++
		a.dropFrame()
		a.waiting = true
		return Frame{}, false, derr
	}
	if !a.inFrame {
		if a.waiting && !info.FrameStart {
			a.stats.DroppedPackets++
			a.d.Reset()
			a.buf = out[:n]
			return Frame{}, false, ErrFragmentLost
		}
		a.waiting = false
		a.inFrame = true
		a.ts = p.Timestamp
		a.first = ext
	}
	a.buf = out
	a.nPackets++
	a.key = a.key || info.Keyframe
	if len(a.buf) > a.cfg.maxFrameSize() || a.nPackets > a.cfg.maxPacketsPerFrame() {
		a.stats.TooLarge++
		a.dropFrame()
		a.waiting = true
		return Frame{}, false, ErrFrameTooLarge
	}
	if !p.Marker && !info.FrameEnd {
		return Frame{}, false, nil
	}
	a.inFrame = false
	a.stats.Frames++
	if a.key {
		a.stats.Keyframes++
	}
	return Frame{Data: a.buf, Timestamp: a.ts, Keyframe: a.key, FirstSequence: a.first, LastSequence: ext}, true, nil
}

func (a *FrameAssembler) dropFrame() {
	if a.inFrame {
		a.stats.DroppedFrames++
	}
	a.inFrame = false
	a.buf = a.buf[:0]
	a.d.Reset()
}
