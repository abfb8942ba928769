package rtp

import "encoding/binary"

// VP9Descriptor is the VP9 payload descriptor (RFC 9628 §4.2):
//
//	      0 1 2 3 4 5 6 7
//	     +-+-+-+-+-+-+-+-+
//	     |I|P|L|F|B|E|V|Z| (REQUIRED)
//	     +-+-+-+-+-+-+-+-+
//	I:   |M| PICTURE ID  | (REQUIRED)
//	     +-+-+-+-+-+-+-+-+
//	M:   | EXTENDED PID  | (RECOMMENDED)
//	     +-+-+-+-+-+-+-+-+
//	L:   | TID |U| SID |D| (Conditionally RECOMMENDED)
//	     +-+-+-+-+-+-+-+-+
//	     |   TL0PICIDX   | (non-flexible mode only)
//	     +-+-+-+-+-+-+-+-+
//	P,F: | P_DIFF      |N| (flexible mode, up to 3 times)
//	     +-+-+-+-+-+-+-+-+
//	V:   | SS            |
type VP9Descriptor struct {
	HasPictureID          bool // I
	InterPicturePredicted bool // P
	HasLayerIndices       bool // L
	Flexible              bool // F
	StartOfFrame          bool // B: start of a layer frame
	EndOfFrame            bool // E: end of a layer frame
	HasSS                 bool // V: scalability structure present
	NotUpperRef           bool // Z: not used for inter-layer prediction

	LongPictureID bool   // M
	PictureID     uint16 // 7 or 15 bits

	TID                  uint8 // 3 bits
	SwitchingUp          bool  // U
	SID                  uint8 // 3 bits
	InterLayerDependency bool  // D
	TL0PICIDX            uint8 // non-flexible mode with L

	NumPDiffs uint8    // flexible mode with P: 1-3
	PDiffs    [3]uint8 // 7 bits each

	// SS is valid when HasSS.
	SS VP9ScalabilityStructure
}

// VP9ScalabilityStructure is the SS data (RFC 9628 §4.2.1).
type VP9ScalabilityStructure struct {
	NumSpatialLayers uint8 // N_S + 1, 1-8
	HasResolution    bool  // Y
	Width, Height    [8]uint16
	HasPictureGroup  bool  // G
	NumPictures      uint8 // N_G
	Pictures         [255]VP9PictureGroupEntry
}

// VP9PictureGroupEntry describes one picture of the group of frames in an
// SS (RFC 9628 §4.2.1: T, U, R and R P_DIFFs).
type VP9PictureGroupEntry struct {
	TID         uint8
	SwitchingUp bool
	NumPDiffs   uint8
	PDiffs      [3]uint8
}

