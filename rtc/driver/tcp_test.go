package driver

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// TestICETCPConnFlood: 100 TCP connections to a connection's passive
// ICE-TCP port leave at most maxTCPConns open, waiting for their first
// frame; the others are closed at once (the flood holds no more than the
// limit, and TestICETCPIdleTimeout shows it holds them only until the
// first-frame deadline and takes no slot).
func TestICETCPConnFlood(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := New(Config{Addresses: loopback, ICETCP: true})
	defer d.Close()
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	off, err := c.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var passive string
	for _, l := range strings.Split(off.SDP, "\r\n") {
		if strings.Contains(l, " tcp ") && strings.Contains(l, "tcptype passive") {
			f := strings.Fields(l)
			passive = net.JoinHostPort(f[4], f[5])
		}
	}
	if passive == "" {
		t.Fatalf("no passive TCP candidate:\n%s", off.SDP)
	}
	var conns []net.Conn
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	for range 100 {
		nc, err := net.Dial("tcp", passive)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, nc)
	}
	time.Sleep(200 * time.Millisecond) // let the accept loop register or close them
	open := 0
	buf := make([]byte, 1)
	for _, nc := range conns {
		if err := nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		_, err := nc.Read(buf)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			open++ // still held by the driver
		}
	}
	if open == 0 || open > maxTCPConns {
		t.Fatalf("%d connections held, want 1..%d", open, maxTCPConns)
	}
	t.Logf("%d of 100 connections held (limit %d)", open, maxTCPConns)
}
