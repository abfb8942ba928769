//go:build linux && (amd64 || arm64)

package driver

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"
)

// mmsgConn is batchConn for Linux: recvmmsg and sendmmsg on the socket's
// descriptor, with the headers, iovecs and addresses kept between calls,
// so a batch costs one system call and no allocation (issue 18; the
// x/net batch API allocates a source address per received datagram and
// headers per call). One goroutine uses it at a time: the reader and
// every writer have their own (another).
type mmsgConn struct {
	rc syscall.RawConn
	// fd is the descriptor of a socket outside Go's poller (rc nil): a
	// connection's own socket read by its loop's ownPoller (ownpoll_linux.go).
	// It is blocking: reads pass MSG_DONTWAIT, a send waits for room.
	fd int
	v6 bool        // an AF_INET6 socket: IPv4 destinations are written IPv4-mapped
	r  mmsgBuffers // readBatch's
	w  mmsgBuffers // writeBatch's
	// The callbacks for rc.Read and rc.Write, bound once.
	readFn, writeFn, lazyFn func(fd uintptr) bool
	// readBatchLazy's messages and buffer hooks, during the call.
	lazyMs      []message
	fill, empty func()
}

// mmsgBuffers is the state of one batch call.
type mmsgBuffers struct {
	hdrs  []mmsghdr
	iovs  []syscall.Iovec
	names []syscall.RawSockaddrInet6 // large enough for either family
	n     int                        // the result: messages moved
	err   error
}

// mmsghdr is struct mmsghdr of sendmmsg(2): a msghdr and the bytes moved.
type mmsghdr struct {
	hdr syscall.Msghdr
	n   uint32
}

func newBatchConn(c *net.UDPConn, v6 bool) (batchConn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	m := &mmsgConn{rc: rc, v6: v6}
	m.readFn, m.writeFn, m.lazyFn = m.doRead, m.doWrite, m.doReadLazy
	return m, nil
}

// newRawBatchConn is the batchConn of a socket outside Go's poller.
func newRawBatchConn(fd int, v6 bool) *mmsgConn {
	m := &mmsgConn{fd: fd, v6: v6}
	m.readFn, m.writeFn, m.lazyFn = m.doRead, m.doWrite, m.doReadLazy
	return m
}

func (m *mmsgConn) another() batchConn {
	o := &mmsgConn{rc: m.rc, fd: m.fd, v6: m.v6}
	o.readFn, o.writeFn, o.lazyFn = o.doRead, o.doWrite, o.doReadLazy
	return o
}

func (b *mmsgBuffers) prepare(ms []message) {
	niov := 0
	for _, m := range ms {
		niov += len(m.buffers)
	}
	if cap(b.hdrs) < len(ms) {
		b.hdrs = make([]mmsghdr, len(ms))
		b.names = make([]syscall.RawSockaddrInet6, len(ms))
	}
	if cap(b.iovs) < niov {
		b.iovs = make([]syscall.Iovec, niov)
	}
	b.hdrs, b.names, b.iovs = b.hdrs[:len(ms)], b.names[:len(ms)], b.iovs[:niov]
	at := 0
	for i, m := range ms {
		h := &b.hdrs[i]
		*h = mmsghdr{}
		iov := b.iovs[at : at+len(m.buffers)]
		at += len(m.buffers)
		for j, buf := range m.buffers {
			iov[j] = syscall.Iovec{}
			if len(buf) > 0 {
				iov[j].Base = &buf[0]
				iov[j].SetLen(len(buf))
			}
		}
		if len(iov) > 0 {
			h.hdr.Iov = &iov[0]
			h.hdr.Iovlen = uint64(len(iov))
		}
		if len(m.oob) > 0 {
			h.hdr.Control = &m.oob[0]
			h.hdr.SetControllen(len(m.oob))
		}
		h.hdr.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		h.hdr.Namelen = uint32(unsafe.Sizeof(b.names[i]))
	}
}

// release drops the references to the caller's buffers.
func (b *mmsgBuffers) release() {
	clear(b.hdrs)
	clear(b.iovs)
}

func (m *mmsgConn) readBatch(ms []message) (int, error) {
	b := &m.r
	b.prepare(ms)
	b.n, b.err = 0, nil
	if m.rc == nil {
		m.readFn(uintptr(m.fd)) // MSG_DONTWAIT: nothing to read is n = 0
	} else if err := m.rc.Read(m.readFn); err != nil {
		b.release()
		return 0, err
	}
	if b.err != nil {
		b.release()
		return 0, b.err
	}
	for i := range b.n {
		ms[i].n = int(b.hdrs[i].n)
		ms[i].addr = sockaddrToAddrPort(&b.names[i])
	}
	b.release()
	return b.n, nil
}

