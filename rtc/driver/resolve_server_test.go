package driver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// TestICEServerNamesResolvedOffLoop (issue 16): ICE server URLs with DNS
// names. NewPeerConnection returns at once while the DNS server hangs (it
// used to resolve inside NewPeerConnection, blocking its caller up to 5 s);
// the PeerConnection asks with EventResolveICEServer and the driver answers
// from a goroutine. "localhost" (from the hosts file) resolves, and the
// agent sends its STUN request there; "nosuch.invalid" fails, and gathering
// completes only once that failure is answered. The test's resolver dials
// no DNS server: no packet leaves the machine.
func TestICEServerNamesResolvedOffLoop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stun, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stun.Close()
	port := stun.LocalAddr().(*net.UDPAddr).Port
	release := make(chan struct{})
	dns := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil, errors.New("test: no DNS server")
	}}
	d := New(Config{Addresses: loopback, DNS: dns})
	defer d.Close()
	asked := make(chan string, 4)
	start := time.Now()
	c, err := d.NewPeerConnection(rtc.Configuration{ICEServers: []rtc.ICEServer{{URLs: []string{
		fmt.Sprintf("stun:localhost:%d", port), "stun:nosuch.invalid:3478",
	}}}}, Handler{OnEvent: func(_ *Conn, e rtc.Event) {
		if e.Kind == rtc.EventResolveICEServer {
			asked <- e.Hostname
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("NewPeerConnection took %v with a hanging DNS server", el)
	}
	if _, err := c.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		sdp string
		err error
	}
	done := make(chan result, 1)
	go func() {
		off, err := c.OfferAfterGathering(ctx)
		done <- result{off.SDP, err}
	}()
	// localhost resolved: the agent's Binding request reaches the server.
	buf := make([]byte, 1500)
	if err := stun.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, from, err := stun.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no STUN request at the server named localhost: %v", err)
	}
	if n < 20 || buf[0] != 0 || buf[1] != 1 { // RFC 8489 §5: Binding request
		t.Fatalf("server got %d bytes from %v, not a Binding request: % x", n, from, buf[:min(n, 20)])
	}
	go serveBinding(stun, buf[:n], from)
	// nosuch.invalid is still being looked up: gathering is not complete.
	select {
	case r := <-done:
		t.Fatalf("gathering completed before the failing name was answered (err %v)", r.err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("offer after gathering: %v", r.err)
		}
		if want := " 127.0.0.1 "; !strings.Contains(r.sdp, want) {
			t.Fatalf("offer without a host candidate:\n%s", r.sdp)
		}
	case <-ctx.Done():
		t.Fatal("gathering never completed after the failing name was answered")
	}
	got := map[string]bool{}
	for len(asked) > 0 {
		got[<-asked] = true
	}
	if !got["localhost"] || !got["nosuch.invalid"] || len(got) != 2 {
		t.Fatalf("EventResolveICEServer asked %v, want localhost and nosuch.invalid", got)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOrderServerAddrs: IPv4 first, mapped addresses unmapped, invalid
// ones dropped.
func TestOrderServerAddrs(t *testing.T) {
	in := []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("::ffff:10.0.0.1"), {}, netip.MustParseAddr("127.0.0.1")}
	got := fmt.Sprint(orderServerAddrs(in))
	if want := "[10.0.0.1 127.0.0.1 ::1]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// serveBinding answers req and every later Binding request on pc with a
// success response carrying XOR-MAPPED-ADDRESS (RFC 8489 §14.2), until pc
// is closed.
func serveBinding(pc net.PacketConn, req []byte, from net.Addr) {
	buf := make([]byte, 1500)
	for {
		if len(req) >= 20 && req[0] == 0 && req[1] == 1 {
			ua := from.(*net.UDPAddr)
			ip := ua.IP.To4()
			resp := make([]byte, 32)
			copy(resp, []byte{0x01, 0x01, 0, 12})
			copy(resp[4:20], req[4:20]) // magic cookie, transaction ID
			copy(resp[20:], []byte{0, 0x20, 0, 8, 0, 1})
			binary.BigEndian.PutUint16(resp[26:], uint16(ua.Port)^0x2112)
			for i := range 4 {
				resp[28+i] = ip[i] ^ resp[4+i]
			}
			if _, err := pc.WriteTo(resp, from); err != nil {
				return
			}
		}
		if err := pc.SetReadDeadline(time.Time{}); err != nil {
			return
		}
		n, f, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		req, from = buf[:n], f
	}
}
