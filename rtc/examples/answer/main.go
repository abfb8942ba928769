// Command answer is an echo peer that speaks shared/SIGNALING.md in both
// roles: POST /offer (it answers) and GET /offer + POST /answer (it offers,
// with a data channel labelled "echo"). Every data channel message comes
// back on the same channel, same type, same bytes.
//
//	go run ./rtc/examples/answer -addr 127.0.0.1:8080
//
// It prints "listening on http://HOST:PORT" to standard output and one line
// per connection event and stats to standard error.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP signaling address")
	host := flag.String("host", "127.0.0.1", "comma-separated host addresses for ICE (loopback by default)")
	negotiated := flag.String("negotiated", "", "comma-separated label:id negotiated channels to create on every connection")
	flag.Parse()

	var opts echo.Options
	opts.Logger = slog.Default()
	for _, n := range strings.Split(*negotiated, ",") {
		if n == "" {
			continue
		}
		label, id, ok := strings.Cut(n, ":")
		v, err := strconv.ParseUint(id, 10, 16)
		if !ok || err != nil {
			log.Fatalf("bad -negotiated %q: want label:id", n)
		}
		opts.Negotiated = append(opts.Negotiated, echo.Negotiated{Label: label, ID: uint16(v)})
	}
	var hosts []netip.Addr
	for _, h := range strings.Split(*host, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(h))
		if err != nil {
			log.Fatalf("bad -host %q: %v", h, err)
		}
		hosts = append(hosts, a)
	}
	d := driver.New(driver.Config{Addresses: hosts})
	defer d.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: signaling.Server(echo.New(d, opts))}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
