package driver

import (
	"net"
	"net/netip"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// maxDatagram is the receive buffer size of one datagram. WebRTC keeps
// datagrams under the path MTU (DTLS and SCTP here use 1200 bytes); a
// larger datagram is truncated by the kernel and then fails to parse.
const maxDatagram = 2048

// batchSize is how many datagrams one ReadBatch/WriteBatch moves.
const batchSize = 32

// minBatch is the batch of an idle socket.
const minBatch = 2

var bufPool = sync.Pool{New: func() any { b := make([]byte, maxDatagram); return &b }}

// batchConn is the ipv4/ipv6 batch API over one UDP socket (recvmmsg and
// sendmmsg on Linux; one datagram per call elsewhere).
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// socket is one UDP socket a PeerConnection owns, bound to a host address.
type socket struct {
	conn  *net.UDPConn
	batch batchConn
	local netip.AddrPort
	// out collects datagrams to send in one WriteBatch; only the loop
	// goroutine touches it.
	out []ipv4.Message
}

func listen(addr netip.Addr) (*socket, error) {
	network := "udp4"
	if addr.Is6() && !addr.Is4In6() {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 0)))
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(4 << 20)
	_ = c.SetWriteBuffer(4 << 20)
	s := &socket{conn: c, local: netip.AddrPortFrom(addr, c.LocalAddr().(*net.UDPAddr).AddrPort().Port())}
	if network == "udp4" {
		s.batch = ipv4.NewPacketConn(c)
	} else {
		s.batch = ipv6.NewPacketConn(c)
	}
	return s, nil
}

// datagram is one received datagram with its pooled buffer.
type datagram struct {
	sock *socket
	from netip.AddrPort
	buf  *[]byte
	n    int
}

// readLoop reads batches until the socket closes and hands them to deliver.
// The batch adapts: an idle socket holds only minBatch buffers while it
// blocks (memory per idle connection stays small); a socket whose reads
// fill the batch doubles it up to batchSize.
func (s *socket) readLoop(deliver func([]datagram) bool) {
	ms := make([]ipv4.Message, batchSize)
	bufs := make([]*[]byte, batchSize)
	k := minBatch
	fill := func() {
		for i := range k {
			if bufs[i] == nil {
				bufs[i] = bufPool.Get().(*[]byte)
				ms[i].Buffers = [][]byte{*bufs[i]}
			}
		}
	}
	release := func() {
		for i, b := range bufs {
			if b != nil {
				bufPool.Put(b)
				bufs[i] = nil
			}
		}
	}
	for {
		fill()
		n, err := s.batch.ReadBatch(ms[:k], 0)
		if err != nil {
			release()
			return
		}
		out := make([]datagram, 0, n)
		for i := range n {
			ua, ok := ms[i].Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			ap := ua.AddrPort()
			ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
			out = append(out, datagram{sock: s, from: ap, buf: bufs[i], n: ms[i].N})
			bufs[i] = nil
			ms[i].N = 0
		}
		switch {
		case n == k && k < batchSize:
			k = min(2*k, batchSize)
		case n < k/4 && k > minBatch:
			// Shrink: give back the buffers above the new size.
			k = max(k/2, minBatch)
			for i := k; i < batchSize; i++ {
				if bufs[i] != nil {
					bufPool.Put(bufs[i])
					bufs[i] = nil
				}
			}
		}
		if !deliver(out) {
			for _, d := range out {
				bufPool.Put(d.buf)
			}
			release()
			return
		}
	}
}

// queue adds one datagram to the next WriteBatch.
func (s *socket) queue(to netip.AddrPort, b []byte) {
	s.out = append(s.out, ipv4.Message{Buffers: [][]byte{b}, Addr: net.UDPAddrFromAddrPort(to)})
}

// flush sends the queued datagrams. Errors (an unreachable peer) are
// returned; datagrams that fail are not retried (the protocols retransmit).
func (s *socket) flush() error {
	var first error
	for len(s.out) > 0 {
		n, err := s.batch.WriteBatch(s.out, 0)
		if err != nil {
			if first == nil {
				first = err
			}
			n = max(n, 1) // skip the datagram that failed
		}
		s.out = s.out[n:]
	}
	s.out = s.out[:0]
	return first
}
