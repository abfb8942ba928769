//go:build linux

package driver

import (
	"encoding/binary"
	"errors"
	"net"
	"slices"
	"syscall"
	"unsafe"
)

// UDP generic segmentation offload (Linux 4.18+, udp(7)): a control
// message UDP_SEGMENT with a segment size makes one sendmsg buffer leave as
// datagrams of that size (the last one may be shorter).
const (
	solUDP     = 17  // SOL_UDP
	udpSegment = 103 // UDP_SEGMENT
	// gsoMaxSegments is UDP_MAX_SEGMENTS of older kernels (newer ones
	// take 128).
	gsoMaxSegments = 64
	// gsoMaxBytes keeps one segmented buffer under the 64 KiB IP limit.
	gsoMaxBytes = 65000
)

// gsoSupported reports whether the kernel knows UDP_SEGMENT on c.
func gsoSupported(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	if err := rc.Control(func(fd uintptr) {
		_, err := syscall.GetsockoptInt(int(fd), solUDP, udpSegment)
		ok = err == nil
	}); err != nil {
		return false
	}
	return ok
}

// appendSegmentSize appends a UDP_SEGMENT control message for size-byte
// segments.
func appendSegmentSize(b []byte, size int) []byte {
	n := syscall.CmsgSpace(2)
	at := len(b)
	b = slices.Grow(b, n)[:at+n]
	clear(b[at:])
	// at is a multiple of CmsgSpace, which keeps the header aligned.
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[at]))
	h.Level, h.Type = solUDP, udpSegment
	h.SetLen(syscall.CmsgLen(2))
	binary.NativeEndian.PutUint16(b[at+syscall.CmsgLen(0):], uint16(size))
	return b
}

// isGSOError reports a send error that segmentation may have caused: EIO
// (a device without checksum offload) or EINVAL (a segment over the device
// MTU, or too many segments).
func isGSOError(err error) bool {
	return errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EINVAL)
}
