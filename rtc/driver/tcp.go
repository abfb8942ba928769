package driver

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"

	"github.com/sansrtc/rtc/rtc"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ICE-TCP (RFC 6544), with Config.ICETCP: each connection listens on a TCP
// port per host address (its passive candidates, AddLocalTCPAddress) and
// dials when the PeerConnection asks (EventTCPConnect, its active
// candidates). Accepted and dialed connections carry RFC 4571 framed
// segments, which the PeerConnection frames and reassembles itself; the
// driver moves bytes (turn_tcp.go's stream, raw).

// isTURNServer reports whether peer is a TURN server reached over TCP or
// TLS (a TURN stream may be dialed to it). It runs on the loop.
func (c *Conn) isTURNServer(peer netip.AddrPort) bool {
	_, ok := c.pc.TURNTransport(peer)
	return ok
}

// startICETCP gives the connection its passive ICE-TCP addresses: the
// driver's shared port (Config.TCPPort, tcpport.go) or listeners of its
// own, one per host address (Config.ICETCP); called once the connection is
// registered with its loop. An own listener binds the socket's bound
// address and is advertised with its address as the PeerConnection knows
// it (Config.PublicIP).
func (c *Conn) startICETCP() error {
	if c.d.cfg.TCPPort != 0 {
		addrs := make([]netip.Addr, len(c.socks))
		for i, so := range c.socks {
			addrs[i] = so.local.Addr()
		}
		advs, err := c.d.sharedTCP(addrs)
		if err != nil {
			return err
		}
		for _, a := range advs {
			if err := c.Do(func(pc *rtc.PeerConnection) error { return pc.AddLocalTCPAddress(a) }); err != nil {
				return err
			}
		}
		return nil
	}
	c.streams.gate.limit = maxTCPConns
	go func() {
		<-c.done
		c.streams.gate.closeAll()
	}()
	for _, so := range c.socks {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(so.local.Addr(), 0).String())
		if err != nil {
			return err
		}
		addr := netip.AddrPortFrom(so.adv.Addr(), uint16(ln.Addr().(*net.TCPAddr).Port))
		if err := c.Do(func(pc *rtc.PeerConnection) error { return pc.AddLocalTCPAddress(addr) }); err != nil {
			ln.Close()
			return err
		}
		go func() {
			<-c.done
			ln.Close()
		}()
		go c.accept(ln, addr)
	}
	return nil
}

// accept admits every connection to a passive candidate of c's own
// (tcpport.go): its first frame must be a check c accepts.
func (c *Conn) accept(ln net.Listener, local netip.AddrPort) {
	self := func([]byte) *Conn { return c }
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go c.d.admitTCP(nc, local, &c.streams.gate, self)
	}
}

// registerStream registers an ICE-TCP connection (one of maxTCPConns
// slots); false, with nc closed, when the slots are taken or the peer
// already has one. refused, if set, counts the refusal before nc is
// closed, so that a peer that sees the close also sees the count.
func (c *Conn) registerStream(nc net.Conn, local, peer netip.AddrPort, refused *atomic.Uint64) (*stream, bool) {
	key := streamKey{local, peer}
	s := &stream{c: c, key: key, kick: make(chan struct{}, 1), raw: true}
	st := &c.streams
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.m == nil {
		st.m = make(map[streamKey]*stream)
	}
	if old := st.m[key]; old != nil || len(st.m) >= maxTCPConns {
		if refused != nil {
			refused.Add(1)
		}
		nc.Close()
		return nil, false
	}
	st.m[key] = s
	return s, true
}

// addICETCP registers a dialed ICE-TCP connection and starts its
// goroutines.
func (c *Conn) addICETCP(nc net.Conn, local, peer netip.AddrPort) {
	s, ok := c.registerStream(nc, local, peer, nil)
	if !ok {
		return
	}
	c.log.Debug("driver: ICE-TCP connection", "local", local, "peer", peer)
	go s.read(nc)
	go s.writeLoop(nc)
}

// maxTCPConns bounds a connection's TCP connections (ICE-TCP and TURN
// streams); more are closed at once.
const maxTCPConns = 32

// dialICETCP answers EventTCPConnect on a goroutine: it dials from the
// event's local IP and reports the outcome. It runs on the loop.
func (c *Conn) dialICETCP(tr shared.TransportContext) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), streamDialTimeout)
		defer cancel()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: c.boundIP(tr.Local.Addr()).AsSlice()}}
		nc, err := d.DialContext(ctx, "tcp", tr.Peer.String())
		if err != nil {
			c.log.Debug("driver: ICE-TCP dial failed", "peer", tr.Peer, "err", err)
			if err := c.Do(func(pc *rtc.PeerConnection) error { pc.TCPConnectFailed(tr.Peer); return nil }); err != nil {
				c.log.Debug("driver: TCPConnectFailed", "err", err)
			}
			return
		}
		la := nc.LocalAddr().(*net.TCPAddr).AddrPort()
		local := netip.AddrPortFrom(la.Addr().Unmap(), la.Port())
		c.addICETCP(nc, local, tr.Peer)
		if err := c.Do(func(pc *rtc.PeerConnection) error { return pc.TCPConnected(local, tr.Peer) }); err != nil {
			c.log.Debug("driver: TCPConnected", "err", err)
			nc.Close()
		}
	}()
}

// boundIP is the host address a PeerConnection's local address a stands
// for: Config.PublicIP names the one host address.
func (c *Conn) boundIP(a netip.Addr) netip.Addr {
	for _, so := range c.socks {
		if so.adv.Addr() == a {
			return so.local.Addr()
		}
	}
	return a
}
