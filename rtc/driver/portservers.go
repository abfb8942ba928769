package driver

import (
	"encoding/binary"
	"fmt"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ICE servers with Config.SinglePort (issue 18). Every connection sends
// from the same shared socket, so a STUN or TURN server sees one source
// 5-tuple for all of them, and its answers cannot be routed by 5-tuple:
//
//   - Server-reflexive gathering stays on the shared socket, so the srflx
//     candidate is the shared port's mapping, the one peers must reach. A
//     Binding request without USERNAME is a request to a STUN server (an
//     ICE check always carries one, RFC 8445 §7.2.2); the driver notes its
//     transaction ID (RFC 8489 §5: 96 random bits, the same on every
//     retransmission) for the connection that sent it, and routes a
//     Binding response from a 5-tuple nobody owns by that ID. The server's
//     5-tuple is not given to the sender.
//   - A TURN allocation is bound to its 5-tuple at the server (RFC 8656
//     §2.2: one allocation per 5-tuple), so the connections cannot each
//     allocate through the shared socket. TURN over UDP (the requests,
//     ChannelData and Send indications to a UDP TURN server) goes through
//     a socket of the connection's own instead, bound on the same host
//     address, opened on first use; what it receives goes to that
//     connection under the shared socket's address, so the PeerConnection
//     sees one local address. TURN over TCP and TLS has its own
//     connections anyway (turn_tcp.go).

// Limits of the transaction table.
const (
	// maxServerTx bounds the transactions noted for routing; beyond it a
	// request is still sent, and its response counted as unrouted.
	maxServerTx = 1 << 14
	// serverTxLife is how long a transaction stays routable: longer than
	// a STUN client's 39.5 s of retransmissions (RFC 8489 §6.2.1).
	serverTxLife = 45 * time.Second
	// maxConnServerTx is how many of a connection's latest server
	// transactions stay routable (one per server and host address, and
	// the retries of those that timed out).
	maxConnServerTx = 16
)

// serverTx is a noted transaction: who sent it, and until when to route.
type serverTx struct {
	c     *Conn
	until time.Time
}

// sendShared handles a datagram c sends on its shared socket i when it
// concerns an ICE server: TURN over UDP leaves on c's own TURN socket
// (true: sent), a STUN server request is noted for its response (false:
// send it on the shared socket). Any other datagram makes its destination
// c's, as before (false). It runs on c's loop.
func (d *Driver) sendShared(c *Conn, i int, tb shared.TaggedBytes) bool {
	so := c.socks[i]
	b := tb.Message
	if isTURNUDP(b) {
		if tr, ok := c.pc.TURNTransport(tb.Transport.Peer); ok && tr.Protocol == shared.UDP {
			ts, err := c.turnSocket(so)
			if err != nil {
				c.sendErr(err)
				if c.release != nil {
					c.release(b)
				}
				return true
			}
			ts.writer.queue(tb.Transport.Peer, b, c.release)
			c.sendErr(ts.writer.flush())
			return true
		}
	}
	if id, ok := serverRequestID(b); ok {
		d.noteServerTx(c, id)
		return false
	}
	d.learnTuple(c, portKey{so, tb.Transport.Peer})
	return false
}

// turnSocket returns c's own TURN socket beside shared socket so, opening
// it and its reader on first use (c's loop).
func (c *Conn) turnSocket(so *socket) (*socket, error) {
	if ts := c.turnSocks[so]; ts != nil {
		return ts, nil
	}
	if len(c.turnSocks) >= len(c.socks) {
		return nil, fmt.Errorf("driver: TURN sockets exhausted") // one per shared socket
	}
	ts, err := listen(so.local.Addr(), c.d.cfg.DisableSegmentation)
	if err != nil {
		return nil, fmt.Errorf("driver: TURN socket on %v: %w", so.local.Addr(), err)
	}
	ts.adv = so.adv // the PeerConnection knows one local address
	if c.turnSocks == nil {
		c.turnSocks = map[*socket]*socket{}
	}
	c.turnSocks[so] = ts
	sh, d := c.s, c.d
	sh.bySock[ts] = c
	d.readers.Add(1)
	go func() {
		defer d.readers.Done()
		ts.readLoop(func(b *[]datagram) bool {
			select {
			case sh.inbox <- b:
				return true
			case <-d.done:
				return false
			}
		})
	}()
	c.log.Debug("driver: TURN socket", "local", ts.local, "for", so.adv)
	return ts, nil
}

// closeTURNSockets closes c's TURN sockets (c's loop, at teardown).
func (c *Conn) closeTURNSockets() {
	for _, ts := range c.turnSocks {
		delete(c.s.bySock, ts)
		_ = ts.conn.Close() // the reader sees the error and ends
	}
	c.turnSocks = nil
}

// isTURNUDP reports whether b is TURN traffic: ChannelData (first two bits
// 01, RFC 8656 §12.4, RFC 7983) or a STUN message (RFC 8489 §5: bits 00,
// magic cookie) of a TURN method (RFC 8656 §17: Allocate 0x003 and up).
func isTURNUDP(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch b[0] >> 6 {
	case 1:
		return true
	case 0:
		if len(b) < 20 || binary.BigEndian.Uint32(b[4:]) != 0x2112a442 {
			return false
		}
		t := binary.BigEndian.Uint16(b)
		method := t&0x000f | (t&0x00e0)>>1 | (t&0x3e00)>>2 // RFC 8489 §5: M0-M11 around C0, C1
		return method >= 0x003
	}
	return false
}

// serverRequestID returns the transaction ID of a Binding request without
// USERNAME: a request to a STUN server, not an ICE check.
func serverRequestID(b []byte) ([12]byte, bool) {
	var id [12]byte
	if len(b) < 20 || binary.BigEndian.Uint16(b) != 0x0001 || binary.BigEndian.Uint32(b[4:]) != 0x2112a442 {
		return id, false
	}
	end := min(20+int(binary.BigEndian.Uint16(b[2:])), len(b))
	for off := 20; off+4 <= end; {
		t, l := binary.BigEndian.Uint16(b[off:]), int(binary.BigEndian.Uint16(b[off+2:]))
		if t == 0x0006 {
			return id, false
		}
		off += 4 + (l+3)&^3
	}
	copy(id[:], b[8:20])
	return id, true
}

// responseID returns the transaction ID of a Binding success or error
// response (RFC 8489 §5: 0x0101, 0x0111).
func responseID(b []byte) ([12]byte, bool) {
	var id [12]byte
	if len(b) < 20 || binary.BigEndian.Uint32(b[4:]) != 0x2112a442 {
		return id, false
	}
	if t := binary.BigEndian.Uint16(b); t != 0x0101 && t != 0x0111 {
		return id, false
	}
	copy(id[:], b[8:20])
	return id, true
}

// noteServerTx routes responses to transaction id to c (c's loop). A
// connection keeps its maxConnServerTx latest transactions routable.
func (d *Driver) noteServerTx(c *Conn, id [12]byte) {
	for _, x := range c.serverTxs {
		if x == id {
			return // a retransmission
		}
	}
	now := time.Now()
	d.ports.mu.Lock()
	defer d.ports.mu.Unlock()
	if len(c.serverTxs) >= maxConnServerTx {
		if tx, ok := d.ports.txs[c.serverTxs[0]]; ok && tx.c == c {
			delete(d.ports.txs, c.serverTxs[0])
		}
		c.serverTxs = append(c.serverTxs[:0], c.serverTxs[1:]...)
	}
	if d.ports.txs == nil {
		d.ports.txs = map[[12]byte]serverTx{}
	}
	if len(d.ports.txs) >= maxServerTx {
		for k, tx := range d.ports.txs {
			if now.After(tx.until) {
				delete(d.ports.txs, k)
			}
		}
		if len(d.ports.txs) >= maxServerTx {
			c.log.Debug("driver: STUN server transactions full; the response will be unrouted")
			return
		}
	}
	d.ports.txs[id] = serverTx{c: c, until: now.Add(serverTxLife)}
	c.serverTxs = append(c.serverTxs, id)
}

// routeServerTx is the connection a STUN server's response belongs to, or
// nil (reader goroutine, under the read lock).
func (d *Driver) routeServerTx(b []byte) *Conn {
	id, ok := responseID(b)
	if !ok {
		return nil
	}
	if tx, ok := d.ports.txs[id]; ok && time.Now().Before(tx.until) {
		return tx.c
	}
	return nil
}

// forgetServerTx drops c's transactions (c's loop, under the write
// lock).
func (d *Driver) forgetServerTx(c *Conn) {
	for _, id := range c.serverTxs {
		if tx, ok := d.ports.txs[id]; ok && tx.c == c {
			delete(d.ports.txs, id)
		}
	}
	c.serverTxs = nil
}
