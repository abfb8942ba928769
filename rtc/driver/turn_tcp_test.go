package driver

import (
	"testing"
)

// TestStreamFrame: whole STUN and padded ChannelData messages are cut out
// of a TURN stream; partial ones wait; other first bytes lose framing.
// Before streamFrame, TCP segments went whole to the PeerConnection, which
// demultiplexes by the first byte: "turn: bad message from server" once a
// segment started inside a message (seen with coturn over TCP and TLS).
func TestStreamFrame(t *testing.T) {
	stun := append([]byte{0x01, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42}, make([]byte, 16)...) // 20-byte header, 4 bytes of attributes
	cd := []byte{0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0}                                // 5 bytes of data, padded to 12
	for _, tc := range []struct {
		name string
		b    []byte
		size int
		ok   bool
	}{
		{"empty", nil, 0, false},
		{"short header", []byte{0x01, 0x01}, 0, false},
		{"stun whole", stun, 24, true},
		{"stun partial", stun[:23], 24, false},
		{"stun and more", append(append([]byte{}, stun...), cd...), 24, true},
		{"channeldata padded", cd, 12, true},
		{"channeldata unpadded", cd[:9], 12, false},
		{"stun header partial", stun[:7], 0, false},
		{"dtls first byte", []byte{22, 0xfe, 0xfd, 0, 0, 0, 0, 0}, -1, false},
		{"stun odd length", []byte{0x01, 0x01, 0x00, 0x05, 0x21, 0x12, 0xa4, 0x42}, -1, false},
		{"rtp first byte", []byte{0x80, 0, 0, 0}, -1, false},
	} {
		size, ok := streamFrame(tc.b)
		if size != tc.size || ok != tc.ok {
			t.Errorf("%s: streamFrame = %d, %v; want %d, %v", tc.name, size, ok, tc.size, tc.ok)
		}
	}
}

// FuzzStreamFrame: any bytes give a size within the stream limit, and ok
// only when b holds the whole message.
func FuzzStreamFrame(f *testing.F) {
	f.Add([]byte{0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0})
	f.Add([]byte{0x00, 0x01, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		size, ok := streamFrame(b)
		if size > maxStreamFrame || (ok && (size > len(b) || size < 4)) || (size < 0 && ok) {
			t.Fatalf("streamFrame(% x) = %d, %v", b, size, ok)
		}
	})
}
