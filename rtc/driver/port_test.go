package driver

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/sansrtc/rtc/rtc"
)

// TestSinglePort (issue 18): 8 PeerConnections of one driver share one UDP
// socket; each connects to its own peer on another driver and echoes, at
// the same time. A datagram from an unknown 5-tuple is dropped and
// counted; closing every connection leaves the routing table empty.
func TestSinglePort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	server := New(Config{Addresses: loopback, SinglePort: true, Loops: 2})
	defer server.Close()
	clients := New(Config{Addresses: loopback})
	defer clients.Close()
	const n = 8
	type pair struct {
		a, b *Conn
		dc   *rtc.DataChannel
		in   chan string
	}
	var pairs []pair
	for range n {
		b, err := server.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(c *Conn, m rtc.Message) {
			if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
				t.Error(err)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		in := make(chan string, 16)
		a, err := clients.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(c *Conn, m rtc.Message) { in <- string(m.Data) }})
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, pair{a, b, connectPair(t, ctx, a, b), in})
	}
	port := pairs[0].b.LocalAddresses()[0]
	for _, p := range pairs {
		if got := p.b.LocalAddresses(); len(got) != 1 || got[0] != port {
			t.Fatalf("server connection on %v, want the shared %v", got, port)
		}
	}
	if len(server.ports.socks) != 1 {
		t.Fatalf("%d shared sockets", len(server.ports.socks))
	}
	var wg sync.WaitGroup
	for i, p := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				want := fmt.Sprintf("%d/%d", i, j)
				if err := p.a.Send(p.dc, []byte(want), false); err != nil {
					t.Error(err)
					return
				}
				select {
				case got := <-p.in:
					if got != want {
						t.Errorf("pair %d: %q, want %q", i, got, want)
						return
					}
				case <-ctx.Done():
					t.Errorf("pair %d: no echo %d", i, j)
					return
				}
			}
		}()
	}
	wg.Wait()

	// Junk from a 5-tuple nobody owns.
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	before := server.Stats().Unrouted
	for range 10 {
		if _, err := u.WriteToUDPAddrPort([]byte{23, 0xfe, 0xfd, 0, 1, 2, 3}, port); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for server.Stats().Unrouted < before+10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := server.Stats().Unrouted - before; got != 10 {
		t.Errorf("%d unrouted datagrams counted, want 10", got)
	}

	for _, p := range pairs {
		if err := p.b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	server.ports.mu.RLock()
	left := len(server.ports.tuples) + len(server.ports.ufrags)
	server.ports.mu.RUnlock()
	if left != 0 {
		t.Errorf("%d routes left after every connection closed", left)
	}
	for _, p := range pairs {
		select {
		case <-p.a.Done():
		case <-time.After(time.Second):
			t.Fatal("a client did not see its server connection close")
		}
	}
}

// TestSinglePortConfig: the fixed port is used; ICE servers are accepted;
// PublicIP without SinglePort is refused; PublicIP is what the candidates carry.
func TestSinglePortConfig(t *testing.T) {
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	port := u.LocalAddr().(*net.UDPAddr).Port
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	d := New(Config{Addresses: loopback, SinglePort: true, Port: port, PublicIP: loopback[0].Next()})
	defer d.Close()
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.LocalAddresses()[0]; got.Port() != uint16(port) || got.Addr() != loopback[0].Next() {
		t.Errorf("advertised %v, want %v:%d", got, loopback[0].Next(), port)
	}
	if got := d.ports.socks[0].local; got.Addr() != loopback[0] {
		t.Errorf("bound %v", got)
	}
	if _, err := d.NewPeerConnection(rtc.Configuration{ICEServers: []rtc.ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}}}, Handler{}); err != nil {
		t.Errorf("ICE servers on a single port: %v", err) // portservers.go
	}
	d2 := New(Config{Addresses: loopback, PublicIP: loopback[0]})
	defer d2.Close()
	if _, err := d2.NewPeerConnection(rtc.Configuration{}, Handler{}); err == nil {
		t.Error("PublicIP accepted without SinglePort")
	}
}

// stunRequest builds a Binding request with the given attributes
// (type, value) for the USERNAME peek.
func stunRequest(attrs ...any) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b, 0x0001)
	binary.BigEndian.PutUint32(b[4:], 0x2112a442)
	for i := 0; i+1 < len(attrs); i += 2 {
		v := []byte(attrs[i+1].(string))
		b = binary.BigEndian.AppendUint16(b, uint16(attrs[i].(int)))
		b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-20))
	return b
}

