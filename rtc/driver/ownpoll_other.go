//go:build !(linux && (amd64 || arm64))

package driver

import (
	"errors"
	"net/netip"
)

// ownPoller reads connections' own sockets where the platform has epoll
// and recvmmsg (ownpoll_linux.go); elsewhere each socket has a reader
// goroutine and this is never made.
type ownPoller struct{}

func newOwnPoller(func(*[]datagram) bool, func()) (*ownPoller, error) {
	return nil, errors.ErrUnsupported
}

func (*ownPoller) listen(netip.Addr, bool) (*socket, error) { return nil, errors.ErrUnsupported }
func (*ownPoller) add(*socket) error                        { return errors.ErrUnsupported }
func (*ownPoller) close(*socket)                            {}
func (*ownPoller) stop()                                    {}
