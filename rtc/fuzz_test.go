package rtc

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

func FuzzParseSDP(f *testing.F) {
	f.Add(fuzzOffer(f).SDP)
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
		// Whatever parses must be safe to validate and apply, and an
		// offer that applies must be answerable.
		pc, err := NewPeerConnection(Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.neg.validateRemote(sess, SDPTypeOffer); err != nil {
			return // refused before anything changed: fine
		}
		if err := pc.SetRemoteDescription(SessionDescription{Type: SDPTypeOffer, SDP: s}); err != nil {
			if pc.SignalingState() != SignalingStable {
				t.Fatalf("a refused offer changed the state to %v: %v", pc.SignalingState(), err)
			}
			return
		}
		if _, err := pc.CreateAnswer(); err != nil {
			t.Fatalf("an applied offer cannot be answered: %v", err)
		}
	})
}

// FuzzHandleRead feeds arbitrary datagrams to a PeerConnection that has a
// remote description applied: nothing may panic.
func FuzzHandleRead(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1})
	f.Add([]byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := NewPeerConnection(Configuration{LocalAddresses: []netip.AddrPort{addrA}})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetRemoteDescription(fuzzOffer(t)); err != nil {
			t.Fatal(err)
		}
		ans, err := a.CreateAnswer()
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetLocalDescription(ans); err != nil {
			t.Fatal(err)
		}
		now := time.Unix(1000, 0)
		dropped := a.Stats().Dropped
		err = a.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: addrA, Peer: addrB}, Message: b})
		if err != nil && a.Stats().Dropped == dropped {
			t.Errorf("HandleRead returned %v but counted no drop", err)
		}
		// The same bytes as a segment of a TCP connection (ICE-TCP, TURN
		// over TCP): the agent's stream framing.
		dropped = a.Stats().Dropped
		err = a.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: addrA, Peer: addrB, Protocol: shared.TCP}, Message: b})
		if err != nil && a.Stats().Dropped == dropped {
			t.Errorf("HandleRead over TCP returned %v but counted no drop", err)
		}
		if err := a.HandleTimeout(now.Add(time.Second)); errors.Is(err, ErrClosed) {
			t.Errorf("HandleTimeout: %v", err)
		}
	})
}

// fuzzOffer returns an offer with a data channel.
func fuzzOffer(t testing.TB) SessionDescription {
	src, err := NewPeerConnection(Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateDataChannel("x", DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	o, err := src.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	return o
}
