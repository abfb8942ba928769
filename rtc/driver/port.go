package driver

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"sync"
)

// One UDP port for every PeerConnection (issue 18, Config.SinglePort): the
// driver binds one socket per host address and demultiplexes what arrives
// on it. A datagram from a known 5-tuple goes to the connection that owns
// it; a datagram from a new 5-tuple is routed only if it is a STUN Binding
// request whose USERNAME starts with the local ufrag of one of our
// connections (RFC 8445 §7.2.2: "local-ufrag:remote-ufrag" from the
// receiver's point of view), and the 5-tuple is learned once that
// connection accepted the request (it authenticated). A connection also
// owns the 5-tuples it sends to. Anything else is dropped and counted
// (Stats.Unrouted).

// portKey is a 5-tuple on a shared socket (the protocol is UDP).
type portKey struct {
	sock *socket
	peer netip.AddrPort
}

// ports is the routing table of the shared sockets. Readers take the read
// lock once per batch; loops take the write lock when a connection learns
// or forgets a 5-tuple or a ufrag.
type ports struct {
	mu     sync.RWMutex
	socks  []*socket
	tuples map[portKey]*Conn
	ufrags map[string]*Conn
	txs    map[[12]byte]serverTx // STUN server transactions (portservers.go)
}

// sharedSockets binds the driver's sockets on first use and starts their
// readers.
func (d *Driver) sharedSockets(addrs []netip.Addr) ([]*socket, error) {
	d.ports.mu.Lock()
	defer d.ports.mu.Unlock()
	if d.ports.socks != nil {
		return d.ports.socks, nil
	}
	var socks []*socket
	for _, a := range addrs {
		so, err := listenPort(a, d.cfg.Port, d.cfg.DisableSegmentation)
		if err != nil {
			for _, s := range socks {
				_ = s.conn.Close()
			}
			return nil, fmt.Errorf("driver: shared socket on %v port %d: %w", a, d.cfg.Port, err)
		}
		socks = append(socks, so)
	}
	if err := d.advertise(socks); err != nil {
		for _, s := range socks {
			_ = s.conn.Close()
		}
		return nil, err
	}
	d.ports.socks = socks
	d.ports.tuples = map[portKey]*Conn{}
	if d.ports.ufrags == nil { // learnUfrag may have made it (Config.TCPPort)
		d.ports.ufrags = map[string]*Conn{}
	}
	for _, so := range socks {
		d.readers.Add(1)
		go func() {
			defer d.readers.Done()
			per := make([]*[]datagram, len(d.shards))
			so.readLoop(func(b *[]datagram) bool { return d.route(so, b, per) })
		}()
	}
	return socks, nil
}

// advertise sets the address each socket is known by (Config.PublicIP).
func (d *Driver) advertise(socks []*socket) error {
	if !d.cfg.PublicIP.IsValid() {
		return nil
	}
	if len(socks) != 1 {
		return fmt.Errorf("driver: PublicIP needs exactly one host address, have %d", len(socks))
	}
	socks[0].adv = netip.AddrPortFrom(d.cfg.PublicIP, socks[0].local.Port())
	return nil
}

// route hands one batch from a shared socket to the loops of the
// connections its datagrams belong to (reader goroutine). per is the
// reader's scratch: one batch per loop. It always takes the batch and
// returns true, even once the driver is closing (it then frees the
// datagrams): returning false would make readLoop free the batch again,
// which route has already recycled (a double Put that poisoned bufPool
// with nil buffers). The reader ends when Close closes the socket.
func (d *Driver) route(so *socket, b *[]datagram, per []*[]datagram) bool {
	d.ports.mu.RLock()
	for _, dg := range *b {
		c := d.ports.tuples[portKey{so, dg.from}]
		if c == nil {
			if ufrag, ok := stunLocalUfrag((*dg.buf)[:dg.n]); ok {
				c = d.ports.ufrags[string(ufrag)]
				dg.learn = c != nil
			} else if len(d.ports.txs) > 0 {
				c = d.routeServerTx((*dg.buf)[:dg.n]) // portservers.go
			}
		}
		if c == nil {
			d.unrouted.Add(1)
			bufPool.Put(dg.buf)
			continue
		}
		dg.conn = c
		i := c.s.index
		if per[i] == nil {
			per[i] = batchPool.Get().(*[]datagram)
		}
		*per[i] = append(*per[i], dg)
	}
	d.ports.mu.RUnlock()
	putBatch(b)
	ok := true
	select {
	case <-d.done:
		ok = false
	default:
	}
	for i, pb := range per {
		if pb == nil {
			continue
		}
		per[i] = nil
		if ok {
			select {
			case d.shards[i].inbox <- pb:
				continue
			case <-d.done:
				ok = false
			}
		}
		for _, dg := range *pb {
			bufPool.Put(dg.buf)
		}
		putBatch(pb)
	}
	return true
}

