package media

import (
	"encoding/binary"
	"io"
)

// Ogg encapsulation of Opus (RFC 7845): the first page holds only the
// OpusHead packet (§5.1), the following pages the OpusTags packet (§5.2),
// then audio packets whose granule position counts 48 kHz samples,
// including the pre-skip (§4).

// OpusHead is the identification header (RFC 7845 §5.1).
type OpusHead struct {
	Version         uint8 // 1
	Channels        uint8
	PreSkip         uint16 // samples (48 kHz) to discard at the start
	InputSampleRate uint32 // informational
	OutputGain      int16  // Q7.8 dB
	MappingFamily   uint8
	// StreamCount, CoupledCount and Mapping are present when MappingFamily
	// is not zero (§5.1.1).
	StreamCount, CoupledCount uint8
	Mapping                   []byte
}

const (
	opusHeadMagic = "OpusHead"
	opusTagsMagic = "OpusTags"
	// maxOpusTags limits the OpusTags packet OpusReader accepts.
	maxOpusTags = 1 << 20
)

// UnmarshalOpusHead parses an OpusHead packet. Mapping aliases b.
func UnmarshalOpusHead(b []byte) (OpusHead, error) {
	if len(b) < 19 || string(b[:8]) != opusHeadMagic {
		return OpusHead{}, ErrBadSignature
	}
	h := OpusHead{
		Version:         b[8],
		Channels:        b[9],
		PreSkip:         binary.LittleEndian.Uint16(b[10:]),
		InputSampleRate: binary.LittleEndian.Uint32(b[12:]),
		OutputGain:      int16(binary.LittleEndian.Uint16(b[16:])),
		MappingFamily:   b[18],
	}
	// §5.1: "a version number of 1 ... MUST accept any version number of
	// 15 or less"; a higher major version is incompatible.
	if h.Version>>4 != 0 || h.Channels == 0 {
		return OpusHead{}, ErrUnsupported
	}
	if h.MappingFamily != 0 {
		if len(b) < 21+int(h.Channels) {
			return OpusHead{}, ErrCorrupt
		}
		h.StreamCount, h.CoupledCount = b[19], b[20]
		h.Mapping = b[21 : 21+int(h.Channels)]
	} else if h.Channels > 2 {
		return OpusHead{}, ErrCorrupt // §5.1.1.1: family 0 is mono or stereo
	}
	return h, nil
}

// AppendTo appends the OpusHead packet to b.
func (h *OpusHead) AppendTo(b []byte) []byte {
	v := h.Version
	if v == 0 {
		v = 1
	}
	b = append(b, opusHeadMagic...)
	b = append(b, v, h.Channels)
	b = binary.LittleEndian.AppendUint16(b, h.PreSkip)
	b = binary.LittleEndian.AppendUint32(b, h.InputSampleRate)
	b = binary.LittleEndian.AppendUint16(b, uint16(h.OutputGain))
	b = append(b, h.MappingFamily)
	if h.MappingFamily != 0 {
		b = append(b, h.StreamCount, h.CoupledCount)
		b = append(b, h.Mapping...)
	}
	return b
}

// OpusTags is the comment header (RFC 7845 §5.2): the vendor string and
// "NAME=value" user comments.
type OpusTags struct {
	Vendor   string
	Comments []string
}

// UnmarshalOpusTags parses an OpusTags packet. Each length is checked
// against the bytes present before anything is allocated.
func UnmarshalOpusTags(b []byte) (OpusTags, error) {
	if len(b) < 16 || string(b[:8]) != opusTagsMagic {
		return OpusTags{}, ErrBadSignature
	}
	b = b[8:]
	str := func() (string, bool) {
		if len(b) < 4 {
			return "", false
		}
		n := binary.LittleEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return "", false
		}
		s := string(b[4 : 4+n])
		b = b[4+n:]
		return s, true
	}
	var t OpusTags
	var ok bool
	if t.Vendor, ok = str(); !ok || len(b) < 4 {
		return OpusTags{}, ErrCorrupt
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	// Each comment takes at least its 4-byte length.
	if uint64(n) > uint64(len(b)/4) {
		return OpusTags{}, ErrCorrupt
	}
	t.Comments = make([]string, 0, n)
	for range n {
		c, ok := str()
		if !ok {
			return OpusTags{}, ErrCorrupt
		}
		t.Comments = append(t.Comments, c)
	}
	// §5.2: anything left may be binary data preserved by editors.
	return t, nil
}

// AppendTo appends the OpusTags packet to b.
func (t *OpusTags) AppendTo(b []byte) []byte {
	b = append(b, opusTagsMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(t.Vendor)))
	b = append(b, t.Vendor...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(t.Comments)))
	for _, c := range t.Comments {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c)))
		b = append(b, c...)
	}
	return b
}

