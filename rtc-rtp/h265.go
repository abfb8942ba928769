package rtp

import "encoding/binary"

// H.265 NAL unit types (ITU-T H.265 Table 7-1) and RFC 7798 §4.4 payload
// structures.
const (
	h265NALIRAPFirst = 16 // BLA_W_LP
	h265NALIRAPLast  = 21 // CRA_NUT
	h265NALVPS       = 32
	h265NALSPS       = 33
	h265NALPPS       = 34
	h265NALAUD       = 35
	h265NALPrefixSEI = 39
	h265NALAP        = 48
	h265NALFU        = 49
	h265NALPACI      = 50
)

func h265Type(nal []byte) uint8 { return nal[0] >> 1 & 0x3F }

// H265Payloader packetizes an H.265 access unit given as an Annex B byte
// stream following RFC 7798 with sprop-max-don-diff = 0 (no DONL): NAL
// units that fit together are aggregated into Aggregation Packets (§4.4.2),
// units that fit alone go as single NAL unit packets (§4.4.1) and larger
// ones are split into Fragmentation Units (§4.4.3). The last VPS, SPS and
// PPS seen are sent before an IRAP picture whose access unit lacks them.
type H265Payloader struct {
	// DisableAggregation sends every NAL unit that fits alone.
	DisableAggregation bool
	// DisableParameterSetInsertion turns off sending the stored
	// VPS/SPS/PPS before an IRAP picture that lacks them.
	DisableParameterSetInsertion bool

	vps, sps, pps []byte

	pending []byte
	apOpen  bool
	apAt    int
	apSize  int
}

// Payload appends the payloads of one access unit.
func (p *H265Payloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if mtu < 4 {
		return ErrMTUTooSmall
	}
	// Aggregated NAL unit sizes are 16-bit fields, and no RTP payload
	// exceeds 65535 bytes anyway.
	mtu = min(mtu, 0xFFFF)
	p.pending, p.apOpen = nil, false
	dst.reserve(len(frame) + len(frame)/(mtu-3)*3 + 64)
	var saw [3]bool
	stored := [3]*[]byte{&p.vps, &p.sps, &p.pps}
	for rest := frame; len(rest) > 0; {
		var nal []byte
		nal, rest = nextNAL(rest)
		if len(nal) < 2 {
			continue
		}
		t := h265Type(nal)
		if nal[0]&0x80 != 0 || t >= h265NALAP {
			// Types 48-63 are unspecified in H.265 and used by RFC 7798.
			return ErrMalformedFrame
		}
		switch {
		case t >= h265NALVPS && t <= h265NALPPS:
			i := t - h265NALVPS
			*stored[i] = append((*stored[i])[:0], nal...)
			saw[i] = true
		case t >= h265NALIRAPFirst && t <= h265NALIRAPLast && !p.DisableParameterSetInsertion:
			for i := range 3 {
				if !saw[i] && len(*stored[i]) > 0 {
					p.add(dst, mtu, *stored[i])
					saw[i] = true
				}
			}
		}
		p.add(dst, mtu, nal)
	}
	p.flush(dst)
	if dst.Len() == 0 {
		return ErrEmptyFrame
	}
	return nil
}

func (p *H265Payloader) add(dst *Payloads, mtu int, nal []byte) {
	if len(nal) > mtu {
		p.flush(dst)
		p.fragment(dst, mtu, nal)
		return
	}
	if p.DisableAggregation {
		dst.buf = append(dst.buf, nal...)
		dst.end()
		return
	}
	switch {
	case p.apOpen && p.apSize+2+len(nal) <= mtu:
		p.appendToAP(dst, nal)
	case p.pending != nil && 2+2+len(p.pending)+2+len(nal) <= mtu:
		// RFC 7798 §4.4.2: PayloadHdr (Type=48), then NALU size and NAL
		// unit for each aggregated unit.
		p.apAt = len(dst.buf)
		dst.buf = append(dst.buf, p.pending[0]&0x81|h265NALAP<<1, p.pending[1])
		p.apSize = 2
		p.apOpen = true
		p.appendToAP(dst, p.pending)
		p.pending = nil
		p.appendToAP(dst, nal)
	default:
		p.flush(dst)
		p.pending = nal
	}
}

func (p *H265Payloader) appendToAP(dst *Payloads, nal []byte) {
	dst.buf = binary.BigEndian.AppendUint16(dst.buf, uint16(len(nal)))
	dst.buf = append(dst.buf, nal...)
	p.apSize += 2 + len(nal)
	// RFC 7798 §4.4.2: F is 1 if any aggregated F is 1; LayerId and TID
	// are the lowest of the aggregated units.
	h := dst.buf[p.apAt:]
	f := (h[0] | nal[0]) & 0x80
	layer := min(uint16(h[0]&1)<<5|uint16(h[1]>>3), uint16(nal[0]&1)<<5|uint16(nal[1]>>3))
	tid := min(h[1]&7, nal[1]&7)
	h[0] = f | h265NALAP<<1 | byte(layer>>5)
	h[1] = byte(layer&0x1F)<<3 | tid
}

func (p *H265Payloader) flush(dst *Payloads) {
	if p.apOpen {
		dst.end()
		p.apOpen = false
	}
	if p.pending != nil {
		dst.buf = append(dst.buf, p.pending...)
		dst.end()
		p.pending = nil
	}
}

