package rtp

// AV1 OBU types (AV1 bitstream spec §6.2.2).
const (
	av1OBUSequenceHeader    = 1
	av1OBUTemporalDelimiter = 2
	av1OBUFrameHeader       = 3
	av1OBUMetadata          = 5
	av1OBUFrame             = 6
	av1OBUTileList          = 8
)

// readLEB128 reads an unsigned LEB128 value (AV1 spec §4.10.5) of at most
// 8 bytes whose value fits 32 bits. It returns the value and the bytes
// consumed, or n = 0 when b is truncated or the value is invalid.
func readLEB128(b []byte) (v uint32, n int) {
	var x uint64
	for i := 0; i < 8 && i < len(b); i++ {
		x |= uint64(b[i]&0x7F) << (7 * i)
		if b[i]&0x80 == 0 {
			if x > 0xFFFFFFFF {
				return 0, 0
			}
			return uint32(x), i + 1
		}
	}
	return 0, 0
}

func lebLen(v int) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendLEB128(b []byte, v int) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// av1Element is one OBU as sent in RTP: the header octet with
// obu_has_size_field cleared, the optional extension octet, the payload.
type av1Element struct {
	hdr, ext byte
	hasExt   bool
	payload  []byte
}

func (e *av1Element) size() int {
	n := 1 + len(e.payload)
	if e.hasExt {
		n++
	}
	return n
}

// appendRange appends bytes [off, off+n) of the element.
func (e *av1Element) appendRange(b []byte, off, n int) []byte {
	for n > 0 && off < 2 {
		switch {
		case off == 0:
			b = append(b, e.hdr)
		case e.hasExt:
			b = append(b, e.ext)
		default:
			return append(b, e.payload[:n]...)
		}
		off++
		n--
	}
	h := 1
	if e.hasExt {
		h = 2
	}
	if n > 0 {
		b = append(b, e.payload[off-h:off-h+n]...)
	}
	return b
}

type av1Piece struct{ elem, off, n int }

// AV1Payloader packetizes AV1 temporal units (AV1 RTP payload format §4)
// given in the low-overhead bitstream format (OBUs with
// obu_has_size_field, as in IVF files or encoder output). Temporal
// delimiter, tile list and padding OBUs are dropped (§5: they "SHOULD be
// removed"); obu_has_size_field is cleared and the OBU length is carried in
// the OBU element length instead. OBUs are aggregated and fragmented to
// fill mtu; the aggregation header's W field is used when a packet holds
// 1-3 elements. N is set on the first packet of a temporal unit that
// carries a sequence header.
type AV1Payloader struct {
	elems  []av1Element
	pieces []av1Piece
}

// Payload appends the payloads of one temporal unit. A malformed OBU
// stream returns ErrMalformedFrame.
func (p *AV1Payloader) Payload(dst *Payloads, mtu int, frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if mtu < 3 {
		return ErrMTUTooSmall
	}
	p.elems = p.elems[:0]
	seqHeader := false
	total := 0
	for b := frame; len(b) > 0; {
		h := b[0]
		if h&0x80 != 0 {
			return ErrMalformedFrame
		}
		e := av1Element{hdr: h &^ 0x02}
		n := 1
		if h&0x04 != 0 {
			if len(b) < 2 {
				return ErrMalformedFrame
			}
			e.hasExt, e.ext = true, b[1]
			n = 2
		}
		if h&0x02 != 0 {
			size, m := readLEB128(b[n:])
			if m == 0 || int(size) > len(b)-n-m {
				return ErrMalformedFrame
			}
			e.payload = b[n+m : n+m+int(size)]
			b = b[n+m+int(size):]
		} else {
			// Without a size field the OBU runs to the end (§5.2 of the
			// AV1 spec permits this only for the last OBU).
			e.payload = b[n:]
			b = nil
		}
		switch typ := h >> 3 & 0x0F; typ {
		case av1OBUTemporalDelimiter, av1OBUTileList, 15:
			continue
		case av1OBUSequenceHeader:
			seqHeader = true
		}
		p.elems = append(p.elems, e)
		total += e.size()
	}
	if len(p.elems) == 0 {
		return ErrEmptyFrame
	}
	dst.reserve(total + total/(mtu-2)*4 + 8)
	ei, off := 0, 0
	for firstPacket := true; ei < len(p.elems); firstPacket = false {
		// Plan the pieces of this packet.
		p.pieces = p.pieces[:0]
		room := mtu - 1
		z := off > 0
		y := false
		for ei < len(p.elems) && room >= 2 {
			rem := p.elems[ei].size() - off
			if rem+lebLen(rem) <= room {
				p.pieces = append(p.pieces, av1Piece{ei, off, rem})
				room -= rem + lebLen(rem)
				ei, off = ei+1, 0
				continue
			}
			if len(p.pieces) == 0 && rem <= room {
				// Fits alone without its length field (W=1).
				p.pieces = append(p.pieces, av1Piece{ei, off, rem})
				ei, off = ei+1, 0
				break
			}
			n := room - lebLen(room)
			if len(p.pieces) == 0 {
				n = room // alone in the packet: W=1, no length field
			}
			p.pieces = append(p.pieces, av1Piece{ei, off, n})
			off += n
			y = true
			break
		}
		// Aggregation header |Z|Y| W |N|-|-|-| (§4.4).
		w := 0
		if len(p.pieces) <= 3 {
			w = len(p.pieces)
		}
		agg := byte(w) << 4
		if z {
			agg |= 0x80
		}
		if y {
			agg |= 0x40
		}
		if firstPacket && seqHeader {
			agg |= 0x08
		}
		dst.buf = append(dst.buf, agg)
		for i, pc := range p.pieces {
			if w == 0 || i < w-1 {
				dst.buf = appendLEB128(dst.buf, pc.n)
			}
			dst.buf = p.elems[pc.elem].appendRange(dst.buf, pc.off, pc.n)
		}
		dst.end()
	}
	return nil
}

