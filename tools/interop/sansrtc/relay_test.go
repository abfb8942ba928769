package sansrtc

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"net/netip"
)

// startTURN runs coturn on 127.0.0.1 (flags from BROWSERS.md).
func startTURN(t *testing.T) int {
	t.Helper()
	path, err := exec.LookPath("turnserver")
	if err != nil {
		if os.Getenv("SANSRTC_REQUIRE_INTEROP") == "1" {
			t.Fatalf("turnserver not found (apt-get install -y coturn): %v", err)
		}
		t.Skip("turnserver (coturn) not installed; set SANSRTC_REQUIRE_INTEROP=1 to fail instead")
	}
	l, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(path, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
		fmt.Sprintf("--listening-port=%d", port), "--no-tls", "--no-dtls", "--lt-cred-mech",
		"--user=test:test", "--realm=test", "--no-cli", "--no-multicast-peers", "--allow-loopback-peers",
		"--pidfile="+dir+"/turn.pid", "--log-file=stdout", "--simple-log")
	if testing.Verbose() {
		cmd.Stdout = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	time.Sleep(300 * time.Millisecond)
	return port
}

// TestRelayOnlyThroughCoturn: two sansrtc PeerConnections with
// iceTransportPolicy "relay" and TURN credentials connect through coturn
// on 127.0.0.1 and exchange a message.
func TestRelayOnlyThroughCoturn(t *testing.T) {
	port := startTURN(t)
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
	ans, err := b.AnswerAfterGathering(ctx, off.SDP)
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
	if err := a.SetAnswer(ans.SDP); err != nil {
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
