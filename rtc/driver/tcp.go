package driver

import (
	"context"
	"net"
	"net/netip"

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

// startICETCP opens the passive listeners; called once the connection is
// registered with its loop.
func (c *Conn) startICETCP() error {
	for _, so := range c.socks {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(so.adv.Addr(), 0).String())
		if err != nil {
			return err
		}
		addr := ln.Addr().(*net.TCPAddr).AddrPort()
		addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
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

// accept registers every connection to a passive candidate.
func (c *Conn) accept(ln net.Listener, local netip.AddrPort) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		ra := nc.RemoteAddr().(*net.TCPAddr).AddrPort()
		c.addICETCP(nc, local, netip.AddrPortFrom(ra.Addr().Unmap(), ra.Port()))
	}
}

// addICETCP registers an ICE-TCP connection and starts its goroutines.
func (c *Conn) addICETCP(nc net.Conn, local, peer netip.AddrPort) {
	key := streamKey{local, peer}
	s := &stream{c: c, key: key, kick: make(chan struct{}, 1), raw: true}
	st := &c.streams
	st.mu.Lock()
	if st.m == nil {
		st.m = make(map[streamKey]*stream)
	}
	if old := st.m[key]; old != nil || len(st.m) >= maxTCPConns {
		st.mu.Unlock()
		nc.Close()
		return
	}
	st.m[key] = s
	st.mu.Unlock()
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
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: tr.Local.Addr().AsSlice()}}
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