// AV1Depayloader turns AV1 RTP payloads back into the low-overhead
// bitstream format: each OBU with obu_has_size_field set and its size.
// Fragmented OBUs are reassembled in an internal buffer limited to
// MaxOBUSize. Temporal delimiters and tile lists are dropped (§5: "MUST be
// ignored by receivers"). Keyframe is the aggregation header's N bit
// (start of a coded video sequence).
type AV1Depayloader struct {
	// MaxOBUSize limits one reassembled OBU. If zero, 4 MiB is used.
	MaxOBUSize int

	frag       []byte
	fragActive bool
}

// Reset drops a partial OBU.
func (d *AV1Depayloader) Reset() {
	d.frag = d.frag[:0]
	d.fragActive = false
}

// Depayload appends the OBUs completed by payload to dst.
func (d *AV1Depayloader) Depayload(dst, payload []byte) ([]byte, PayloadInfo, error) {
	if len(payload) < 2 {
		return dst, PayloadInfo{}, ErrMalformedPayload
	}
	agg := payload[0]
	z, y := agg&0x80 != 0, agg&0x40 != 0
	w := int(agg >> 4 & 0x03)
	info := PayloadInfo{Keyframe: agg&0x08 != 0}
	if !z && d.fragActive {
		// The end of the previous fragmented OBU was lost.
		d.Reset()
	}
	orig := len(dst)
	fail := func(err error) ([]byte, PayloadInfo, error) {
		d.Reset()
		return dst[:orig], PayloadInfo{}, err
	}
	maxOBU := d.MaxOBUSize
	if maxOBU <= 0 {
		maxOBU = defaultMaxFrameSize
	}
	b := payload[1:]
	for i := 0; len(b) > 0; i++ {
		var e []byte
		if w == 0 || i < w-1 {
			n, m := readLEB128(b)
			if m == 0 || int(n) > len(b)-m {
				return fail(ErrMalformedPayload)
			}
			e, b = b[m:m+int(n)], b[m+int(n):]
		} else if i == w-1 {
			e, b = b, nil
		} else {
			return fail(ErrMalformedPayload)
		}
		last := len(b) == 0
		if i == 0 && !z && len(e) > 0 {
			switch e[0] >> 3 & 0x0F {
			case av1OBUSequenceHeader, av1OBUTemporalDelimiter, av1OBUFrameHeader, av1OBUMetadata, av1OBUFrame:
				info.FrameStart = true
			}
		}
		switch {
		case i == 0 && z:
			if !d.fragActive {
				return fail(ErrFragmentLost)
			}
			if len(d.frag)+len(e) > maxOBU {
				return fail(ErrFrameTooLarge)
			}
			d.frag = append(d.frag, e...)
			if last && y {
				continue
			}
			var err error
			if dst, err = appendOBU(dst, d.frag); err != nil {
				return fail(err)
			}
			d.frag, d.fragActive = d.frag[:0], false
		case last && y:
			if len(e) > maxOBU {
				return fail(ErrFrameTooLarge)
			}
			d.frag = append(d.frag[:0], e...)
			d.fragActive = true
		default:
			var err error
			if dst, err = appendOBU(dst, e); err != nil {
				return fail(err)
			}
		}
	}
	return dst, info, nil
}

// appendOBU writes one OBU element in low-overhead format.
func appendOBU(dst, e []byte) ([]byte, error) {
	if len(e) == 0 || e[0]&0x80 != 0 {
		return dst, ErrMalformedPayload
	}
	h := 1
	if e[0]&0x04 != 0 {
		h = 2
	}
	if len(e) < h {
		return dst, ErrMalformedPayload
	}
	body := e[h:]
	if e[0]&0x02 != 0 {
		size, m := readLEB128(body)
		if m == 0 || int(size) > len(body)-m {
			return dst, ErrMalformedPayload
		}
		body = body[m : m+int(size)]
	}
	switch e[0] >> 3 & 0x0F {
	case av1OBUTemporalDelimiter, av1OBUTileList:
		return dst, nil
	}
	dst = append(dst, e[0]|0x02)
	if h == 2 {
		dst = append(dst, e[1])
	}
	dst = appendLEB128(dst, len(body))
	return append(dst, body...), nil
}
