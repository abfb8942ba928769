package media

import (
	"encoding/binary"
	"io"
)

// Ogg (RFC 3533) carries packets of one logical stream in pages: a 27-byte
// header, a segment table of lacing values, and the page body. A packet is
// the concatenation of segments up to one shorter than 255 bytes (§5); one
// that does not end on a page continues on the next (header flag 0x01).

const (
	oggHeaderSize = 27
	oggMaxSegs    = 255
	oggMaxBody    = oggMaxSegs * 255

	// Header type flags (RFC 3533 §6).
	oggContinued = 0x01
	oggBOS       = 0x02
	oggEOS       = 0x04

	// DefaultMaxPacketSize limits one Ogg packet in OggReader.
	DefaultMaxPacketSize = 1 << 20
)

// oggCRCTable is the table of the Ogg CRC-32 (RFC 3533 §6: "generator
// polynomial 0x04c11db7", unreflected, initial value and final XOR zero),
// sliced by 4 bytes.
var oggCRCTable = func() (t [4][256]uint32) {
	for i := range 256 {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[0][i] = r
	}
	for i := range 256 {
		for k := 1; k < 4; k++ {
			p := t[k-1][i]
			t[k][i] = p<<8 ^ t[0][p>>24]
		}
	}
	return t
}()

// oggCRC continues crc over b.
func oggCRC(crc uint32, b []byte) uint32 {
	t := &oggCRCTable
	for len(b) >= 4 {
		crc ^= binary.BigEndian.Uint32(b)
		crc = t[3][crc>>24] ^ t[2][crc>>16&0xFF] ^ t[1][crc>>8&0xFF] ^ t[0][crc&0xFF]
		b = b[4:]
	}
	for _, v := range b {
		crc = crc<<8 ^ t[0][byte(crc>>24)^v]
	}
	return crc
}

// OggPageHeader is the header of one Ogg page (RFC 3533 §6).
type OggPageHeader struct {
	Flags    uint8 // 0x01 continued packet, 0x02 first page, 0x04 last page
	Granule  int64 // -1: no packet ends on this page
	Serial   uint32
	Sequence uint32
	Segments int // lacing values in the segment table
	BodySize int
}

// OggPacket is one packet read from an Ogg stream.
type OggPacket struct {
	// Data is the packet, appended to the buffer given to ReadPacket.
	Data []byte
	// Granule is the granule position of the page on which the packet
	// ends if it is the last packet to end there (RFC 3533 §6: the page's
	// granule is that of its last completed packet); otherwise -1.
	Granule int64
	// Page is the header of the page on which the packet ends.
	Page OggPageHeader
}

// OggReader reads the packets of the first logical stream of an Ogg
// file into caller buffers. It checks every page's CRC and sequence
// number. Its own memory is one page body (at most 65025 bytes).
type OggReader struct {
	r        io.Reader
	hdr      [oggHeaderSize]byte
	segTable [oggMaxSegs]byte
	body     []byte
	page     OggPageHeader
	segs     []byte // lacing values not consumed yet
	off      int    // offset of the next segment in body
	serial   uint32
	started  bool
	nextSeq  uint32
	maxSize  int
	inPacket bool // a packet continues on the next page
	skip     bool // dropping the rest of a packet
	pages    uint64
	skipped  uint64
}

// NewOggReader returns a reader of r. maxPacketSize limits one packet (a
// larger one is ErrTooLarge); if zero, DefaultMaxPacketSize is used.
func NewOggReader(r io.Reader, maxPacketSize int) *OggReader {
	if maxPacketSize <= 0 {
		maxPacketSize = DefaultMaxPacketSize
	}
	return &OggReader{r: r, maxSize: maxPacketSize}
}

// Pages returns how many pages of the stream were read.
func (r *OggReader) Pages() uint64 { return r.pages }

// nextPage reads the next page of the stream, skipping pages of other
// logical streams.
func (r *OggReader) nextPage() error {
	for {
		if err := readHeader(r.r, r.hdr[:]); err != nil {
			return err
		}
		h := r.hdr[:]
		if string(h[0:4]) != "OggS" {
			return ErrBadSignature
		}
		if h[4] != 0 {
			return ErrUnsupported // stream_structure_version
		}
		n := int(h[26])
		if _, err := io.ReadFull(r.r, r.segTable[:n]); err != nil {
			return truncated(err)
		}
		size := 0
		for _, v := range r.segTable[:n] {
			size += int(v)
		}
		var err error
		if r.body, err = appendRead(r.r, r.body[:0], size); err != nil {
			return err
		}
		want := binary.LittleEndian.Uint32(h[22:])
		clear(h[22:26])
		crc := oggCRC(oggCRC(oggCRC(0, h), r.segTable[:n]), r.body)
		if crc != want {
			return ErrCorrupt
		}
		p := OggPageHeader{
			Flags:    h[5],
			Granule:  int64(binary.LittleEndian.Uint64(h[6:])),
			Serial:   binary.LittleEndian.Uint32(h[14:]),
			Sequence: binary.LittleEndian.Uint32(h[18:]),
			Segments: n,
			BodySize: size,
		}
		if !r.started {
			r.started, r.serial = true, p.Serial
		} else if p.Serial != r.serial {
			r.skipped++
			continue
		}
		if r.pages > 0 && p.Sequence != r.nextSeq {
			// RFC 3533 §6: a gap in page sequence numbers means lost
			// pages; a packet spanning it is lost.
			r.inPacket = false
		}
		r.nextSeq = p.Sequence + 1
		r.pages++
		r.page = p
		r.segs = r.segTable[:n]
		r.off = 0
		return nil
	}
}

