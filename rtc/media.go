package rtc

import "time"

// media is the media part of the PeerConnection. With issue 13 it owns
// the SRTP and SRTCP contexts keyed from the DTLS exporter (RFC 5764
// §4.2), the stream table (MID extension, SSRC, RID, RTX), the interceptor
// chain, and the senders and receivers; it decrypts in place and hands
// the PeerConnection Messages that are views of the datagram.
//
// Until then it is the routing point with its verbs in place: RTP and
// RTCP that arrive on the selected pair (told apart by RFC 7983 and RFC
// 5761 §4 in the demultiplexer) are counted and dropped, and writes are
// refused with ErrNoMedia. It has no timer yet. Like the other parts it
// never calls the PeerConnection.
type media struct{}

// handlePacket takes one SRTP or SRTCP datagram from the selected pair.
// It returns the decrypted Message to queue for PollRead, or false when
// the packet is dropped (counted in the sink): with no SRTP context yet
// (use_srtp is not negotiated), every packet is.
func (m *media) handlePacket(kind MessageKind, b []byte, out *sink) (Message, bool) {
	out.stats.Dropped++
	if kind == MessageRTCP {
		out.stats.DroppedRTCP++
	} else {
		out.stats.DroppedRTP++
	}
	return Message{}, false
}

// write sends an RTP or RTCP Message for its transceiver.
func (m *media) write(msg Message) error {
	if msg.Transceiver == nil {
		return ErrUnknownTransceiver
	}
	return ErrNoMedia
}

// release gives back the buffer of an RTP or RTCP Message (nothing is
// lent out yet).
func (m *media) release(Message) {}

// deadline returns the media timers' earliest deadline: none yet (pacing,
// RTCP reports and NACKs come with the interceptors).
func (m *media) deadline() time.Time { return time.Time{} }