func TestStunLocalUfrag(t *testing.T) {
	ok := stunRequest(0x0024, "prio", 0x0006, "abcd:wxyz")
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"after another attribute", ok, "abcd"},
		{"first", stunRequest(0x0006, "u1:u2"), "u1"},
		{"no colon", stunRequest(0x0006, "abcd"), ""},
		{"empty local", stunRequest(0x0006, ":x"), ""},
		{"no USERNAME", stunRequest(0x0024, "prio"), ""},
		{"a response", func() []byte { b := stunRequest(0x0006, "a:b"); b[1] = 0x01; b[0] = 0x01; return b }(), ""},
		{"bad cookie", func() []byte { b := stunRequest(0x0006, "a:b"); b[4] = 0; return b }(), ""},
		{"cut", ok[:len(ok)-4], ""},
		{"length past the end", func() []byte { b := stunRequest(0x0006, "a:b"); b[22+1] = 200; return b }(), ""},
		{"DTLS", []byte{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ""},
	} {
		got, found := stunLocalUfrag(tc.b)
		if string(got) != tc.want || found != (tc.want != "") {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, found, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { stunLocalUfrag(ok) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// FuzzStunLocalUfrag: the USERNAME peek never panics, and what it returns
// lies inside a USERNAME attribute of the input, before a colon.
func FuzzStunLocalUfrag(f *testing.F) {
	f.Add(stunRequest(0x0024, "prio", 0x0006, "abcd:wxyz"))
	f.Add(stunRequest(0x0006, ":"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		u, ok := stunLocalUfrag(b)
		if ok && (len(u) == 0 || len(b) < 20+4+len(u)+1) {
			t.Fatalf("ufrag %q from %d bytes", u, len(b))
		}
	})
}

// TestSinglePortICELite (issue 18): a SinglePort driver in ICE-lite mode
// serves full agents (as a browser is: it gathers, checks and nominates)
// through its one UDP port, whichever side offers. The lite side's
// description carries a=ice-lite (RFC 8445 §2.5, RFC 8839 §5.3), every
// connection echoes, and ICE servers are refused in lite mode.
func TestSinglePortICELite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	server := New(Config{Addresses: loopback, SinglePort: true, ICELite: true, Loops: 2})
	defer server.Close()
	clients := New(Config{Addresses: loopback})
	defer clients.Close()
	echo := Handler{OnMessage: func(c *Conn, m rtc.Message) {
		if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
			t.Error(err)
		}
	}}
	for i, serverOffers := range []bool{false, true, false, true} {
		// The offerer opens the channel and receives the answerer's echo.
		in := make(chan string, 4)
		recv := Handler{OnMessage: func(c *Conn, m rtc.Message) { in <- string(m.Data) }}
		sh, ch := echo, recv
		if serverOffers {
			sh, ch = recv, echo
		}
		s, err := server.NewPeerConnection(rtc.Configuration{}, sh)
		if err != nil {
			t.Fatal(err)
		}
		c, err := clients.NewPeerConnection(rtc.Configuration{}, ch)
		if err != nil {
			t.Fatal(err)
		}
		offerer, answerer := c, s
		if serverOffers {
			offerer, answerer = s, c
		}
		dc, err := offerer.CreateDataChannel("x", rtc.DataChannelInit{})
		if err != nil {
			t.Fatal(err)
		}
		off, err := offerer.OfferAfterGathering(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := answerer.AnswerAfterGathering(ctx, off)
		if err != nil {
			t.Fatal(err)
		}
		lite, full := ans.SDP, off.SDP
		if serverOffers {
			lite, full = off.SDP, ans.SDP
		}
		if !strings.Contains(lite, "a=ice-lite") || strings.Contains(full, "a=ice-lite") {
			t.Fatalf("pair %d: a=ice-lite not on the server's description only", i)
		}
		if err := offerer.SetAnswer(ans); err != nil {
			t.Fatal(err)
		}
		if err := offerer.WaitOpen(ctx, dc); err != nil {
			t.Fatalf("pair %d: %v", i, err)
		}
		if got := s.LocalAddresses(); len(got) != 1 || got[0] != server.ports.socks[0].adv {
			t.Fatalf("pair %d: server connection on %v, not the shared port", i, got)
		}
		want := fmt.Sprintf("hello %d", i)
		if err := offerer.Send(dc, []byte(want), false); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-in:
			if got != want {
				t.Fatalf("pair %d: %q, want %q", i, got, want)
			}
		case <-ctx.Done():
			t.Fatalf("pair %d: no echo", i)
		}
	}
	if len(server.ports.socks) != 1 {
		t.Fatalf("%d shared sockets", len(server.ports.socks))
	}
	if _, err := server.NewPeerConnection(rtc.Configuration{ICEServers: []rtc.ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}}}, Handler{}); err == nil {
		t.Error("ICE servers accepted in ICE-lite mode")
	}
}

// TestRouteAfterClose: a shared socket's reader that routes a batch while
// the driver closes keeps ownership with route (it returns true and frees
// the datagrams itself). Before, it returned false, and readLoop freed the
// batch route had already recycled: nil buffers in bufPool, and a panic in
// another socket's reader (seen in the package's tests).
func TestRouteAfterClose(t *testing.T) {
	d := New(Config{Addresses: loopback, SinglePort: true})
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	so := d.ports.socks[0]
	peer := netip.MustParseAddrPort("127.0.0.1:9")
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	// A 5-tuple still routed to c, as one is while the loops stop.
	d.ports.tuples[portKey{so, peer}] = c
	b := batchPool.Get().(*[]datagram)
	*b = append((*b)[:0], datagram{sock: so, from: peer, buf: bufPool.Get().(*[]byte), n: 4})
	if !d.route(so, b, make([]*[]datagram, len(d.shards))) {
		t.Fatal("route gave the batch back after recycling it")
	}
}

// TestLocalUfragIsACopy: the ufrag the driver keeps for a connection's life
// does not share the description's memory, which it would keep alive
// (issue 18: 1.7 KB per PeerConnection on a shared port).
func TestLocalUfragIsACopy(t *testing.T) {
	sdp := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:AbCd\r\na=ice-pwd:0123456789abcdef012345\r\n"
	u := localUfrag(sdp)
	if u != "AbCd" {
		t.Fatalf("ufrag %q, want AbCd", u)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(sdp)))
	p := uintptr(unsafe.Pointer(unsafe.StringData(u)))
	if p >= start && p < start+uintptr(len(sdp)) {
		t.Fatal("the ufrag points into the description: the description stays alive with it")
	}
}
