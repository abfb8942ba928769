package gstinterop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	media "github.com/sansrtc/rtc/rtc-media"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

const install = "apt-get install -y gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav"

// requireGst skips (or fails, with SANSRTC_REQUIRE_INTEROP=1) when
// gst-launch-1.0 or one of the elements is missing.
func requireGst(t *testing.T, elements ...string) {
	t.Helper()
	peers.Require(t, "gst-launch-1.0", install)
	for _, e := range elements {
		if exec.Command("gst-inspect-1.0", "--exists", e).Run() != nil {
			if os.Getenv(peers.RequireEnv) == "1" {
				t.Fatalf("GStreamer element %s missing (%s)", e, install)
			}
			t.Skipf("GStreamer element %s missing (%s)", e, install)
		}
	}
}

// buffer is one buffer fakesink saw.
type buffer struct {
	size int
	pts  time.Duration // -1: none
	dur  time.Duration
}

var chainRE = regexp.MustCompile(`chain .*\((\d+) bytes, dts: [^,]*, pts: ([^,]*), duration: ([^,]*),`)
var capsRE = regexp.MustCompile(`GstFakeSink:\w+\.GstPad:sink: caps = (.*)`)

// gst runs a pipeline whose last element is a verbose fakesink and returns
// the buffers that reached it and its caps.
func gst(t *testing.T, pipeline string) ([]buffer, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := append([]string{"-v"}, strings.Fields(pipeline)...)
	out, err := exec.CommandContext(ctx, "gst-launch-1.0", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("gst-launch-1.0 %s: %v\n%s", pipeline, err, tail(out))
	}
	var bufs []buffer
	caps := ""
	for _, line := range strings.Split(string(out), "\n") {
		if m := chainRE.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			bufs = append(bufs, buffer{size: n, pts: clockTime(m[2]), dur: clockTime(m[3])})
		}
		if m := capsRE.FindStringSubmatch(line); m != nil {
			caps = m[1]
		}
	}
	return bufs, caps
}

func tail(b []byte) []byte {
	if len(b) > 3000 {
		return b[len(b)-3000:]
	}
	return b
}

// clockTime parses GStreamer's H:MM:SS.NNNNNNNNN; "none" is -1.
func clockTime(s string) time.Duration {
	var h, m, sec, ns int64
	if _, err := fmt.Sscanf(s, "%d:%d:%d.%d", &h, &m, &sec, &ns); err != nil {
		return -1
	}
	return time.Duration(((h*60+m)*60+sec)*1e9 + ns)
}

const (
	frames = 30
	video  = "videotestsrc num-buffers=30 pattern=ball ! video/x-raw,format=I420,width=160,height=120,framerate=30/1"
)

// encodeIVF makes a reference IVF file with GStreamer and returns its path
// and the encoder's buffers.
func encodeIVF(t *testing.T, encoder string) (string, []buffer) {
	path := filepath.Join(t.TempDir(), "ref.ivf")
	bufs, _ := gst(t, video+" ! "+encoder+" ! tee name=t t. ! queue ! avmux_ivf ! filesink location="+path+" t. ! queue ! fakesink silent=false")
	if len(bufs) != frames {
		t.Fatalf("GStreamer encoded %d frames, want %d", len(bufs), frames)
	}
	return path, bufs
}

func readIVF(t *testing.T, path string) (media.IVFHeader, [][]byte, []uint64) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, h, err := media.NewIVFReader(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	var data [][]byte
	var ts []uint64
	for {
		fr, err := r.ReadFrame(nil)
		if err == io.EOF {
			return h, data, ts
		}
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, fr.Data)
		ts = append(ts, fr.Timestamp)
	}
}

