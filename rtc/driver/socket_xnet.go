//go:build !(linux && (amd64 || arm64))

package driver

import (
	"net"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// xnetConn is batchConn over the x/net batch API (one datagram per call
// where the platform has no recvmmsg/sendmmsg).
type xnetConn struct {
	pc interface {
		ReadBatch(ms []ipv4.Message, flags int) (int, error)
		WriteBatch(ms []ipv4.Message, flags int) (int, error)
	}
	rms, wms []ipv4.Message
}

func newBatchConn(c *net.UDPConn, v6 bool) (batchConn, error) {
	x := &xnetConn{pc: ipv4.NewPacketConn(c)}
	if v6 {
		x.pc = ipv6.NewPacketConn(c)
	}
	return x, nil
}

func (x *xnetConn) another() batchConn { return &xnetConn{pc: x.pc} }

func (x *xnetConn) readBatch(ms []message) (int, error) {
	x.rms = x.rms[:0]
	for _, m := range ms {
		x.rms = append(x.rms, ipv4.Message{Buffers: m.buffers})
	}
	n, err := x.pc.ReadBatch(x.rms, 0)
	for i := range max(n, 0) {
		ms[i].n = x.rms[i].N
		if ua, ok := x.rms[i].Addr.(*net.UDPAddr); ok {
			ap := ua.AddrPort()
			ms[i].addr = ap
		}
	}
	clear(x.rms)
	return n, err
}

func (x *xnetConn) writeBatch(ms []message) (int, error) {
	x.wms = x.wms[:0]
	for _, m := range ms {
		x.wms = append(x.wms, ipv4.Message{Buffers: m.buffers, OOB: m.oob, Addr: net.UDPAddrFromAddrPort(m.addr)})
	}
	n, err := x.pc.WriteBatch(x.wms, 0)
	clear(x.wms)
	return n, err
}
