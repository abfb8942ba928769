package media

import (
	"io"
)

// The AV1 low-overhead bitstream format (AV1 Bitstream & Decoding Process
// Specification §5.2): a sequence of OBUs, each with obu_has_size_field
// set. A temporal unit begins with a temporal delimiter OBU (§7.5).

// OBU types (AV1 §6.2.2).
const (
	OBUSequenceHeader       = 1
	OBUTemporalDelimiter    = 2
	OBUFrameHeader          = 3
	OBUTileGroup            = 4
	OBUMetadata             = 5
	OBUFrame                = 6
	OBURedundantFrameHeader = 7
	OBUTileList             = 8
	OBUPadding              = 15
)

// OBU is one OBU read by OBUReader.
type OBU struct {
	// Data is the whole OBU (header, size field, payload), appended to the
	// buffer given to ReadOBU.
	Data []byte
	Type uint8
	// TemporalID and SpatialID come from the extension header (zero
	// without one).
	TemporalID, SpatialID uint8
	// PayloadOffset is where the payload begins in Data.
	PayloadOffset int
}

// TemporalUnit is the OBUs of one temporal unit, read by
// ReadTemporalUnit.
type TemporalUnit struct {
	// Data holds the OBUs in low-overhead format, beginning with the
	// temporal delimiter; appended to the buffer given to ReadTemporalUnit.
	Data []byte
	OBUs int
	// Keyframe reports a sequence header in the unit (the start of a coded
	// video sequence, as the RTP payload's N bit).
	Keyframe bool
}

// OBUReader reads OBUs and temporal units from a low-overhead AV1
// bitstream.
type OBUReader struct {
	r       io.Reader
	maxSize int
	hdr     [10]byte
	peeked  bool // hdr holds the header of the next OBU
	hlen    int  // header bytes including the size field
	size    int  // payload size of the peeked OBU
	typ     uint8
	ext     uint8
	hasExt  bool
}

// NewOBUReader returns a reader of r. maxOBUSize limits one OBU (and one
// temporal unit); if zero, DefaultMaxFrameSize is used.
func NewOBUReader(r io.Reader, maxOBUSize int) *OBUReader {
	if maxOBUSize <= 0 {
		maxOBUSize = DefaultMaxFrameSize
	}
	return &OBUReader{r: r, maxSize: maxOBUSize}
}

// peek reads the header and size field of the next OBU.
func (r *OBUReader) peek() error {
	if r.peeked {
		return nil
	}
	if err := readHeader(r.r, r.hdr[:1]); err != nil {
		return err
	}
	h := r.hdr[0]
	// §5.3.2: obu_forbidden_bit must be 0; the low-overhead format needs
	// obu_has_size_field (§5.2).
	if h&0x80 != 0 || h&0x02 == 0 {
		return ErrCorrupt
	}
	r.typ = h >> 3 & 0x0F
	r.hasExt = h&0x04 != 0
	n := 1
	if r.hasExt {
		if _, err := io.ReadFull(r.r, r.hdr[1:2]); err != nil {
			return truncated(err)
		}
		r.ext = r.hdr[1]
		n = 2
	}
	// §4.10.5 leb128(): at most 8 bytes, value below 2^32.
	var v uint64
	for i := 0; ; i++ {
		if i == 8 {
			return ErrCorrupt
		}
		if _, err := io.ReadFull(r.r, r.hdr[n:n+1]); err != nil {
			return truncated(err)
		}
		b := r.hdr[n]
		n++
		v |= uint64(b&0x7F) << (7 * i)
		if b&0x80 == 0 {
			break
		}
	}
	if v > 0xFFFFFFFF {
		return ErrCorrupt
	}
	if v > uint64(r.maxSize) {
		return ErrTooLarge
	}
	r.hlen, r.size, r.peeked = n, int(v), true
	return nil
}

// ReadOBU reads the next OBU and appends it to dst[:0]. At the end of the
// stream it returns io.EOF.
func (r *OBUReader) ReadOBU(dst []byte) (OBU, error) {
	if err := r.peek(); err != nil {
		return OBU{}, err
	}
	data, err := r.appendPeeked(dst[:0])
	if err != nil {
		return OBU{}, err
	}
	o := OBU{Data: data, Type: r.typ, PayloadOffset: r.hlen}
	if r.hasExt {
		o.TemporalID, o.SpatialID = r.ext>>5, r.ext>>3&0x03
	}
	return o, nil
}

