package stun

import (
	"encoding/binary"
	"encoding/hex"
	"iter"
	"strconv"
)

// Wire constants (RFC 8489 §5).
const (
	// HeaderSize is the size of the STUN message header.
	HeaderSize = 20
	// MagicCookie is the fixed value in bytes 4-7 of every RFC 5389/8489 message.
	MagicCookie uint32 = 0x2112A442
	// TransactionIDSize is the size of the transaction ID.
	TransactionIDSize = 12
	// attrHeaderSize is the size of an attribute's type and length.
	attrHeaderSize = 4
)

// Class is the two-bit class of a message (RFC 8489 §5).
type Class uint8

// Message classes.
const (
	ClassRequest    Class = 0 // a request, answered by a response
	ClassIndication Class = 1 // an indication, not answered
	ClassSuccess    Class = 2 // a success response
	ClassError      Class = 3 // an error response
)

// String returns the RFC name of the class.
func (c Class) String() string {
	switch c {
	case ClassRequest:
		return "request"
	case ClassIndication:
		return "indication"
	case ClassSuccess:
		return "success response"
	case ClassError:
		return "error response"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Method is the 12-bit method of a message (RFC 8489 §18.2, RFC 8656 §17,
// RFC 6062 §6.1).
type Method uint16

// Methods from the IANA STUN Methods registry that WebRTC meets.
const (
	MethodBinding           Method = 0x001 // RFC 8489
	MethodAllocate          Method = 0x003 // RFC 8656
	MethodRefresh           Method = 0x004 // RFC 8656
	MethodSend              Method = 0x006 // RFC 8656 (indication only)
	MethodData              Method = 0x007 // RFC 8656 (indication only)
	MethodCreatePermission  Method = 0x008 // RFC 8656
	MethodChannelBind       Method = 0x009 // RFC 8656
	MethodConnect           Method = 0x00A // RFC 6062
	MethodConnectionBind    Method = 0x00B // RFC 6062
	MethodConnectionAttempt Method = 0x00C // RFC 6062
)

// String returns the RFC name of the method.
func (m Method) String() string {
	switch m {
	case MethodBinding:
		return "Binding"
	case MethodAllocate:
		return "Allocate"
	case MethodRefresh:
		return "Refresh"
	case MethodSend:
		return "Send"
	case MethodData:
		return "Data"
	case MethodCreatePermission:
		return "CreatePermission"
	case MethodChannelBind:
		return "ChannelBind"
	case MethodConnect:
		return "Connect"
	case MethodConnectionBind:
		return "ConnectionBind"
	case MethodConnectionAttempt:
		return "ConnectionAttempt"
	}
	return "Method(0x" + strconv.FormatUint(uint64(m), 16) + ")"
}

// MessageType is a method and a class, as carried in the first 16 bits of
// the header.
type MessageType struct {
	Method Method
	Class  Class
}

// Common message types.
var (
	BindingRequest    = MessageType{MethodBinding, ClassRequest}
	BindingSuccess    = MessageType{MethodBinding, ClassSuccess}
	BindingError      = MessageType{MethodBinding, ClassError}
	BindingIndication = MessageType{MethodBinding, ClassIndication}
)

// Value encodes the type as the 14-bit field of RFC 8489 §5 figure 3: the
// class bits C1 and C0 sit at bits 8 and 4, interleaved with the method.
func (t MessageType) Value() uint16 {
	m := uint16(t.Method) & 0x0FFF
	c := uint16(t.Class) & 0x3
	return (m & 0x000F) | (m&0x0070)<<1 | (m&0x0F80)<<2 | (c&0x1)<<4 | (c&0x2)<<7
}

// typeFromValue is the inverse of Value.
func typeFromValue(v uint16) MessageType {
	m := (v & 0x000F) | (v&0x00E0)>>1 | (v&0x3E00)>>2
	c := (v&0x0010)>>4 | (v&0x0100)>>7
	return MessageType{Method(m), Class(c)}
}

// String formats the type as "Binding request".
func (t MessageType) String() string { return t.Method.String() + " " + t.Class.String() }

// TransactionID is the 96-bit transaction ID (RFC 8489 §5).
type TransactionID [TransactionIDSize]byte

// String returns the ID in hex.
func (id TransactionID) String() string { return hex.EncodeToString(id[:]) }

// attrRef locates one attribute inside Message.Raw.
type attrRef struct {
	hdr uint32 // the attribute header: type<<16 | value length (without padding)
	off int32  // offset of the value in Raw
}

func (a attrRef) typ() uint16 { return uint16(a.hdr >> 16) }

// end is the offset in Raw just past the value.
func (a attrRef) end() int { return int(a.off) + int(a.hdr&0xFFFF) }

// Message is a decoded STUN message. It aliases the bytes it was parsed
// from: Raw, and every []byte a getter returns, point into them. Copy (see
// Clone) to keep a message past the life of its input buffer.
//
// A Message is reusable: Parse into the same value again and it reuses its
// attribute index, so steady-state decoding allocates nothing.
type Message struct {
	Type          MessageType
	TransactionID TransactionID
	// Raw is the whole message: header and attributes.
	Raw []byte

	attrs []attrRef
	// offsets (into Raw) of the attribute headers of MESSAGE-INTEGRITY,
	// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, or -1.
	miOff, mi256Off, fpOff int
}

// Limits bounds what Parse accepts. The zero value applies the defaults.
type Limits struct {
	// MaxAttributes is the largest number of attributes indexed in a
	// message. If zero, 64 is used.
	MaxAttributes int
	// MaxMessageSize is the largest message accepted, header included.
	// If zero, 65535+20 (anything the length field can express) is used.
	MaxMessageSize int
}

func (l Limits) maxAttributes() int {
	if l.MaxAttributes <= 0 {
		return 64
	}
	return l.MaxAttributes
}

func (l Limits) maxMessageSize() int {
	if l.MaxMessageSize <= 0 {
		return HeaderSize + 0xFFFF
	}
	return l.MaxMessageSize
}

// IsMessage reports whether b looks like a STUN message: at least a header,
// the top two bits zero, the magic cookie, a length that is a multiple of
// four and that matches len(b) (RFC 8489 §6.3, RFC 7983 §7).
func IsMessage(b []byte) bool {
	if len(b) < HeaderSize || b[0]&0xC0 != 0 {
		return false
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	return n&3 == 0 && HeaderSize+n == len(b) && binary.BigEndian.Uint32(b[4:8]) == MagicCookie
}

// Parse decodes b into m with the default Limits. b must hold exactly one
// message (a datagram, or one message framed out of a stream). m aliases b.
func Parse(b []byte, m *Message) error { return ParseWithLimits(b, m, Limits{}) }

// Clone returns a deep copy of m that owns its bytes.
func (m *Message) Clone() *Message {
	c := &Message{Type: m.Type, TransactionID: m.TransactionID, miOff: m.miOff, mi256Off: m.mi256Off, fpOff: m.fpOff}
	c.Raw = append([]byte(nil), m.Raw...)
	c.attrs = append([]attrRef(nil), m.attrs...)
	return c
}

// Attribute is one attribute of a decoded message. Value aliases the
// message and excludes padding.
type Attribute struct {
	Type  AttrType
	Value []byte
}

// Len returns the number of attributes indexed (those after
// MESSAGE-INTEGRITY that RFC 8489 says to ignore are not counted).
func (m *Message) Len() int { return len(m.attrs) }

// Attr returns the i-th attribute in wire order, 0 <= i < Len().
func (m *Message) Attr(i int) Attribute {
	a := m.attrs[i]
	end := a.end()
	return Attribute{Type: AttrType(a.typ()), Value: m.Raw[a.off:end:end]}
}

// All iterates over the attributes in wire order. It allocates nothing.
func (m *Message) All() iter.Seq2[int, Attribute] {
	return func(yield func(int, Attribute) bool) {
		for i := range m.attrs {
			if !yield(i, m.Attr(i)) {
				return
			}
		}
	}
}

// Get returns the value of the first attribute of type t, aliasing the message.
func (m *Message) Get(t AttrType) ([]byte, bool) {
	for i := range m.attrs {
		if a := &m.attrs[i]; a.typ() == uint16(t) {
			end := a.end()
			return m.Raw[a.off:end:end], true
		}
	}
	return nil, false
}

// Contains reports whether the message has an attribute of type t.
func (m *Message) Contains(t AttrType) bool {
	for i := range m.attrs {
		if m.attrs[i].typ() == uint16(t) {
			return true
		}
	}
	return false
}

// UnknownRequired appends to dst the comprehension-required attribute types
// (0x0000-0x7FFF) in m that this package does not know, and returns it. A
// server answers a request that has any with a 420 error listing them in
// UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1); a client discards such a response
// (RFC 8489 §6.3.3 and §6.3.4).
func (m *Message) UnknownRequired(dst []AttrType) []AttrType {
	for i := range m.attrs {
		t := AttrType(m.attrs[i].typ())
		if t.Required() && !t.Known() {
			dst = append(dst, t)
		}
	}
	return dst
}

// String returns a short description for logs: type, transaction ID and
// attribute types.
func (m *Message) String() string {
	s := m.Type.String() + " id=" + m.TransactionID.String()
	for i := range m.attrs {
		s += " " + AttrType(m.attrs[i].typ()).String()
	}
	return s
}