// ReadPacket reads the next packet and appends it to dst[:0]; reuse the
// returned Data as the next dst and reading allocates nothing. At the end
// of the stream it returns io.EOF. A packet whose continuation page is
// missing is dropped.
func (r *OggReader) ReadPacket(dst []byte) (OggPacket, error) {
	dst = dst[:0]
	tooLarge := false
	for {
		if len(r.segs) == 0 {
			wasIn := r.inPacket
			if err := r.nextPage(); err != nil {
				if err == io.EOF && wasIn {
					err = truncated(err)
				}
				return OggPacket{}, err
			}
			cont := r.page.Flags&oggContinued != 0
			switch {
			case wasIn && cont && r.inPacket:
				// The packet goes on.
			case wasIn:
				// Its continuation is missing: drop what we have.
				dst, tooLarge = dst[:0], false
				r.skip = cont
			default:
				// A continued page without a packet in progress holds
				// the end of one we never saw the start of.
				r.skip = cont
			}
			r.inPacket = false
			continue
		}
		lace := int(r.segs[0])
		r.segs = r.segs[1:]
		seg := r.body[r.off : r.off+lace]
		r.off += lace
		if r.skip {
			r.skip = lace == 255
			continue
		}
		if len(dst)+lace > r.maxSize {
			tooLarge = true
		}
		if !tooLarge {
			dst = append(dst, seg...)
		}
		r.inPacket = lace == 255
		if r.inPacket {
			continue
		}
		if tooLarge {
			return OggPacket{}, ErrTooLarge
		}
		pkt := OggPacket{Data: dst, Granule: -1, Page: r.page}
		if r.lastOnPage() {
			pkt.Granule = r.page.Granule
		}
		return pkt, nil
	}
}

// lastOnPage reports whether no other packet ends on the current page.
func (r *OggReader) lastOnPage() bool {
	for _, v := range r.segs {
		if v < 255 {
			return false
		}
	}
	return true
}

// OggWriter writes the packets of one logical stream into Ogg pages. A
// page is written when the next packet finds it holding pageSize bytes or
// 255 segments, or on Flush and Close; a packet larger than the space left
// is split across pages (RFC 3533 §5). It reuses its page buffers: writing
// allocates nothing.
type OggWriter struct {
	w        io.Writer
	serial   uint32
	seq      uint32
	pageSize int
	hdr      [oggHeaderSize + oggMaxSegs]byte
	segs     []byte
	body     []byte
	granule  int64 // of the last packet completed on the page, -1 if none
	flags    uint8
	closed   bool
}

// NewOggWriter returns a writer of the stream serial to w. pageSize is
// the body size after which a page is written (at most 65025); if zero,
// 4096 is used.
func NewOggWriter(w io.Writer, serial uint32, pageSize int) *OggWriter {
	if pageSize <= 0 {
		pageSize = 4096
	}
	pageSize = min(pageSize, oggMaxBody)
	return &OggWriter{
		w: w, serial: serial, pageSize: pageSize,
		segs: make([]byte, 0, oggMaxSegs), body: make([]byte, 0, pageSize+255*4),
		granule: -1, flags: oggBOS,
	}
}

// Pages returns how many pages were written.
func (w *OggWriter) Pages() uint32 { return w.seq }

// WritePacket adds one packet whose granule position (RFC 3533 §6; for
// Opus the sample count at its end, RFC 7845 §4) is granule.
func (w *OggWriter) WritePacket(p []byte, granule int64) error {
	if w.closed {
		return ErrClosed
	}
	if len(w.body) >= w.pageSize || len(w.segs) == oggMaxSegs {
		if err := w.flush(false); err != nil {
			return err
		}
	}
	for {
		room := oggMaxSegs - len(w.segs)
		// Lacing (RFC 3533 §5): n/255 segments of 255, then one of n%255
		// (zero when n is a multiple of 255).
		if len(p)/255+1 <= room {
			w.body = append(w.body, p...)
			for range len(p) / 255 {
				w.segs = append(w.segs, 255)
			}
			w.segs = append(w.segs, byte(len(p)%255))
			w.granule = granule
			return nil
		}
		// Fill the page with 255-byte segments; the packet continues on
		// the next page.
		for range room {
			w.segs = append(w.segs, 255)
		}
		w.body = append(w.body, p[:room*255]...)
		p = p[room*255:]
		if err := w.flush(false); err != nil {
			return err
		}
		w.flags |= oggContinued
	}
}

// Flush writes the current page, if it holds anything.
func (w *OggWriter) Flush() error {
	if w.closed || len(w.segs) == 0 {
		return nil
	}
	return w.flush(false)
}

func (w *OggWriter) flush(eos bool) error {
	flags := w.flags
	if eos {
		flags |= oggEOS
	}
	b := w.hdr[:0]
	b = append(b, "OggS"...)
	b = append(b, 0, flags)
	b = binary.LittleEndian.AppendUint64(b, uint64(w.granule))
	b = binary.LittleEndian.AppendUint32(b, w.serial)
	b = binary.LittleEndian.AppendUint32(b, w.seq)
	b = binary.LittleEndian.AppendUint32(b, 0) // CRC, below
	b = append(b, byte(len(w.segs)))
	b = append(b, w.segs...)
	binary.LittleEndian.PutUint32(b[22:], oggCRC(oggCRC(0, b), w.body))
	w.seq++
	w.flags = 0
	w.granule = -1
	body := w.body
	w.segs, w.body = w.segs[:0], w.body[:0]
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	_, err := w.w.Write(body)
	return err
}

// Close writes the last page with the end-of-stream flag (RFC 3533 §6).
// It does not close the underlying writer.
func (w *OggWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.flush(true)
}
