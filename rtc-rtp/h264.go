package rtp

import "encoding/binary"

// H.264 NAL unit types (ITU-T H.264 Table 7-1) and RFC 6184 §5.2 payload
// structures.
const (
	h264NALSlice  = 1
	h264NALIDR    = 5
	h264NALSEI    = 6
	h264NALSPS    = 7
	h264NALPPS    = 8
	h264NALAUD    = 9
	h264NALSTAPA  = 24
	h264NALSTAPB  = 25
	h264NALMTAP16 = 26
	h264NALMTAP24 = 27
	h264NALFUA    = 28
	h264NALFUB    = 29
)

// H264Payloader packetizes an H.264 access unit given as an Annex B byte
// stream (start codes before every NAL unit) following RFC 6184.
//
// In packetization-mode 1 (the default, RFC 6184 §6.3) NAL units that fit
// together are aggregated into STAP-A packets (§5.7.1), NAL units that fit
// alone are sent as single NAL unit packets (§5.6), and larger ones are split
// into FU-A fragments (§5.8). In packetization-mode 0 (SingleNALMode, §6.2)
// every NAL unit goes alone and one larger than mtu is ErrNALTooLarge.
//
// The payloader remembers the last SPS and PPS it saw and sends them before
// an IDR picture whose access unit lacks them, so a receiver that joins late
// or lost them can decode the keyframe.
type H264Payloader struct {
	// SingleNALMode selects packetization-mode=0.
	SingleNALMode bool
	// DisableSTAPA sends every NAL unit that fits as a single NAL unit
	// packet, never aggregating (packetization-mode 1 only).
	DisableSTAPA bool
	// DisableParameterSetInsertion turns off sending the stored SPS/PPS
	// before an IDR that lacks them.
	DisableParameterSetInsertion bool

	sps, pps []byte

	// per-call aggregation state
	pending  []byte // a NAL unit that fits, not yet written
	stapOpen bool
	stapAt   int // offset of the STAP-A header in dst
	stapSize int
}

// Payload appends the payloads of one access unit.
func (p *H264Payloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if mtu < 3 {
		return ErrMTUTooSmall
	}
	// Aggregated NAL unit sizes are 16-bit fields, and no RTP payload
	// exceeds 65535 bytes anyway.
	mtu = min(mtu, 0xFFFF)
	p.pending, p.stapOpen = nil, false
	dst.reserve(len(frame) + len(frame)/(mtu-2)*2 + 64)
	sawSPS, sawPPS := false, false
	for rest := frame; len(rest) > 0; {
		var nal []byte
		nal, rest = nextNAL(rest)
		if len(nal) == 0 {
			continue
		}
		if t := nal[0] & 0x1F; nal[0]&0x80 != 0 || t == 0 || t >= h264NALSTAPA {
			// Types 0 and 24-31 are unspecified in H.264 and taken by RFC
			// 6184 packetization structures.
			return ErrMalformedFrame
		}
		switch nal[0] & 0x1F {
		case h264NALSPS:
			p.sps = append(p.sps[:0], nal...)
			sawSPS = true
		case h264NALPPS:
			p.pps = append(p.pps[:0], nal...)
			sawPPS = true
		case h264NALIDR:
			if !p.DisableParameterSetInsertion {
				if !sawSPS && len(p.sps) > 0 {
					if err := p.add(dst, mtu, p.sps); err != nil {
						return err
					}
					sawSPS = true
				}
				if !sawPPS && len(p.pps) > 0 {
					if err := p.add(dst, mtu, p.pps); err != nil {
						return err
					}
					sawPPS = true
				}
			}
		}
		if err := p.add(dst, mtu, nal); err != nil {
			return err
		}
	}
	p.flush(dst)
	if dst.Len() == 0 {
		return ErrEmptyFrame
	}
	return nil
}

// add packetizes one NAL unit.
func (p *H264Payloader) add(dst *Payloads, mtu int, nal []byte) error {
	if len(nal) > mtu {
		if p.SingleNALMode {
			return ErrNALTooLarge
		}
		p.flush(dst)
		p.fragment(dst, mtu, nal)
		return nil
	}
	if p.SingleNALMode || p.DisableSTAPA {
		dst.buf = append(dst.buf, nal...)
		dst.end()
		return nil
	}
	switch {
	case p.stapOpen && p.stapSize+2+len(nal) <= mtu:
		p.appendToSTAP(dst, nal)
	case p.pending != nil && 1+2+len(p.pending)+2+len(nal) <= mtu:
		// RFC 6184 §5.7.1: STAP-A NAL header, then for each unit a 16-bit
		// size and the NAL unit.
		p.stapAt = len(dst.buf)
		dst.buf = append(dst.buf, h264NALSTAPA)
		p.stapSize = 1
		p.stapOpen = true
		p.appendToSTAP(dst, p.pending)
		p.pending = nil
		p.appendToSTAP(dst, nal)
	default:
		p.flush(dst)
		p.pending = nal
	}
	return nil
}

func (p *H264Payloader) appendToSTAP(dst *Payloads, nal []byte) {
	dst.buf = binary.BigEndian.AppendUint16(dst.buf, uint16(len(nal)))
	dst.buf = append(dst.buf, nal...)
	p.stapSize += 2 + len(nal)
	// RFC 6184 §5.7.1: F is 1 if any aggregated F is 1; NRI is the maximum
	// NRI of the aggregated units.
	h := dst.buf[p.stapAt]
	f := h&0x80 | nal[0]&0x80
	nri := max(h&0x60, nal[0]&0x60)
	dst.buf[p.stapAt] = f | nri | h264NALSTAPA
}

