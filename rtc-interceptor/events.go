package interceptor

import "strconv"

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds. Each lists the Event fields it sets.
const (
	EventNone EventKind = iota
	// EventTargetBitrate: the Estimator's target changed (Bitrate, in
	// bits per second). Without an Estimator, a received REMB.
	EventTargetBitrate
	// EventKeyframeRequest: the remote end asked for a keyframe on a local
	// stream (SSRC, Keyframe: PLI or FIR). A repeated FIR with the same
	// command sequence number is not reported again (RFC 5104 §4.3.1.2).
	// An SFU forwards it with RequestKeyframe on the publisher's chain.
	EventKeyframeRequest
	// EventBye: the remote end sent BYE for a stream (SSRC).
	EventBye
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventTargetBitrate:
		return "target-bitrate"
	case EventKeyframeRequest:
		return "keyframe-request"
	case EventBye:
		return "bye"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is a notification from a Chain; see EventKind for the fields each
// kind sets.
type Event struct {
	Kind     EventKind
	SSRC     uint32
	Bitrate  int
	Keyframe KeyframeKind
}
