package media_test

import (
	"bytes"
	"fmt"
	"io"
	"time"

	media "github.com/sansrtc/rtc/rtc-media"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// The drive loop: packets arrive out of order and one is lost; the buffer
// asks for every gap as soon as it sees it (101 and 107 were only late),
// the retransmission of 104 completes its frame, and the frames come out
// whole and in order.
func ExampleJitterBuffer() {
	codec, _ := rtp.LookupCodec("video/VP8")
	jb, err := media.NewJitterBuffer(media.Config{Codec: codec})
	if err != nil {
		panic(err)
	}
	pz := rtp.Packetizer{Payloader: &rtp.VP8Payloader{}, MTU: 400, MarkFrameEnd: true, SequenceNumber: 100}
	var packets []rtp.Packet
	for i := range 3 {
		frame := bytes.Repeat([]byte{0x11}, 1000)
		if i == 0 {
			frame[0] = 0x10 // a VP8 key frame (RFC 6386 §9.1: P bit 0)
		}
		ps, err := pz.Packetize(frame, uint32(i*3000))
		if err != nil {
			panic(err)
		}
		for k := range ps {
			packets = append(packets, ps[k].Clone())
		}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	drain := func() {
		for e, ok := jb.PollEvent(); ok; e, ok = jb.PollEvent() {
			e.Lost(func(seq uint16) { fmt.Println("NACK", seq) })
		}
		for f, ok := jb.PollFrame(); ok; f, ok = jb.PollFrame() {
			fmt.Printf("frame ts=%d %d bytes key=%v packets %d-%d\n", f.Timestamp, len(f.Data), f.Keyframe, f.FirstSequence, f.LastSequence)
		}
	}
	order := []int{0, 2, 1, 3, 5, 6, 8, 7} // packet 4 is lost
	for _, i := range order {
		if err := jb.HandlePacket(now, &packets[i]); err != nil {
			panic(err)
		}
		drain()
	}
	now = now.Add(30 * time.Millisecond)
	if err := jb.HandlePacket(now, &packets[4]); err != nil { // the retransmission
		panic(err)
	}
	drain()
	st := jb.Stats()
	fmt.Println("emitted", st.FramesEmitted, "dropped", st.FramesDropped, "nacks", st.NACKs)
	// Output:
	// NACK 101
	// frame ts=0 1000 bytes key=true packets 100-102
	// NACK 104
	// NACK 107
	// frame ts=3000 1000 bytes key=false packets 103-105
	// frame ts=6000 1000 bytes key=false packets 106-108
	// emitted 3 dropped 0 nacks 3
}

// Writing frames to an IVF file and reading them back into one reused
// buffer.
func ExampleIVFReader() {
	var file bytes.Buffer
	w, err := media.NewIVFWriter(&file, media.IVFHeader{FourCC: media.FourCCVP8, Width: 320, Height: 240})
	if err != nil {
		panic(err)
	}
	for i := range 3 {
		if err := w.WriteFrame(bytes.Repeat([]byte{byte(i)}, 100*(i+1)), uint64(i*3000)); err != nil {
			panic(err)
		}
	}
	r, h, err := media.NewIVFReader(&file, 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %dx%d, timebase 1/%d\n", h.FourCC[:], h.Width, h.Height, h.TimebaseDenominator)
	var buf []byte
	for {
		f, err := r.ReadFrame(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		buf = f.Data // reuse: no allocation per frame
		fmt.Println(f.Timestamp, len(f.Data))
	}
	// Output:
	// VP80 320x240, timebase 1/90000
	// 0 100
	// 3000 200
	// 6000 300
}

// An Ogg Opus file: the granule position counts 48 kHz samples, from each
// packet's TOC byte, plus the pre-skip.
func ExampleOpusWriter() {
	var file bytes.Buffer
	w, err := media.NewOpusWriter(&file, 1, media.OpusHead{Channels: 2, PreSkip: 312, InputSampleRate: 48000}, media.OpusTags{})
	if err != nil {
		panic(err)
	}
	for range 50 {
		packet := []byte{31 << 3, 0xAA, 0xBB} // TOC: CELT, 20 ms, one frame
		if err := w.WritePacket(packet); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	r, head, tags, err := media.NewOpusReader(&file, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(head.Channels, "channels, pre-skip", head.PreSkip, "vendor", tags.Vendor)
	n, last := 0, int64(0)
	for {
		p, err := r.ReadPacket(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		n++
		if p.Granule >= 0 {
			last = p.Granule
		}
	}
	fmt.Println(n, "packets, final granule", last, "=", time.Duration(last-312)*time.Second/48000)
	// Output:
	// 2 channels, pre-skip 312 vendor sansrtc
	// 50 packets, final granule 48312 = 1s
}

// Access units from an H.264 Annex B stream.
func ExampleAnnexBReader() {
	stream := []byte{
		0, 0, 0, 1, 0x09, 0xf0, // access unit delimiter
		0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, // SPS
		0, 0, 0, 1, 0x68, 0xce, // PPS
		0, 0, 0, 1, 0x65, 0x88, 0x84, // IDR slice, first_mb_in_slice 0
		0, 0, 0, 1, 0x09, 0xf0,
		0, 0, 1, 0x41, 0x9a, 0x02, // non-IDR slice, three-byte start code
	}
	r := media.NewAnnexBReader(bytes.NewReader(stream), media.H264, 0)
	for {
		au, err := r.ReadAccessUnit(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(au.NALs, "NAL units, keyframe", au.Keyframe)
	}
	// Output:
	// 4 NAL units, keyframe true
	// 2 NAL units, keyframe false
}
