package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
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
			dir := t.TempDir()
			o := options{to: "", fps: 30}
			want := map[string][][]byte{}
			var codecs [2]rtc.Codec
			for i, name := range []string{tc.video, tc.audio} {
				if name == "" {
					continue
				}
				path := filepath.Join(dir, name)
				want[name] = synth(t, path, 30)
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
			wantLine := "sent 30 video frames, 0 audio frames\n"
			if tc.audio != "" {
				wantLine = "sent 30 video frames, 30 audio frames\n"
			}
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
			}
		})
	}
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
