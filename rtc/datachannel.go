package rtc

// Priority is the W3C RTCPriorityType, carried in DCEP (RFC 8832 §5.1).
type Priority uint8

// Priorities.
const (
	PriorityLow Priority = iota // the W3C default
	PriorityVeryLow
	PriorityMedium
	PriorityHigh
)

// String returns the W3C name.
func (p Priority) String() string {
	return [...]string{"low", "very-low", "medium", "high", "unknown"}[min(int(p), 4)]
}

// dcepPriority maps to the DCEP priority values (RFC 8832 §5.1, W3C
// very-low 128, low 256, medium 512, high 1024).
func (p Priority) dcepPriority() uint16 {
	switch p {
	case PriorityVeryLow:
		return 128
	case PriorityMedium:
		return 512
	case PriorityHigh:
		return 1024
	}
	return 256
}

// DataChannelInit holds every W3C RTCDataChannelInit option. The zero value
// is an ordered, reliable, in-band negotiated channel.
type DataChannelInit struct {
	// Unordered is W3C ordered=false: messages may be delivered out of order.
	Unordered bool
	// MaxPacketLifeTime in milliseconds makes the channel partially
	// reliable by time (RFC 3758 timed reliability). Nil means unset.
	MaxPacketLifeTime *uint16
	// MaxRetransmits makes the channel partially reliable by count. Nil
	// means unset. Setting both is an error (W3C TypeError).
	MaxRetransmits *uint16
	// Protocol is the subprotocol name.
	Protocol string
	// Negotiated means the application negotiated the channel out of band:
	// no DCEP is sent and ID must be set (W3C negotiated=true).
	Negotiated bool
	// ID is the SCTP stream id of a negotiated channel. An in-band channel
	// always gets the lowest free id with the parity of this side's DTLS
	// role (RFC 8832 §6), so ID is ignored for it.
	ID *uint16
	// Priority (W3C priority). If zero, low.
	Priority Priority
}

// DataChannel is a handle on one data channel of a PeerConnection. Its
// methods are sans-I/O like the PeerConnection's: Send queues, nothing
// happens until the PeerConnection is driven. A DataChannel is not safe for
// concurrent use; rtc/driver wraps it for goroutines.
type DataChannel struct {
	pc      *PeerConnection
	label   string
	init    DataChannelInit
	id      uint16
	hasID   bool
	state   DataChannelState
	remote  bool // opened by the peer
	opened  bool // handed to the data channel manager (id assigned)
	lowMark int

	messagesSent, messagesReceived uint64
	bytesSent, bytesReceived       uint64
}

// Label returns the label.
func (d *DataChannel) Label() string { return d.label }

// Protocol returns the subprotocol.
func (d *DataChannel) Protocol() string { return d.init.Protocol }

// Ordered reports W3C ordered.
func (d *DataChannel) Ordered() bool { return !d.init.Unordered }

// MaxPacketLifeTime returns the W3C maxPacketLifeTime (nil if unset).
func (d *DataChannel) MaxPacketLifeTime() *uint16 { return d.init.MaxPacketLifeTime }

// MaxRetransmits returns the W3C maxRetransmits (nil if unset).
func (d *DataChannel) MaxRetransmits() *uint16 { return d.init.MaxRetransmits }

// Negotiated reports W3C negotiated.
func (d *DataChannel) Negotiated() bool { return d.init.Negotiated }

// Priority returns the priority.
func (d *DataChannel) Priority() Priority { return d.init.Priority }

// ID returns the stream id, and false while none is assigned (before the
// DTLS role is known).
func (d *DataChannel) ID() (uint16, bool) { return d.id, d.hasID }

// State returns the W3C readyState.
func (d *DataChannel) State() DataChannelState { return d.state }

// BufferedAmount returns the bytes queued by Send and not yet handed to the
// network (W3C bufferedAmount).
func (d *DataChannel) BufferedAmount() int { return d.pc.bufferedAmount(d) }

// SetBufferedAmountLowThreshold sets the W3C bufferedAmountLowThreshold; an
// EventBufferedAmountLow fires when BufferedAmount falls to it or below.
func (d *DataChannel) SetBufferedAmountLowThreshold(n int) {
	d.lowMark = max(n, 0)
	d.pc.applyThreshold(d)
}

// BufferedAmountLowThreshold returns the threshold.
func (d *DataChannel) BufferedAmountLowThreshold() int { return d.lowMark }

// Stats returns message and byte counters.
func (d *DataChannel) Stats() DataChannelStats {
	return DataChannelStats{MessagesSent: d.messagesSent, MessagesReceived: d.messagesReceived,
		BytesSent: d.bytesSent, BytesReceived: d.bytesReceived}
}

// DataChannelStats are a channel's counters (W3C RTCDataChannelStats).
type DataChannelStats struct {
	MessagesSent, MessagesReceived uint64
	BytesSent, BytesReceived       uint64
}

// Send queues a binary message. data is copied.
func (d *DataChannel) Send(data []byte) error { return d.pc.send(d, data, true) }

// SendText queues a text message (sent with the WebRTC String PPID).
func (d *DataChannel) SendText(s string) error { return d.pc.send(d, []byte(s), false) }

// Close starts closing the channel (W3C close(): RFC 8831 §6.7 stream reset).
func (d *DataChannel) Close() error { return d.pc.closeChannel(d) }
