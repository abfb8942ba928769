package rtp

// VP8Descriptor is the VP8 payload descriptor (RFC 7741 §4.2):
//
//	     0 1 2 3 4 5 6 7
//	    +-+-+-+-+-+-+-+-+
//	    |X|R|N|S|R| PID | (REQUIRED)
//	    +-+-+-+-+-+-+-+-+
//	X:  |I|L|T|K| RSV   | (OPTIONAL)
//	    +-+-+-+-+-+-+-+-+
//	I:  |M| PictureID   | (OPTIONAL)
//	    +-+-+-+-+-+-+-+-+
//	    |   PictureID   |  (when M = 1)
//	    +-+-+-+-+-+-+-+-+
//	L:  |   TL0PICIDX   | (OPTIONAL)
//	    +-+-+-+-+-+-+-+-+
//	T/K:|TID|Y| KEYIDX  | (OPTIONAL)
//	    +-+-+-+-+-+-+-+-+
type VP8Descriptor struct {
	NonReference bool  // N
	Start        bool  // S: start of a VP8 partition
	PartitionID  uint8 // PID, 0-7

	HasPictureID  bool   // I
	LongPictureID bool   // M: 15-bit PictureID (else 7-bit)
	PictureID     uint16 // 7 or 15 bits

	HasTL0PICIDX bool // L
	TL0PICIDX    uint8

	HasTID    bool  // T
	TID       uint8 // 2 bits
	LayerSync bool  // Y

	HasKEYIDX bool  // K
	KEYIDX    uint8 // 5 bits
}

// Unmarshal parses the descriptor at the start of b and returns its size.
func (d *VP8Descriptor) Unmarshal(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, ErrMalformedPayload
	}
	*d = VP8Descriptor{
		NonReference: b[0]&0x20 != 0,
		Start:        b[0]&0x10 != 0,
		PartitionID:  b[0] & 0x07,
	}
	n := 1
	if b[0]&0x80 == 0 {
		return n, nil
	}
	if len(b) < 2 {
		return 0, ErrMalformedPayload
	}
	x := b[1]
	n = 2
	d.HasPictureID = x&0x80 != 0
	d.HasTL0PICIDX = x&0x40 != 0
	d.HasTID = x&0x20 != 0
	d.HasKEYIDX = x&0x10 != 0
	if d.HasPictureID {
		if len(b) < n+1 {
			return 0, ErrMalformedPayload
		}
		if b[n]&0x80 != 0 {
			if len(b) < n+2 {
				return 0, ErrMalformedPayload
			}
			d.LongPictureID = true
			d.PictureID = uint16(b[n]&0x7F)<<8 | uint16(b[n+1])
			n += 2
		} else {
			d.PictureID = uint16(b[n])
			n++
		}
	}
	if d.HasTL0PICIDX {
		if len(b) < n+1 {
			return 0, ErrMalformedPayload
		}
		d.TL0PICIDX = b[n]
		n++
	}
	if d.HasTID || d.HasKEYIDX {
		if len(b) < n+1 {
			return 0, ErrMalformedPayload
		}
		// RFC 7741 §4.2: the TID/Y/KEYIDX octet is present when T or K is
		// set; fields whose flag is clear are ignored.
		if d.HasTID {
			d.TID = b[n] >> 6
			d.LayerSync = b[n]&0x20 != 0
		}
		if d.HasKEYIDX {
			d.KEYIDX = b[n] & 0x1F
		}
		n++
	}
	return n, nil
}

// MarshalSize returns the descriptor size.
func (d *VP8Descriptor) MarshalSize() int {
	n := 1
	if !d.HasPictureID && !d.HasTL0PICIDX && !d.HasTID && !d.HasKEYIDX {
		return n
	}
	n++
	if d.HasPictureID {
		n++
		if d.LongPictureID {
			n++
		}
	}
	if d.HasTL0PICIDX {
		n++
	}
	if d.HasTID || d.HasKEYIDX {
		n++
	}
	return n
}

