package media

import (
	"bytes"
	"errors"
	"io"
)

// H.264 and H.265 Annex B byte streams (ITU-T H.264 Annex B, H.265 Annex
// B): NAL units each preceded by a start code 0x000001, optionally with a
// leading zero_byte (the four-byte form 0x00000001) and trailing zeros.

// VideoCodec names the NAL unit syntax of an Annex B stream.
type VideoCodec uint8

// Annex B codecs.
const (
	H264 VideoCodec = iota // ITU-T H.264: one-byte NAL header, type in bits 0-4
	H265                   // ITU-T H.265: two-byte NAL header, type in bits 1-6
)

// NALType returns the nal_unit_type of a NAL unit (0 for an empty one).
func (c VideoCodec) NALType(nal []byte) uint8 {
	if len(nal) == 0 {
		return 0
	}
	if c == H265 {
		return nal[0] >> 1 & 0x3F
	}
	return nal[0] & 0x1F
}

// IsKeyframeNAL reports an IDR picture (H.264 type 5) or an IRAP picture
// (H.265 types 16-23).
func (c VideoCodec) IsKeyframeNAL(nal []byte) bool {
	t := c.NALType(nal)
	if c == H265 {
		return t >= 16 && t <= 23
	}
	return t == 5
}

// isVCL reports a coded slice: H.264 types 1-5 (§7.4.1.2.3), H.265 types
// 0-31 (§7.4.2.2).
func (c VideoCodec) isVCL(nal []byte) bool {
	t := c.NALType(nal)
	if c == H265 {
		return t < 32
	}
	return t >= 1 && t <= 5
}

// startsAU reports a NAL unit that begins a new access unit when it
// follows a coded slice of the current one: H.264 §7.4.1.2.3 (access unit
// delimiter, SPS, PPS, SEI, types 14-18, or a slice with first_mb_in_slice
// equal to 0, whose ue(v) code is the single bit 1), H.265 §7.4.2.4.4
// (AUD, VPS, SPS, PPS, prefix SEI, types 41-44 and 48-55, or a slice with
// first_slice_segment_in_pic_flag set).
func (c VideoCodec) startsAU(nal []byte) bool {
	t := c.NALType(nal)
	if c == H265 {
		switch {
		case t >= 32 && t <= 35, t == 39, t >= 41 && t <= 44, t >= 48 && t <= 55:
			return true
		case t < 32:
			return len(nal) > 2 && nal[2]&0x80 != 0
		}
		return false
	}
	switch {
	case t == 6, t == 7, t == 8, t == 9, t >= 14 && t <= 18:
		return true
	case t == 1, t == 5:
		return len(nal) > 1 && nal[1]&0x80 != 0
	}
	return false
}

// AccessUnit is one coded picture read by AnnexBReader.
type AccessUnit struct {
	// Data is the access unit in Annex B form (each NAL unit behind a
	// four-byte start code), appended to the buffer given to
	// ReadAccessUnit.
	Data []byte
	// NALs is the number of NAL units, Keyframe reports an IDR/IRAP slice.
	NALs     int
	Keyframe bool
}

// AnnexBReader reads NAL units and access units from an Annex B stream.
// It holds one read-ahead buffer, at most MaxNALSize plus 64 KiB.
type AnnexBReader struct {
	r      io.Reader
	codec  VideoCodec
	maxNAL int
	buf    []byte
	start  int  // first unconsumed byte of buf
	scan   int  // where the search for the next start code resumes
	eof    bool // r is exhausted
	err    error
	nals   uint64
}

const annexBChunk = 64 << 10

// NewAnnexBReader returns a reader of r. maxNALSize limits one NAL unit
// (a longer one is ErrTooLarge); if zero, DefaultMaxFrameSize is used.
func NewAnnexBReader(r io.Reader, codec VideoCodec, maxNALSize int) *AnnexBReader {
	if maxNALSize <= 0 {
		maxNALSize = DefaultMaxFrameSize
	}
	return &AnnexBReader{r: r, codec: codec, maxNAL: maxNALSize}
}

// fill reads more input into buf, compacting consumed bytes first.
func (r *AnnexBReader) fill() error {
	if r.eof {
		return io.EOF
	}
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:])
		r.buf = r.buf[:n]
		r.scan -= r.start
		r.start = 0
	}
	if len(r.buf) > r.maxNAL+8 {
		return ErrTooLarge
	}
	if cap(r.buf)-len(r.buf) < annexBChunk/2 {
		nb := make([]byte, len(r.buf), max(2*cap(r.buf), annexBChunk))
		copy(nb, r.buf)
		r.buf = nb
	}
	n, err := r.r.Read(r.buf[len(r.buf):cap(r.buf)])
	r.buf = r.buf[:len(r.buf)+n]
	if err == io.EOF {
		r.eof = true
		return nil
	}
	if err == nil && n == 0 {
		return io.ErrNoProgress
	}
	return err
}

