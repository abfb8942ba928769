package media

import (
	"encoding/binary"
	"io"
)

// IVF is the container libvpx and libaom write (no RFC; the layout is that
// of libvpx's ivfenc/ivfdec and FFmpeg's ivf muxer): a 32-byte file header,
// then per frame a 12-byte header (size, 64-bit timestamp) and the frame.
// All integers are little-endian.

// IVF FourCCs.
var (
	FourCCVP8 = [4]byte{'V', 'P', '8', '0'}
	FourCCVP9 = [4]byte{'V', 'P', '9', '0'}
	FourCCAV1 = [4]byte{'A', 'V', '0', '1'}
)

const (
	ivfSignature       = "DKIF"
	ivfFileHeaderSize  = 32
	ivfFrameHeaderSize = 12
	// DefaultMaxFrameSize limits one frame in the file readers.
	DefaultMaxFrameSize = 16 << 20
)

// IVFHeader is the 32-byte IVF file header.
type IVFHeader struct {
	FourCC        [4]byte // FourCCVP8, FourCCVP9 or FourCCAV1
	Width, Height uint16
	// TimebaseDenominator/TimebaseNumerator is the timestamp unit in
	// seconds: frame timestamps count 1/TimebaseDenominator seconds when
	// TimebaseNumerator is 1 (libvpx writes rate and scale here).
	TimebaseDenominator, TimebaseNumerator uint32
	// FrameCount is the number of frames the writer recorded (some writers
	// leave it zero when they cannot seek back).
	FrameCount uint32
}

// IVFFrame is one frame read from an IVF file.
type IVFFrame struct {
	// Data is the frame, appended to the buffer given to ReadFrame.
	Data []byte
	// Timestamp is the presentation time in timebase units.
	Timestamp uint64
}

// IVFReader reads IVF frames into caller buffers.
type IVFReader struct {
	r       io.Reader
	hdr     [ivfFrameHeaderSize]byte
	maxSize int
	frames  uint64
}

// NewIVFReader reads the file header from r. maxFrameSize limits one frame
// (a larger one is ErrTooLarge); if zero, DefaultMaxFrameSize is used.
func NewIVFReader(r io.Reader, maxFrameSize int) (*IVFReader, IVFHeader, error) {
	var b [ivfFileHeaderSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, IVFHeader{}, truncated(err)
	}
	if string(b[0:4]) != ivfSignature {
		return nil, IVFHeader{}, ErrBadSignature
	}
	hlen := binary.LittleEndian.Uint16(b[6:])
	if hlen < ivfFileHeaderSize {
		return nil, IVFHeader{}, ErrCorrupt
	}
	h := IVFHeader{
		Width:               binary.LittleEndian.Uint16(b[12:]),
		Height:              binary.LittleEndian.Uint16(b[14:]),
		TimebaseDenominator: binary.LittleEndian.Uint32(b[16:]),
		TimebaseNumerator:   binary.LittleEndian.Uint32(b[20:]),
		FrameCount:          binary.LittleEndian.Uint32(b[24:]),
	}
	copy(h.FourCC[:], b[8:12])
	// A longer header (never written in practice) is skipped, up to a
	// bound.
	if extra := int(hlen) - ivfFileHeaderSize; extra > 0 {
		if _, err := io.CopyN(io.Discard, r, int64(extra)); err != nil {
			return nil, IVFHeader{}, truncated(err)
		}
	}
	if maxFrameSize <= 0 {
		maxFrameSize = DefaultMaxFrameSize
	}
	return &IVFReader{r: r, maxSize: maxFrameSize}, h, nil
}

// ReadFrame reads the next frame and appends it to dst[:0]; reuse the
// returned Data as the next dst and reading allocates nothing. At the end
// of the file it returns io.EOF. A frame header claiming more than the
// limit is ErrTooLarge, before anything is allocated.
func (r *IVFReader) ReadFrame(dst []byte) (IVFFrame, error) {
	if err := readHeader(r.r, r.hdr[:]); err != nil {
		return IVFFrame{}, err
	}
	size := binary.LittleEndian.Uint32(r.hdr[0:])
	if uint64(size) > uint64(r.maxSize) {
		return IVFFrame{}, ErrTooLarge
	}
	data, err := appendRead(r.r, dst[:0], int(size))
	if err != nil {
		return IVFFrame{}, err
	}
	r.frames++
	return IVFFrame{Data: data, Timestamp: binary.LittleEndian.Uint64(r.hdr[4:])}, nil
}

// Frames returns how many frames were read.
func (r *IVFReader) Frames() uint64 { return r.frames }

// IVFWriter writes an IVF file.
type IVFWriter struct {
	w      io.Writer
	hdr    IVFHeader
	frames uint32
	buf    [ivfFileHeaderSize]byte
}

// NewIVFWriter writes the file header of h to w. FrameCount is filled in
// by Close when w is an io.WriteSeeker. A zero timebase becomes 1/90000
// (the RTP video clock), so RTP timestamps can be written as they are.
func NewIVFWriter(w io.Writer, h IVFHeader) (*IVFWriter, error) {
	if h.TimebaseDenominator == 0 || h.TimebaseNumerator == 0 {
		h.TimebaseDenominator, h.TimebaseNumerator = 90000, 1
	}
	iw := &IVFWriter{w: w, hdr: h}
	if _, err := w.Write(iw.fileHeader()); err != nil {
		return nil, err
	}
	return iw, nil
}

func (w *IVFWriter) fileHeader() []byte {
	b := w.buf[:0]
	b = append(b, ivfSignature...)
	b = binary.LittleEndian.AppendUint16(b, 0) // version
	b = binary.LittleEndian.AppendUint16(b, ivfFileHeaderSize)
	b = append(b, w.hdr.FourCC[:]...)
	b = binary.LittleEndian.AppendUint16(b, w.hdr.Width)
	b = binary.LittleEndian.AppendUint16(b, w.hdr.Height)
	b = binary.LittleEndian.AppendUint32(b, w.hdr.TimebaseDenominator)
	b = binary.LittleEndian.AppendUint32(b, w.hdr.TimebaseNumerator)
	b = binary.LittleEndian.AppendUint32(b, w.hdr.FrameCount)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// WriteFrame writes one frame with its timestamp (in timebase units). It
// allocates nothing.
func (w *IVFWriter) WriteFrame(frame []byte, timestamp uint64) error {
	if uint64(len(frame)) > 0xFFFFFFFF {
		return ErrTooLarge
	}
	b := w.buf[:0]
	b = binary.LittleEndian.AppendUint32(b, uint32(len(frame)))
	b = binary.LittleEndian.AppendUint64(b, timestamp)
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	if _, err := w.w.Write(frame); err != nil {
		return err
	}
	w.frames++
	return nil
}

// Frames returns how many frames were written.
func (w *IVFWriter) Frames() uint32 { return w.frames }

// Close records the frame count in the file header when the writer can
// seek (an *os.File); otherwise it does nothing. It does not close w.
func (w *IVFWriter) Close() error {
	s, ok := w.w.(io.WriteSeeker)
	if !ok {
		return nil
	}
	w.hdr.FrameCount = w.frames
	end, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := s.Write(w.fileHeader()); err != nil {
		return err
	}
	_, err = s.Seek(end, io.SeekStart)
	return err
}