// AppendTo appends the descriptor.
func (d *VP8Descriptor) AppendTo(b []byte) []byte {
	b0 := d.PartitionID & 0x07
	if d.NonReference {
		b0 |= 0x20
	}
	if d.Start {
		b0 |= 0x10
	}
	if !d.HasPictureID && !d.HasTL0PICIDX && !d.HasTID && !d.HasKEYIDX {
		return append(b, b0)
	}
	var x byte
	if d.HasPictureID {
		x |= 0x80
	}
	if d.HasTL0PICIDX {
		x |= 0x40
	}
	if d.HasTID {
		x |= 0x20
	}
	if d.HasKEYIDX {
		x |= 0x10
	}
	b = append(b, b0|0x80, x)
	if d.HasPictureID {
		if d.LongPictureID {
			b = append(b, 0x80|byte(d.PictureID>>8)&0x7F, byte(d.PictureID))
		} else {
			b = append(b, byte(d.PictureID)&0x7F)
		}
	}
	if d.HasTL0PICIDX {
		b = append(b, d.TL0PICIDX)
	}
	if d.HasTID || d.HasKEYIDX {
		var t byte
		if d.HasTID {
			t = (d.TID & 3) << 6
			if d.LayerSync {
				t |= 0x20
			}
		}
		if d.HasKEYIDX {
			t |= d.KEYIDX & 0x1F
		}
		b = append(b, t)
	}
	return b
}

// VP8Payloader packetizes VP8 frames (RFC 7741). Every packet carries a
// descriptor; the first has S=1, PID=0. The frame is split greedily into
// mtu-sized payloads without regard to partitions (RFC 7741 §4.4 allows
// this). The caller sets the RTP marker on the last payload.
type VP8Payloader struct {
	// EnablePictureID adds a 15-bit PictureID (RFC 7741 §4.2, M=1) that
	// increments with every frame, as WebRTC senders do.
	EnablePictureID bool
	// PictureID is the PictureID of the next frame; it wraps at 2^15.
	PictureID uint16
	// Layer, when any of HasTL0PICIDX, HasTID or HasKEYIDX is set, is
	// written into every packet of the next frames (temporal scalability).
	// Its other fields are ignored.
	Layer VP8Descriptor
	// NonReference sets the N bit on the next frames.
	NonReference bool
}

// Payload appends the payloads of one frame.
func (p *VP8Payloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	d := VP8Descriptor{
		NonReference: p.NonReference,
		Start:        true,
		HasTL0PICIDX: p.Layer.HasTL0PICIDX,
		TL0PICIDX:    p.Layer.TL0PICIDX,
		HasTID:       p.Layer.HasTID,
		TID:          p.Layer.TID,
		LayerSync:    p.Layer.LayerSync,
		HasKEYIDX:    p.Layer.HasKEYIDX,
		KEYIDX:       p.Layer.KEYIDX,
	}
	if p.EnablePictureID {
		d.HasPictureID, d.LongPictureID, d.PictureID = true, true, p.PictureID&0x7FFF
		p.PictureID = (p.PictureID + 1) & 0x7FFF
	}
	// The descriptor differs between packets only in S, the first bit
	// after X/R/N: build it once and clear S after the first packet.
	var hdrBuf [8]byte
	hdr := d.AppendTo(hdrBuf[:0])
	room := mtu - len(hdr)
	if room < 1 {
		return ErrMTUTooSmall
	}
	count := (len(frame) + room - 1) / room
	dst.reserve(len(frame) + count*len(hdr))
	for len(frame) > 0 {
		n := min(room, len(frame))
		dst.buf = append(dst.buf, hdr...)
		dst.buf = append(dst.buf, frame[:n]...)
		dst.end()
		frame = frame[n:]
		hdr[0] &^= 0x10 // S=0 on continuation packets
	}
	return nil
}

// VP8Depayloader strips the VP8 payload descriptor. Descriptor holds the
// last one parsed.
type VP8Depayloader struct {
	Descriptor VP8Descriptor
}

// Depayload appends the VP8 bitstream of payload to dst. FrameStart is S=1
// with PID=0; Keyframe is FrameStart with the P bit of the VP8 payload
// header clear (RFC 7741 §4.3: "P: Inverse key frame flag").
func (d *VP8Depayloader) Depayload(dst, payload []byte) ([]byte, PayloadInfo, error) {
	n, err := d.Descriptor.Unmarshal(payload)
	if err != nil {
		return dst, PayloadInfo{}, err
	}
	data := payload[n:]
	if len(data) == 0 {
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
	var info PayloadInfo
	if d.Descriptor.Start && d.Descriptor.PartitionID == 0 {
		info.FrameStart = true
		info.Keyframe = data[0]&0x01 == 0
	}
	return append(dst, data...), info, nil
}

// Reset does nothing: each payload is self-describing.
func (d *VP8Depayloader) Reset() {}
