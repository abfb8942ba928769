// Command demo serves a page where the browser opens a data channel to a
// sansrtc PeerConnection running in this process: a chat that the Go peer
// echoes, with live counters of bytes and the round-trip time. Its camera
// tab sends the browser's camera and microphone to the Go peer, which
// reflects them back (rtc/driver/echo Options.Media): the page shows both
// videos and the frames decoded from what came back.
//
//	go run ./tools/cmd/demo                                        # this machine only
//	go run ./tools/cmd/demo -addr 0.0.0.0:8080 -host 192.168.1.20  # a phone or laptop on the LAN
//
// -addr is where the page and the signaling endpoints are served; -host
// lists the addresses the Go peer offers as ICE candidates (comma-separated),
// which must be reachable from the browser: 127.0.0.1 (the default) only
// works for a browser on this machine. It prints the URL to open. If -addr
// cannot be bound it says so and exits (it does not pick another port).
// Logs go to standard error (-v for every event, -quiet for none).
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

//go:embed index.html
var page []byte

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP address to serve the page on (0.0.0.0:PORT for every interface)")
	host := flag.String("host", "127.0.0.1", "comma-separated addresses for the Go peer's ICE candidates (a LAN address lets other devices connect)")
	quiet := flag.Bool("quiet", false, "log nothing")
	verbose := flag.Bool("v", false, "log every event and message")
	flag.Parse()
	if err := run(*addr, *host, *quiet, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(addr, host string, quiet, verbose bool) error {
	hosts, err := parseHosts(host)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot serve the page on -addr %s: %w (is another demo running? choose a free port with -addr)", addr, err)
	}
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	var out io.Writer = os.Stderr
	if quiet {
		out = io.Discard
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	d := driver.New(driver.Config{Addresses: hosts, Logger: log})
	defer d.Close()
	for _, u := range pageURLs(ln.Addr().(*net.TCPAddr).AddrPort(), hosts) {
		fmt.Printf("sansrtc demo: open %s in a browser\n", u)
	}
	var lim signaling.Limits
	srv := signaling.HTTPServer(Handler(d, echo.Options{Logger: log, Media: true}), lim)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func parseHosts(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, h := range strings.Split(s, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(h))
		if err != nil {
			return nil, fmt.Errorf("bad -host %q: want IP addresses: %v", h, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// pageURLs are the URLs to print: the bound address, or for a wildcard
// bind, one per -host address.
func pageURLs(bound netip.AddrPort, hosts []netip.Addr) []string {
	if !bound.Addr().IsUnspecified() {
		return []string{"http://" + bound.String() + "/"}
	}
	var out []string
	for _, h := range hosts {
		out = append(out, "http://"+netip.AddrPortFrom(h, bound.Port()).String()+"/")
	}
	return out
}

// Handler returns the demo's HTTP handler: the page at / and the
// rtc/driver/signaling/SIGNALING.md endpoints of an echo peer on d.
func Handler(d *driver.Driver, opts echo.Options) http.Handler {
	mux := http.NewServeMux()
	sig := signaling.Server(echo.New(d, opts))
	mux.Handle("/offer", sig)
	mux.Handle("/answer", sig)
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
