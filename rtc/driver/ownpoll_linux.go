//go:build linux && (amd64 || arm64)

package driver

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
)

// ownPoller reads the sockets of the connections one loop owns (issue 18:
// idle cost with many connections on their own sockets). One epoll set
// and one goroutine per loop replace a goroutine per socket: a wake-up
// reads every socket that has datagrams, one recvmmsg each, and hands
// them to the loop in one batch, where a goroutine per socket woke,
// read, handed over one datagram and read again to find the socket empty.
// An idle socket costs no goroutine, no stack and no read slots.
//
// The sockets stay outside Go's poller (they are made with socket(2), not
// net.ListenUDP), so a datagram wakes one thread, not also the runtime's
// netpoller. They are blocking: reads pass MSG_DONTWAIT, and a loop's
// sendmmsg waits for room as it waited on the netpoller before. The set is
// level-triggered, so a socket with more than one batch waiting is
// reported again at the next wait. A socket is read and closed under the
// poller's lock, so a descriptor number is never reused under a read, and
// a closed connection's port is free when its Done ends.
type ownPoller struct {
	epfd, evfd int // the epoll set; an eventfd that wakes it

	// mu guards byFD and quit, and is held for each socket's read.
	mu   sync.Mutex
	byFD map[int32]*socket // registered sockets
	quit bool
}

// newOwnPoller makes the epoll set and starts its goroutine, which hands
// batches to deliver (false: the driver is closing; the batch is dropped)
// and ends after stop.
func newOwnPoller(deliver func(*[]datagram) bool, done func()) (*ownPoller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(epfd, true); err != nil { // for Go's poller (run)
		_ = syscall.Close(epfd)
		return nil, err
	}
	r, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		_ = syscall.Close(epfd)
		return nil, e
	}
	p := &ownPoller{epfd: epfd, evfd: int(r), byFD: map[int32]*socket{}}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(p.evfd)}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.evfd, &ev); err != nil {
		_ = syscall.Close(p.evfd)
		_ = syscall.Close(epfd)
		return nil, err
	}
	go p.run(deliver, done)
	return p, nil
}

// listen binds a UDP socket on addr (any port) for this poller, as
// listenPort does with net.ListenUDP.
func (p *ownPoller) listen(addr netip.Addr, noGSO bool) (*socket, error) {
	v6 := addr.Is6() && !addr.Is4In6()
	family := syscall.AF_INET
	var sa syscall.Sockaddr = &syscall.SockaddrInet4{Addr: addr.Unmap().As4()}
	if v6 {
		family = syscall.AF_INET6
		sa6 := &syscall.SockaddrInet6{Addr: addr.As16()}
		if z := addr.Zone(); z != "" {
			ifi, err := net.InterfaceByName(z)
			if err != nil {
				return nil, fmt.Errorf("driver: zone of %v: %w", addr, err)
			}
			sa6.ZoneId = uint32(ifi.Index)
		}
		sa = sa6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("driver: socket: %w", err)
	}
	fail := func(op string, err error) (*socket, error) {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("driver: %s %v: %w", op, addr, err)
	}
	if v6 {
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1); err != nil {
			return fail("IPV6_V6ONLY on", err)
		}
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4<<20)
	if err := syscall.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	var port int
	switch b := bound.(type) {
	case *syscall.SockaddrInet4:
		port = b.Port
	case *syscall.SockaddrInet6:
		port = b.Port
	}
	m := newRawBatchConn(fd, v6)
	s := &socket{fd: fd, poller: p, local: netip.AddrPortFrom(addr, uint16(port)), reader: m}
	s.adv = s.local
	if !noGSO {
		_, err := syscall.GetsockoptInt(fd, solUDP, udpSegment)
		s.gso = err == nil
	}
	s.batch = m.another()
	return s, nil
}

// add starts reading s (loop goroutine, once s's connection is known to
// the loop, so that no datagram arrives for an unknown socket).
func (p *ownPoller) add(s *socket) error {
	p.mu.Lock()
	p.byFD[int32(s.fd)] = s
	p.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(s.fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, s.fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.byFD, int32(s.fd))
		p.mu.Unlock()
		return fmt.Errorf("driver: epoll add: %w", err)
	}
	return nil
}

// close closes s now (its port can be bound again when close returns):
// under the lock the poller holds while it reads a socket, so the
// descriptor is never closed, and its number reused, under a read. s is
// not written to afterwards.
func (p *ownPoller) close(s *socket) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.pollClosed {
		return
	}
	s.pollClosed = true
	if p.byFD[int32(s.fd)] == s {
		delete(p.byFD, int32(s.fd))
		_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, s.fd, nil)
	}
	_ = syscall.Close(s.fd)
}

