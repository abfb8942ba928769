// Command answer is an echo peer that speaks the signaling contract
// (rtc/driver/signaling/SIGNALING.md) in both roles: POST /offer (it
// answers) and GET /offer + POST /answer (it offers, with a data channel
// labelled "echo"). Every data channel message comes back on the same
// channel, same type, same bytes.
//
//	go run ./rtc/examples/answer -addr 127.0.0.1:8080
//	go run ./rtc/examples/answer -addr 0.0.0.0:8080 -host 192.168.1.20   # reachable on the LAN
//
// It prints "listening on http://HOST:PORT" to standard output and logs to
// standard error: a few lines per connection (connected, closed with its
// reason, final counters with the negotiated dtls_version, dtls_group,
// dtls_cipher and srtp_profile), every event and message with -v.
//
// ICE flags (issue 16): -ice-server URL (repeatable; STUN or TURN with an
// IP address), -ice-user and -ice-pass (TURN credentials), -relay-only,
// -host. One UDP port for every session (issue 18): -udp-port N, and
// -public-ip ADDR for a server behind a static 1:1 NAT. ICE-TCP (RFC 6544):
// -ice-tcp (a passive port per session) or -tcp-port N (one passive port
// for every session, routed by the first check's ufrag; with -public-ip it
// advertises that address), e.g.
//
//	go run ./rtc/examples/answer -addr 0.0.0.0:8080 -host 10.0.0.5 -udp-port 3478 -tcp-port 3478 -public-ip 203.0.113.9
//
// Limits (signaling.Limits and echo.Options defaults): 100 live peer
// connections, 64 requests in flight, 64 unanswered offers that expire
// after 20 s, header and body timeouts; over a limit, 503 + Retry-After.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
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
	negotiated := flag.String("negotiated", "", "comma-separated label:id negotiated channels to create on every connection")
	maxConns := flag.Int("max-conns", 100, "live peer connections at most")
	flag.Parse()
	log := f.Logger()
	if err := run(&f, log, *addr, *negotiated, *maxConns); err != nil {
		log.Error("answer", "err", err)
		os.Exit(1)
	}
}

func run(f *cli.Flags, log *slog.Logger, addr, negotiated string, maxConns int) error {
	opts := echo.Options{Logger: log, MaxConnections: maxConns}
	for _, n := range strings.Split(negotiated, ",") {
		if n == "" {
			continue
		}
		label, id, ok := strings.Cut(n, ":")
		v, err := strconv.ParseUint(id, 10, 16)
		if !ok || err != nil {
			return fmt.Errorf("bad -negotiated %q: want label:id", n)
		}
		opts.Negotiated = append(opts.Negotiated, echo.Negotiated{Label: label, ID: uint16(v)})
	}
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
	fmt.Printf("listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	srv := signaling.HTTPServer(signaling.ServerWithLimits(echo.New(d, opts), lim), lim)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
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
