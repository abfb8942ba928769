// Command broadcast is a one-publisher, many-viewers broadcast server (a
// small SFU) with a page: the publisher's browser sends its camera and
// microphone (POST /publish/offer), each viewer's browser receives them
// (POST /view/offer); the server forwards RTP without decoding it, gives
// every viewer its own SSRCs with continuous sequence numbers and
// timestamps, and passes viewers' keyframe requests (and a request for
// every viewer that joins) to the publisher. Both endpoints follow
// rtc/driver/signaling/SIGNALING.md (POST .../offer only).
//
//	go run ./rtc/examples/broadcast -addr 127.0.0.1:8080
//
// Open the printed URL twice: "Publish" in one tab, "View" in the others.
// The ICE flags are those of the other examples.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

//go:embed index.html
var page []byte

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP address of the page and signaling")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, os.Stdout); err != nil {
		log.Error("broadcast", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr string, out io.Writer) error {
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	d := driver.New(dcfg)
	defer d.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", addr, err)
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	srv := signaling.HTTPServer(handler(newSFU(d, cfg, log), lim), lim)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handler serves the page, /publish/offer and /view/offer.
func handler(s *sfu, lim signaling.Limits) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/publish/", http.StripPrefix("/publish", signaling.ServerWithLimits(publisher{s}, lim)))
	mux.Handle("/view/", http.StripPrefix("/view", signaling.ServerWithLimits(viewer{s}, lim)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := w.Write(page); err != nil {
			return // the browser went away
		}
	})
	return mux
}
