package driver

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// maxDatagram is the receive buffer size of one datagram. WebRTC keeps
// datagrams under the path MTU (DTLS and SCTP here use 1200 bytes); a
// larger datagram is truncated by the kernel and then fails to parse.
const maxDatagram = 2048

// batchSize is how many datagrams one ReadBatch moves at most.
const batchSize = 32

// minBatch is the batch of an idle socket.
const minBatch = 1

// bufPool and batchPool recycle receive buffers and the slices that carry
// a batch to a loop. They are bounded free lists rather than sync.Pools: a
// buffer crosses goroutines (reader to loop) on every datagram, and a
// sync.Pool emptied by each GC made idle connections allocate a 2 KiB
// buffer for about every other datagram (issue 18: no allocation per idle
// wake-up). At most bufPoolLimit buffers (512 KiB) and poolLimit batches
// are kept. A socket's reader takes its buffers only once the socket is
// readable (readBatchLazy), so the buffers in use are those of datagrams
// in flight to a loop, not one per idle socket.
var (
	bufPool   = freeList[*[]byte]{make: func() *[]byte { b := make([]byte, maxDatagram); return &b }, limit: bufPoolLimit}
	batchPool = freeList[*[]datagram]{make: func() *[]datagram { b := make([]datagram, 0, batchSize); return &b }, limit: poolLimit}
)

const (
	poolLimit    = 1024
	bufPoolLimit = 256
)

// freeList is a bounded, goroutine-safe stack of reusable values. Get
// returns any (a pointer, so no allocation) to read like a sync.Pool.
type freeList[T any] struct {
	mu    sync.Mutex
	free  []T
	make  func() T
	limit int
}

func (f *freeList[T]) Get() any {
	f.mu.Lock()
	if n := len(f.free); n > 0 {
		v := f.free[n-1]
		var zero T
		f.free[n-1] = zero
		f.free = f.free[:n-1]
		f.mu.Unlock()
		return v
	}
	f.mu.Unlock()
	return f.make()
}

func (f *freeList[T]) Put(v T) {
	f.mu.Lock()
	if len(f.free) < f.limit {
		f.free = append(f.free, v)
	}
	f.mu.Unlock()
}

// putBatch recycles a delivered batch; its buffers went back already.
func putBatch(b *[]datagram) {
	clear(*b)
	*b = (*b)[:0]
	batchPool.Put(b)
}

// lazyReader is a batchConn that can wait for a datagram without holding
// receive buffers (the Linux one): see mmsgConn.readBatchLazy.
type lazyReader interface {
	readBatchLazy(ms []message, fill, empty func()) (int, error)
}

// batchConn moves batches of datagrams on one UDP socket: recvmmsg and
// sendmmsg without allocation on Linux (socket_mmsg.go), the x/net batch
// API elsewhere (socket_xnet.go). readBatch fills each message's n and
// addr; writeBatch returns how many messages were sent and, when not all,
// the error of the first that was not.
type batchConn interface {
	readBatch(ms []message) (int, error)
	writeBatch(ms []message) (int, error)
	// another returns a batchConn on the same socket with its own
	// buffers: each writer (one per loop on a shared socket) and the
	// reader use their own, so they never share a call's state.
	another() batchConn
}

// message is one datagram of a batch: its buffers (one to receive into;
// one or more to send, with a UDP_SEGMENT control message in oob when
// several), the peer's address and the bytes received.
type message struct {
	buffers [][]byte
	oob     []byte
	addr    netip.AddrPort
	n       int
}

// socket is one UDP socket: a PeerConnection's own, or with
// Config.SinglePort the driver's socket shared by all of them.
type socket struct {
	conn *net.UDPConn // nil for a socket of an ownPoller
	// fd is the descriptor of a socket an ownPoller reads (ownpoll_linux.go),
	// which closes it; pollClosed (under the poller's lock) says it did.
	fd         int
	poller     *ownPoller
	pollClosed bool
	// local is the bound address; adv is the address the PeerConnection
	// knows it by (its host candidate): local, or Config.PublicIP's
	// address with local's port.
	local, adv netip.AddrPort
	// reader is the read loop's batchConn.
	reader batchConn
	// The socket's own writer: used by the connection that owns the
	// socket; a shared socket has one writer per loop instead.
	writer
}