// flush writes the pending single NAL unit or closes the open STAP-A.
func (p *H264Payloader) flush(dst *Payloads) {
	if p.stapOpen {
		dst.end()
		p.stapOpen = false
	}
	if p.pending != nil {
		dst.buf = append(dst.buf, p.pending...)
		dst.end()
		p.pending = nil
	}
}

// fragment writes FU-A packets (RFC 6184 §5.8):
//
//	FU indicator: |F|NRI|Type=28|   FU header: |S|E|R|Type|
func (p *H264Payloader) fragment(dst *Payloads, mtu int, nal []byte) {
	ind := nal[0]&0xE0 | h264NALFUA
	typ := nal[0] & 0x1F
	data := nal[1:]
	room := mtu - 2
	first := true
	for len(data) > 0 {
		n := min(room, len(data))
		h := typ
		if first {
			h |= 0x80
		}
		if n == len(data) {
			h |= 0x40
		}
		dst.buf = append(dst.buf, ind, h)
		dst.buf = append(dst.buf, data[:n]...)
		dst.end()
		data = data[n:]
		first = false
	}
}

// H264Depayloader turns RFC 6184 payloads (single NAL unit, STAP-A, FU-A)
// back into an Annex B byte stream with four-byte start codes. STAP-B, MTAP
// and FU-B (interleaved mode) are rejected with ErrUnsupportedPayload.
//
// FrameStart is a heuristic: the first NAL unit is an access unit
// delimiter, SPS, PPS or SEI, or a slice with first_mb_in_slice = 0.
// Keyframe is set when an IDR slice is present.
type H264Depayloader struct {
	fuActive bool
}

// Reset forgets a partial FU-A.
func (d *H264Depayloader) Reset() { d.fuActive = false }

// Depayload appends the NAL units of payload to dst.
func (d *H264Depayloader) Depayload(dst, payload []byte) ([]byte, PayloadInfo, error) {
	if len(payload) < 1 {
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
	if payload[0]&0x80 != 0 {
		// RFC 6184 §5.3: F=1 signals a syntax violation; the receiver may
		// drop it.
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
	var info PayloadInfo
	switch t := payload[0] & 0x1F; {
	case t >= 1 && t <= 23:
		d.fuActive = false
		info.FrameStart = h264StartsAU(payload)
		info.Keyframe = t == h264NALIDR
		dst = append(dst, startCode4...)
		return append(dst, payload...), info, nil
	case t == h264NALSTAPA:
		d.fuActive = false
		orig := len(dst)
		first := true
		for b := payload[1:]; len(b) > 0; {
			if len(b) < 2 {
				return dst[:orig], PayloadInfo{}, ErrMalformedPayload
			}
			n := int(binary.BigEndian.Uint16(b))
			b = b[2:]
			if n == 0 || n > len(b) {
				return dst[:orig], PayloadInfo{}, ErrMalformedPayload
			}
			nal := b[:n]
			// RFC 6184 §5.7: an aggregation packet's F bit is set when any
			// aggregated unit's is; the packet's F=0 (checked above), so an
			// aggregated F=1 is a syntax violation.
			if nal[0]&0x80 != 0 || nal[0]&0x1F == 0 || nal[0]&0x1F >= h264NALSTAPA {
				return dst[:orig], PayloadInfo{}, ErrMalformedPayload
			}
			if first {
				info.FrameStart = h264StartsAU(nal)
				first = false
			}
			if nal[0]&0x1F == h264NALIDR {
				info.Keyframe = true
			}
			dst = append(dst, startCode4...)
			dst = append(dst, nal...)
			b = b[n:]
		}
		if first {
			return dst[:orig], PayloadInfo{}, ErrMalformedPayload
		}
		return dst, info, nil
	case t == h264NALFUA:
		if len(payload) < 3 {
			return dst, PayloadInfo{}, ErrMalformedPayload
		}
		fu := payload[1]
		start, end := fu&0x80 != 0, fu&0x40 != 0
		typ := fu & 0x1F
		if start && end || typ == 0 || typ >= h264NALSTAPA {
			// RFC 6184 §5.8: "the Start bit and End bit MUST NOT both be
			// set to one in the same FU header".
			return dst, PayloadInfo{}, ErrMalformedPayload
		}
		if start {
			d.fuActive = !end
			hdr := payload[0]&0xE0 | typ
			info.Keyframe = typ == h264NALIDR
			info.FrameStart = h264StartsAU([]byte{hdr, payload[2]})
			dst = append(dst, startCode4...)
			dst = append(dst, hdr)
			return append(dst, payload[2:]...), info, nil
		}
		if !d.fuActive {
			return dst, PayloadInfo{}, ErrFragmentLost
		}
		if end {
			d.fuActive = false
		}
		return append(dst, payload[2:]...), info, nil
	case t == h264NALSTAPB || t == h264NALMTAP16 || t == h264NALMTAP24 || t == h264NALFUB:
		return dst, PayloadInfo{}, ErrUnsupportedPayload
	default:
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
}

// h264StartsAU guesses whether nal begins an access unit (ITU-T H.264
// §7.4.1.2.3 order: AUD, SPS, PPS and SEI precede the first slice; a slice
// with first_mb_in_slice = 0, whose ue(v) code is the single bit 1, is the
// first of a picture).
func h264StartsAU(nal []byte) bool {
	switch nal[0] & 0x1F {
	case h264NALAUD, h264NALSPS, h264NALPPS, h264NALSEI:
		return true
	case h264NALSlice, h264NALIDR:
		return len(nal) > 1 && nal[1]&0x80 != 0
	}
	return false
}