// stunLocalUfrag returns the local ufrag of a STUN Binding request's
// USERNAME ("local:remote" for the receiver, RFC 8445 §7.2.2), aliasing b,
// without parsing the rest: the PeerConnection checks the message. It
// reads the header (RFC 8489 §5: two zero bits, type 0x0001, length,
// magic cookie) and walks the attributes (§14: type, length, value padded
// to 4 bytes) up to USERNAME (0x0006).
func stunLocalUfrag(b []byte) ([]byte, bool) {
	if len(b) < 20 || b[0]&0xc0 != 0 || binary.BigEndian.Uint16(b) != 0x0001 ||
		binary.BigEndian.Uint32(b[4:]) != 0x2112a442 {
		return nil, false
	}
	end := 20 + int(binary.BigEndian.Uint16(b[2:]))
	if end > len(b) {
		return nil, false
	}
	for off := 20; off+4 <= end; {
		t, l := binary.BigEndian.Uint16(b[off:]), int(binary.BigEndian.Uint16(b[off+2:]))
		if off+4+l > end {
			return nil, false
		}
		if t == 0x0006 {
			v := b[off+4 : off+4+l]
			for i, ch := range v {
				if ch == ':' {
					if i == 0 {
						return nil, false
					}
					return v[:i], true
				}
			}
			return nil, false
		}
		off += 4 + (l+3)&^3
	}
	return nil, false
}

// learnTuple gives c the 5-tuple (loop goroutine), unless another
// connection owns it.
func (d *Driver) learnTuple(c *Conn, k portKey) {
	if _, ok := c.tuples[k]; ok {
		return
	}
	d.ports.mu.Lock()
	owner := d.ports.tuples[k]
	if owner == nil {
		d.ports.tuples[k] = c
	}
	d.ports.mu.Unlock()
	if owner != nil && owner != c {
		c.log.Debug("5-tuple owned by another connection", "peer", k.peer, "owner", owner.id)
		return
	}
	if c.tuples == nil {
		c.tuples = map[portKey]struct{}{}
	}
	c.tuples[k] = struct{}{}
}

// learnUfrag routes new 5-tuples whose STUN USERNAME starts with c's
// current local ufrag to c (loop goroutine, after every Conn.Do).
func (d *Driver) learnUfrag(c *Conn) {
	ufrag := localUfrag(c.pc.LocalDescription().SDP)
	if ufrag == "" || ufrag == c.ufrag {
		return
	}
	d.ports.mu.Lock()
	if d.ports.ufrags == nil {
		d.ports.ufrags = map[string]*Conn{}
	}
	owner := d.ports.ufrags[ufrag]
	if owner == nil {
		d.ports.ufrags[ufrag] = c
	}
	d.ports.mu.Unlock()
	if owner != nil && owner != c {
		c.report(fmt.Errorf("driver: local ufrag %q already used by connection %d", ufrag, owner.id))
		return
	}
	c.ufrag = ufrag
	c.ufrags = append(c.ufrags, ufrag) // the old one stays during an ICE restart
}

// forget removes c's 5-tuples and ufrags (loop goroutine, at teardown).
func (d *Driver) forget(c *Conn) {
	d.ports.mu.Lock()
	for k := range c.tuples {
		if d.ports.tuples[k] == c {
			delete(d.ports.tuples, k)
		}
	}
	for _, u := range c.ufrags {
		if d.ports.ufrags[u] == c {
			delete(d.ports.ufrags, u)
		}
	}
	d.forgetServerTx(c)
	d.ports.mu.Unlock()
	c.tuples, c.ufrags = nil, nil
	c.closeTURNSockets()
}

// localUfrag is the first a=ice-ufrag of a description.
func localUfrag(sdp string) string {
	const attr = "a=ice-ufrag:"
	for len(sdp) > 0 {
		line := sdp
		if i := strings.IndexByte(sdp, '\n'); i >= 0 {
			line, sdp = sdp[:i], sdp[i+1:]
		} else {
			sdp = ""
		}
		if len(line) > len(attr) && line[:len(attr)] == attr {
			v := line[len(attr):]
			for len(v) > 0 && (v[len(v)-1] == '\r' || v[len(v)-1] == ' ') {
				v = v[:len(v)-1]
			}
			// A copy: the ufrag is kept for the connection's life, and a
			// substring would keep the whole description (about 1.7 KB per
			// PeerConnection on a shared port, issue 18).
			return strings.Clone(v)
		}
	}
	return ""
}