// Unmarshal parses the descriptor at the start of b and returns its size.
func (d *VP9Descriptor) Unmarshal(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, ErrMalformedPayload
	}
	f := b[0]
	d.HasPictureID = f&0x80 != 0
	d.InterPicturePredicted = f&0x40 != 0
	d.HasLayerIndices = f&0x20 != 0
	d.Flexible = f&0x10 != 0
	d.StartOfFrame = f&0x08 != 0
	d.EndOfFrame = f&0x04 != 0
	d.HasSS = f&0x02 != 0
	d.NotUpperRef = f&0x01 != 0
	d.LongPictureID, d.PictureID = false, 0
	d.TID, d.SwitchingUp, d.SID, d.InterLayerDependency, d.TL0PICIDX = 0, false, 0, false, 0
	d.NumPDiffs = 0
	n := 1
	if d.HasPictureID {
		if len(b) < n+1 {
			return 0, ErrMalformedPayload
		}
		if b[n]&0x80 != 0 {
			if len(b) < n+2 {
				return 0, ErrMalformedPayload
			}
			d.LongPictureID = true
			d.PictureID = binary.BigEndian.Uint16(b[n:]) & 0x7FFF
			n += 2
		} else {
			d.PictureID = uint16(b[n])
			n++
		}
	}
	if d.HasLayerIndices {
		if len(b) < n+1 {
			return 0, ErrMalformedPayload
		}
		l := b[n]
		d.TID, d.SwitchingUp, d.SID, d.InterLayerDependency = l>>5, l&0x10 != 0, l>>1&0x07, l&0x01 != 0
		n++
		if !d.Flexible {
			if len(b) < n+1 {
				return 0, ErrMalformedPayload
			}
			d.TL0PICIDX = b[n]
			n++
		}
	}
	if d.Flexible && d.InterPicturePredicted {
		for {
			if len(b) < n+1 || d.NumPDiffs == 3 {
				// RFC 9628 §4.2: at most 3 reference indices.
				return 0, ErrMalformedPayload
			}
			d.PDiffs[d.NumPDiffs] = b[n] >> 1
			d.NumPDiffs++
			n++
			if b[n-1]&0x01 == 0 {
				break
			}
		}
	}
	if d.HasSS {
		m, err := d.SS.unmarshal(b[n:])
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// ssSize returns the length of the SS at the start of b, or
// ErrMalformedPayload when b is too short for it:
//
//	V:   | N_S |Y|G|-|-|-|
//	Y:   WIDTH (16) HEIGHT (16), N_S + 1 times
//	G:   N_G, then N_G times | T |U| R |-|-| and R P_DIFF octets
func ssSize(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, ErrMalformedPayload
	}
	n := 1
	if b[0]&0x10 != 0 {
		n += 4 * int(b[0]>>5+1)
	}
	if b[0]&0x08 != 0 {
		if len(b) < n+1 {
			return 0, ErrMalformedPayload
		}
		ng := int(b[n])
		n++
		for range ng {
			if len(b) < n+1 {
				return 0, ErrMalformedPayload
			}
			n += 1 + int(b[n]>>2&0x03)
		}
	}
	if len(b) < n {
		return 0, ErrMalformedPayload
	}
	return n, nil
}

// unmarshal parses the SS at the start of b. A malformed SS leaves s as it
// was, so a depayloader keeps the last good one.
func (s *VP9ScalabilityStructure) unmarshal(b []byte) (int, error) {
	size, err := ssSize(b)
	if err != nil {
		return 0, err
	}
	s.NumSpatialLayers = b[0]>>5 + 1
	s.HasResolution = b[0]&0x10 != 0
	s.HasPictureGroup = b[0]&0x08 != 0
	s.NumPictures = 0
	n := 1
	if s.HasResolution {
		for i := range int(s.NumSpatialLayers) {
			s.Width[i] = binary.BigEndian.Uint16(b[n:])
			s.Height[i] = binary.BigEndian.Uint16(b[n+2:])
			n += 4
		}
	}
	if s.HasPictureGroup {
		s.NumPictures = b[n]
		n++
		for i := range int(s.NumPictures) {
			e := &s.Pictures[i]
			e.TID, e.SwitchingUp, e.NumPDiffs = b[n]>>5, b[n]&0x10 != 0, b[n]>>2&0x03
			n++
			n += copy(e.PDiffs[:e.NumPDiffs], b[n:])
		}
	}
	return size, nil
}

func (s *VP9ScalabilityStructure) marshalSize() int {
	n := 1
	if s.HasResolution {
		n += 4 * int(s.numLayers())
	}
	if s.HasPictureGroup {
		n++
		for i := range int(s.NumPictures) {
			n += 1 + int(min(s.Pictures[i].NumPDiffs, 3))
		}
	}
	return n
}

func (s *VP9ScalabilityStructure) numLayers() uint8 {
	return min(max(s.NumSpatialLayers, 1), 8)
}

func (s *VP9ScalabilityStructure) appendTo(b []byte) []byte {
	ns := s.numLayers()
	v := (ns - 1) << 5
	if s.HasResolution {
		v |= 0x10
	}
	if s.HasPictureGroup {
		v |= 0x08
	}
	b = append(b, v)
	if s.HasResolution {
		for i := range int(ns) {
			b = binary.BigEndian.AppendUint16(b, s.Width[i])
			b = binary.BigEndian.AppendUint16(b, s.Height[i])
		}
	}
	if s.HasPictureGroup {
		b = append(b, s.NumPictures)
		for i := range int(s.NumPictures) {
			e := &s.Pictures[i]
			r := min(e.NumPDiffs, 3)
			t := (e.TID&7)<<5 | r<<2
			if e.SwitchingUp {
				t |= 0x10
			}
			b = append(b, t)
			b = append(b, e.PDiffs[:r]...)
		}
	}
	return b
}