// OpusPacketSamples returns the duration of an Opus packet in 48 kHz
// samples, from its TOC byte (RFC 6716 §3.1) and, for code 3, its frame
// count byte (§3.2.5). A packet whose TOC cannot be read gives 0.
func OpusPacketSamples(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	config := p[0] >> 3
	var frame int // samples per frame at 48 kHz
	switch {
	case config < 12: // SILK-only: 10, 20, 40, 60 ms
		frame = [4]int{480, 960, 1920, 2880}[config&3]
	case config < 16: // Hybrid: 10, 20 ms
		frame = [2]int{480, 960}[config&1]
	default: // CELT-only: 2.5, 5, 10, 20 ms
		frame = [4]int{120, 240, 480, 960}[config&3]
	}
	switch p[0] & 3 {
	case 0:
		return frame
	case 1, 2:
		return 2 * frame
	}
	if len(p) < 2 {
		return 0
	}
	return int(p[1]&0x3F) * frame
}

// OpusReader reads an Ogg Opus file: the headers, then one audio packet
// per ReadPacket into a caller buffer.
type OpusReader struct {
	ogg *OggReader
}

// NewOpusReader reads the OpusHead and OpusTags packets from r.
// maxPacketSize limits an audio packet (if zero, DefaultMaxPacketSize).
func NewOpusReader(r io.Reader, maxPacketSize int) (*OpusReader, OpusHead, OpusTags, error) {
	o := NewOggReader(r, max(maxPacketSize, maxOpusTags))
	p, err := o.ReadPacket(nil)
	if err != nil {
		return nil, OpusHead{}, OpusTags{}, truncated(err)
	}
	// §5.1: the identification header is alone on the first page, which is
	// the beginning of the stream.
	if p.Page.Flags&oggBOS == 0 {
		return nil, OpusHead{}, OpusTags{}, ErrCorrupt
	}
	head, err := UnmarshalOpusHead(p.Data)
	if err != nil {
		return nil, OpusHead{}, OpusTags{}, err
	}
	head.Mapping = append([]byte(nil), head.Mapping...)
	p, err = o.ReadPacket(p.Data)
	if err != nil {
		return nil, OpusHead{}, OpusTags{}, truncated(err)
	}
	tags, err := UnmarshalOpusTags(p.Data)
	if err != nil {
		return nil, OpusHead{}, OpusTags{}, err
	}
	if maxPacketSize <= 0 {
		maxPacketSize = DefaultMaxPacketSize
	}
	o.maxSize = maxPacketSize
	return &OpusReader{ogg: o}, head, tags, nil
}

// ReadPacket reads the next Opus packet into dst[:0] (see
// OggReader.ReadPacket). Granule, when not -1, counts 48 kHz samples from
// the start of the stream including the pre-skip.
func (r *OpusReader) ReadPacket(dst []byte) (OggPacket, error) { return r.ogg.ReadPacket(dst) }

// Pages returns how many Ogg pages were read.
func (r *OpusReader) Pages() uint64 { return r.ogg.Pages() }

// OpusWriter writes an Ogg Opus file.
type OpusWriter struct {
	ogg     *OggWriter
	granule int64
}

// NewOpusWriter writes the header pages of an Ogg Opus stream with serial
// number serial. If tags.Vendor is empty, "sansrtc" is used.
func NewOpusWriter(w io.Writer, serial uint32, head OpusHead, tags OpusTags) (*OpusWriter, error) {
	if head.Channels == 0 {
		return nil, ErrConfig
	}
	if tags.Vendor == "" {
		tags.Vendor = "sansrtc"
	}
	o := NewOggWriter(w, serial, 0)
	// §5.1 and §5.2: each header packet ends its page.
	if err := o.WritePacket(head.AppendTo(nil), 0); err != nil {
		return nil, err
	}
	if err := o.Flush(); err != nil {
		return nil, err
	}
	if err := o.WritePacket(tags.AppendTo(nil), 0); err != nil {
		return nil, err
	}
	if err := o.Flush(); err != nil {
		return nil, err
	}
	return &OpusWriter{ogg: o, granule: int64(head.PreSkip)}, nil
}

// WritePacket adds one Opus packet; its duration, read from its TOC (RFC
// 6716 §3.1), advances the granule position.
func (w *OpusWriter) WritePacket(p []byte) error {
	if len(p) == 0 {
		return ErrCorrupt
	}
	w.granule += int64(OpusPacketSamples(p))
	return w.ogg.WritePacket(p, w.granule)
}

// Granule returns the granule position after the last packet.
func (w *OpusWriter) Granule() int64 { return w.granule }

// Close writes the last page, flagged end of stream.
func (w *OpusWriter) Close() error { return w.ogg.Close() }
