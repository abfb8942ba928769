package mediafile

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"

	media "github.com/sansrtc/rtc/rtc-media"
)

// The synthetic files below stand in for an encoder's output in tests:
// the bitstreams are not decodable pictures or sound, but every header the
// RTP payload formats, the jitter buffer and the file formats look at is
// real (VP8 key and inter frames, Opus TOC bytes, H.264 NAL headers and
// first_mb_in_slice), and the payload bytes are random so that a frame
// reassembled wrongly does not compare equal.

// SynthVP8 writes an IVF file of n VP8 frames at 30 fps (the first a key
// frame, RFC 6386 §9.1) of 200 to 3200 bytes, and returns the frames.
func SynthVP8(w io.Writer, n int, seed uint64) ([][]byte, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	iw, err := media.NewIVFWriter(w, media.IVFHeader{FourCC: media.FourCCVP8, Width: 320, Height: 240, TimebaseDenominator: 30, TimebaseNumerator: 1})
	if err != nil {
		return nil, err
	}
	var frames [][]byte
	for i := range n {
		f := randomBytes(rng, 200+rng.IntN(3000))
		if i == 0 {
			f[0] = 0x10                         // P bit 0: a key frame, show_frame
			f[3], f[4], f[5] = 0x9d, 0x01, 0x2a // the key frame start code
		} else {
			f[0] |= 0x01 // an inter frame
		}
		if err := iw.WriteFrame(f, uint64(i)); err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, iw.Close()
}

// SynthOpus writes an Ogg Opus file of n 20 ms packets (TOC config 31,
// CELT fullband 20 ms, one frame; RFC 6716 §3.1) of 20 to 220 bytes, and
// returns the packets.
func SynthOpus(w io.Writer, n int, seed uint64) ([][]byte, error) {
	rng := rand.New(rand.NewPCG(seed, 2))
	ow, err := NewOpusFileWriter(w)
	if err != nil {
		return nil, err
	}
	var packets [][]byte
	for range n {
		p := randomBytes(rng, 20+rng.IntN(200))
		p[0] = 31 << 3
		if err := ow.WritePacket(p); err != nil {
			return nil, err
		}
		packets = append(packets, p)
	}
	return packets, ow.Close()
}

// NewOpusFileWriter returns an Ogg Opus writer with the head the examples
// use (stereo, 48 kHz, the usual 312-sample pre-skip).
func NewOpusFileWriter(w io.Writer) (*media.OpusWriter, error) {
	return media.NewOpusWriter(w, 1, media.OpusHead{Channels: 2, PreSkip: 312, InputSampleRate: 48000}, media.OpusTags{Vendor: "sansrtc"})
}

// SynthH264 writes an H.264 Annex B stream of n access units (the first
// SPS, PPS and an IDR slice, the others one non-IDR slice of 100 to 4100
// bytes) and returns them in Annex B form as AnnexBReader reads them.
func SynthH264(w io.Writer, n int, seed uint64) ([][]byte, error) {
	rng := rand.New(rand.NewPCG(seed, 3))
	aw := media.NewAnnexBWriter(w)
	var units [][]byte
	for i := range n {
		var nals [][]byte
		if i == 0 {
			nals = append(nals, []byte{0x67, 0x42, 0xe0, 0x1f, 0x8c, 0x8d, 0x40, 0x50}, []byte{0x68, 0xce, 0x3c, 0x80})
		}
		s := randomBytes(rng, 100+rng.IntN(4000))
		s[0], s[1] = 0x41, 0x80|s[1] // non-IDR slice, first_mb_in_slice 0
		if i == 0 {
			s[0] = 0x65 // IDR slice
		}
		nals = append(nals, s)
		var au []byte
		for _, nal := range nals {
			if err := aw.WriteNAL(nal); err != nil {
				return nil, err
			}
			au = append(append(au, 0, 0, 0, 1), nal...)
		}
		units = append(units, au)
	}
	return units, nil
}

// randomBytes returns n random bytes, none zero (so no start code or
// emulation prevention is ever needed in an H.264 NAL unit).
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(1 + rng.IntN(255))
	}
	return b
}

// ReadFrames reads every frame of the file named name (format by its
// extension) as Open reads them.
func ReadFrames(name string) ([][]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	src, err := Open(name, fh, 30)
	if err != nil {
		return nil, err
	}
	var frames [][]byte
	for {
		f, _, err := src.Next()
		if errors.Is(err, io.EOF) {
			return frames, nil
		}
		if err != nil {
			return frames, err
		}
		frames = append(frames, append([]byte(nil), f...))
	}
}
