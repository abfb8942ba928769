package datachannel

import (
	"encoding/binary"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// PPID values for WebRTC (RFC 8831 §8, RFC 8832 §8.1).
const (
	PPIDDCEP          = 50 // DCEP control messages
	PPIDString        = 51 // WebRTC String
	PPIDStringPartial = 52 // WebRTC String Partial (deprecated; accepted on receive)
	PPIDBinary        = 53 // WebRTC Binary
	PPIDBinaryPartial = 54 // WebRTC Binary Partial (deprecated; accepted on receive)
	PPIDStringEmpty   = 56 // WebRTC String Empty
	PPIDBinaryEmpty   = 57 // WebRTC Binary Empty
)

// DCEP message types (RFC 8832 §8.2.1).
const (
	dcepAck  = 0x02
	dcepOpen = 0x03
)

// ChannelType is the DCEP channel type (RFC 8832 §5.1): ordering and
// reliability of a channel.
type ChannelType uint8

// Channel types. The 0x80 bit means unordered.
const (
	ChannelReliable                         ChannelType = 0x00
	ChannelReliableUnordered                ChannelType = 0x80
	ChannelPartialReliableRexmit            ChannelType = 0x01
	ChannelPartialReliableRexmitUnordered   ChannelType = 0x81
	ChannelPartialReliableTimed             ChannelType = 0x02
	ChannelPartialReliableTimedUnordered    ChannelType = 0x82
	channelUnorderedBit                     ChannelType = 0x80
	channelPolicyMask                       ChannelType = 0x7f
	channelPolicyRexmit, channelPolicyTimed             = 0x01, 0x02
)

// Unordered reports whether messages may be delivered out of order.
func (t ChannelType) Unordered() bool { return t&channelUnorderedBit != 0 }

// String returns the RFC 8832 name.
func (t ChannelType) String() string {
	switch t {
	case ChannelReliable:
		return "DATA_CHANNEL_RELIABLE"
	case ChannelReliableUnordered:
		return "DATA_CHANNEL_RELIABLE_UNORDERED"
	case ChannelPartialReliableRexmit:
		return "DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT"
	case ChannelPartialReliableRexmitUnordered:
		return "DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED"
	case ChannelPartialReliableTimed:
		return "DATA_CHANNEL_PARTIAL_RELIABLE_TIMED"
	case ChannelPartialReliableTimedUnordered:
		return "DATA_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED"
	}
	return "ChannelType(" + strconv.Itoa(int(t)) + ")"
}

func (t ChannelType) valid() bool {
	p := t & channelPolicyMask
	return p <= channelPolicyTimed && t&^(channelUnorderedBit|channelPolicyMask) == 0
}

// openMessage is DATA_CHANNEL_OPEN (RFC 8832 §5.1). label and protocol
// alias the input when parsed.
type openMessage struct {
	typ         ChannelType
	priority    uint16
	reliability uint32
	label       []byte
	protocol    []byte
}

func parseOpen(b []byte, o *openMessage) error {
	c := shared.NewCursor(b)
	var mt, ct uint8
	var ll, pl uint16
	if !c.ReadUint8(&mt) || !c.ReadUint8(&ct) || !c.ReadUint16(&o.priority) || !c.ReadUint32(&o.reliability) ||
		!c.ReadUint16(&ll) || !c.ReadUint16(&pl) || !c.ReadBytes(&o.label, int(ll)) || !c.ReadBytes(&o.protocol, int(pl)) {
		return &shared.ParseError{Layer: "datachannel", Type: "DATA_CHANNEL_OPEN", Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	o.typ = ChannelType(ct)
	if mt != dcepOpen || !o.typ.valid() {
		return &shared.ParseError{Layer: "datachannel", Type: "DATA_CHANNEL_OPEN", Offset: 0, Err: errBadValue}
	}
	if !c.Empty() {
		return &shared.ParseError{Layer: "datachannel", Type: "DATA_CHANNEL_OPEN", Offset: c.Offset(), Err: shared.ErrTrailingBytes}
	}
	return nil
}

func (o *openMessage) appendTo(b []byte) []byte {
	b = append(b, dcepOpen, byte(o.typ))
	b = binary.BigEndian.AppendUint16(b, o.priority)
	b = binary.BigEndian.AppendUint32(b, o.reliability)
	b = binary.BigEndian.AppendUint16(b, uint16(len(o.label)))
	b = binary.BigEndian.AppendUint16(b, uint16(len(o.protocol)))
	b = append(b, o.label...)
	return append(b, o.protocol...)
}

// DCEP message types (RFC 8832 §8.2.1), the first byte of a PPID 50 message.
const (
	MessageTypeAck  = dcepAck
	MessageTypeOpen = dcepOpen
)

// Open is a DATA_CHANNEL_OPEN message (RFC 8832 §5.1), for callers that
// run DCEP themselves. The Manager uses the same codec.
type Open struct {
	Type        ChannelType
	Priority    uint16
	Reliability uint32 // retransmissions or milliseconds, per Type
	Label       string
	Protocol    string
}

// ParseOpen decodes a DATA_CHANNEL_OPEN message; the strings are copies.
func ParseOpen(b []byte) (Open, error) {
	var o openMessage
	if err := parseOpen(b, &o); err != nil {
		return Open{}, err
	}
	return Open{Type: o.typ, Priority: o.priority, Reliability: o.reliability, Label: string(o.label), Protocol: string(o.protocol)}, nil
}

// MarshalSize returns the encoded size.
func (o *Open) MarshalSize() int { return 12 + len(o.Label) + len(o.Protocol) }

// AppendTo appends the encoded message to b. Label and Protocol longer
// than 65535 bytes are truncated.
func (o *Open) AppendTo(b []byte) []byte {
	m := openMessage{typ: o.Type, priority: o.Priority, reliability: o.Reliability,
		label: []byte(o.Label[:min(len(o.Label), 0xffff)]), protocol: []byte(o.Protocol[:min(len(o.Protocol), 0xffff)])}
	return m.appendTo(b)
}

// AppendAck appends a DATA_CHANNEL_ACK message (RFC 8832 §5.2).
func AppendAck(b []byte) []byte { return append(b, dcepAck) }
