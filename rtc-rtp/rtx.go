package rtp

import (
	"encoding/binary"
	"slices"
)

// RTX (RFC 4588 §4): a retransmission packet carries the original sequence
// number (OSN) in the first two payload octets, then the original payload,
// on its own SSRC and payload type ("apt" maps it back).

// AppendRTX appends to b the RTX packet that retransmits p with the given
// RTX SSRC, payload type and sequence number. The header (marker, timestamp,
// CSRCs, extensions) is kept; padding is not. It allocates only when b lacks
// capacity.
func AppendRTX(b []byte, p *Packet, ssrc uint32, pt uint8, seq uint16) ([]byte, error) {
	ext, profile := p.Header.extensionDataSize()
	if ext > 4*0xFFFF {
		return b, ErrHeaderTooLarge
	}
	hs := FixedHeaderSize + 4*int(p.csrcCount)
	if ext >= 0 {
		hs += 4 + ext
	}
	b = slices.Grow(b, hs+2+len(p.Payload))
	start := len(b)
	b = p.Header.appendTo(b, false, ext, profile)
	// Patch the RTX stream's identity into the copied header.
	out := b[start:]
	out[1] = out[1]&0x80 | pt&0x7F
	binary.BigEndian.PutUint16(out[2:], seq)
	binary.BigEndian.PutUint32(out[8:], ssrc)
	b = binary.BigEndian.AppendUint16(b, p.SequenceNumber)
	return append(b, p.Payload...), nil
}

// UnwrapRTX turns a parsed RTX packet back into the original in place: the
// sequence number becomes the OSN, the SSRC and payload type the given
// original ones, and the payload loses its first two octets. A payload
// shorter than two octets (a padding-only probe) returns
// ErrMalformedPayload and leaves p unchanged.
func UnwrapRTX(p *Packet, ssrc uint32, pt uint8) error {
	if len(p.Payload) < 2 {
		return ErrMalformedPayload
	}
	p.SequenceNumber = binary.BigEndian.Uint16(p.Payload)
	p.SSRC, p.PayloadType = ssrc, pt
	p.Payload = p.Payload[2:]
	return nil
}
