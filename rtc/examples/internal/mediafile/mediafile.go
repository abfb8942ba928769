// Package mediafile is the core of the play-from-disk and save-to-disk
// examples: a Source reads frames from an IVF (VP8), Ogg Opus or H.264
// Annex B file with rtc-media's readers, for Sender.WriteSample; a Saver
// rebuilds frames from received RTP with rtc-media's JitterBuffer and
// writes them with rtc-media's writers.
package mediafile

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/sansrtc/rtc/rtc"
	media "github.com/sansrtc/rtc/rtc-media"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// Codecs of the three file formats, as a Track or a Configuration names
// them. H264 is Constrained Baseline with packetization-mode 1, the one
// browsers accept everywhere.
var (
	VP8  = rtc.Codec{PayloadType: 96, Name: "VP8", ClockRate: 90000}
	Opus = rtc.Codec{PayloadType: 111, Name: "opus", ClockRate: 48000, Channels: 2, FMTP: "minptime=10;useinbandfec=1"}
	H264 = rtc.Codec{PayloadType: 102, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}
)

// ErrFormat reports a file name whose extension names no supported format.
var ErrFormat = errors.New("mediafile: unsupported file extension (want .ivf, .ogg/.opus, .h264/.264)")

// CodecFor returns the codec of a file by its extension.
func CodecFor(name string) (rtc.Codec, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ivf":
		return VP8, nil
	case ".ogg", ".opus":
		return Opus, nil
	case ".h264", ".264":
		return H264, nil
	}
	return rtc.Codec{}, fmt.Errorf("%w: %q", ErrFormat, name)
}

// Source reads the frames of one file.
type Source struct {
	codec rtc.Codec
	next  func(dst []byte) ([]byte, time.Duration, error)
	buf   []byte
	n     int
}

// Codec returns the codec of the file's frames.
func (s *Source) Codec() rtc.Codec { return s.codec }

// Frames returns how many frames Next returned.
func (s *Source) Frames() int { return s.n }

// Next returns the next frame (valid until the next call) and its
// duration; io.EOF at the end.
func (s *Source) Next() ([]byte, time.Duration, error) {
	b, d, err := s.next(s.buf)
	if err != nil {
		return nil, 0, err
	}
	s.buf = b
	s.n++
	return b, d, nil
}

// Open returns a Source for a file named name (the extension picks the
// format) read from r; fps is the frame rate of an H.264 stream, which
// Annex B does not carry.
func Open(name string, r io.Reader, fps int) (*Source, error) {
	codec, err := CodecFor(name)
	if err != nil {
		return nil, err
	}
	s := &Source{codec: codec}
	switch codec.Name {
	case VP8.Name:
		ivf, h, err := media.NewIVFReader(r, 0)
		if err != nil {
			return nil, err
		}
		if h.FourCC != media.FourCCVP8 {
			return nil, fmt.Errorf("mediafile: IVF %q is %q, not VP80", name, h.FourCC[:])
		}
		num, den := max(h.TimebaseNumerator, 1), max(h.TimebaseDenominator, 1)
		tick := time.Duration(int64(time.Second) * int64(num) / int64(den))
		// The duration of a frame is the gap to the next timestamp: keep
		// one frame ahead.
		var pend []byte
		var pendTS uint64
		var havePend, eof bool
		s.next = func(dst []byte) ([]byte, time.Duration, error) {
			if !havePend {
				if eof {
					return nil, 0, io.EOF
				}
				f, err := ivf.ReadFrame(pend)
				if err != nil {
					return nil, 0, err
				}
				pend, pendTS, havePend = f.Data, f.Timestamp, true
			}
			out := append(dst[:0], pend...)
			ts := pendTS
			f, err := ivf.ReadFrame(pend)
			switch {
			case err == io.EOF:
				eof, havePend = true, false
				return out, time.Second / 30, nil
			case err != nil:
				return nil, 0, err
			}
			pend, pendTS = f.Data, f.Timestamp
			d := time.Duration(pendTS-ts) * tick
			if pendTS <= ts {
				d = time.Second / 30
			}
			return out, d, nil
		}
	case Opus.Name:
		or, _, _, err := media.NewOpusReader(r, 0)
		if err != nil {
			return nil, err
		}
		s.next = func(dst []byte) ([]byte, time.Duration, error) {
			p, err := or.ReadPacket(dst)
			if err != nil {
				return nil, 0, err
			}
			n := media.OpusPacketSamples(p.Data)
			if n <= 0 {
				return nil, 0, fmt.Errorf("mediafile: Opus packet %d has an invalid TOC", s.n)
			}
			return p.Data, time.Duration(n) * time.Second / 48000, nil
		}
	case H264.Name:
		if fps <= 0 {
			return nil, fmt.Errorf("mediafile: frame rate %d for %q", fps, name)
		}
		ar := media.NewAnnexBReader(r, media.H264, 0)
		s.next = func(dst []byte) ([]byte, time.Duration, error) {
			au, err := ar.ReadAccessUnit(dst)
			if err != nil {
				return nil, 0, err
			}
			return au.Data, time.Second / time.Duration(fps), nil
		}
	}
	return s, nil
}

