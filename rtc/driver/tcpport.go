package driver

import (
	"container/list"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sansrtc/rtc/rtc"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Admission of accepted ICE-TCP connections (issue 16), on the shared TCP
// port (Config.TCPPort) and on the per-connection listeners alike. A new
// TCP connection is read until its first complete RFC 4571 frame (RFC 4571
// §2: a 16-bit length, then the frame; RFC 6544 §3). That frame must look
// like an ICE connectivity check: a STUN Binding request (RFC 8489 §5,
// magic cookie) with USERNAME "local:remote" (RFC 8445 §7.2.2),
// MESSAGE-INTEGRITY and a valid FINGERPRINT (RFC 8445 §7.2.2 requires
// both). On the shared port the local ufrag picks the connection, as
// port.go does for new UDP 5-tuples. The connection and the bytes read so
// far then go to that PeerConnection, which checks MESSAGE-INTEGRITY: the
// TCP connection takes one of the connection's maxTCPConns slots only if
// the PeerConnection accepted the check. Anything else is closed and
// counted (Stats.TCPRejected, TCPTimedOut, TCPEvicted).
//
// Bounds: the first frame must arrive within tcpFirstFrameTimeout of the
// accept (an absolute deadline, so bytes trickled one at a time do not
// extend it) and be at most maxTCPFirstFrame bytes. At most
// Config.MaxPendingTCP connections (per shared port, all host addresses
// together) and maxTCPConns (per connection's own listeners) wait for their
// first frame; a new one beyond that closes the oldest waiting one, so a
// flood of idle connections cannot keep a real peer, whose check follows
// its connect within a round trip, out.

// Limits of ICE-TCP admission.
const (
	// tcpFirstFrameTimeout bounds the wait for a connection's first frame.
	tcpFirstFrameTimeout = 5 * time.Second
	// maxTCPFirstFrame bounds the first frame: a connectivity check is a
	// STUN header and a handful of attributes, the USERNAME at most 513
	// bytes (RFC 8489 §14.3), far below it.
	maxTCPFirstFrame = 1280
	// defaultMaxPendingTCP is Config.MaxPendingTCP's default.
	defaultMaxPendingTCP = 256
)

// Reasons a connection was refused before it reached a PeerConnection.
var (
	errTCPTimeout  = errors.New("driver: ICE-TCP first frame timed out")
	errTCPBadFrame = errors.New("driver: ICE-TCP first frame is not an ICE check")
	errTCPNoRoute  = errors.New("driver: ICE-TCP check names no connection")
)

// tcpPort is the driver's ICE-TCP state: the shared listeners and the
// counters of every admission.
type tcpPort struct {
	mu      sync.Mutex
	started bool
	lns     []net.Listener
	addrs   []netip.AddrPort // the passive addresses as advertised, one per listener
	closed  bool
	gate    tcpGate // the shared port's pending connections
	wg      sync.WaitGroup

	rejected, timedOut, evicted, admitted atomic.Uint64
}

// tcpGate holds the connections that wait for their first frame, oldest
// first, at most limit of them.
type tcpGate struct {
	mu     sync.Mutex
	queue  list.List // of *pendingTCP
	limit  int
	closed bool // closeAll ran: what enters later is closed at once
}

type pendingTCP struct {
	nc  net.Conn
	out bool // left the gate: admitted, refused or evicted
}

// enter adds nc; if the gate is full it closes the oldest waiting
// connection and reports it (that one's reader then fails and counts
// nothing). On a closed gate it closes nc and returns a nil p.
func (g *tcpGate) enter(nc net.Conn, counted *atomic.Uint64) (p *pendingTCP, e *list.Element) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		nc.Close()
		return nil, nil
	}
	if g.queue.Len() >= max(g.limit, 1) {
		old := g.queue.Remove(g.queue.Front()).(*pendingTCP)
		old.out = true
		counted.Add(1) // before the close: whoever sees it closed sees it counted
		old.nc.Close()
	}
	p = &pendingTCP{nc: nc}
	return p, g.queue.PushBack(p)
}

// leave removes p; false if it was evicted meanwhile.
func (g *tcpGate) leave(p *pendingTCP, e *list.Element) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p.out {
		return false
	}
	p.out = true
	g.queue.Remove(e)
	return true
}

