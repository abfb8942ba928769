package mdns

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Port is the mDNS UDP port (RFC 6762 §3).
const Port = 5353

// The mDNS multicast groups (RFC 6762 §3).
var (
	GroupIPv4 = netip.AddrPortFrom(netip.AddrFrom4([4]byte{224, 0, 0, 251}), Port)
	GroupIPv6 = netip.AddrPortFrom(netip.MustParseAddr("ff02::fb"), Port)
)

// Limits of the codec.
const (
	// MaxMessageSize is the largest datagram parsed or built. RFC 6762 §17:
	// "a Multicast DNS packet, including IP and UDP headers, MUST NOT
	// exceed 9000 bytes"; the payload limit used here is that figure.
	MaxMessageSize = 9000
	// MaxRecords bounds the questions and records of one message, all
	// sections together. A bigger message is rejected before anything is
	// allocated for it.
	MaxRecords = 256
	// maxNameLen is the longest name on the wire, length octets and the
	// final zero included (RFC 1035 §2.3.4: "255 octets or less").
	maxNameLen = 255
	// maxLabelLen is the longest label (RFC 1035 §2.3.4: "63 octets or less").
	maxLabelLen = 63
	// maxPointers bounds the compression pointers followed for one name.
	maxPointers = 64
)

// Type is a DNS resource record type (RFC 1035 §3.2.2, RFC 3596).
type Type uint16

// Record types mDNS for ICE uses or meets.
const (
	TypeA    Type = 1
	TypePTR  Type = 12
	TypeTXT  Type = 16
	TypeAAAA Type = 28
	TypeSRV  Type = 33
	TypeNSEC Type = 47
	TypeANY  Type = 255 // QTYPE only (RFC 1035 §3.2.3: "*")
)

// String returns the RFC mnemonic.
func (t Type) String() string {
	switch t {
	case TypeA:
		return "A"
	case TypePTR:
		return "PTR"
	case TypeTXT:
		return "TXT"
	case TypeAAAA:
		return "AAAA"
	case TypeSRV:
		return "SRV"
	case TypeNSEC:
		return "NSEC"
	case TypeANY:
		return "ANY"
	}
	return "TYPE" + strconv.Itoa(int(t)) // RFC 3597 §5
}

// Class is a DNS class (RFC 1035 §3.2.4), without the mDNS top bit (the
// QU bit of a question, the cache-flush bit of a record), which is kept
// apart in Question.UnicastResponse and Record.CacheFlush.
type Class uint16

// Classes.
const (
	ClassIN  Class = 1
	ClassANY Class = 255
)

// String returns "IN", "ANY" or "CLASSn".
func (c Class) String() string {
	switch c {
	case ClassIN:
		return "IN"
	case ClassANY:
		return "ANY"
	}
	return "CLASS" + strconv.Itoa(int(c))
}

// Header flag bits (RFC 1035 §4.1.1).
const (
	FlagResponse      uint16 = 0x8000 // QR
	FlagAuthoritative uint16 = 0x0400 // AA
	opcodeMask        uint16 = 0x7800
	rcodeMask         uint16 = 0x000f
	topBit            uint16 = 0x8000 // QU (RFC 6762 §5.4) or cache-flush (§10.2)
)

// Question is one entry of the question section (RFC 1035 §4.1.2).
type Question struct {
	Name  string // dotted, no trailing dot ("x.local"); a '.' or '\' inside a label is escaped with '\'
	Type  Type
	Class Class
	// UnicastResponse is the QU bit, the top bit of QCLASS (RFC 6762 §5.4).
	UnicastResponse bool
}

// Record is one resource record (RFC 1035 §4.1.3).
type Record struct {
	Name  string
	Type  Type
	Class Class
	// CacheFlush is the top bit of CLASS in a response (RFC 6762 §10.2):
	// the record replaces every cached record of the same name and type.
	CacheFlush bool
	TTL        uint32
	// Data is RDATA. For a parsed message it aliases the input; names inside
	// RDATA are not decompressed (mDNS for ICE reads only A and AAAA).
	Data []byte
}

// Addr returns the address of an A (4 bytes) or AAAA (16 bytes) record;
// false for any other record or a wrong RDATA length.
func (r *Record) Addr() (netip.Addr, bool) {
	switch {
	case r.Type == TypeA && len(r.Data) == 4:
		return netip.AddrFrom4([4]byte(r.Data)), true
	case r.Type == TypeAAAA && len(r.Data) == 16:
		return netip.AddrFrom16([16]byte(r.Data)), true
	}
	return netip.Addr{}, false
}

// AddressRecord returns the A (IPv4) or AAAA (IPv6) record of name for
// addr, with class IN.
func AddressRecord(name string, addr netip.Addr, ttl uint32, cacheFlush bool) Record {
	r := Record{Name: name, Class: ClassIN, CacheFlush: cacheFlush, TTL: ttl}
	if addr.Is4() || addr.Is4In6() {
		a := addr.Unmap().As4()
		r.Type, r.Data = TypeA, a[:]
	} else {
		a := addr.As16()
		r.Type, r.Data = TypeAAAA, a[:]
	}
	return r
}