// MarshalSize returns the descriptor size.
func (d *VP9Descriptor) MarshalSize() int {
	n := 1
	if d.HasPictureID {
		n++
		if d.LongPictureID {
			n++
		}
	}
	if d.HasLayerIndices {
		n++
		if !d.Flexible {
			n++
		}
	}
	if d.Flexible && d.InterPicturePredicted {
		n += int(min(max(d.NumPDiffs, 1), 3))
	}
	if d.HasSS {
		n += d.SS.marshalSize()
	}
	return n
}

// AppendTo appends the descriptor. In flexible mode with P set, at least
// one P_DIFF is written (RFC 9628 §4.2 requires it).
func (d *VP9Descriptor) AppendTo(b []byte) []byte {
	var f byte
	for i, v := range [8]bool{d.HasPictureID, d.InterPicturePredicted, d.HasLayerIndices, d.Flexible,
		d.StartOfFrame, d.EndOfFrame, d.HasSS, d.NotUpperRef} {
		if v {
			f |= 0x80 >> i
		}
	}
	b = append(b, f)
	if d.HasPictureID {
		if d.LongPictureID {
			b = append(b, 0x80|byte(d.PictureID>>8)&0x7F, byte(d.PictureID))
		} else {
			b = append(b, byte(d.PictureID)&0x7F)
		}
	}
	if d.HasLayerIndices {
		l := (d.TID&7)<<5 | (d.SID&7)<<1
		if d.SwitchingUp {
			l |= 0x10
		}
		if d.InterLayerDependency {
			l |= 0x01
		}
		b = append(b, l)
		if !d.Flexible {
			b = append(b, d.TL0PICIDX)
		}
	}
	if d.Flexible && d.InterPicturePredicted {
		k := int(min(max(d.NumPDiffs, 1), 3))
		for i := range k {
			v := d.PDiffs[i] << 1
			if i < k-1 {
				v |= 0x01
			}
			b = append(b, v)
		}
	}
	if d.HasSS {
		b = d.SS.appendTo(b)
	}
	return b
}

// vp9IsKeyframe reads the start of a VP9 uncompressed header (VP9 bitstream
// spec §6.2): frame_marker, profile bits, show_existing_frame, frame_type
// (0 = KEY_FRAME).
func vp9IsKeyframe(frame []byte) bool {
	if len(frame) < 1 || frame[0]>>6 != 2 {
		return false
	}
	profile := frame[0]>>5&1 | frame[0]>>4&1<<1
	bit := 3 // next bit position (7 = MSB)
	if profile == 3 {
		bit-- // reserved_zero
	}
	showExisting := frame[0]>>bit&1 == 1
	if showExisting {
		return false
	}
	return frame[0]>>(bit-1)&1 == 0
}

// VP9Payloader packetizes VP9 frames (RFC 9628) with a 15-bit PictureID
// that increments per frame. In non-flexible mode (the default) keyframes
// carry an SS in their first packet; in flexible mode inter frames carry
// the P_DIFFs in PDiffs (one P_DIFF of 1, the previous picture, if none are
// set). One spatial layer; the layer indices (L) are written when
// LayerIndices is set.
type VP9Payloader struct {
	// PictureID is the PictureID of the next frame; it wraps at 2^15.
	PictureID uint16
	// Flexible selects flexible mode (F=1).
	Flexible bool
	// Width and Height, when non-zero, are sent in the SS (Y=1).
	Width, Height uint16
	// PDiffs and NumPDiffs are the reference indices of the next inter
	// frame in flexible mode.
	NumPDiffs uint8
	PDiffs    [3]uint8
	// LayerIndices, when set, adds the L octet with TID, U, SID, D (and
	// TL0PICIDX in non-flexible mode) taken from Layer.
	LayerIndices bool
	Layer        VP9Descriptor
	// SS, when not nil, is the scalability structure sent on keyframes in
	// non-flexible mode instead of the default one-layer SS (spatial
	// layers, group of frames).
	SS *VP9ScalabilityStructure
}