// closeAll closes every waiting connection (driver or connection closed).
func (g *tcpGate) closeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for x := g.queue.Front(); x != nil; x = x.Next() {
		p := x.Value.(*pendingTCP)
		p.out = true
		p.nc.Close()
	}
	g.queue.Init()
	g.closed = true
}

// len is the number of waiting connections.
func (g *tcpGate) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queue.Len()
}

// sharedTCP opens the shared ICE-TCP listeners on first use (one per host
// address, on Config.TCPPort; a negative TCPPort lets the kernel pick) and
// returns the passive addresses as the PeerConnections advertise them:
// with Config.PublicIP, that address with the listener's port.
func (d *Driver) sharedTCP(addrs []netip.Addr) ([]netip.AddrPort, error) {
	t := &d.tcp
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	if t.started {
		return t.addrs, nil
	}
	port := max(d.cfg.TCPPort, 0)
	if port > 65535 {
		return nil, fmt.Errorf("driver: bad TCP port %d", port)
	}
	if d.cfg.PublicIP.IsValid() && len(addrs) != 1 {
		return nil, fmt.Errorf("driver: PublicIP needs exactly one host address, have %d", len(addrs))
	}
	var lns []net.Listener
	var advs []netip.AddrPort
	for _, a := range addrs {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(a, uint16(port)).String())
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("driver: shared ICE-TCP port on %v port %d: %w", a, port, err)
		}
		bound := ln.Addr().(*net.TCPAddr).AddrPort()
		adv := netip.AddrPortFrom(a, bound.Port())
		if d.cfg.PublicIP.IsValid() {
			adv = netip.AddrPortFrom(d.cfg.PublicIP, bound.Port())
		}
		lns = append(lns, ln)
		advs = append(advs, adv)
	}
	t.gate.limit = d.cfg.maxPendingTCP()
	t.lns, t.addrs, t.started = lns, advs, true
	for i, ln := range lns {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			for {
				nc, err := ln.Accept()
				if err != nil {
					return
				}
				t.wg.Add(1)
				go func() {
					defer t.wg.Done()
					d.admitTCP(nc, advs[i], &t.gate, d.routeTCP)
				}()
			}
		}()
	}
	return advs, nil
}

// closeTCP closes the shared listeners and the connections that wait on
// them, and waits for their goroutines (Driver.Close).
func (d *Driver) closeTCP() {
	t := &d.tcp
	t.mu.Lock()
	t.closed = true
	for _, ln := range t.lns {
		ln.Close()
	}
	t.mu.Unlock()
	t.gate.closeAll()
	t.wg.Wait()
}

// routeTCP finds the connection whose local ufrag a check on the shared
// port names.
func (d *Driver) routeTCP(ufrag []byte) *Conn {
	d.ports.mu.RLock()
	defer d.ports.mu.RUnlock()
	return d.ports.ufrags[string(ufrag)]
}

// admitTCP reads nc's first frame, routes it and hands the connection
// over; local is the passive address as advertised. It runs on a
// goroutine of its own and closes nc on any refusal.
func (d *Driver) admitTCP(nc net.Conn, local netip.AddrPort, g *tcpGate, route func(ufrag []byte) *Conn) {
	t := &d.tcp
	p, e := g.enter(nc, &t.evicted)
	if p == nil {
		return // the gate closed: the driver or connection is ending
	}
	first, ufrag, err := readFirstFrame(nc, time.Now().Add(tcpFirstFrameTimeout))
	if !g.leave(p, e) {
		return // evicted: closed and counted by enter
	}
	var c *Conn
	if err == nil {
		if c = route(ufrag); c == nil {
			err = errTCPNoRoute
		}
	}
	if err == nil {
		err = nc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		// Counted before the close, as everywhere here: whoever sees the
		// connection closed sees it counted.
		if errors.Is(err, errTCPTimeout) {
			t.timedOut.Add(1)
		} else {
			t.rejected.Add(1)
		}
		nc.Close()
		d.log.Debug("driver: ICE-TCP connection refused", "local", local, "peer", nc.RemoteAddr(), "err", err)
		return
	}
	ra := nc.RemoteAddr().(*net.TCPAddr).AddrPort()
	c.adoptICETCP(nc, local, netip.AddrPortFrom(ra.Addr().Unmap(), ra.Port()), first)
}

