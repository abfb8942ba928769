package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

// TestPlayToRecorder runs the command against save-to-disk's recorder
// (mediafile.Recorder) on 127.0.0.1: an IVF (VP8) and an Ogg Opus file,
// then an H.264 Annex B stream, go out through WriteSample, SRTP and UDP
// and come back through the RTP read path and the jitter buffer into new
// files whose frames equal the originals one for one.
func TestPlayToRecorder(t *testing.T) {
	for _, tc := range []struct{ video, audio string }{{"in.ivf", "in.ogg"}, {"in.h264", ""}} {
		t.Run(tc.video, func(t *testing.T) {
			playThrough(t, tc.video, tc.audio, func(t *testing.T, path string) [][]byte { return synth(t, path, 30) })
		})
	}
}

// playThrough makes the input files named video and audio (either may be
// empty) with mk, which returns their frames, plays them to a recorder,
// checks that the recorded frames equal them, and returns the paths of
// the recorded files.
func playThrough(t *testing.T, video, audio string, mk func(t *testing.T, path string) [][]byte) map[string]string {
	tc := struct{ video, audio string }{video, audio}
	saved := map[string]string{}
	dir := t.TempDir()
	o := options{to: "", fps: 30}
	want := map[string][][]byte{}
	var codecs [2]rtc.Codec
	for i, name := range []string{tc.video, tc.audio} {
		if name == "" {
			continue
		}
		path := filepath.Join(dir, name)
		want[name] = mk(t, path)
		c, err := mediafile.CodecFor(name)
		if err != nil {
			t.Fatal(err)
		}
		codecs[i] = c
		if i == 0 {
			o.video = path
		} else {
			o.audio = path
		}
	}
	out := map[string]*bytes.Buffer{}
	var writers [2]io.Writer
	for i, name := range []string{tc.video, tc.audio} {
		if name != "" {
			out[name] = &bytes.Buffer{}
			writers[i] = out[name]
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	var f cli.Flags
	f.Register(flag.NewFlagSet("play", flag.ContinueOnError))
	rec := mediafile.NewRecorder(d, rtc.Configuration{}, quiet, writers[0], codecs[0], writers[1], codecs[1])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := signaling.HTTPServer(signaling.Server(rec), signaling.Limits{})
	go func() { _ = srv.Serve(ln) }() // ends with Close below
	defer srv.Close()
	o.to = "http://" + ln.Addr().String()

	var stdout strings.Builder
	if err := run(ctx, &f, quiet, o, &stdout); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.Ended():
	case <-ctx.Done():
		t.Fatal("the recorder did not see the session end")
	}
	nv, na, err := rec.Finish()
	if err != nil {
		t.Fatal(err)
	}
	wantLine := fmt.Sprintf("sent %d video frames, %d audio frames\n", len(want[tc.video]), len(want[tc.audio]))
	if stdout.String() != wantLine {
		t.Errorf("output %q, want %q", stdout.String(), wantLine)
	}
	t.Logf("recorded %d video, %d audio frames", nv, na)
	for name, buf := range out {
		path := filepath.Join(dir, "out-"+name)
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := mediafile.ReadFrames(path)
		if err != nil {
			t.Fatal(err)
		}
		compareFrames(t, name, got, want[name])
		saved[name] = path
	}
	return saved
}

// synth writes a synthetic file of n frames at path and returns its frames.
func synth(t *testing.T, path string, n int) [][]byte {
	t.Helper()
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var frames [][]byte
	switch filepath.Ext(path) {
	case ".ivf":
		frames, err = mediafile.SynthVP8(fh, n, 1)
	case ".ogg":
		frames, err = mediafile.SynthOpus(fh, n, 2)
	case ".h264":
		frames, err = mediafile.SynthH264(fh, n, 3)
	}
	if err != nil {
		t.Fatal(err)
	}
	return frames
}

// quiet drops the log lines of the peers under test.
var quiet = slog.New(slog.DiscardHandler)

func compareFrames(t *testing.T, name string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d frames saved, %d sent", name, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("%s frame %d: %d bytes saved differ from the %d sent", name, i, len(got[i]), len(want[i]))
		}
	}
}

// TestPlayGStreamerFiles does the same with files GStreamer encoded (real
// VP8, Opus and H.264 bitstreams; skipped when gst-launch-1.0 or an
// element is missing), and GStreamer then decodes every recorded file.
func TestPlayGStreamerFiles(t *testing.T) {
	gst, err := exec.LookPath("gst-launch-1.0")
	if err != nil {
		t.Skip("gst-launch-1.0 is not installed")
	}
	for _, el := range []string{"vp8enc", "avmux_ivf", "ivfparse", "vp8dec", "opusenc", "oggmux", "oggdemux", "opusdec", "openh264enc", "h264parse", "avdec_h264"} {
		if exec.Command("gst-inspect-1.0", el).Run() != nil {
			t.Skipf("GStreamer element %s is missing", el)
		}
	}
	encode := map[string]string{
		".ivf":  "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate=30/1 ! vp8enc deadline=1 keyframe-max-dist=10 ! avmux_ivf ! filesink location=",
		".ogg":  "audiotestsrc num-buffers=25 samplesperbuffer=1920 ! audio/x-raw,rate=48000,channels=2 ! opusenc frame-size=20 ! oggmux ! filesink location=",
		".h264": "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate=30/1 ! openh264enc ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! filesink location=",
	}
	decode := map[string]string{
		".ivf":  " ! ivfparse ! vp8dec ! fakesink",
		".ogg":  " ! oggdemux ! opusdec ! fakesink",
		".h264": " ! h264parse ! avdec_h264 ! fakesink",
	}
	launch := func(t *testing.T, pipeline string) {
		t.Helper()
		cmd := exec.Command(gst, append([]string{"-q"}, strings.Fields(pipeline)...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gst-launch-1.0 %s: %v\n%s", pipeline, err, out)
		}
	}
	for _, tc := range []struct{ video, audio string }{{"in.ivf", "in.ogg"}, {"in.h264", ""}} {
		t.Run(tc.video, func(t *testing.T) {
			saved := playThrough(t, tc.video, tc.audio, func(t *testing.T, path string) [][]byte {
				launch(t, encode[filepath.Ext(path)]+path)
				frames, err := mediafile.ReadFrames(path)
				if err != nil {
					t.Fatal(err)
				}
				if len(frames) < 20 {
					t.Fatalf("GStreamer wrote %d frames to %s", len(frames), path)
				}
				return frames
			})
			for _, path := range saved {
				launch(t, "filesrc location="+path+decode[filepath.Ext(path)])
			}
		})
	}
}
