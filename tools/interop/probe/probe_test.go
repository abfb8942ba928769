package probe

import "testing"

// TestMaxMessageSize: RFC 8841 §6.1, 64 KiB when the attribute is absent,
// 0 for no limit, the default again for a malformed value.
func TestMaxMessageSize(t *testing.T) {
	for _, tc := range []struct {
		sdp  string
		want int
	}{
		{"v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", 64 << 10},
		{"v=0\r\na=max-message-size:262144\r\n", 256 << 10},
		{"v=0\r\na=max-message-size:0\r\n", 0},
		{"v=0\r\na=max-message-size:x\r\n", 64 << 10},
	} {
		if got := MaxMessageSize(tc.sdp); got != tc.want {
			t.Errorf("MaxMessageSize(%q) = %d, want %d", tc.sdp, got, tc.want)
		}
	}
}