// stop ends the goroutine; it closes the sockets still registered.
func (p *ownPoller) stop() {
	p.mu.Lock()
	p.quit = true
	p.mu.Unlock()
	p.wake()
}

func (p *ownPoller) wake() {
	one := [8]byte{1}
	_, _ = syscall.Write(p.evfd, one[:]) // fails only when the counter is full: a wake-up is pending
}

// run is the poller's goroutine.
func (p *ownPoller) run(deliver func(*[]datagram) bool, done func()) {
	defer done()
	events := make([]syscall.EpollEvent, 128)
	r := newRawBatchConn(-1, false)
	var ms [batchSize]message
	var bufs [batchSize]*[]byte
	for i := range ms {
		ms[i].buffers = make([][]byte, 1)
	}
	var batch *[]datagram
	flush := func() {
		if batch == nil {
			return
		}
		if len(*batch) == 0 || !deliver(batch) {
			for _, d := range *batch {
				bufPool.Put(d.buf)
			}
			putBatch(batch)
		}
		batch = nil
	}
	// The epoll descriptor is itself in Go's poller: the goroutine parks
	// there until a socket (or the eventfd) is readable, then takes the
	// events without waiting, until there are none. A blocking
	// epoll_wait would hold a thread in a system call, and every wake-up
	// would hand its P to another thread and back.
	f := os.NewFile(uintptr(p.epfd), "epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		p.fatal(f)
		return
	}
	quit := false
	serve := func(fd uintptr) bool {
		for {
			n, err := syscall.EpollWait(int(fd), events, 0)
			if err == syscall.EINTR {
				continue
			}
			if err != nil || n == 0 {
				return false // wait until readable
			}
			woken := false
			for _, ev := range events[:n] {
				if int(ev.Fd) == p.evfd {
					woken = true
					continue
				}
				p.mu.Lock()
				s := p.byFD[ev.Fd]
				if s == nil {
					p.mu.Unlock()
					continue
				}
				if batch != nil && len(*batch) == batchSize {
					p.mu.Unlock()
					flush() // may wait for the loop: not under the lock
					p.mu.Lock()
					if s = p.byFD[ev.Fd]; s == nil {
						p.mu.Unlock()
						continue
					}
				}
				if batch == nil {
					batch = batchPool.Get().(*[]datagram)
				}
				// Slot i keeps its buffer until a datagram takes it; the
				// slots emptied by the last read are filled again here.
				k := batchSize - len(*batch)
				for i := range k {
					if bufs[i] == nil {
						bufs[i] = bufPool.Get().(*[]byte)
						ms[i].buffers[0] = *bufs[i]
					}
				}
				r.fd = s.fd
				got, err := r.readBatch(ms[:k])
				if err != nil {
					// A socket that fails to read is dropped from the set
					// (its connection times out): a level-triggered error
					// would otherwise wake the poller for ever.
					_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, s.fd, nil)
					p.mu.Unlock()
					continue
				}
				p.mu.Unlock()
				for i := range got {
					ap := ms[i].addr
					if !ap.IsValid() {
						continue
					}
					*batch = append(*batch, datagram{sock: s, from: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), buf: bufs[i], n: ms[i].n})
					bufs[i], ms[i].buffers[0] = nil, nil
					ms[i].n, ms[i].addr = 0, netip.AddrPort{}
				}
			}
			flush()
			// An idle poller holds no receive buffer.
			for i := range bufs {
				if bufs[i] != nil {
					bufPool.Put(bufs[i])
					bufs[i], ms[i].buffers[0] = nil, nil
				}
			}
			if woken && p.drainWake() {
				quit = true
				return true
			}
		}
	}
	for !quit {
		if err := rc.Read(serve); err != nil {
			break
		}
	}
	_ = f.Close() // the epoll descriptor
}

// fatal ends a poller whose descriptor Go cannot wait on: it closes its
// sockets (their connections time out) and itself.
func (p *ownPoller) fatal(f *os.File) {
	p.stop()
	p.drainWake()
	_ = f.Close()
}

// drainWake handles what woke the poller: the stop, after which it closes
// every socket still registered and the eventfd and reports true.
func (p *ownPoller) drainWake() bool {
	var count [8]byte
	_, _ = syscall.Read(p.evfd, count[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.quit {
		return false
	}
	for fd, s := range p.byFD {
		s.pollClosed = true
		_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
		_ = syscall.Close(int(fd))
	}
	clear(p.byFD)
	_ = syscall.Close(p.evfd) // the epoll descriptor is closed by run
	return true
}
