// Package sansrtc starts the sansrtc echo peer (rtc/driver/echo) on
// loopback for the interop tests, with the negotiated channel of the probe
// scenario.
package sansrtc

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"

	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

// EchoPeer is a running sansrtc echo peer.
type EchoPeer struct {
	*echo.Peer
	URL string
	d   *driver.Driver
	srv *httptest.Server
}

// Start starts an echo peer on 127.0.0.1. log may be nil.
func Start(log io.Writer) *EchoPeer {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	p := echo.New(d, echo.Options{Logger: logger(log), Negotiated: []echo.Negotiated{{Label: probe.Negotiated, ID: probe.NegotiatedID}}})
	srv := httptest.NewServer(signaling.Server(p))
	return &EchoPeer{Peer: p, URL: srv.URL, d: d, srv: srv}
}

// logger logs to w as text (all levels), or nowhere if w is nil.
func logger(w io.Writer) *slog.Logger {
	if w == nil {
		return nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Close stops the peer.
func (e *EchoPeer) Close() {
	e.srv.Close()
	e.d.Close()
}
