package peers

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// ListenUDP opens a UDP socket on 127.0.0.1 (any free port), closed when
// the test ends.
func ListenUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

// FreePort returns a port on 127.0.0.1 that is free for both UDP and TCP
// at the time of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		u.Close()
		if err != nil {
			continue // the TCP port is taken: try another
		}
		l.Close()
		return port
	}
	t.Fatal("no free port on 127.0.0.1")
	return 0
}

// ServePage serves html at every path of an HTTP server on 127.0.0.1 and
// returns its URL and a stop function. A page on http://127.0.0.1 is a
// secure context (getUserMedia works) and gathers loopback candidates.
func ServePage(html []byte) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(html)
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close() }, nil
}

// ReadUDP reads one datagram from u into buf, waiting until deadline. When
// the deadline passes first it reports timedOut and no error. from is the
// sender with an IPv4-mapped address unmapped.
func ReadUDP(u *net.UDPConn, buf []byte, deadline time.Time) (n int, from netip.AddrPort, timedOut bool, err error) {
	u.SetReadDeadline(deadline)
	n, from, err = u.ReadFromUDPAddrPort(buf)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return 0, netip.AddrPort{}, true, nil
		}
		return 0, netip.AddrPort{}, false, err
	}
	return n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), false, nil
}