// peekNAL finds the next NAL unit without consuming it: buf[s:e] is the
// unit, next the offset where the unit after it begins (its start code).
func (r *AnnexBReader) peekNAL() (s, e int, err error) {
	// Find the first start code.
	for {
		i := bytes.Index(r.buf[r.start:], startCode3)
		if i >= 0 {
			s = r.start + i + 3
			break
		}
		// Keep the last two bytes: they may begin a start code.
		if keep := len(r.buf) - 2; keep > r.start {
			r.start = keep
		}
		if err := r.fill(); err != nil {
			return 0, 0, err
		}
		if r.eof && bytes.Index(r.buf[r.start:], startCode3) < 0 {
			return 0, 0, io.EOF
		}
	}
	if r.scan < s {
		r.scan = s
	}
	// Find the next one: the unit ends there, less trailing zero bytes
	// (the zero_byte of a four-byte start code, or trailing_zero_8bits).
	for {
		j := bytes.Index(r.buf[r.scan:], startCode3)
		if j >= 0 {
			e = r.scan + j
			break
		}
		if r.eof {
			e = len(r.buf)
			break
		}
		r.scan = max(s, len(r.buf)-2)
		if r.scan-s > r.maxNAL {
			return 0, 0, ErrTooLarge
		}
		off := r.start
		if err := r.fill(); err != nil {
			return 0, 0, err
		}
		s -= off - r.start
	}
	for e > s && r.buf[e-1] == 0 {
		e--
	}
	if e-s > r.maxNAL {
		return 0, 0, ErrTooLarge
	}
	return s, e, nil
}

// consume moves past the unit that ended at e.
func (r *AnnexBReader) consume(e int) {
	r.start = e
	r.scan = e
	r.nals++
}

// ReadNAL reads the next NAL unit (without its start code) and appends it
// to dst[:0]. At the end of the stream it returns io.EOF.
func (r *AnnexBReader) ReadNAL(dst []byte) ([]byte, error) {
	for {
		s, e, err := r.peekNAL()
		if err != nil {
			return nil, err
		}
		r.consume(e)
		if e > s {
			return append(dst[:0], r.buf[s:e]...), nil
		}
		// An empty unit (two start codes in a row) carries nothing.
	}
}

// ReadAccessUnit reads the NAL units of the next access unit and appends
// them, each behind a four-byte start code, to dst[:0]. The unit ends
// where a NAL unit that starts a new access unit follows a coded slice
// (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4), or at the end of the stream.
func (r *AnnexBReader) ReadAccessUnit(dst []byte) (AccessUnit, error) {
	au := AccessUnit{Data: dst[:0]}
	sawVCL := false
	for {
		s, e, err := r.peekNAL()
		if errors.Is(err, io.EOF) && au.NALs > 0 {
			return au, nil
		}
		if err != nil {
			return AccessUnit{}, err
		}
		nal := r.buf[s:e]
		if len(nal) == 0 {
			r.consume(e)
			continue
		}
		if sawVCL && r.codec.startsAU(nal) {
			return au, nil
		}
		if len(au.Data)+4+len(nal) > r.maxNAL {
			return AccessUnit{}, ErrTooLarge
		}
		au.Data = append(au.Data, 0, 0, 0, 1)
		au.Data = append(au.Data, nal...)
		au.NALs++
		au.Keyframe = au.Keyframe || r.codec.IsKeyframeNAL(nal)
		sawVCL = sawVCL || r.codec.isVCL(nal)
		r.consume(e)
	}
}

var startCode3 = []byte{0, 0, 1}

// AnnexBWriter writes NAL units and access units as an Annex B stream.
type AnnexBWriter struct {
	w io.Writer
}

// NewAnnexBWriter returns a writer to w.
func NewAnnexBWriter(w io.Writer) *AnnexBWriter { return &AnnexBWriter{w: w} }

var startCode4 = []byte{0, 0, 0, 1}

// WriteNAL writes one NAL unit behind a four-byte start code (H.264
// §B.1.2: the zero_byte is required before parameter sets and the first
// unit of an access unit, and allowed everywhere).
func (w *AnnexBWriter) WriteNAL(nal []byte) error {
	if len(nal) == 0 {
		return ErrCorrupt
	}
	if _, err := w.w.Write(startCode4); err != nil {
		return err
	}
	_, err := w.w.Write(nal)
	return err
}

// WriteAccessUnit writes an access unit that is already in Annex B form
// (as rtc-rtp's H.264 and H.265 depayloaders and ReadAccessUnit produce
// it). It must begin with a start code.
func (w *AnnexBWriter) WriteAccessUnit(au []byte) error {
	if !bytes.HasPrefix(au, startCode3) && !bytes.HasPrefix(au, startCode4) {
		return ErrCorrupt
	}
	_, err := w.w.Write(au)
	return err
}
