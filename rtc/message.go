package rtc

// MessageKind says what a Message carries. The zero value is a data
// channel message, so a Message written before media existed still means
// the same.
type MessageKind uint8

// Message kinds.
const (
	// MessageData: a data channel message. Channel, Binary and Data are set.
	MessageData MessageKind = iota
	// MessageRTP: one RTP packet (RFC 3550), decrypted. Transceiver and
	// Data (the whole packet, header included) are set.
	MessageRTP
	// MessageRTCP: one compound RTCP packet (RFC 3550 §6.1), decrypted.
	// Data is set; Transceiver when the packet could be routed to one.
	MessageRTCP
)

// String returns "data", "rtp" or "rtcp".
func (k MessageKind) String() string {
	return [...]string{"data", "rtp", "rtcp", "unknown"}[min(int(k), 3)]
}

// Message is what PollRead returns and HandleWrite takes: one type for
// data channel messages, RTP and RTCP, so that all three share one read
// path and one write path without copies.
//
// From PollRead, a data channel message's Data belongs to the caller. An
// RTP or RTCP message's Data is a view of the datagram it was decrypted in
// (no copy); the caller gives it back with ReleaseRead once done, and must
// not touch it afterwards. To HandleWrite, Data is borrowed for the call.
type Message struct {
	Kind MessageKind
	// Channel is the data channel (MessageData).
	Channel *DataChannel
	// Binary: false for a string message (UTF-8, MessageData).
	Binary bool
	// Transceiver is the transceiver an RTP or RTCP packet belongs to.
	Transceiver *Transceiver
	// RID is the RTP stream id (RFC 8852) of a received simulcast RTP
	// packet's stream, "" without simulcast. To HandleWrite it selects the
	// sender's encoding (Sender.WriteRTP's rid).
	RID  string
	Data []byte
}

// OutgoingMessage is what HandleWrite takes: the same type as Message.
//
// Deprecated: use Message.
type OutgoingMessage = Message
