package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

// quiet drops the log lines of the peers under test.
var quiet = slog.New(slog.DiscardHandler)

// TestSaveFromPlayer runs the command on 127.0.0.1 and sends it files
// with play-from-disk's code (mediafile.Play): VP8 and Opus, then H.264.
// It prints its address, records the session, exits when the sender
// closes, prints the frame counts, and the files it wrote hold exactly
// the frames sent.
func TestSaveFromPlayer(t *testing.T) {
	for _, tc := range []struct{ video, audio string }{{"v.ivf", "a.ogg"}, {"v.h264", ""}} {
		t.Run(tc.video, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var f cli.Flags
			f.Register(flag.NewFlagSet("save", flag.ContinueOnError))
			outVideo, outAudio := filepath.Join(dir, "out-"+tc.video), ""
			if tc.audio != "" {
				outAudio = filepath.Join(dir, "out-"+tc.audio)
			}
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				err := run(ctx, &f, quiet, "127.0.0.1:0", outVideo, outAudio, pw)
				pw.CloseWithError(err)
				done <- err
			}()
			lines := bufio.NewReader(pr)
			line, err := lines.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
			if !ok {
				t.Fatalf("first line %q", line)
			}

			var sources []*mediafile.Source
			want := map[string][][]byte{}
			for _, name := range []string{tc.video, tc.audio} {
				if name == "" {
					continue
				}
				var buf bytes.Buffer
				var err error
				switch filepath.Ext(name) {
				case ".ivf":
					want[name], err = mediafile.SynthVP8(&buf, 30, 4)
				case ".ogg":
					want[name], err = mediafile.SynthOpus(&buf, 40, 5)
				case ".h264":
					want[name], err = mediafile.SynthH264(&buf, 30, 6)
				}
				if err != nil {
					t.Fatal(err)
				}
				src, err := mediafile.Open(name, &buf, 30)
				if err != nil {
					t.Fatal(err)
				}
				sources = append(sources, src)
			}
			d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
			defer d.Close()
			nv, na, err := mediafile.Play(ctx, d, rtc.Configuration{}, quiet, base, sources)
			if err != nil {
				t.Fatal(err)
			}
			line, err = lines.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if got, want := line, fmt.Sprintf("saved %d video frames, %d audio frames\n", nv, na); got != want {
				t.Errorf("output %q, want %q", got, want)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			for name, path := range map[string]string{tc.video: outVideo, tc.audio: outAudio} {
				if name == "" {
					continue
				}
				got, err := mediafile.ReadFrames(path)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want[name]) {
					t.Errorf("%s: %d frames saved, %d sent", name, len(got), len(want[name]))
				}
				for i := range min(len(got), len(want[name])) {
					if !bytes.Equal(got[i], want[name][i]) {
						t.Errorf("%s frame %d differs", name, i)
					}
				}
			}
			if filepath.Ext(tc.video) == ".ivf" {
				b, err := os.ReadFile(outVideo)
				if err != nil {
					t.Fatal(err)
				}
				if len(b) < 32 || string(b[:4]) != "DKIF" || b[24] != 30 {
					t.Errorf("IVF header % x: want DKIF and a frame count of 30", b[:min(len(b), 32)])
				}
			}
		})
	}
}
