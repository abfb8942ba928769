package rtc

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

func FuzzParseSDP(f *testing.F) {
	pc, _ := NewPeerConnection(Configuration{})
	pc.CreateDataChannel("x", DataChannelInit{})
	o, _ := pc.CreateOffer()
	f.Add(o.SDP)
	if files, _ := filepath.Glob("testdata/*.sdp"); len(files) > 0 {
		for _, fn := range files {
			if b, err := os.ReadFile(fn); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Add("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n")
	f.Add("v=0\r\nm=audio 0 RTP/AVP 0\r\na=fingerprint:sha-256 00\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		sess, err := parseSDP(s, 1<<20)
		if err != nil {
			return
		}
		// Whatever parses must be safe to validate and apply.
		pc, _ := NewPeerConnection(Configuration{})
		if _, err := pc.neg.validateRemote(sess, SDPTypeOffer); err != nil {
			return
		}
		_ = pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: s})
		_, _ = pc.CreateAnswer()
	})
}

// FuzzHandleRead feeds arbitrary datagrams to a PeerConnection that has a
// remote description applied: nothing may panic.
func FuzzHandleRead(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1})
	f.Add([]byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, _ := NewPeerConnection(Configuration{LocalAddresses: []netip.AddrPort{addrA}})
		src, _ := NewPeerConnection(Configuration{})
		src.CreateDataChannel("x", DataChannelInit{})
		o, _ := src.CreateOffer()
		_ = a.SetRemoteDescription(o)
		ans, _ := a.CreateAnswer()
		_ = a.SetLocalDescription(ans)
		now := time.Unix(1000, 0)
		_ = a.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: addrA, Peer: addrB}, Message: b})
		_ = a.HandleTimeout(now.Add(time.Second))
	})
}
