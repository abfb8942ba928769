// Command demo serves a page on 127.0.0.1 where the browser opens a data
// channel to a sansrtc PeerConnection running in this process: a chat that
// the Go peer echoes, with live counters of bytes and the round-trip time.
//
//	go run ./tools/cmd/demo
//
// It prints the URL to open. Nothing beyond Go is needed.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

//go:embed index.html
var page []byte

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP address to serve the page on")
	quiet := flag.Bool("quiet", false, "do not log connection events to standard error")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		// The default port may be taken: fall back to any free port.
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			log.Fatal(err)
		}
	}
	if err := serve(ln, *quiet); err != nil {
		log.Fatal(err)
	}
}

// Handler returns the demo's HTTP handler: the page at / and the
// SIGNALING.md endpoints of an echo peer on d.
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
		_, _ = w.Write(page)
	})
	return mux
}

func serve(ln net.Listener, quiet bool) error {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	var opts echo.Options
	if !quiet {
		opts.Logger = slog.Default()
	}
	fmt.Printf("sansrtc demo: open http://%s/ in a browser\n", ln.Addr())
	return http.Serve(ln, Handler(d, opts))
}
