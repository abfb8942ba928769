// Command save-to-disk is a recording peer of the signaling contract
// (rtc/driver/signaling/SIGNALING.md, POST /offer): it answers one offer,
// receives its audio and video, rebuilds the frames with rtc-media's
// jitter buffer and writes them to files: VP8 to IVF (-video out.ivf),
// H.264 to an Annex B stream (-video out.h264), Opus to Ogg Opus (-audio
// out.ogg). It answers only the codec of the file's extension. When the
// session ends (the sender closes, or -duration passes) it writes
// "saved N video frames, M audio frames" to standard output and exits.
//
//	go run ./rtc/examples/save-to-disk -addr 127.0.0.1:8080 -video out.ivf -audio out.ogg
//	go run ./rtc/examples/play-from-disk -to http://127.0.0.1:8080 -video in.ivf -audio in.ogg
//
// A browser records the same way: POST an offer with a sendonly camera.
// Play the result with `ffplay out.ivf` or `gst-launch-1.0 filesrc
// location=out.ogg ! oggdemux ! opusdec ! autoaudiosink`.
//
// Threat model: the first peer to reach -addr is recorded (later offers
// are refused); what it sends is written to the named files only, frame
// by frame through the jitter buffer's limits (rtc-media Config:
// MaxFrameSize 4 MiB, MaxPackets 512), so it can fill the disk only at
// the rate it sends; use -duration to bound a session.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP signaling address")
	video := flag.String("video", "", "video file to write: .ivf (VP8) or .h264 (H.264 Annex B)")
	audio := flag.String("audio", "", "audio file to write: .ogg (Opus)")
	duration := flag.Duration("duration", 0, "stop recording after this long (0: when the sender ends)")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	if err := run(ctx, &f, log, *addr, *video, *audio, os.Stdout); err != nil {
		log.Error("save-to-disk", "err", err)
		os.Exit(1)
	}
}

// run serves POST /offer on addr, records the first session into the
// files, and returns when it ends (or ctx does).
func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr, video, audio string, out io.Writer) error {
	if video == "" && audio == "" {
		return errors.New("give -video, -audio or both")
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	var files [2]io.Writer
	var codecs [2]rtc.Codec
	for i, name := range []string{video, audio} {
		if name == "" {
			continue
		}
		if codecs[i], err = mediafile.CodecFor(name); err != nil {
			return err
		}
		if (codecs[i].ClockRate == 48000) != (i == 1) {
			return errors.New("-video takes .ivf or .h264, -audio .ogg")
		}
		fh, err := os.Create(name)
		if err != nil {
			return err
		}
		defer fh.Close()
		files[i] = fh
	}
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	d := driver.New(dcfg)
	defer d.Close()
	rec := mediafile.NewRecorder(d, cfg, log, files[0], codecs[0], files[1], codecs[1])

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", addr, err)
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	srv := signaling.HTTPServer(signaling.ServerWithLimits(rec, lim), lim)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case <-rec.Ended():
	case err := <-served:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if c := rec.Conn(); c != nil {
		if err := c.Close(); err != nil {
			log.Warn("close", "err", err)
		}
	}
	nv, na, err := rec.Finish()
	fmt.Fprintf(out, "saved %d video frames, %d audio frames\n", nv, na)
	return err
}
