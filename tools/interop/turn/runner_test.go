package turninterop

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// requireBinary skips the test when name is not installed, unless
// SANSRTC_REQUIRE_INTEROP=1, in which case it fails.
func requireBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SANSRTC_REQUIRE_INTEROP") == "1" {
			t.Fatalf("%s not found and SANSRTC_REQUIRE_INTEROP=1: %v", name, err)
		}
		t.Skipf("%s not installed; skipping interop test", name)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(u.LocalAddr().(*net.UDPAddr).Port)))
	if err != nil {
		return freePort(t) // the TCP port is taken: try another
	}
	l.Close()
	return u.LocalAddr().(*net.UDPAddr).Port
}

// startCoturn runs Debian's turnserver on 127.0.0.1 with the long-term user
// test:test in realm test (the flags of ../shared/BROWSERS.md, plus
// --allow-loopback-peers since every peer here is on loopback) and waits
// until it answers a Binding request.
func startCoturn(t *testing.T) netip.AddrPort {
	t.Helper()
	bin := requireBinary(t, "turnserver")
	port := freePort(t)
	dir := t.TempDir()
	minPort := 40000 + port%20000
	cmd := exec.Command(bin, "-n",
		"--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port="+strconv.Itoa(port),
		"--min-port="+strconv.Itoa(minPort), "--max-port="+strconv.Itoa(minPort+200),
		"--no-tls", "--no-dtls", "--lt-cred-mech", "--user=test:test", "--realm=test",
		"--no-cli", "--no-multicast-peers", "--allow-loopback-peers",
		"--pidfile="+filepath.Join(dir, "turn.pid"), "--log-file="+filepath.Join(dir, "turn.log"), "--no-stdout-log")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "turn.log")); err == nil {
				t.Logf("coturn log (tail):\n%s", tail(string(b), 3000))
			}
		}
	})
	server := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	buf := make([]byte, 1500)
	for i := 0; i < 100; i++ {
		b := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{byte(i), 1, 2, 3})
		req, _ := b.Bytes()
		u.WriteToUDPAddrPort(req, server)
		u.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _, err := u.ReadFromUDPAddrPort(buf); err == nil && stun.IsMessage(buf[:n]) {
			return server
		}
	}
	t.Fatal("coturn did not answer")
	return netip.AddrPort{}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// packet is one read from a real socket.
type packet struct {
	tr   shared.TransportContext
	data []byte
	err  error
}

// runner drives sans-I/O endpoints (shared.Wire) over real loopback
// sockets: UDP sockets it opens, and TCP connections it dials.
type runner struct {
	t     *testing.T
	in    chan packet
	udp   map[netip.AddrPort]*net.UDPConn
	tcp   map[[2]netip.AddrPort]net.Conn
	owner map[netip.AddrPort]shared.Wire
	eps   []shared.Wire
}

func newRunner(t *testing.T) *runner {
	return &runner{t: t, in: make(chan packet, 1024), udp: map[netip.AddrPort]*net.UDPConn{},
		tcp: map[[2]netip.AddrPort]net.Conn{}, owner: map[netip.AddrPort]shared.Wire{}}
}

// listenUDP opens a loopback UDP socket for ep and returns its address.
func (r *runner) listenUDP(ep shared.Wire) netip.AddrPort {
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { u.Close() })
	addr := u.LocalAddr().(*net.UDPAddr).AddrPort()
	r.udp[addr] = u
	r.own(ep, addr)
	go func() {
		for {
			buf := make([]byte, 2048)
			n, from, err := u.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			r.in <- packet{tr: shared.TransportContext{Local: addr, Peer: netip.AddrPortFrom(from.Addr().Unmap(), from.Port())}, data: buf[:n]}
		}
	}()
	return addr
}

// dialTCP connects to server for ep and returns the local address.
func (r *runner) dialTCP(ep shared.Wire, server netip.AddrPort) netip.AddrPort {
	c, err := net.Dial("tcp4", server.String())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	r.tcp[[2]netip.AddrPort{local, server}] = c
	r.own(ep, local)
	go func() {
		for {
			buf := make([]byte, 4096)
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			r.in <- packet{tr: shared.TransportContext{Local: local, Peer: server, Protocol: shared.TCP}, data: buf[:n]}
		}
	}()
	return local
}

// dialAs connects to server for ep and labels the connection's reads with
// local (not the connection's real local address).
func (r *runner) dialAs(ep shared.Wire, local, server netip.AddrPort) net.Conn {
	c, err := net.Dial("tcp4", server.String())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	r.tcp[[2]netip.AddrPort{local, server}] = c
	go func() {
		for {
			buf := make([]byte, 4096)
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			r.in <- packet{tr: shared.TransportContext{Local: local, Peer: server, Protocol: shared.TCP}, data: buf[:n]}
		}
	}()
	return c
}

func (r *runner) own(ep shared.Wire, addr netip.AddrPort) {
	r.owner[addr] = ep
	for _, e := range r.eps {
		if e == ep {
			return
		}
	}
	r.eps = append(r.eps, ep)
}

func (r *runner) flush() {
	for _, ep := range r.eps {
		for {
			m, ok := ep.PollWrite()
			if !ok {
				break
			}
			if m.Transport.Protocol == shared.TCP {
				c := r.tcp[[2]netip.AddrPort{m.Transport.Local, m.Transport.Peer}]
				if c == nil {
					// An ICE agent's TURN-over-TCP allocation names its host
					// address as Local: open the connection on demand and
					// report its reads under that name.
					c = r.dialAs(ep, m.Transport.Local, m.Transport.Peer)
				}
				c.Write(m.Message)
				continue
			}
			u := r.udp[m.Transport.Local]
			if u == nil {
				r.t.Errorf("no socket for %v", m.Transport)
				continue
			}
			u.WriteToUDPAddrPort(m.Message, m.Transport.Peer)
		}
	}
}

// run drives every endpoint until cond holds or the wall-clock limit passes.
func (r *runner) run(what string, limit time.Duration, cond func() bool) error {
	end := time.Now().Add(limit)
	for !cond() {
		r.flush()
		if cond() {
			break
		}
		now := time.Now()
		if now.After(end) {
			return fmt.Errorf("%s: timed out after %v", what, limit)
		}
		wait := end.Sub(now)
		for _, ep := range r.eps {
			if d, ok := ep.PollTimeout(); ok && d.Sub(now) < wait {
				wait = max(d.Sub(now), 0)
			}
		}
		timer := time.NewTimer(wait)
		select {
		case p := <-r.in:
			timer.Stop()
			if ep := r.owner[p.tr.Local]; ep != nil {
				ep.HandleRead(shared.TaggedBytes{Now: time.Now(), Transport: p.tr, Message: p.data})
			}
		case <-timer.C:
			now := time.Now()
			for _, ep := range r.eps {
				if d, ok := ep.PollTimeout(); ok && !d.After(now) {
					ep.HandleTimeout(now)
				}
			}
		}
	}
	r.flush()
	return nil
}