// Payload appends the payloads of one frame.
func (p *VP9Payloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	key := vp9IsKeyframe(frame)
	d := VP9Descriptor{
		HasPictureID:          true,
		LongPictureID:         true,
		PictureID:             p.PictureID & 0x7FFF,
		InterPicturePredicted: !key,
		Flexible:              p.Flexible,
		StartOfFrame:          true,
	}
	p.PictureID = (p.PictureID + 1) & 0x7FFF
	if p.LayerIndices {
		d.HasLayerIndices = true
		d.TID, d.SwitchingUp, d.SID = p.Layer.TID, p.Layer.SwitchingUp, p.Layer.SID
		d.InterLayerDependency, d.TL0PICIDX = p.Layer.InterLayerDependency, p.Layer.TL0PICIDX
	}
	if p.Flexible && !key {
		d.NumPDiffs, d.PDiffs = p.NumPDiffs, p.PDiffs
		if d.NumPDiffs == 0 {
			d.NumPDiffs, d.PDiffs[0] = 1, 1
		}
	}
	if key && !p.Flexible {
		d.HasSS = true
		d.SS.NumSpatialLayers = 1
		if p.SS != nil {
			d.SS = *p.SS
		} else if p.Width != 0 && p.Height != 0 {
			d.SS.HasResolution = true
			d.SS.Width[0], d.SS.Height[0] = p.Width, p.Height
		}
	}
	// Build the two descriptors once: the first packet's (B=1, with the SS
	// on a keyframe) and the continuation packets' (B=0, no SS); E is
	// patched into the last packet.
	var firstBuf, restBuf [64]byte // larger SSs grow past these (one allocation)
	first := d.AppendTo(firstBuf[:0])
	d.StartOfFrame, d.HasSS = false, false
	rest := d.AppendTo(restBuf[:0])
	if mtu-len(first) < 1 || mtu-len(rest) < 1 {
		return ErrMTUTooSmall
	}
	dst.reserve(len(frame) + (len(frame)/(mtu-len(first))+1)*len(first))
	for hdr := first; len(frame) > 0; hdr = rest {
		n := min(mtu-len(hdr), len(frame))
		at := len(dst.buf)
		dst.buf = append(dst.buf, hdr...)
		if n == len(frame) {
			dst.buf[at] |= 0x04 // E: end of the layer frame
		}
		dst.buf = append(dst.buf, frame[:n]...)
		dst.end()
		frame = frame[n:]
	}
	return nil
}

// VP9Depayloader strips the VP9 payload descriptor. Descriptor holds the
// last one parsed, including the last SS seen (SS stays valid until a new
// one arrives: check Descriptor.HasSS per packet).
type VP9Depayloader struct {
	Descriptor VP9Descriptor
}

// Depayload appends the VP9 bitstream of payload to dst. FrameStart is B=1
// in the lowest spatial layer; Keyframe is FrameStart with P=0; FrameEnd
// is E=1 when the stream has no layer indices (otherwise the RTP marker
// ends the picture).
func (d *VP9Depayloader) Depayload(dst, payload []byte) ([]byte, PayloadInfo, error) {
	n, err := d.Descriptor.Unmarshal(payload)
	if err != nil {
		return dst, PayloadInfo{}, err
	}
	data := payload[n:]
	if len(data) == 0 {
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
	var info PayloadInfo
	// Without layer indices a layer frame is the picture, so E ends it.
	info.FrameEnd = d.Descriptor.EndOfFrame && !d.Descriptor.HasLayerIndices
	base := !d.Descriptor.HasLayerIndices || d.Descriptor.SID == 0
	if d.Descriptor.StartOfFrame && base {
		info.FrameStart = true
		info.Keyframe = !d.Descriptor.InterPicturePredicted
	}
	return append(dst, data...), info, nil
}

// Reset does nothing: each payload is self-describing.
func (d *VP9Depayloader) Reset() {}