// Message is a DNS message (RFC 1035 §4.1). The counts of the header are
// the lengths of the four slices.
type Message struct {
	ID          uint16
	Flags       uint16
	Questions   []Question
	Answers     []Record
	Authorities []Record
	Additionals []Record
}

// Response reports whether the QR bit is set.
func (m *Message) Response() bool { return m.Flags&FlagResponse != 0 }

// Opcode returns the OPCODE field.
func (m *Message) Opcode() uint8 { return uint8((m.Flags & opcodeMask) >> 11) }

// RCode returns the RCODE field.
func (m *Message) RCode() uint8 { return uint8(m.Flags & rcodeMask) }

// Parse decodes one DNS message. Names are decompressed (RFC 1035 §4.1.4)
// with loop and length checks: every pointer must point before the
// previous one (or before the name, for the first), at most 64 are
// followed, and a name is at most 255 octets. Input longer than
// MaxMessageSize, with more than MaxRecords entries, with trailing bytes or
// cut short is an error wrapping ErrBadMessage (a *shared.ParseError).
//
// Record.Data aliases b; names are copied.
func Parse(b []byte) (Message, error) {
	var m Message
	if len(b) > MaxMessageSize {
		return Message{}, parseError("message", 0, errors.New("longer than 9000 bytes"))
	}
	c := shared.NewCursor(b)
	var qd, an, ns, ar uint16
	if !c.ReadUint16(&m.ID) || !c.ReadUint16(&m.Flags) || !c.ReadUint16(&qd) ||
		!c.ReadUint16(&an) || !c.ReadUint16(&ns) || !c.ReadUint16(&ar) {
		return Message{}, parseError("header", c.Offset(), shared.ErrTruncated)
	}
	if int(qd)+int(an)+int(ns)+int(ar) > MaxRecords {
		return Message{}, parseError("header", 4, errors.New("more than 256 entries"))
	}
	// Every question takes at least 5 bytes and every record 11: reject a
	// count the input cannot hold before allocating for it.
	if 5*int(qd)+11*(int(an)+int(ns)+int(ar)) > c.Len() {
		return Message{}, parseError("header", 4, shared.ErrTruncated)
	}
	if qd > 0 {
		m.Questions = make([]Question, qd)
	}
	for i := range m.Questions {
		if err := parseQuestion(b, &c, &m.Questions[i]); err != nil {
			return Message{}, err
		}
	}
	var err error
	if m.Answers, err = parseRecords(b, &c, an); err != nil {
		return Message{}, err
	}
	if m.Authorities, err = parseRecords(b, &c, ns); err != nil {
		return Message{}, err
	}
	if m.Additionals, err = parseRecords(b, &c, ar); err != nil {
		return Message{}, err
	}
	if !c.Empty() {
		return Message{}, parseError("message", c.Offset(), shared.ErrTrailingBytes)
	}
	return m, nil
}

func parseQuestion(b []byte, c *shared.Cursor, q *Question) error {
	name, err := readName(b, c)
	if err != nil {
		return err
	}
	var typ, class uint16
	if !c.ReadUint16(&typ) || !c.ReadUint16(&class) {
		return parseError("question", c.Offset(), shared.ErrTruncated)
	}
	*q = Question{Name: name, Type: Type(typ), Class: Class(class &^ topBit), UnicastResponse: class&topBit != 0}
	return nil
}

func parseRecords(b []byte, c *shared.Cursor, n uint16) ([]Record, error) {
	if n == 0 {
		return nil, nil
	}
	rs := make([]Record, n)
	for i := range rs {
		r := &rs[i]
		name, err := readName(b, c)
		if err != nil {
			return nil, err
		}
		var typ, class uint16
		var data shared.Cursor
		if !c.ReadUint16(&typ) || !c.ReadUint16(&class) || !c.ReadUint32(&r.TTL) ||
			!c.ReadUint16LengthPrefixed(&data) {
			return nil, parseError("record", c.Offset(), shared.ErrTruncated)
		}
		r.Name, r.Type, r.Class, r.CacheFlush = name, Type(typ), Class(class&^topBit), class&topBit != 0
		r.Data = data.Rest()
	}
	return rs, nil
}

