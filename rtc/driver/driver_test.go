package driver

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

var loopback = []netip.Addr{netip.MustParseAddr("127.0.0.1")}

// TestLoopbackEchoAndShutdown connects two PeerConnections on loopback UDP,
// echoes a message, then closes the driver and checks that every goroutine
// it started has ended.
func TestLoopbackEchoAndShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := New(Config{Addresses: loopback})
	got := make(chan string, 1)
	opened := make(chan *rtc.DataChannel, 1)
	b, err := d.NewPeerConnection(rtc.Configuration{}, Handler{
		OnMessage: func(c *Conn, m rtc.Message) { _ = m.Channel.SendText("echo: " + string(m.Data)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.NewPeerConnection(rtc.Configuration{}, Handler{
		OnEvent: func(c *Conn, e rtc.Event) {
			if e.Kind == rtc.EventDataChannelOpen {
				opened <- e.Channel
			}
		},
		OnMessage: func(c *Conn, m rtc.Message) { got <- string(m.Data) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ap := range append(a.LocalAddresses(), b.LocalAddresses()...) {
		if !ap.Addr().IsLoopback() {
			t.Fatalf("bound a non-loopback address %v", ap)
		}
	}
	if _, err := a.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := b.AnswerAfterGathering(ctx, off)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetAnswer(ans); err != nil {
		t.Fatal(err)
	}
	var dc *rtc.DataChannel
	select {
	case dc = <-opened:
	case <-ctx.Done():
		t.Fatal("channel did not open")
	}
	if err := a.Send(dc, []byte("hi"), false); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "echo: hi" {
			t.Errorf("got %q", s)
		}
	case <-ctx.Done():
		t.Fatal("no echo")
	}
	if err := a.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := a.Send(dc, []byte("x"), true); err == nil {
		t.Errorf("send after close succeeded")
	}
	d.Close()
	if err := b.Do(func(*rtc.PeerConnection) error { return nil }); err != ErrClosed {
		t.Errorf("Do after driver close: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left (was %d):\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestHostAddressesFilter(t *testing.T) {
	addrs, err := HostAddresses(Config{Filter: func(a netip.Addr) bool { return a.IsLoopback() }})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if !a.IsLoopback() {
			t.Errorf("filter let %v through", a)
		}
	}
}
