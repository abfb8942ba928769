package media

import (
	"encoding/binary"
	"io"
)

// WAV (RIFF WAVE; Microsoft's "Multimedia Programming Interface and Data
// Specifications 1.0" and RFC 2361 for the format tags): a RIFF chunk
// holding a "fmt " chunk and a "data" chunk, little-endian.

// WAVFormat is the sample encoding of a WAV file.
type WAVFormat uint16

// Formats (RFC 2361 Appendix A: WAVE_FORMAT_PCM 0x0001, WAVE_FORMAT_ALAW
// 0x0006, WAVE_FORMAT_MULAW 0x0007).
const (
	WAVPCM   WAVFormat = 1 // 16-bit signed linear PCM (L16)
	WAVALaw  WAVFormat = 6 // G.711 A-law (PCMA)
	WAVMuLaw WAVFormat = 7 // G.711 µ-law (PCMU)
)

// WAVHeader describes the audio of a WAV file.
type WAVHeader struct {
	Format     WAVFormat
	SampleRate uint32 // 8000 for G.711
	Channels   uint16
}

func (h WAVHeader) bitsPerSample() uint16 {
	if h.Format == WAVPCM {
		return 16
	}
	return 8
}

const wavHeaderSize = 46 // RIFF(12) + fmt with cbSize(26) + data header(8)

// WAVWriter writes a WAV file. The sizes in the header are filled in by
// Close when the destination can seek; otherwise they say "unknown"
// (0xFFFFFFFF), which players accept for streams.
type WAVWriter struct {
	w     io.Writer
	h     WAVHeader
	n     uint64 // data bytes written
	hdr   [wavHeaderSize]byte
	swap  []byte
	close bool
}

// NewWAVWriter writes the header for h to w.
func NewWAVWriter(w io.Writer, h WAVHeader) (*WAVWriter, error) {
	switch h.Format {
	case WAVPCM, WAVALaw, WAVMuLaw:
	default:
		return nil, ErrUnsupported
	}
	if h.SampleRate == 0 || h.Channels == 0 {
		return nil, ErrConfig
	}
	ww := &WAVWriter{w: w, h: h}
	if _, err := w.Write(ww.header(0xFFFFFFFF)); err != nil {
		return nil, err
	}
	return ww, nil
}

func (w *WAVWriter) header(dataSize uint32) []byte {
	h := w.h
	block := h.Channels * h.bitsPerSample() / 8
	b := w.hdr[:0]
	riff := dataSize
	if dataSize != 0xFFFFFFFF {
		riff = dataSize + wavHeaderSize - 8 + dataSize&1
	}
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, riff)
	b = append(b, "WAVE"...)
	b = append(b, "fmt "...)
	b = binary.LittleEndian.AppendUint32(b, 18) // WAVEFORMATEX with cbSize
	b = binary.LittleEndian.AppendUint16(b, uint16(h.Format))
	b = binary.LittleEndian.AppendUint16(b, h.Channels)
	b = binary.LittleEndian.AppendUint32(b, h.SampleRate)
	b = binary.LittleEndian.AppendUint32(b, h.SampleRate*uint32(block))
	b = binary.LittleEndian.AppendUint16(b, block)
	b = binary.LittleEndian.AppendUint16(b, h.bitsPerSample())
	b = binary.LittleEndian.AppendUint16(b, 0) // cbSize
	b = append(b, "data"...)
	return binary.LittleEndian.AppendUint32(b, dataSize)
}

// Write writes samples in the file's format: G.711 bytes as they come in
// RTP payloads, or L16 samples little-endian. For L16 from RTP (network
// byte order, RFC 3551 §4.5.11) use WriteL16.
func (w *WAVWriter) Write(samples []byte) (int, error) {
	if w.close {
		return 0, ErrClosed
	}
	n, err := w.w.Write(samples)
	w.n += uint64(n)
	return n, err
}

// WriteL16 writes big-endian 16-bit samples (an L16 RTP payload),
// swapping them to the file's little-endian order in a reused buffer.
func (w *WAVWriter) WriteL16(samples []byte) error {
	if w.h.Format != WAVPCM || len(samples)%2 != 0 {
		return ErrCorrupt
	}
	w.swap = append(w.swap[:0], samples...)
	for i := 0; i+1 < len(w.swap); i += 2 {
		w.swap[i], w.swap[i+1] = w.swap[i+1], w.swap[i]
	}
	_, err := w.Write(w.swap)
	return err
}

// Close pads the data chunk to an even size (RIFF chunks are word
// aligned) and, when the destination can seek, writes the real sizes into
// the header. It does not close the destination.
func (w *WAVWriter) Close() error {
	if w.close {
		return nil
	}
	w.close = true
	if w.n&1 != 0 {
		if _, err := w.w.Write([]byte{0}); err != nil {
			return err
		}
	}
	s, ok := w.w.(io.WriteSeeker)
	if !ok || w.n > 0xFFFFFFFF-wavHeaderSize {
		return nil
	}
	end, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := s.Write(w.header(uint32(w.n))); err != nil {
		return err
	}
	_, err = s.Seek(end, io.SeekStart)
	return err
}
