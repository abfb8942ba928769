package peers

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// packet is one read from a real socket.
type packet struct {
	tr   shared.TransportContext
	data []byte
}

// Runner drives sans-I/O endpoints (shared.Wire) over real loopback
// sockets: UDP sockets it opens, and TCP connections it dials. Everything
// runs on the goroutine that calls Run; socket readers only queue what
// they read. Nothing is sent off loopback: such a write fails the test.
type Runner struct {
	t     testing.TB
	in    chan packet
	udp   map[netip.AddrPort]*net.UDPConn
	tcp   map[[2]netip.AddrPort]net.Conn
	owner map[netip.AddrPort]shared.Wire
	eps   []shared.Wire
	calls chan func()
}

// NewRunner returns a Runner whose sockets close when t ends.
func NewRunner(t testing.TB) *Runner {
	return &Runner{t: t, in: make(chan packet, 1024), udp: map[netip.AddrPort]*net.UDPConn{},
		tcp: map[[2]netip.AddrPort]net.Conn{}, owner: map[netip.AddrPort]shared.Wire{}, calls: make(chan func(), 256)}
}

// Call queues f to run on the Run goroutine (for callbacks of other
// stacks, which run on their own goroutines).
func (r *Runner) Call(f func()) { r.calls <- f }

// ListenUDP opens a loopback UDP socket for ep and returns its address.
func (r *Runner) ListenUDP(ep shared.Wire) netip.AddrPort {
	u := ListenUDP(r.t)
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

// DialTCP connects to server for ep and returns the local address.
func (r *Runner) DialTCP(ep shared.Wire, server netip.AddrPort) netip.AddrPort {
	c := r.dial(server)
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	r.readTCP(c, local, server)
	r.own(ep, local)
	return local
}

func (r *Runner) dial(server netip.AddrPort) net.Conn {
	if !server.Addr().Unmap().IsLoopback() {
		r.t.Fatalf("refusing to connect to %v (loopback only)", server)
	}
	c, err := net.Dial("tcp4", server.String())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	return c
}

// readTCP records c as the connection from local to server and queues its
// reads under that name.
func (r *Runner) readTCP(c net.Conn, local, server netip.AddrPort) {
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
}

func (r *Runner) own(ep shared.Wire, addr netip.AddrPort) {
	r.owner[addr] = ep
	for _, e := range r.eps {
		if e == ep {
			return
		}
	}
	r.eps = append(r.eps, ep)
}

// Flush sends everything the endpoints have to write.
func (r *Runner) Flush() {
	for _, ep := range r.eps {
		for {
			m, ok := ep.PollWrite()
			if !ok {
				break
			}
			if !m.Transport.Peer.Addr().Unmap().IsLoopback() {
				// BROWSERS.md: nothing leaves loopback.
				r.t.Errorf("refusing to send to %v", m.Transport.Peer)
				continue
			}
			if m.Transport.Protocol == shared.TCP {
				key := [2]netip.AddrPort{m.Transport.Local, m.Transport.Peer}
				c := r.tcp[key]
				if c == nil {
					// An ICE agent's TURN-over-TCP allocation names its host
					// address as Local: open the connection on demand and
					// report its reads under that name.
					c = r.dial(m.Transport.Peer)
					r.readTCP(c, m.Transport.Local, m.Transport.Peer)
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

// Run drives every endpoint until cond holds or the wall-clock limit
// passes: it flushes writes, feeds reads to the endpoint that owns the
// local address, runs queued calls, and fires due timeouts.
func (r *Runner) Run(what string, limit time.Duration, cond func() bool) error {
	end := time.Now().Add(limit)
	for !cond() {
		r.Flush()
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
		case f := <-r.calls:
			timer.Stop()
			f()
		case <-timer.C:
			now := time.Now()
			for _, ep := range r.eps {
				if d, ok := ep.PollTimeout(); ok && !d.After(now) {
					ep.HandleTimeout(now)
				}
			}
		}
	}
	r.Flush()
	return nil
}