// readFirstFrame reads the first RFC 4571 frame of nc by deadline and
// returns it with its length prefix, and the local ufrag of the check it
// must be. It reads no byte past the frame.
func readFirstFrame(nc net.Conn, deadline time.Time) (frame, ufrag []byte, err error) {
	if err := nc.SetReadDeadline(deadline); err != nil {
		return nil, nil, err
	}
	var hdr [2]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		return nil, nil, readErr(err)
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n < 20 || n > maxTCPFirstFrame {
		return nil, nil, fmt.Errorf("%w: %d bytes", errTCPBadFrame, n)
	}
	frame = make([]byte, 2+n)
	copy(frame, hdr[:])
	if _, err := io.ReadFull(nc, frame[2:]); err != nil {
		return nil, nil, readErr(err)
	}
	ufrag, ok := checkUfrag(frame[2:])
	if !ok {
		return nil, nil, errTCPBadFrame
	}
	return frame, ufrag, nil
}

func readErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errTCPTimeout
	}
	return err
}

// checkUfrag returns the local ufrag of b if b is a whole STUN Binding
// request that looks like an ICE check (RFC 8445 §7.2.2): USERNAME
// "local:remote", MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256, and a
// FINGERPRINT last that matches (RFC 8489 §14.7: CRC-32 of the message
// before it, XOR 0x5354554e). Integrity itself is the PeerConnection's to
// check.
func checkUfrag(b []byte) ([]byte, bool) {
	ufrag, ok := stunLocalUfrag(b)
	if !ok || 20+int(binary.BigEndian.Uint16(b[2:])) != len(b) {
		return nil, false
	}
	integrity := false
	for off := 20; off+4 <= len(b); {
		t, l := binary.BigEndian.Uint16(b[off:]), int(binary.BigEndian.Uint16(b[off+2:]))
		if off+4+l > len(b) {
			return nil, false
		}
		switch t {
		case 0x0008, 0x001c: // MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256
			integrity = true
		case 0x8028: // FINGERPRINT
			if l != 4 || off+8 != len(b) || !integrity {
				return nil, false
			}
			return ufrag, binary.BigEndian.Uint32(b[off+4:]) == crc32.ChecksumIEEE(b[:off])^0x5354554e
		}
		off += 4 + (l+3)&^3
	}
	return nil, false
}

// adoptICETCP takes an admitted connection: it hands the first frame to
// the PeerConnection and keeps the connection (one of maxTCPConns slots)
// only if the PeerConnection accepted it; else it is closed and counted.
func (c *Conn) adoptICETCP(nc net.Conn, local, peer netip.AddrPort, first []byte) {
	t := &c.d.tcp
	s, ok := c.registerStream(nc, local, peer, &t.rejected)
	if !ok {
		return
	}
	err := c.Do(func(pc *rtc.PeerConnection) error {
		return pc.HandleRead(shared.TaggedBytes{Now: time.Now(),
			Transport: shared.TransportContext{Local: local, Peer: peer, Protocol: shared.TCP},
			Message:   first})
	})
	if err != nil && !errors.Is(err, shared.ErrQueueFull) {
		if !errors.Is(err, shared.ErrClosed) {
			t.rejected.Add(1)
		}
		nc.Close()
		s.forget()
		if !errors.Is(err, shared.ErrClosed) {
			// The PeerConnection registered the connection before it
			// refused the check: free it.
			if err := c.Do(func(pc *rtc.PeerConnection) error { pc.TCPClosed(peer); return nil }); err != nil && !errors.Is(err, ErrClosed) {
				c.log.Debug("driver: TCPClosed", "err", err)
			}
		}
		c.log.Debug("driver: ICE-TCP check refused", "peer", peer, "err", err)
		return
	}
	t.admitted.Add(1)
	c.log.Debug("driver: ICE-TCP connection", "local", local, "peer", peer)
	go s.read(nc)
	go s.writeLoop(nc)
}