// Saver writes the media of one received stream to a file. It is not safe
// for concurrent use.
type Saver struct {
	jb     *media.JitterBuffer
	write  func(f media.Frame) error
	close  func() error
	pkt    rtp.Packet
	frames int
	last   time.Time
	err    error
}

// NewSaver returns a Saver for codec (VP8, Opus or H264) writing to w.
func NewSaver(codec rtc.Codec, w io.Writer) (*Saver, error) {
	s := &Saver{}
	var mime string
	switch {
	case strings.EqualFold(codec.Name, VP8.Name):
		mime = "video/VP8"
		iw, err := media.NewIVFWriter(w, media.IVFHeader{FourCC: media.FourCCVP8, Width: 640, Height: 480})
		if err != nil {
			return nil, err
		}
		s.write = func(f media.Frame) error { return iw.WriteFrame(f.Data, uint64(f.Timestamp)) }
		s.close = iw.Close
	case strings.EqualFold(codec.Name, Opus.Name):
		mime = "audio/opus"
		ow, err := NewOpusFileWriter(w)
		if err != nil {
			return nil, err
		}
		s.write = func(f media.Frame) error { return ow.WritePacket(f.Data) }
		s.close = ow.Close
	case strings.EqualFold(codec.Name, H264.Name):
		mime = "video/H264"
		aw := media.NewAnnexBWriter(w)
		s.write = func(f media.Frame) error { return aw.WriteAccessUnit(f.Data) }
		s.close = func() error { return nil }
	default:
		return nil, fmt.Errorf("%w: codec %q", ErrFormat, codec.Name)
	}
	rc, ok := rtp.LookupCodec(mime)
	if !ok {
		return nil, fmt.Errorf("mediafile: rtp has no %s", mime)
	}
	// A recording wants every frame, not low latency: a frame is played
	// out even 10 s behind (the default 1 s drops frames when the process
	// stalls, as on a loaded machine).
	jb, err := media.NewJitterBuffer(media.Config{Codec: rc, DisableNACK: true, MaxLatency: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	s.jb = jb
	return s, nil
}

// Frames returns how many frames were written.
func (s *Saver) Frames() int { return s.frames }

// Stats returns the jitter buffer's counters.
func (s *Saver) Stats() media.Stats { return s.jb.Stats() }

// HandleRTP takes one decrypted RTP packet (it is not kept) received at
// now. A packet the jitter buffer refuses is dropped and its error
// returned; the stream goes on.
func (s *Saver) HandleRTP(now time.Time, pkt []byte) error {
	if s.err != nil {
		return s.err
	}
	if now.After(s.last) {
		s.last = now
	}
	if err := s.pkt.Unmarshal(pkt); err != nil {
		return err
	}
	err := s.jb.HandlePacket(s.last, &s.pkt)
	return errors.Join(err, s.jb.HandleTimeout(s.last), s.drain())
}

// HandleTimeout plays out the frames due at now.
func (s *Saver) HandleTimeout(now time.Time) error {
	if now.After(s.last) {
		s.last = now
	}
	return errors.Join(s.jb.HandleTimeout(s.last), s.drain())
}

func (s *Saver) drain() error {
	for {
		if _, ok := s.jb.PollEvent(); !ok {
			break // keyframe requests: the sender's file decides
		}
	}
	for f, ok := s.jb.PollFrame(); ok; f, ok = s.jb.PollFrame() {
		if err := s.write(f); err != nil {
			s.err = err
			return err
		}
		s.frames++
	}
	return nil
}

// Close plays out every frame still held (a frame with a packet missing
// is given up) and closes the writer (the IVF header gets its frame count
// when the destination can seek).
func (s *Saver) Close() error {
	// Follow the buffer's own deadlines (a jump far ahead would make the
	// held frames late, and late frames are dropped). Each deadline plays
	// out or gives up at least one frame, so MaxPackets steps suffice.
	var errs []error
	for range 4096 {
		at, ok := s.jb.PollTimeout()
		if !ok {
			break
		}
		errs = append(errs, s.HandleTimeout(at))
	}
	return errors.Join(append(errs, s.close())...)
}