// writer batches datagrams for one socket; it belongs to one loop
// goroutine.
type writer struct {
	batch batchConn
	// The datagrams queued for the next flush and the reusable messages,
	// iovecs and control messages of a flush.
	pend []outDatagram
	msgs []message
	iovs [][]byte
	oob  []byte
	// gso: the kernel segments one buffer into equal datagrams (Linux
	// UDP_SEGMENT); turned off for good on the first error it causes.
	gso bool
	// queued: the writer is in its loop's list of writers to flush.
	queued bool
}

// outDatagram is one datagram waiting for the next flush, with the
// function that takes it back once sent (PeerConnection.ReleaseWrite), if
// any.
type outDatagram struct {
	to      netip.AddrPort
	b       []byte
	release func([]byte)
}

func listen(addr netip.Addr, noGSO bool) (*socket, error) { return listenPort(addr, 0, noGSO) }

// listenPort binds a UDP socket on addr and port (0: any).
func listenPort(addr netip.Addr, port int, noGSO bool) (*socket, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("driver: bad UDP port %d", port)
	}
	network := "udp4"
	if addr.Is6() && !addr.Is4In6() {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port))))
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(4 << 20)
	_ = c.SetWriteBuffer(4 << 20)
	s := &socket{conn: c, local: netip.AddrPortFrom(addr, c.LocalAddr().(*net.UDPAddr).AddrPort().Port())}
	s.adv = s.local
	s.gso = !noGSO && gsoSupported(c)
	if s.reader, err = newBatchConn(c, network == "udp6"); err != nil {
		_ = c.Close()
		return nil, err
	}
	s.batch = s.reader.another()
	return s, nil
}

// close closes the socket (its reader ends).
func (s *socket) close() {
	if s.poller != nil {
		s.poller.close(s)
		return
	}
	_ = s.conn.Close()
}

// datagram is one received datagram with its pooled buffer.
type datagram struct {
	sock *socket
	from netip.AddrPort
	buf  *[]byte
	n    int
	// On a shared socket: the connection it was routed to, and whether
	// by its STUN USERNAME (the 5-tuple is learned if it is accepted).
	conn  *Conn
	learn bool
}

// readLoop reads batches until the socket closes and hands them to deliver.
// The batch adapts: an idle socket holds only minBatch buffers while it
// blocks (memory per idle connection stays small); a socket whose reads
// fill the batch doubles it up to batchSize, and one whose reads fill half
// of it or less halves it.
func (s *socket) readLoop(deliver func(*[]datagram) bool) {
	var ms []message // grown to k slots, each with its one buffer
	var bufs []*[]byte
	k := minBatch
	slots := func() {
		for len(ms) < k {
			ms = append(ms, message{buffers: make([][]byte, 1)})
			bufs = append(bufs, nil)
		}
	}
	fill := func() {
		for i := range k {
			if bufs[i] == nil {
				bufs[i] = bufPool.Get().(*[]byte)
				ms[i].buffers[0] = *bufs[i]
			}
		}
	}
	release := func() {
		for i, b := range bufs {
			if b != nil {
				bufPool.Put(b)
				bufs[i] = nil
				ms[i].buffers[0] = nil
			}
		}
	}
	lazy, _ := s.reader.(lazyReader)
	for {
		slots()
		var n int
		var err error
		if lazy != nil {
			n, err = lazy.readBatchLazy(ms[:k], fill, release)
		} else {
			fill()
			n, err = s.reader.readBatch(ms[:k])
		}
		if err != nil {
			release()
			return
		}
		batch := batchPool.Get().(*[]datagram)
		out := (*batch)[:0]
		for i := range n {
			ap := ms[i].addr
			if !ap.IsValid() {
				continue
			}
			ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
			out = append(out, datagram{sock: s, from: ap, buf: bufs[i], n: ms[i].n})
			bufs[i] = nil
			ms[i].n, ms[i].addr = 0, netip.AddrPort{}
		}
		switch {
		case n == k && k < batchSize:
			k = min(2*k, batchSize)
		case n <= k/2 && k > minBatch:
			// Shrink: give back the buffers above the new size (an idle
			// socket, one datagram per read, goes back to one buffer).
			k = max(k/2, minBatch)
			for i := k; i < len(bufs); i++ {
				if bufs[i] != nil {
					bufPool.Put(bufs[i])
					bufs[i] = nil
				}
			}
		}
		*batch = out
		if !deliver(batch) {
			for _, d := range out {
				bufPool.Put(d.buf)
			}
			release()
			return
		}
	}
}

