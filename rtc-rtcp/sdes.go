package rtcp

import (
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// SDESType is an SDES item type (RFC 3550 §6.5, §12.2; RFC 7941; RFC 8843).
type SDESType uint8

// SDES item types.
const (
	SDESEnd                 SDESType = 0  // end of the item list
	SDESCNAME               SDESType = 1  // canonical end-point identifier, §6.5.1
	SDESName                SDESType = 2  // user name, §6.5.2
	SDESEmail               SDESType = 3  // electronic mail address, §6.5.3
	SDESPhone               SDESType = 4  // phone number, §6.5.4
	SDESLocation            SDESType = 5  // geographic user location, §6.5.5
	SDESTool                SDESType = 6  // application or tool name, §6.5.6
	SDESNote                SDESType = 7  // notice/status, §6.5.7
	SDESPrivate             SDESType = 8  // private extensions, §6.5.8
	SDESMID                 SDESType = 12 // BUNDLE media identification, RFC 8843 §15.2
	SDESRtpStreamID         SDESType = 13 // RtpStreamId, RFC 8852 §4.1
	SDESRepairedRtpStreamID SDESType = 14 // RepairedRtpStreamId, RFC 8852 §4.2
)

// String returns the RFC name.
func (t SDESType) String() string {
	names := [...]string{"END", "CNAME", "NAME", "EMAIL", "PHONE", "LOC", "TOOL", "NOTE", "PRIV"}
	switch {
	case int(t) < len(names):
		return names[t]
	case t == SDESMID:
		return "MID"
	case t == SDESRtpStreamID:
		return "RtpStreamId"
	case t == SDESRepairedRtpStreamID:
		return "RepairedRtpStreamId"
	}
	return "SDESType(" + strconv.Itoa(int(t)) + ")"
}

// SDESItem is one item. For PRIV items Text holds the whole item value
// (prefix length, prefix, value; see PrivateItem).
type SDESItem struct {
	Type SDESType
	Text []byte // aliases the input; at most 255 octets
}

// PrivateItem splits a PRIV item's text into prefix and value (RFC 3550
// §6.5.8).
func PrivateItem(text []byte) (prefix, value []byte, ok bool) {
	if len(text) < 1 || int(text[0]) > len(text)-1 {
		return nil, nil, false
	}
	return text[1 : 1+text[0]], text[1+text[0]:], true
}

// SDESChunk is the list of items about one SSRC or CSRC.
type SDESChunk struct {
	Source uint32
	Items  []SDESItem
}

func (c *SDESChunk) size() int {
	n := 4
	for _, it := range c.Items {
		n += 2 + len(it.Text)
	}
	// At least one null octet ends the list, then pad to 32 bits.
	return pad4(n + 1)
}

// SourceDescription is an SDES packet (RFC 3550 §6.5).
type SourceDescription struct {
	Chunks []SDESChunk
}

// CNAME returns the CNAME of source, if the packet carries one.
func (p *SourceDescription) CNAME(source uint32) ([]byte, bool) {
	for _, c := range p.Chunks {
		if c.Source != source {
			continue
		}
		for _, it := range c.Items {
			if it.Type == SDESCNAME {
				return it.Text, true
			}
		}
	}
	return nil, false
}

// MarshalSize returns the wire length.
func (p *SourceDescription) MarshalSize() int {
	n := headerSize
	for i := range p.Chunks {
		n += p.Chunks[i].size()
	}
	return n
}

// AppendTo appends the wire form.
func (p *SourceDescription) AppendTo(b []byte) ([]byte, error) {
	if len(p.Chunks) > 31 || p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	for _, c := range p.Chunks {
		for _, it := range c.Items {
			if len(it.Text) > 255 {
				return b, ErrTooLong
			}
			if it.Type == SDESEnd {
				return b, ErrBadValue
			}
		}
	}
	b = appendHeader(b, uint8(len(p.Chunks)), TypeSDES, p.MarshalSize())
	for i := range p.Chunks {
		c := &p.Chunks[i]
		start := len(b)
		b = appendU32(b, c.Source)
		for _, it := range c.Items {
			b = append(b, byte(it.Type), byte(len(it.Text)))
			b = append(b, it.Text...)
		}
		b = append(b, 0)
		for (len(b)-start)%4 != 0 {
			b = append(b, 0)
		}
	}
	return b, nil
}

// Unmarshal parses one SDES packet. Chunks and their item lists reuse the
// value's capacity.
func (p *SourceDescription) Unmarshal(b []byte) error {
	h, body, err := body(b, "SDES", TypeSDES)
	if err != nil {
		return err
	}
	chunks := p.Chunks[:0]
	off := 0
	for i := 0; i < int(h.Count); i++ {
		if len(body)-off < 4 {
			return parseErr("SDES chunk", headerSize+off, shared.ErrTruncated)
		}
		var c *SDESChunk
		if len(chunks) < cap(chunks) {
			chunks = chunks[:len(chunks)+1]
			c = &chunks[len(chunks)-1]
			c.Items = c.Items[:0]
		} else {
			chunks = append(chunks, SDESChunk{})
			c = &chunks[len(chunks)-1]
		}
		start := off
		c.Source = u32(body[off:])
		off += 4
		for {
			if off >= len(body) {
				return parseErr("SDES item", headerSize+off, shared.ErrTruncated)
			}
			t := SDESType(body[off])
			if t == SDESEnd {
				// RFC 3550 §6.5: the list ends with one or more null
				// octets up to the next 32-bit boundary.
				off++
				for (off-start)%4 != 0 {
					if off >= len(body) || body[off] != 0 {
						return parseErr("SDES chunk", headerSize+off, ErrBadLength)
					}
					off++
				}
				break
			}
			if off+2 > len(body) || off+2+int(body[off+1]) > len(body) {
				return parseErr("SDES item", headerSize+off, shared.ErrTruncated)
			}
			n := int(body[off+1])
			c.Items = append(c.Items, SDESItem{Type: t, Text: body[off+2 : off+2+n : off+2+n]})
			off += 2 + n
		}
	}
	if off != len(body) {
		return parseErr("SDES", headerSize+off, shared.ErrTrailingBytes)
	}
	p.Chunks = chunks
	return nil
}
