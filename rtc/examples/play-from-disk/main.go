// Command play-from-disk sends media files to a peer of the signaling
// contract (rtc/driver/signaling/SIGNALING.md) that answers POST /offer:
// the save-to-disk example, the reflect example, or any SIGNALING.md
// answerer. It reads the frames with rtc-media's readers, a VP8 IVF file
// (-video in.ivf), an H.264 Annex B stream (-video in.h264, -fps), an Ogg
// Opus file (-audio in.ogg), offers one sendonly track for each with only
// that codec, and writes them in real time with Sender.WriteSample (paced
// by each frame's duration). When every file has been sent it closes the
// connection and writes "sent N video frames, M audio frames" to standard
// output.
//
//	go run ./rtc/examples/save-to-disk -addr 127.0.0.1:8080 -video out.ivf -audio out.ogg
//	go run ./rtc/examples/play-from-disk -to http://127.0.0.1:8080 -video in.ivf -audio in.ogg
//
// To watch in a browser, publish to the broadcast example and open its
// page:
//
//	go run ./rtc/examples/broadcast -addr 127.0.0.1:8080
//	go run ./rtc/examples/play-from-disk -to http://127.0.0.1:8080/publish -video in.ivf -audio in.ogg
//
// Make input files with GStreamer, e.g.
//
//	gst-launch-1.0 videotestsrc num-buffers=300 ! vp8enc ! avmux_ivf ! filesink location=in.ivf
//	gst-launch-1.0 audiotestsrc num-buffers=500 ! opusenc ! oggmux ! filesink location=in.ogg
//	gst-launch-1.0 videotestsrc num-buffers=300 ! openh264enc ! h264parse ! video/x-h264,stream-format=byte-stream ! filesink location=in.h264
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	var o options
	flag.StringVar(&o.to, "to", "http://127.0.0.1:8080", "signaling base URL of the answering peer (POST /offer)")
	flag.StringVar(&o.video, "video", "", "video file to send: .ivf (VP8) or .h264 (H.264 Annex B)")
	flag.StringVar(&o.audio, "audio", "", "audio file to send: .ogg (Opus)")
	flag.IntVar(&o.fps, "fps", 30, "frame rate of an H.264 file (Annex B carries none)")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, o, os.Stdout); err != nil {
		log.Error("play-from-disk", "err", err)
		os.Exit(1)
	}
}

type options struct {
	to, video, audio string
	fps              int
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, o options, out io.Writer) error {
	if o.video == "" && o.audio == "" {
		return errors.New("give -video, -audio or both")
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	var sources []*mediafile.Source
	for _, file := range []struct {
		name string
		kind rtc.MediaKind
	}{{o.video, rtc.MediaKindVideo}, {o.audio, rtc.MediaKindAudio}} {
		if file.name == "" {
			continue
		}
		fh, err := os.Open(file.name)
		if err != nil {
			return err
		}
		defer fh.Close()
		src, err := mediafile.Open(file.name, fh, o.fps)
		if err != nil {
			return err
		}
		if (src.Codec().ClockRate == 48000) != (file.kind == rtc.MediaKindAudio) {
			return fmt.Errorf("%s is not a %s file", file.name, file.kind)
		}
		sources = append(sources, src)
	}
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	d := driver.New(dcfg)
	defer d.Close()
	nv, na, err := mediafile.Play(ctx, d, cfg, log, o.to, sources)
	fmt.Fprintf(out, "sent %d video frames, %d audio frames\n", nv, na)
	return err
}