// maxPending is how many datagrams are queued before a flush is forced.
const maxPending = 256

// newWriter returns another writer for s (one per loop of a shared socket).
func (s *socket) newWriter() *writer { return &writer{batch: s.batch.another(), gso: s.gso} }

// queue adds one datagram to the next flush. b must stay untouched until
// then; release (if not nil) gets it back after the flush.
func (s *writer) queue(to netip.AddrPort, b []byte, release func([]byte)) {
	s.pend = append(s.pend, outDatagram{to: to, b: b, release: release})
}

// flush sends the queued datagrams: consecutive datagrams to one peer of
// one size (the last may be shorter) go as one segmented buffer where the
// kernel offers it, and all of them in one sendmmsg where it offers that.
// Errors (an unreachable peer) are returned; datagrams that fail are not
// retried (the protocols retransmit). Every datagram with a release
// function is handed to it afterwards (the kernel has copied it).
func (s *writer) flush() error {
	var first error
	for at := 0; at < len(s.pend); {
		s.pack(s.pend[at:])
		n, err := s.batch.writeBatch(s.msgs)
		for _, m := range s.msgs[:n] {
			at += len(m.buffers)
		}
		if err != nil && n < len(s.msgs) {
			failed := s.msgs[n].buffers
			if len(failed) > 1 && isGSOError(err) {
				// The path or the device refused segmentation: one
				// datagram per message from now on.
				s.gso = false
				continue
			}
			if first == nil {
				first = err
			}
			at += len(failed) // skip the datagrams that failed
		}
	}
	for _, d := range s.pend {
		if d.release != nil {
			d.release(d.b)
		}
	}
	// Keep the slices, drop the references to the sent datagrams.
	clear(s.pend)
	clear(s.msgs)
	clear(s.iovs)
	s.pend, s.msgs, s.iovs, s.oob = s.pend[:0], s.msgs[:0], s.iovs[:0], s.oob[:0]
	return first
}

// pack builds the messages of one WriteBatch from pend.
func (s *writer) pack(pend []outDatagram) {
	s.msgs, s.iovs, s.oob = s.msgs[:0], s.iovs[:0], s.oob[:0]
	if cap(s.iovs) < len(pend) {
		s.iovs = make([][]byte, 0, len(pend))
	}
	for i := 0; i < len(pend); {
		d := pend[i]
		j := i + 1
		if s.gso && len(d.b) > 0 {
			size, total := len(d.b), len(d.b)
			for j < len(pend) && j-i < gsoMaxSegments {
				e := pend[j]
				if e.to != d.to || len(e.b) > size || len(e.b) == 0 || total+len(e.b) > gsoMaxBytes {
					break
				}
				total += len(e.b)
				j++
				if len(e.b) < size {
					break // only the last segment may be shorter
				}
			}
		}
		at := len(s.iovs)
		for _, e := range pend[i:j] {
			s.iovs = append(s.iovs, e.b)
		}
		m := message{buffers: s.iovs[at:len(s.iovs):len(s.iovs)], addr: d.to}
		if j-i > 1 {
			o := len(s.oob)
			s.oob = appendSegmentSize(s.oob, len(d.b))
			m.oob = s.oob[o:len(s.oob):len(s.oob)]
		}
		s.msgs = append(s.msgs, m)
		i = j
	}
}
