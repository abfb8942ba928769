package rtcp

import shared "github.com/sansrtc/rtc/rtc-shared"

// Goodbye is a BYE packet (RFC 3550 §6.6).
type Goodbye struct {
	Sources []uint32 // the SSRC/CSRCs leaving
	Reason  []byte   // optional reason for leaving; aliases the input
}

// MarshalSize returns the wire length.
func (p *Goodbye) MarshalSize() int {
	n := headerSize + 4*len(p.Sources)
	if len(p.Reason) > 0 {
		n += pad4(1 + len(p.Reason))
	}
	return n
}

// AppendTo appends the wire form.
func (p *Goodbye) AppendTo(b []byte) ([]byte, error) {
	if len(p.Sources) > 31 {
		return b, ErrTooMany
	}
	if len(p.Reason) > 255 {
		return b, ErrTooLong
	}
	b = appendHeader(b, uint8(len(p.Sources)), TypeBYE, p.MarshalSize())
	for _, s := range p.Sources {
		b = appendU32(b, s)
	}
	if len(p.Reason) > 0 {
		b = append(b, byte(len(p.Reason)))
		b = append(b, p.Reason...)
		for i := 1 + len(p.Reason); i%4 != 0; i++ {
			b = append(b, 0)
		}
	}
	return b, nil
}

// Unmarshal parses one BYE packet.
func (p *Goodbye) Unmarshal(b []byte) error {
	h, body, err := body(b, "BYE", TypeBYE)
	if err != nil {
		return err
	}
	n := 4 * int(h.Count)
	if len(body) < n {
		return parseErr("BYE", headerSize+len(body), shared.ErrTruncated)
	}
	p.Sources = p.Sources[:0]
	for i := 0; i < n; i += 4 {
		p.Sources = append(p.Sources, u32(body[i:]))
	}
	p.Reason = nil
	if rest := body[n:]; len(rest) > 0 {
		// RFC 3550 §6.6: a length octet, the text, then null padding.
		l := int(rest[0])
		if 1+l > len(rest) {
			return parseErr("BYE reason", headerSize+n, shared.ErrTruncated)
		}
		for _, z := range rest[1+l:] {
			if z != 0 {
				return parseErr("BYE reason", headerSize+n+1+l, shared.ErrTrailingBytes)
			}
		}
		p.Reason = nilIfEmpty(rest[1 : 1+l : 1+l])
	}
	return nil
}

// ApplicationDefined is an APP packet (RFC 3550 §6.7).
type ApplicationDefined struct {
	Subtype uint8   // 5 bits
	SSRC    uint32  // SSRC/CSRC
	Name    [4]byte // four ASCII characters
	Data    []byte  // application-dependent data, a multiple of 4 octets; aliases the input
}

// MarshalSize returns the wire length.
func (p *ApplicationDefined) MarshalSize() int { return headerSize + 8 + len(p.Data) }

// AppendTo appends the wire form.
func (p *ApplicationDefined) AppendTo(b []byte) ([]byte, error) {
	if p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	if p.Subtype > 31 {
		return b, ErrBadValue
	}
	if len(p.Data)%4 != 0 {
		return b, ErrBadLength
	}
	b = appendHeader(b, p.Subtype, TypeAPP, p.MarshalSize())
	b = appendU32(b, p.SSRC)
	b = append(b, p.Name[:]...)
	return append(b, p.Data...), nil
}

// Unmarshal parses one APP packet.
func (p *ApplicationDefined) Unmarshal(b []byte) error {
	h, body, err := body(b, "APP", TypeAPP)
	if err != nil {
		return err
	}
	if len(body) < 8 {
		return parseErr("APP", headerSize+len(body), shared.ErrTruncated)
	}
	if len(body)%4 != 0 {
		return parseErr("APP", headerSize, ErrBadLength)
	}
	p.Subtype = h.Count
	p.SSRC = u32(body)
	copy(p.Name[:], body[4:8])
	p.Data = nilIfEmpty(body[8:])
	return nil
}

// RawPacket is a packet of a type or format this package does not decode.
// It keeps the bytes exactly, so it marshals back to the same octets.
type RawPacket struct {
	Header Header
	Body   []byte // everything after the 4-octet header, padding included; aliases the input
}

// MarshalSize returns the wire length.
func (p *RawPacket) MarshalSize() int { return headerSize + len(p.Body) }

// AppendTo appends the wire form. The header's Length is recomputed.
func (p *RawPacket) AppendTo(b []byte) ([]byte, error) {
	if len(p.Body)%4 != 0 || len(p.Body) > 4*0xffff {
		return b, ErrBadLength
	}
	h := p.Header
	h.Length = uint16(len(p.Body) / 4)
	b = h.AppendTo(b)
	return append(b, p.Body...), nil
}

// Unmarshal keeps one packet of any type.
func (p *RawPacket) Unmarshal(b []byte) error {
	h, err := ParseHeader(b)
	if err != nil {
		return err
	}
	if h.Size() != len(b) {
		return parseErr("packet", 2, ErrBadLength)
	}
	p.Header, p.Body = h, b[headerSize:]
	return nil
}
