package iceinterop

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
	calls chan func() // work from other goroutines (signalling callbacks)
}

func newRunner(t *testing.T) *runner {
	return &runner{t: t, in: make(chan packet, 1024), udp: map[netip.AddrPort]*net.UDPConn{},
		tcp: map[[2]netip.AddrPort]net.Conn{}, owner: map[netip.AddrPort]shared.Wire{}, calls: make(chan func(), 256)}
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
					r.t.Errorf("no TCP connection %v", m.Transport)
					continue
				}
				c.Write(m.Message)
				continue
			}
			if !m.Transport.Peer.Addr().IsLoopback() {
				// BROWSERS.md: nothing leaves loopback.
				r.t.Errorf("refusing to send to %v", m.Transport.Peer)
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
	r.flush()
	return nil
}
