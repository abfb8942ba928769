package rtp

import "slices"

// Packet is an RTP packet: a Header, the payload and the size of the
// padding (RFC 3550 §5.1).
type Packet struct {
	Header
	// Payload is the payload without padding. After Unmarshal it aliases
	// the input.
	Payload []byte
	// PaddingSize is the number of padding octets at the end of the packet,
	// including the final count octet. Zero means no padding; when
	// marshalling, a non-zero value sets the P bit and writes PaddingSize-1
	// zero octets followed by the count.
	PaddingSize uint8
}

// Unmarshal parses an RTP packet. The Packet aliases b (the payload and the
// extension payloads point into it); copy it with Clone to keep it past the
// reuse of b. It never allocates.
func (p *Packet) Unmarshal(b []byte) error {
	n, err := p.Header.Unmarshal(b)
	if err != nil {
		return err
	}
	end := len(b)
	p.PaddingSize = 0
	if p.Header.Padding {
		// RFC 3550 §5.1: "The last octet of the padding contains a count of
		// how many padding octets should be ignored, including itself."
		if end <= n {
			return ErrBadPadding
		}
		pad := int(b[end-1])
		if pad == 0 || pad > end-n {
			return ErrBadPadding
		}
		end -= pad
		p.PaddingSize = uint8(pad)
	}
	p.Payload = b[n:end:end]
	return nil
}

// MarshalSize returns the number of bytes AppendTo writes.
func (p *Packet) MarshalSize() int {
	return p.Header.MarshalSize() + len(p.Payload) + int(p.PaddingSize)
}

// AppendTo appends the marshalled packet to b. It allocates only when b lacks
// capacity (see MarshalSize).
func (p *Packet) AppendTo(b []byte) ([]byte, error) {
	ext, profile := p.Header.extensionDataSize()
	if ext > 4*0xFFFF {
		return b, ErrHeaderTooLarge
	}
	return p.appendTo(b, ext, profile), nil
}

func (p *Packet) appendTo(b []byte, ext int, profile uint16) []byte {
	size := FixedHeaderSize + 4*int(p.csrcCount) + len(p.Payload) + int(p.PaddingSize)
	if ext >= 0 {
		size += 4 + ext
	}
	b = slices.Grow(b, size)
	b = p.Header.appendTo(b, p.PaddingSize > 0, ext, profile)
	b = append(b, p.Payload...)
	if p.PaddingSize > 0 {
		for range int(p.PaddingSize) - 1 {
			b = append(b, 0)
		}
		b = append(b, p.PaddingSize)
	}
	return b
}

// MarshalTo writes the packet into buf and returns its size, or
// ErrShortBuffer when buf is too small.
func (p *Packet) MarshalTo(buf []byte) (int, error) {
	ext, profile := p.Header.extensionDataSize()
	if ext > 4*0xFFFF {
		return 0, ErrHeaderTooLarge
	}
	hs := FixedHeaderSize + 4*int(p.csrcCount)
	if ext >= 0 {
		hs += 4 + ext
	}
	size := hs + len(p.Payload) + int(p.PaddingSize)
	if len(buf) < size {
		return 0, ErrShortBuffer
	}
	p.Header.appendTo(buf[:0], p.PaddingSize > 0, ext, profile)
	copy(buf[hs:], p.Payload)
	if p.PaddingSize > 0 {
		pad := buf[hs+len(p.Payload) : size]
		clear(pad)
		pad[len(pad)-1] = p.PaddingSize
	}
	return size, nil
}

// Marshal returns the packet in a new buffer. Hot paths use AppendTo or
// MarshalTo with a reused buffer instead.
func (p *Packet) Marshal() ([]byte, error) {
	return p.AppendTo(make([]byte, 0, p.MarshalSize()))
}

// Clone returns a deep copy of p that shares no memory with the input it was
// parsed from.
func (p *Packet) Clone() Packet {
	c := Packet{Header: p.Header.Clone(), PaddingSize: p.PaddingSize}
	if p.Payload != nil {
		c.Payload = append(make([]byte, 0, len(p.Payload)), p.Payload...)
	}
	return c
}
