// Command reflect is the media peer of the signaling contract
// (rtc/driver/signaling/SIGNALING.md) in both roles: POST /offer (it
// answers) and GET /offer + POST /answer (it offers sendrecv Opus and VP8
// and a data channel labelled "echo"). Every incoming RTP packet goes back
// on the same m-section with the same codec (payload type and payload
// unchanged; SSRC, sequence number and timestamp are its own stream's),
// keyframe requests for a reflected stream are passed on to its source,
// and data channel messages are echoed as by the answer example.
//
//	go run ./rtc/examples/reflect -addr 127.0.0.1:8080
//
// It prints "listening on http://HOST:PORT" to standard output and logs to
// standard error; every 5 s (-stats) and when it ends, each connection
// logs a "media stats" line: packets and bytes in and out,
// target_bitrate_bps (the congestion controller's estimate), NACKs sent
// and received, retransmissions, SRTP failures, unrouted RTP.
//
// The flags are those of the answer example (ICE servers, -udp-port,
// -tcp-port, -ice-tcp, -public-ip, -host, -v, -max-conns).
package main

import (
	"context"
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
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP signaling address")
	maxConns := flag.Int("max-conns", 100, "live peer connections at most")
	stats := flag.Duration("stats", 5*time.Second, "interval of the per-connection media stats line")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, *maxConns, *stats, os.Stdout); err != nil {
		log.Error("reflect", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr string, maxConns int, stats time.Duration, out io.Writer) error {
	opts := echo.Options{Logger: log, MaxConnections: maxConns, Media: true, StatsInterval: stats}
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	if opts.Config, err = f.Configuration(); err != nil {
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
	srv := signaling.HTTPServer(signaling.ServerWithLimits(echo.New(d, opts), lim), lim)
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
