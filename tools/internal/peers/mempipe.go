package peers

import (
	"io"
	"net"
	"sync"
	"time"
)

// MemConn is one end of an in-memory datagram link (MemPipe): each Write
// is one packet, each Read returns one packet. It lets a Pion stack that
// wants a net.Conn (its SCTP association) run against ours without a
// socket. Deadlines are ignored.
type MemConn struct {
	in, out chan []byte
	closed  chan struct{}
	once    *sync.Once
}

// MemPipe returns the two ends of a link that holds up to queue packets in
// each direction; a Write blocks while the queue is full. Closing either
// end closes both.
func MemPipe(queue int) (*MemConn, *MemConn) {
	a, b := make(chan []byte, queue), make(chan []byte, queue)
	c, once := make(chan struct{}), &sync.Once{}
	return &MemConn{in: a, out: b, closed: c, once: once}, &MemConn{in: b, out: a, closed: c, once: once}
}

// Read returns the next packet (truncated to p), or io.EOF once closed.
func (c *MemConn) Read(p []byte) (int, error) {
	select {
	case b := <-c.in:
		return copy(p, b), nil
	case <-c.closed:
		return 0, io.EOF
	}
}

// Write sends a copy of p as one packet.
func (c *MemConn) Write(p []byte) (int, error) {
	select {
	case c.out <- append([]byte(nil), p...):
		return len(p), nil
	case <-c.closed:
		return 0, net.ErrClosed
	}
}

// Close closes both ends.
func (c *MemConn) Close() error { c.once.Do(func() { close(c.closed) }); return nil }

// LocalAddr is a made-up loopback address (nothing is sent on it).
func (c *MemConn) LocalAddr() net.Addr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// RemoteAddr is a made-up loopback address (nothing is sent on it).
func (c *MemConn) RemoteAddr() net.Addr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }

// SetDeadline does nothing.
func (c *MemConn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing.
func (c *MemConn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing.
func (c *MemConn) SetWriteDeadline(time.Time) error { return nil }