func (r *OBUReader) appendPeeked(dst []byte) ([]byte, error) {
	r.peeked = false
	dst = append(dst, r.hdr[:r.hlen]...)
	return appendRead(r.r, dst, r.size)
}

// ReadTemporalUnit reads the OBUs from one temporal delimiter to the next
// (§7.5) and appends them to dst[:0]. OBUs before the first temporal
// delimiter of a stream form a unit of their own.
func (r *OBUReader) ReadTemporalUnit(dst []byte) (TemporalUnit, error) {
	tu := TemporalUnit{Data: dst[:0]}
	for {
		err := r.peek()
		if err == io.EOF && tu.OBUs > 0 {
			return tu, nil
		}
		if err != nil {
			return TemporalUnit{}, err
		}
		if r.typ == OBUTemporalDelimiter && tu.OBUs > 0 {
			return tu, nil
		}
		if len(tu.Data)+r.hlen+r.size > r.maxSize {
			return TemporalUnit{}, ErrTooLarge
		}
		tu.Keyframe = tu.Keyframe || r.typ == OBUSequenceHeader
		if tu.Data, err = r.appendPeeked(tu.Data); err != nil {
			return TemporalUnit{}, err
		}
		tu.OBUs++
	}
}

// OBUWriter writes a low-overhead AV1 bitstream.
type OBUWriter struct {
	w   io.Writer
	buf [12]byte
}

// NewOBUWriter returns a writer to w.
func NewOBUWriter(w io.Writer) *OBUWriter { return &OBUWriter{w: w} }

// temporalDelimiter is an empty temporal delimiter OBU with its size field.
var temporalDelimiter = []byte{OBUTemporalDelimiter<<3 | 0x02, 0}

// WriteTemporalUnit writes the OBUs of one temporal unit (low-overhead
// format, as rtc-rtp's AV1 depayloader produces them), putting a temporal
// delimiter first when the unit does not start with one (the RTP payload
// format drops them, AV1 RTP §5). The OBUs are checked before anything is
// written.
func (w *OBUWriter) WriteTemporalUnit(tu []byte) error {
	first := true
	hasTD := false
	for b := tu; len(b) > 0; {
		typ, n, err := obuLen(b)
		if err != nil {
			return err
		}
		if first {
			hasTD, first = typ == OBUTemporalDelimiter, false
		}
		b = b[n:]
	}
	if len(tu) == 0 {
		return ErrCorrupt
	}
	if !hasTD {
		if _, err := w.w.Write(temporalDelimiter); err != nil {
			return err
		}
	}
	_, err := w.w.Write(tu)
	return err
}

// WriteOBU writes one OBU, given with or without its size field: without
// one (obu_has_size_field 0, as inside RTP payloads), the size is added.
func (w *OBUWriter) WriteOBU(obu []byte) error {
	if len(obu) == 0 || obu[0]&0x80 != 0 {
		return ErrCorrupt
	}
	if obu[0]&0x02 != 0 {
		if _, n, err := obuLen(obu); err != nil || n != len(obu) {
			return ErrCorrupt
		}
		_, err := w.w.Write(obu)
		return err
	}
	h := 1
	if obu[0]&0x04 != 0 {
		h = 2
	}
	if len(obu) < h {
		return ErrCorrupt
	}
	b := append(w.buf[:0], obu[:h]...)
	b[0] |= 0x02
	b = appendLEB128(b, uint64(len(obu)-h))
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	_, err := w.w.Write(obu[h:])
	return err
}

// obuLen returns the type and total length of the OBU at the start of b,
// which must have a size field.
func obuLen(b []byte) (typ uint8, n int, err error) {
	if len(b) == 0 || b[0]&0x80 != 0 || b[0]&0x02 == 0 {
		return 0, 0, ErrCorrupt
	}
	h := 1
	if b[0]&0x04 != 0 {
		h = 2
	}
	var v uint64
	i := 0
	for ; ; i++ {
		if i == 8 || h+i >= len(b) {
			return 0, 0, ErrCorrupt
		}
		v |= uint64(b[h+i]&0x7F) << (7 * i)
		if b[h+i]&0x80 == 0 {
			break
		}
	}
	h += i + 1
	if v > uint64(len(b)-h) {
		return 0, 0, ErrCorrupt
	}
	return b[0] >> 3 & 0x0F, h + int(v), nil
}

func appendLEB128(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
