//go:build linux && (amd64 || arm64)

package driver

import (
	"context"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// TestOwnSocketsOneReader (issue 18): the own sockets of a loop's
// connections are read by one poller, not a goroutine each; bursts of
// more datagrams than one read takes all arrive (the epoll set is
// level-triggered); a closed connection's port is free once Done ends;
// and the poller ends with the driver.
func TestOwnSocketsOneReader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g0 := runtime.NumGoroutine()
	d := New(Config{Addresses: loopback, Loops: 1})
	const pairs, burst = 12, 100
	var got atomic.Int64
	type pair struct {
		a  *Conn
		dc *rtc.DataChannel
	}
	var ps []pair
	for range pairs {
		b, err := d.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(*Conn, rtc.Message) { got.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		a, err := d.NewPeerConnection(rtc.Configuration{}, Handler{})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, pair{a, connectPair(t, ctx, a, b)})
	}
	// The loop, the poller, and the goroutines of the test's own calls.
	if g := runtime.NumGoroutine() - g0; g > 4 {
		t.Errorf("%d goroutines for %d connections on their own sockets, want at most 4", g, 2*pairs)
	}
	msg := make([]byte, 1000)
	for _, p := range ps {
		for range burst {
			if err := p.a.Send(p.dc, msg, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	for got.Load() < pairs*burst {
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d messages arrived", got.Load(), pairs*burst)
		case <-time.After(10 * time.Millisecond):
		}
	}
	for _, p := range ps[:3] {
		port := p.a.LocalAddresses()[0]
		if err := p.a.Close(); err != nil {
			t.Fatal(err)
		}
		<-p.a.Done()
		u, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(port))
		if err != nil {
			t.Fatalf("port %v still held after Close: %v", port, err)
		}
		_ = u.Close()
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > g0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if g := runtime.NumGoroutine() - g0; g > 0 {
		t.Errorf("%d goroutines left after Close", g)
	}
	for _, p := range ps[3:] {
		port := p.a.LocalAddresses()[0]
		u, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(port))
		if err != nil {
			t.Fatalf("port %v still held after the driver's Close: %v", port, err)
		}
		_ = u.Close()
	}
}
