//go:build !linux

package driver

import "net"

// Segmentation offload is a Linux feature; elsewhere every datagram is its
// own message.
const (
	gsoMaxSegments = 1
	gsoMaxBytes    = 0
)

func gsoSupported(*net.UDPConn) bool { return false }

func appendSegmentSize(b []byte, _ int) []byte { return b }

func isGSOError(error) bool { return false }
