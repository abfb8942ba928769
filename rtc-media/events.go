package media

import (
	"strconv"
	"time"
)

// EventKind says what a JitterBuffer asks of the sender.
type EventKind uint8

// Event kinds.
const (
	// EventNone is the zero Event (PollEvent reporting false).
	EventNone EventKind = iota
	// EventNACK asks for retransmission of lost packets. PacketID and
	// Bitmask are the PID and BLP of one RFC 4585 §6.2.1 Generic NACK FCI
	// entry: PacketID is lost, and bit i of Bitmask set means PacketID+i+1
	// is lost too. Hand it to a NACK generator or build the RTCP directly.
	EventNACK
	// EventKeyframeRequest asks for a keyframe: send a Picture Loss
	// Indication (RFC 4585 §6.3.1). It comes after an unrecoverable video
	// loss, or when a stream starts without a keyframe. No field is set.
	EventKeyframeRequest
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventNone:
		return "none"
	case EventNACK:
		return "NACK"
	case EventKeyframeRequest:
		return "KeyframeRequest"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is a request from the jitter buffer to the sending side.
type Event struct {
	Kind     EventKind
	PacketID uint16 // EventNACK: first lost sequence number (PID)
	Bitmask  uint16 // EventNACK: following lost packets (BLP)
}

// Lost calls f for each sequence number an EventNACK names, in order.
func (e Event) Lost(f func(seq uint16)) {
	if e.Kind != EventNACK {
		return
	}
	f(e.PacketID)
	for i := range 16 {
		if e.Bitmask&(1<<i) != 0 {
			f(e.PacketID + uint16(i) + 1)
		}
	}
}

// nackBatch packs ascending lost sequence numbers into Generic NACK
// entries (RFC 4585 §6.2.1: a PID and a 16-bit mask of the next 16).
type nackBatch struct {
	open bool
	pid  int64
	blp  uint16
}

// add reports the finished entry, if ext does not fit the open one.
func (b *nackBatch) add(ext int64) (Event, bool) {
	if b.open && ext > b.pid && ext-b.pid <= 16 {
		b.blp |= 1 << (ext - b.pid - 1)
		return Event{}, false
	}
	e, ok := b.flush()
	b.open, b.pid, b.blp = true, ext, 0
	return e, ok
}

func (b *nackBatch) flush() (Event, bool) {
	if !b.open {
		return Event{}, false
	}
	b.open = false
	return Event{Kind: EventNACK, PacketID: uint16(b.pid), Bitmask: b.blp}, true
}

// Stats are the jitter buffer's counters, named after the W3C
// RTCInboundRtpStreamStats members they feed (webrtc-stats §8.8).
type Stats struct {
	// PacketsReceived counts packets handed in, including discarded ones.
	PacketsReceived uint64
	// PacketsDiscarded counts packets dropped on arrival: too late (their
	// frame was already played or given up), duplicates, out of window,
	// too large or malformed ("packetsDiscarded").
	PacketsDiscarded uint64
	// PacketsDuplicated counts duplicates (included in PacketsDiscarded).
	PacketsDuplicated uint64
	// PacketsLost counts sequence numbers given up without ever arriving
	// ("packetsLost").
	PacketsLost uint64
	// FramesAssembled counts frames whose packets were all received and
	// depayloaded ("framesAssembled"; played or not).
	FramesAssembled uint64
	// FramesDropped counts frames not played: given up after a loss, past
	// MaxLatency, not decodable while waiting for a keyframe, forced out of
	// the window, malformed or too large ("framesDropped"). A run of wholly
	// lost packets counts as one frame.
	FramesDropped uint64
	// FramesEmitted counts frames PollFrame returned
	// ("jitterBufferEmittedCount").
	FramesEmitted uint64
	// KeyframesEmitted counts emitted keyframes.
	KeyframesEmitted uint64
	// JitterBufferDelay sums, over emitted frames, the time from the arrival
	// of their first packet to their emission ("jitterBufferDelay").
	JitterBufferDelay time.Duration
	// JitterBufferTargetDelay sums the target delay at each emission
	// ("jitterBufferTargetDelay").
	JitterBufferTargetDelay time.Duration
	// NACKs counts sequence numbers requested, KeyframeRequests the
	// keyframe requests ("nackCount", "pliCount").
	NACKs, KeyframeRequests uint64
	// EventsLost counts events lost to a full event queue.
	EventsLost uint64
	// Jitter is the current interarrival jitter estimate (RFC 3550 §6.4.1)
	// and TargetDelay the current target playout delay.
	Jitter, TargetDelay time.Duration
}
