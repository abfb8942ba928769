package network

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

// TestSinglePortSrflx (issue 18): four connections of a SinglePort driver
// gather through one STUN server (coturn on 127.0.0.1) at once. Their
// requests leave from the same shared socket, so coturn answers them all
// to one 5-tuple; the driver routes each response by its transaction ID,
// and every connection gets its server-reflexive candidate at once: the
// shared port's mapping. The driver advertises 127.0.0.2 (Config.PublicIP)
// so that the mapping, 127.0.0.1:port, differs from the host candidate and
// is kept (RFC 8445 §5.1.3).
func TestSinglePortSrflx(t *testing.T) {
	server := peers.StartCoturn(t)
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, SinglePort: true,
		PublicIP: netip.MustParseAddr("127.0.0.2"), Logger: testLogger()})
	defer d.Close()
	cfg := rtc.Configuration{ICEServers: []rtc.ICEServer{{URLs: []string{"stun:" + server.String()}}}}
	const n = 4
	var conns []*driver.Conn
	for range n {
		c, err := d.NewPeerConnection(cfg, driver.Handler{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	port := conns[0].LocalAddresses()[0].Port()
	want := fmt.Sprintf("127.0.0.1 %d typ srflx raddr 127.0.0.2 rport %d", port, port)
	errs := make(chan error, n)
	start := time.Now()
	for i, c := range conns {
		go func() {
			// Well within one retransmission series: a misrouted response
			// would leave gathering waiting for the STUN timeout.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			off, err := c.OfferAfterGathering(ctx)
			if err == nil && !strings.Contains(off.SDP, want) {
				err = fmt.Errorf("connection %d: no %q in\n%s", i, want, off.SDP)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	t.Logf("%d connections on one port gathered their srflx candidate in %v; driver stats %+v", n, time.Since(start).Round(time.Millisecond), d.Stats())
}

// TestSinglePortRelay (issue 18): two connections of a SinglePort driver,
// relay-only through coturn (TURN over UDP, and over TCP), each connect to
// a client on another driver and echo. A TURN allocation is bound to its
// 5-tuple at the server, so the driver allocates from a socket of each
// connection's own beside the shared one (UDP); TCP has its own
// connections.
func TestSinglePortRelay(t *testing.T) {
	server := peers.StartCoturn(t)
	for _, url := range []string{
		fmt.Sprintf("turn:%v?transport=udp", server),
		fmt.Sprintf("turn:%v?transport=tcp", server),
	} {
		t.Run(url[strings.IndexByte(url, '=')+1:], func(t *testing.T) { singlePortRelay(t, url) })
	}
}

func singlePortRelay(t *testing.T, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	loop := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	sd := driver.New(driver.Config{Addresses: loop, SinglePort: true, Logger: testLogger()})
	defer sd.Close()
	cd := driver.New(driver.Config{Addresses: loop})
	defer cd.Close()
	cfg := rtc.Configuration{
		ICEServers:         []rtc.ICEServer{{URLs: []string{url}, Username: peers.CoturnUser, Credential: peers.CoturnPassword}},
		ICETransportPolicy: rtc.ICETransportPolicyRelay,
	}
	echo := driver.Handler{OnMessage: func(c *driver.Conn, m rtc.Message) {
		if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
			t.Error(err)
		}
	}}
	for i := range 2 {
		b, err := sd.NewPeerConnection(cfg, echo)
		if err != nil {
			t.Fatal(err)
		}
		in := make(chan string, 4)
		a, err := cd.NewPeerConnection(cfg, driver.Handler{OnMessage: func(c *driver.Conn, m rtc.Message) { in <- string(m.Data) }})
		if err != nil {
			t.Fatal(err)
		}
		dc, err := a.CreateDataChannel("x", rtc.DataChannelInit{})
		if err != nil {
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
		if !strings.Contains(ans.SDP, "typ relay") {
			t.Fatalf("server connection %d: no relay candidate:\n%s", i, ans.SDP)
		}
		if err := a.SetAnswer(ans); err != nil {
			t.Fatal(err)
		}
		if err := a.WaitOpen(ctx, dc); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint("through the relay ", i)
		if err := a.Send(dc, []byte(want), false); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-in:
			if got != want {
				t.Fatalf("echo %q", got)
			}
		case <-ctx.Done():
			t.Fatalf("pair %d: no echo", i)
		}
	}
}