// fragment writes FUs (RFC 7798 §4.4.3): PayloadHdr with Type=49 and the
// NAL unit's F, LayerId and TID; FU header |S|E|FuType|; the data.
func (p *H265Payloader) fragment(dst *Payloads, mtu int, nal []byte) {
	h0 := nal[0]&0x81 | h265NALFU<<1
	h1 := nal[1]
	typ := h265Type(nal)
	data := nal[2:]
	room := mtu - 3
	for first := true; len(data) > 0; first = false {
		n := min(room, len(data))
		fu := typ
		if first {
			fu |= 0x80
		}
		if n == len(data) {
			fu |= 0x40
		}
		dst.buf = append(dst.buf, h0, h1, fu)
		dst.buf = append(dst.buf, data[:n]...)
		dst.end()
		data = data[n:]
	}
}

// H265Depayloader turns RFC 7798 payloads (single NAL unit, AP, FU) back
// into an Annex B byte stream with four-byte start codes. PACI packets are
// rejected with ErrUnsupportedPayload.
//
// FrameStart is a heuristic: the first NAL unit is a VPS, SPS, PPS, AUD or
// prefix SEI, or a slice segment with first_slice_segment_in_pic_flag set.
// Keyframe is set when an IRAP picture (types 16-21) is present.
type H265Depayloader struct {
	// DONL must be set when the session uses sprop-max-don-diff > 0: the
	// decoding order number fields (RFC 7798 §4.4) are then skipped. NAL
	// units are emitted in transmission order, not reordered.
	DONL bool

	fuActive bool
}

// Reset forgets a partial FU.
func (d *H265Depayloader) Reset() { d.fuActive = false }

// Depayload appends the NAL units of payload to dst.
func (d *H265Depayloader) Depayload(dst, payload []byte) ([]byte, PayloadInfo, error) {
	if len(payload) < 2 || payload[0]&0x80 != 0 {
		// RFC 7798 §1.1.4: F "MUST be equal to 0"; every structure has at
		// least the 2-byte PayloadHdr.
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
	var info PayloadInfo
	switch t := h265Type(payload); {
	case t < h265NALAP:
		d.fuActive = false
		nal := payload
		if d.DONL {
			if len(payload) < 4 {
				return dst, PayloadInfo{}, ErrMalformedPayload
			}
			dst = append(dst, startCode4...)
			dst = append(dst, payload[:2]...)
			nal = payload[4:]
			info.FrameStart = h265StartsAU(t, nal)
			info.Keyframe = t >= h265NALIRAPFirst && t <= h265NALIRAPLast
			return append(dst, nal...), info, nil
		}
		info.FrameStart = h265StartsAU(t, nal[2:])
		info.Keyframe = t >= h265NALIRAPFirst && t <= h265NALIRAPLast
		dst = append(dst, startCode4...)
		return append(dst, nal...), info, nil
	case t == h265NALAP:
		d.fuActive = false
		orig := len(dst)
		b := payload[2:]
		first := true
		for len(b) > 0 {
			if d.DONL {
				skip := 1 // DOND
				if first {
					skip = 2 // DONL
				}
				if len(b) < skip {
					return dst[:orig], PayloadInfo{}, ErrMalformedPayload
				}
				b = b[skip:]
			}
			if len(b) < 2 {
				return dst[:orig], PayloadInfo{}, ErrMalformedPayload
			}
			n := int(binary.BigEndian.Uint16(b))
			b = b[2:]
			if n < 2 || n > len(b) {
				return dst[:orig], PayloadInfo{}, ErrMalformedPayload
			}
			nal := b[:n]
			nt := h265Type(nal)
			if nal[0]&0x80 != 0 || nt >= h265NALAP {
				return dst[:orig], PayloadInfo{}, ErrMalformedPayload
			}
			if first {
				info.FrameStart = h265StartsAU(nt, nal[2:])
				first = false
			}
			if nt >= h265NALIRAPFirst && nt <= h265NALIRAPLast {
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
	case t == h265NALFU:
		if len(payload) < 4 {
			return dst, PayloadInfo{}, ErrMalformedPayload
		}
		fu := payload[2]
		start, end := fu&0x80 != 0, fu&0x40 != 0
		typ := fu & 0x3F
		data := payload[3:]
		if start && end || typ >= h265NALAP {
			// RFC 7798 §4.4.3: "the Start bit and End bit MUST NOT both be
			// set to 1 in the same FU header".
			return dst, PayloadInfo{}, ErrMalformedPayload
		}
		if start && d.DONL {
			if len(data) < 2 {
				return dst, PayloadInfo{}, ErrMalformedPayload
			}
			data = data[2:]
		}
		if len(data) == 0 {
			return dst, PayloadInfo{}, ErrMalformedPayload
		}
		if start {
			d.fuActive = true
			h0 := payload[0]&0x81 | typ<<1
			info.Keyframe = typ >= h265NALIRAPFirst && typ <= h265NALIRAPLast
			info.FrameStart = h265StartsAU(typ, data)
			dst = append(dst, startCode4...)
			dst = append(dst, h0, payload[1])
			return append(dst, data...), info, nil
		}
		if !d.fuActive {
			return dst, PayloadInfo{}, ErrFragmentLost
		}
		if end {
			d.fuActive = false
		}
		return append(dst, data...), info, nil
	case t == h265NALPACI:
		return dst, PayloadInfo{}, ErrUnsupportedPayload
	default:
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
}

// h265StartsAU guesses whether a NAL unit of type t whose payload (after the
// 2-byte header) is body begins an access unit (ITU-T H.265 §7.4.2.4.4).
func h265StartsAU(t uint8, body []byte) bool {
	switch {
	case t >= h265NALVPS && t <= h265NALAUD, t == h265NALPrefixSEI:
		return true
	case t < 32:
		// first_slice_segment_in_pic_flag is the first bit of a slice
		// segment header.
		return len(body) > 0 && body[0]&0x80 != 0
	}
	return false
}