// readBatchLazy is readBatch that holds no receive buffer while the socket
// has nothing to read (issue 18: an idle PeerConnection's socket does not
// pin a 2 KiB buffer). Before each attempt it calls fill, which puts a
// buffer in each of ms; when an attempt finds the socket empty it calls
// empty, which takes them back, and then waits until the socket is
// readable. The attempts run inside one rc.Read, so a datagram arriving
// between an empty attempt and the wait is not missed.
func (m *mmsgConn) readBatchLazy(ms []message, fill, empty func()) (int, error) {
	b := &m.r
	b.n, b.err = 0, nil
	m.lazyMs, m.fill, m.empty = ms, fill, empty
	err := m.rc.Read(m.lazyFn)
	m.lazyMs, m.fill, m.empty = nil, nil, nil
	if err == nil {
		err = b.err
	}
	if err != nil {
		b.release()
		return 0, err
	}
	for i := range b.n {
		ms[i].n = int(b.hdrs[i].n)
		ms[i].addr = sockaddrToAddrPort(&b.names[i])
	}
	b.release()
	return b.n, nil
}

func (m *mmsgConn) doReadLazy(fd uintptr) bool {
	m.fill()
	m.r.prepare(m.lazyMs)
	if m.doRead(fd) {
		return true
	}
	m.r.release()
	m.empty()
	return false
}

func (m *mmsgConn) doRead(fd uintptr) bool {
	b := &m.r
	flags := uintptr(0) // a socket in Go's poller is non-blocking
	if m.rc == nil {
		flags = syscall.MSG_DONTWAIT
	}
	r, _, e := syscall.Syscall6(sysRecvmmsg, fd, uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(len(b.hdrs)), flags, 0, 0)
	switch {
	case e == syscall.EAGAIN:
		return false // wait until readable
	case e == syscall.EINTR:
		return m.doRead(fd)
	case e != 0:
		b.err = e
		return true
	}
	b.n = int(r)
	return true
}

// writeBatch sends ms in order; it returns how many were sent and, if not
// all, the error of the first one that failed.
func (m *mmsgConn) writeBatch(ms []message) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	b := &m.w
	b.prepare(ms)
	for i, msg := range ms {
		b.hdrs[i].hdr.Namelen = addrPortToSockaddr(msg.addr, &b.names[i], m.v6)
	}
	sent := 0
	for sent < len(ms) {
		b.n, b.err = 0, nil
		hdrs := b.hdrs
		b.hdrs = b.hdrs[sent:]
		var err error
		if m.rc == nil {
			if !m.writeFn(uintptr(m.fd)) { // blocking: EAGAIN only with a send timeout
				err = &net.OpError{Op: "write", Net: "udp", Err: syscall.EAGAIN}
			}
		} else {
			err = m.rc.Write(m.writeFn)
		}
		b.hdrs = hdrs
		if err == nil {
			err = b.err
		}
		if err != nil {
			b.release()
			return sent, err
		}
		sent += b.n
	}
	b.release()
	return sent, nil
}

func (m *mmsgConn) doWrite(fd uintptr) bool {
	b := &m.w
	r, _, e := syscall.Syscall6(sysSendmmsg, fd, uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(len(b.hdrs)), 0, 0, 0)
	switch {
	case e == syscall.EAGAIN:
		return false // wait until writable
	case e == syscall.EINTR:
		return m.doWrite(fd)
	case e != 0:
		b.err = &net.OpError{Op: "write", Net: "udp", Err: syscall.Errno(e)}
		return true
	}
	b.n = int(r)
	return true
}

// sockaddrToAddrPort reads a sockaddr_in or sockaddr_in6 (an IPv4-mapped
// address becomes IPv4; the IPv6 zone is dropped).
func sockaddrToAddrPort(sa *syscall.RawSockaddrInet6) netip.AddrPort {
	switch sa.Family {
	case syscall.AF_INET:
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&sa4.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), uint16(p[0])<<8|uint16(p[1]))
	case syscall.AF_INET6:
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(p[0])<<8|uint16(p[1]))
	}
	return netip.AddrPort{}
}

// addrPortToSockaddr writes ap into sa and returns the sockaddr's length:
// sockaddr_in for an IPv4 address on an IPv4 socket, else sockaddr_in6
// (the IPv6 zone is not written: link-local peers are not used by
// default, see Config.Filter).
func addrPortToSockaddr(ap netip.AddrPort, sa *syscall.RawSockaddrInet6, v6 bool) uint32 {
	port := ap.Port()
	if a := ap.Addr(); a.Is4() && !v6 {
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: a.As4()}
		p := (*[2]byte)(unsafe.Pointer(&sa4.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		return syscall.SizeofSockaddrInet4
	}
	*sa = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: ap.Addr().As16()}
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	return syscall.SizeofSockaddrInet6
}