func writeIVF(t *testing.T, fourcc [4]byte, data [][]byte, ts []uint64) string {
	path := filepath.Join(t.TempDir(), "ours.ivf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := media.NewIVFWriter(f, media.IVFHeader{FourCC: fourcc, Width: 160, Height: 120})
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		if err := w.WriteFrame(data[i], ts[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkDecoded asserts that a decode pipeline produced n raw frames of
// 160x120, the last at the expected time.
func checkDecoded(t *testing.T, what string, bufs []buffer, caps string, n int, last time.Duration) {
	t.Helper()
	if len(bufs) != n {
		t.Fatalf("%s: GStreamer decoded %d frames, want %d", what, len(bufs), n)
	}
	if !strings.Contains(caps, "width=(int)160") || !strings.Contains(caps, "height=(int)120") {
		t.Errorf("%s: decoded caps %q", what, caps)
	}
	if last >= 0 {
		if got := bufs[len(bufs)-1].pts; absDiff(got, last) > time.Millisecond {
			t.Errorf("%s: last frame at %v, want %v", what, got, last)
		}
	}
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}

func TestIVFVP8AndVP9(t *testing.T) {
	for _, c := range []struct {
		name, enc, dec string
		fourcc         [4]byte
		mime           string
	}{
		{"VP8", "vp8enc deadline=1 keyframe-max-dist=10", "vp8dec", media.FourCCVP8, "video/VP8"},
		{"VP9", "vp9enc deadline=1 keyframe-max-dist=10", "vp9dec", media.FourCCVP9, "video/VP9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			requireGst(t, strings.Fields(c.enc)[0], c.dec, "avmux_ivf", "ivfparse")
			ref, bufs := encodeIVF(t, c.enc)
			h, data, ts := readIVF(t, ref)
			if h.FourCC != c.fourcc || h.Width != 160 || h.Height != 120 {
				t.Fatalf("header %+v", h)
			}
			if len(data) != frames {
				t.Fatalf("read %d frames, GStreamer wrote %d", len(data), frames)
			}
			for i, b := range bufs {
				at := time.Duration(ts[i]) * time.Second * time.Duration(h.TimebaseNumerator) / time.Duration(h.TimebaseDenominator)
				if len(data[i]) != b.size || absDiff(at, b.pts) > time.Millisecond {
					t.Fatalf("frame %d: %d bytes at %v, GStreamer: %d bytes at %v", i, len(data[i]), at, b.size, b.pts)
				}
			}
			// Ours, decoded by GStreamer.
			ours := writeIVF(t, c.fourcc, data, ts)
			dec, caps := gst(t, "filesrc location="+ours+" ! ivfparse ! "+c.dec+" ! fakesink silent=false")
			checkDecoded(t, "our IVF", dec, caps, frames, bufs[frames-1].pts)
			// Through RTP and the jitter buffer, then ours, decoded.
			out := throughJitterBuffer(t, c.mime, data)
			jb := writeIVF(t, c.fourcc, out, ts)
			dec, caps = gst(t, "filesrc location="+jb+" ! ivfparse ! "+c.dec+" ! fakesink silent=false")
			checkDecoded(t, "jitter buffer IVF", dec, caps, frames, bufs[frames-1].pts)
		})
	}
}

// throughJitterBuffer packetizes frames with rtc-rtp, swaps neighbouring
// packets, and returns what the jitter buffer plays out.
func throughJitterBuffer(t *testing.T, mime string, frames [][]byte) [][]byte {
	t.Helper()
	c, ok := rtp.LookupCodec(mime)
	if !ok {
		t.Fatal(mime)
	}
	jb, err := media.NewJitterBuffer(media.Config{Codec: c})
	if err != nil {
		t.Fatal(err)
	}
	pz := rtp.Packetizer{Payloader: c.NewPayloader(), MTU: 300, SSRC: 1, PayloadType: 96, MarkFrameEnd: true, SequenceNumber: 65500}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out [][]byte
	drain := func() {
		for {
			if _, ok := jb.PollEvent(); !ok {
				break
			}
		}
		for {
			f, ok := jb.PollFrame()
			if !ok {
				return
			}
			out = append(out, bytes.Clone(f.Data))
		}
	}
	for i, fr := range frames {
		ps, err := pz.Packetize(fr, 0xFFFF0000+uint32(i)*3000)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k+1 < len(ps); k += 2 {
			ps[k], ps[k+1] = ps[k+1], ps[k]
		}
		for k := range ps {
			if err := jb.HandlePacket(now, &ps[k]); err != nil {
				t.Fatal(err)
			}
		}
		drain()
		now = now.Add(33 * time.Millisecond)
		if err := jb.HandleTimeout(now); err != nil {
			t.Fatal(err)
		}
		drain()
	}
	now = now.Add(time.Second)
	if err := jb.HandleTimeout(now); err != nil {
		t.Fatal(err)
	}
	drain()
	if len(out) != len(frames) {
		t.Fatalf("jitter buffer played %d of %d frames: %+v", len(out), len(frames), jb.Stats())
	}
	return out
}

func TestAV1OBUAndIVF(t *testing.T) {
	requireGst(t, "av1enc", "av1parse", "av1dec", "ivfparse")
	ref := filepath.Join(t.TempDir(), "ref.obu")
	bufs, _ := gst(t, video+" ! av1enc cpu-used=10 usage-profile=realtime keyframe-max-dist=10 ! av1parse ! video/x-av1,stream-format=obu-stream,alignment=tu ! tee name=t t. ! queue ! filesink location="+ref+" t. ! queue ! fakesink silent=false")
	f, err := os.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := media.NewOBUReader(f, 0)
	var tus [][]byte
	var ts []uint64
	keys := 0
	for {
		tu, err := r.ReadTemporalUnit(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if tu.Keyframe {
			keys++
		}
		tus = append(tus, tu.Data)
		ts = append(ts, uint64(len(ts))*3000)
	}
	if len(tus) != len(bufs) || len(tus) != frames {
		t.Fatalf("read %d temporal units, GStreamer wrote %d", len(tus), len(bufs))
	}
	for i, b := range bufs {
		if len(tus[i]) != b.size {
			t.Fatalf("unit %d: %d bytes, GStreamer %d", i, len(tus[i]), b.size)
		}
	}
	if keys == 0 {
		t.Error("no sequence header found")
	}
	// Ours in IVF, and through the jitter buffer as an OBU stream.
	ivf := writeIVF(t, media.FourCCAV1, tus, ts)
	dec, caps := gst(t, "filesrc location="+ivf+" ! ivfparse ! av1parse ! av1dec ! fakesink silent=false")
	checkDecoded(t, "our AV1 IVF", dec, caps, frames, bufs[frames-1].pts)

	out := throughJitterBuffer(t, "video/AV1", tus)
	obu := filepath.Join(t.TempDir(), "ours.obu")
	of, err := os.Create(obu)
	if err != nil {
		t.Fatal(err)
	}
	w := media.NewOBUWriter(of)
	for _, tu := range out {
		if err := w.WriteTemporalUnit(tu); err != nil {
			t.Fatal(err)
		}
	}
	if err := of.Close(); err != nil {
		t.Fatal(err)
	}
	dec, caps = gst(t, "filesrc location="+obu+" ! av1parse ! av1dec ! fakesink silent=false")
	checkDecoded(t, "jitter buffer OBU stream", dec, caps, frames, -1)
}

func TestAnnexB(t *testing.T) {
	for _, c := range []struct {
		name, enc, parse, caps, dec, mime string
		codec                             media.VideoCodec
	}{
		{"H264", "openh264enc gop-size=10", "h264parse", "video/x-h264", "avdec_h264", "video/H264", media.H264},
		{"H265", "x265enc speed-preset=ultrafast key-int-max=10", "h265parse", "video/x-h265", "avdec_h265", "video/H265", media.H265},
	} {
		t.Run(c.name, func(t *testing.T) {
			requireGst(t, strings.Fields(c.enc)[0], c.parse, c.dec)
			ref := filepath.Join(t.TempDir(), "ref.annexb")
			bufs, _ := gst(t, video+" ! "+c.enc+" ! "+c.parse+" config-interval=-1 ! "+c.caps+",stream-format=byte-stream,alignment=au ! tee name=t t. ! queue ! filesink location="+ref+" t. ! queue ! fakesink silent=false")
			f, err := os.Open(ref)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r := media.NewAnnexBReader(f, c.codec, 0)
			var aus [][]byte
			keys := 0
			for {
				au, err := r.ReadAccessUnit(nil)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if au.Keyframe {
					keys++
				}
				aus = append(aus, au.Data)
			}
			if len(aus) != frames || len(bufs) != frames {
				t.Fatalf("read %d access units, GStreamer wrote %d", len(aus), len(bufs))
			}
			raw, err := os.ReadFile(ref)
			if err != nil {
				t.Fatal(err)
			}
			// Our access units use four-byte start codes everywhere;
			// GStreamer's buffers are the file's bytes, some NAL units
			// behind three-byte start codes. Each of ours is at least as
			// long, and GStreamer's add up to the file.
			total := 0
			for i, b := range bufs {
				total += b.size
				if len(aus[i]) < b.size || len(aus[i]) > b.size+4*32 {
					t.Fatalf("access unit %d: %d bytes, GStreamer %d", i, len(aus[i]), b.size)
				}
			}
			if total != len(raw) {
				t.Fatalf("GStreamer buffers add up to %d bytes, file has %d", total, len(raw))
			}
			if keys < 3 {
				t.Errorf("keyframes %d with a keyframe every 10 frames", keys)
			}
			write := func(name string, aus [][]byte) string {
				path := filepath.Join(t.TempDir(), name)
				var b bytes.Buffer
				w := media.NewAnnexBWriter(&b)
				for _, au := range aus {
					if err := w.WriteAccessUnit(au); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return path
			}
			dec, caps := gst(t, "filesrc location="+write("ours", aus)+" ! "+c.parse+" ! "+c.dec+" ! fakesink silent=false")
			checkDecoded(t, "our Annex B", dec, caps, frames, -1)
			out := throughJitterBuffer(t, c.mime, aus)
			dec, caps = gst(t, "filesrc location="+write("jb", out)+" ! "+c.parse+" ! "+c.dec+" ! fakesink silent=false")
			checkDecoded(t, "jitter buffer Annex B", dec, caps, frames, -1)
		})
	}
}

func TestOggOpus(t *testing.T) {
	requireGst(t, "opusenc", "oggmux", "oggdemux", "opusdec")
	ref := filepath.Join(t.TempDir(), "ref.opus")
	bufs, _ := gst(t, "audiotestsrc num-buffers=50 ! opusenc ! tee name=t t. ! queue ! oggmux ! filesink location="+ref+" t. ! queue ! fakesink silent=false")
	f, err := os.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, head, _, err := media.NewOpusReader(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	var packets [][]byte
	start, lastGranule := 0, int64(-1)
	for {
		p, err := r.ReadPacket(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		i := len(packets)
		if i >= len(bufs) {
			t.Fatalf("more packets than GStreamer encoded (%d)", len(bufs))
		}
		// RFC 7845 §4: playback starts pre-skip samples into the stream.
		pts := time.Duration(max(0, start-int(head.PreSkip))) * time.Second / 48000
		if len(p.Data) != bufs[i].size || absDiff(pts, bufs[i].pts) > 50*time.Microsecond {
			t.Fatalf("packet %d: %d bytes at %v, GStreamer %d bytes at %v", i, len(p.Data), pts, bufs[i].size, bufs[i].pts)
		}
		start += media.OpusPacketSamples(p.Data)
		packets = append(packets, p.Data)
		if p.Granule >= 0 {
			lastGranule = p.Granule
		}
	}
	if len(packets) != len(bufs) {
		t.Fatalf("read %d packets, GStreamer encoded %d", len(packets), len(bufs))
	}
	last := bufs[len(bufs)-1]
	if want := int64(head.PreSkip) + int64((last.pts+last.dur)*48000/time.Second); absInt(lastGranule-want) > 1 {
		t.Errorf("final granule %d, GStreamer's end is %d", lastGranule, want)
	}

	// Ours, decoded: every packet, and the duration our granules promise.
	path := filepath.Join(t.TempDir(), "ours.opus")
	var b bytes.Buffer
	w, err := media.NewOpusWriter(&b, 42, media.OpusHead{Channels: head.Channels, PreSkip: head.PreSkip, InputSampleRate: 48000}, media.OpusTags{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packets {
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dec, caps := gst(t, "filesrc location="+path+" ! oggdemux ! opusdec ! fakesink silent=false")
	if len(dec) != len(packets) {
		t.Fatalf("GStreamer decoded %d packets of our file, want %d", len(dec), len(packets))
	}
	if !strings.Contains(caps, "rate=(int)48000") {
		t.Errorf("caps %q", caps)
	}
	end := dec[len(dec)-1].pts + dec[len(dec)-1].dur
	if want := time.Duration(w.Granule()-int64(head.PreSkip)) * time.Second / 48000; absDiff(end, want) > time.Millisecond {
		t.Errorf("decoded duration %v, want %v", end, want)
	}
}

func absInt(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestWAVMuLaw(t *testing.T) {
	requireGst(t, "wavparse", "mulawdec")
	path := filepath.Join(t.TempDir(), "ours.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := media.NewWAVWriter(f, media.WAVHeader{Format: media.WAVMuLaw, SampleRate: 8000, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte{0xFF, 0x7F, 0x00, 0x80}, 40) // 20 ms of G.711
	for range 50 {
		if _, err := w.Write(payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	dec, caps := gst(t, "filesrc location="+path+" ! wavparse ! mulawdec ! fakesink silent=false")
	total := 0
	for _, b := range dec {
		total += b.size
	}
	// One second of 8 kHz µ-law decodes to 8000 16-bit samples.
	if total != 16000 || !strings.Contains(caps, "rate=(int)8000") {
		t.Errorf("decoded %d bytes, caps %q", total, caps)
	}
}
