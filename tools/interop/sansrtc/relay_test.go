package sansrtc

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// TestRelayOnlyThroughCoturn: two sansrtc PeerConnections with
// iceTransportPolicy "relay" and TURN credentials connect through coturn
// on 127.0.0.1 and exchange a message.
func TestRelayOnlyThroughCoturn(t *testing.T) {
	port := peers.StartCoturn(t).Port()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	cfg := rtc.Configuration{
		ICEServers:         []rtc.ICEServer{{URLs: []string{fmt.Sprintf("turn:127.0.0.1:%d?transport=udp", port)}, Username: "test", Credential: "test"}},
		ICETransportPolicy: rtc.ICETransportPolicyRelay,
	}
	got := make(chan string, 1)
	opened := make(chan *rtc.DataChannel, 1)
	b, err := d.NewPeerConnection(cfg, driver.Handler{OnMessage: func(c *driver.Conn, m rtc.Message) { got <- string(m.Data) }})
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.NewPeerConnection(cfg, driver.Handler{OnEvent: func(c *driver.Conn, e rtc.Event) {
		if e.Kind == rtc.EventDataChannelOpen {
			opened <- e.Channel
		}
		if e.Kind == rtc.EventError {
			t.Logf("a: %v", e.Err)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateDataChannel("relayed", rtc.DataChannelInit{}); err != nil {
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
	for _, sdp := range []string{off.SDP, ans.SDP} {
		for _, l := range strings.Split(sdp, "\r\n") {
			if strings.HasPrefix(l, "a=candidate") && !strings.Contains(l, "typ relay") {
				t.Errorf("relay policy signalled a non-relay candidate: %s", l)
			}
		}
		if !strings.Contains(sdp, "typ relay") {
			t.Fatalf("no relay candidate:\n%s", sdp)
		}
	}
	if err := a.SetAnswer(ans); err != nil {
		t.Fatal(err)
	}
	var dc *rtc.DataChannel
	select {
	case dc = <-opened:
	case <-ctx.Done():
		t.Fatal("channel did not open through TURN")
	}
	if err := a.Send(dc, []byte("via coturn"), false); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "via coturn" {
			t.Errorf("got %q", s)
		}
	case <-ctx.Done():
		t.Fatal("message not delivered through TURN")
	}
}
