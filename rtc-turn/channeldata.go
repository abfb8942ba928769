package turn

import (
	"encoding/binary"
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// Channel numbers a client may bind (RFC 8656 §12: 0x4000 through 0x4FFF).
const (
	MinChannel uint16 = 0x4000
	MaxChannel uint16 = 0x4FFF
)

const channelHeaderSize = 4

// ErrBadChannelData reports a malformed ChannelData message.
var ErrBadChannelData = errors.New("turn: malformed ChannelData")

// IsChannelData reports whether b starts like a ChannelData message: a
// first byte in 64..79 (RFC 7983 §7, RFC 9443 §3; the channel numbers of
// RFC 8656 §12 are 0x4000 through 0x4FFF).
func IsChannelData(b []byte) bool { return len(b) >= channelHeaderSize && b[0]&0xF0 == 0x40 }

// ParseChannelData decodes a ChannelData message (RFC 8656 §12.4). Over UDP
// the datagram may carry padding after the data, which is ignored. The
// returned data aliases b.
func ParseChannelData(b []byte) (channel uint16, data []byte, err error) {
	c := shared.NewCursor(b)
	var n uint16
	if !c.ReadUint16(&channel) || !c.ReadUint16(&n) {
		return 0, nil, &shared.ParseError{Layer: "turn", Type: "ChannelData", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	// RFC 8656 §12: "0x4000 through 0x4FFF: These values are the allowed
	// channel numbers"; 0x5000 through 0xFFFF are reserved.
	if channel < MinChannel || channel > MaxChannel {
		return 0, nil, &shared.ParseError{Layer: "turn", Type: "ChannelData", Offset: 0, Err: ErrBadChannelData}
	}
	if !c.ReadBytes(&data, int(n)) {
		return 0, nil, &shared.ParseError{Layer: "turn", Type: "ChannelData", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	// RFC 8656 §12.5: over UDP, padding "MAY" be present; at most 3 bytes.
	if c.Len() > 3 {
		return 0, nil, &shared.ParseError{Layer: "turn", Type: "ChannelData", Offset: c.Offset(), Err: shared.ErrTrailingBytes}
	}
	return channel, data, nil
}

// AppendChannelData appends a ChannelData message to b. With pad (TCP and
// TLS, RFC 8656 §12.5: "the ChannelData message MUST be padded to a
// multiple of four bytes") zero padding follows the data.
func AppendChannelData(b []byte, channel uint16, data []byte, pad bool) []byte {
	b = binary.BigEndian.AppendUint16(b, channel)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	b = append(b, data...)
	if pad {
		for i := len(data); i%4 != 0; i++ {
			b = append(b, 0)
		}
	}
	return b
}

// Framer splits a TCP/TLS byte stream from a TURN server into STUN messages
// and ChannelData messages (RFC 8656 §12.5: STUN messages carry their own
// length; ChannelData is padded to four bytes). It keeps one buffer for the
// life of the stream, so once that has grown to the largest message seen,
// framing allocates nothing. The zero value is unusable; use NewFramer.
type Framer struct {
	buf []byte // buf[r:] is unread
	r   int
	max int
}

// NewFramer returns a framer that buffers at most max bytes of an
// incomplete message.
func NewFramer(max int) *Framer { return &Framer{max: max} }

// Push appends stream bytes (copied). It fails with ErrStreamOverflow when
// more than the limit would be buffered; the stream is then unusable.
// Messages returned by Next before the call are invalid after it.
func (f *Framer) Push(b []byte) error {
	if f.Buffered()+len(b) > f.max {
		return ErrStreamOverflow
	}
	if f.r > 0 {
		// Move the unread tail to the front so the buffer is reused.
		f.buf = f.buf[:copy(f.buf, f.buf[f.r:])]
		f.r = 0
	}
	f.buf = append(f.buf, b...)
	return nil
}

// Next returns the next complete message (STUN or ChannelData, padding
// stripped from ChannelData) or false when more bytes are needed. The
// message aliases the framer's buffer until the next Push. A stream that
// starts with neither kind of message returns ErrBadMessage.
func (f *Framer) Next() ([]byte, bool, error) {
	b := f.buf[f.r:]
	if len(b) < 4 {
		return nil, false, nil
	}
	var n, size int // n bytes on the wire; the message is the first size
	switch {
	case b[0]&0xC0 == 0:
		n = stun.HeaderSize + int(binary.BigEndian.Uint16(b[2:4]))
		if len(b) >= 8 && binary.BigEndian.Uint32(b[4:8]) != stun.MagicCookie {
			return nil, false, ErrBadMessage
		}
		size = n
	case b[0]&0xC0 == 0x40:
		l := int(binary.BigEndian.Uint16(b[2:4]))
		n = channelHeaderSize + (l+3)&^3
		size = channelHeaderSize + l
	default:
		return nil, false, ErrBadMessage
	}
	if n > f.max {
		return nil, false, ErrStreamOverflow
	}
	if len(b) < n {
		return nil, false, nil
	}
	f.r += n
	return b[:size:size], true, nil
}

// Buffered returns the bytes waiting for the rest of a message.
func (f *Framer) Buffered() int { return len(f.buf) - f.r }