// readName reads the (possibly compressed) name at the cursor and moves
// the cursor past it (past the first pointer, if any).
func readName(msg []byte, c *shared.Cursor) (string, error) {
	start := c.Offset()
	pos := start
	limit := start // every pointer must point before this (strictly decreasing)
	end := -1      // where the cursor goes: after the first pointer, or the final zero
	wire := 0      // octets of the uncompressed name
	var name []byte
	for hops := 0; ; {
		if pos >= len(msg) {
			return "", parseError("name", pos, shared.ErrTruncated)
		}
		l := int(msg[pos])
		switch l & 0xc0 {
		case 0x00:
			wire += 1 + l
			if wire > maxNameLen {
				return "", parseError("name", pos, ErrNameTooLong)
			}
			if l == 0 {
				if end < 0 {
					end = pos + 1
				}
				c.Skip(end - c.Offset())
				return string(name), nil
			}
			if pos+1+l > len(msg) {
				return "", parseError("name", pos, shared.ErrTruncated)
			}
			if len(name) > 0 {
				name = append(name, '.')
			}
			for _, ch := range msg[pos+1 : pos+1+l] {
				if ch == '.' || ch == '\\' {
					name = append(name, '\\')
				}
				name = append(name, ch)
			}
			pos += 1 + l
		case 0xc0:
			if pos+2 > len(msg) {
				return "", parseError("name", pos, shared.ErrTruncated)
			}
			ptr := int(binary.BigEndian.Uint16(msg[pos:]) & 0x3fff)
			if ptr >= limit {
				return "", parseError("name", pos, errors.New("compression pointer does not point backwards"))
			}
			hops++
			if hops > maxPointers {
				return "", parseError("name", pos, errors.New("too many compression pointers"))
			}
			if end < 0 {
				end = pos + 2
			}
			limit, pos = ptr, ptr
		default: // 0x40, 0x80: extended label types (RFC 6891 §5), unused
			return "", parseError("name", pos, errors.New("unknown label type"))
		}
	}
}

// MarshalSize returns the size of the encoded message, or an error for a
// name that cannot be encoded.
func (m *Message) MarshalSize() (int, error) {
	n := 12
	for i := range m.Questions {
		l, err := nameSize(m.Questions[i].Name)
		if err != nil {
			return 0, err
		}
		n += l + 4
	}
	for _, sec := range [...][]Record{m.Answers, m.Authorities, m.Additionals} {
		for i := range sec {
			l, err := nameSize(sec[i].Name)
			if err != nil {
				return 0, err
			}
			n += l + 10 + len(sec[i].Data)
		}
	}
	return n, nil
}

// AppendTo appends the encoded message to b. Names are written whole, without
// compression, and must be plain dotted names (no escapes). On error b is
// returned unchanged: a name too long (ErrNameTooLong), more than MaxRecords
// entries, RDATA over 65535 bytes, or a message over MaxMessageSize.
func (m *Message) AppendTo(b []byte) ([]byte, error) {
	size, err := m.MarshalSize()
	if err != nil {
		return b, err
	}
	total := len(m.Questions) + len(m.Answers) + len(m.Authorities) + len(m.Additionals)
	if size > MaxMessageSize || total > MaxRecords {
		return b, errors.New("mdns: message too big")
	}
	bl := shared.NewBuilder(b)
	bl.AddUint16(m.ID)
	bl.AddUint16(m.Flags)
	bl.AddUint16(uint16(len(m.Questions)))
	bl.AddUint16(uint16(len(m.Answers)))
	bl.AddUint16(uint16(len(m.Authorities)))
	bl.AddUint16(uint16(len(m.Additionals)))
	for i := range m.Questions {
		q := &m.Questions[i]
		addName(&bl, q.Name)
		bl.AddUint16(uint16(q.Type))
		cl := uint16(q.Class) &^ topBit
		if q.UnicastResponse {
			cl |= topBit
		}
		bl.AddUint16(cl)
	}
	for _, sec := range [...][]Record{m.Answers, m.Authorities, m.Additionals} {
		for i := range sec {
			r := &sec[i]
			addName(&bl, r.Name)
			bl.AddUint16(uint16(r.Type))
			cl := uint16(r.Class) &^ topBit
			if r.CacheFlush {
				cl |= topBit
			}
			bl.AddUint16(cl)
			bl.AddUint32(r.TTL)
			l := bl.BeginUint16Length()
			bl.AddBytes(r.Data)
			bl.EndUint16Length(l)
		}
	}
	out, err := bl.Bytes()
	if err != nil {
		return b, err
	}
	return out, nil
}

// nameSize returns the wire size of a plain dotted name ("" or "." is the
// root), checking RFC 1035 §2.3.4 limits.
func nameSize(name string) (int, error) {
	if name == "" || name == "." {
		return 1, nil
	}
	if name[len(name)-1] == '.' {
		name = name[:len(name)-1]
	}
	n, label := 1, 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '.' {
			if label == 0 || label > maxLabelLen {
				return 0, ErrNameTooLong
			}
			n += 1 + label
			label = 0
			continue
		}
		label++
	}
	if n > maxNameLen {
		return 0, ErrNameTooLong
	}
	return n, nil
}

// addName writes a name checked by nameSize.
func addName(b *shared.Builder, name string) {
	if name != "" && name[len(name)-1] == '.' {
		name = name[:len(name)-1]
	}
	start := 0
	for i := 0; i <= len(name) && name != ""; i++ {
		if i == len(name) || name[i] == '.' {
			b.AddUint8(uint8(i - start))
			b.AddString(name[start:i])
			start = i + 1
		}
	}
	b.AddUint8(0)
}
