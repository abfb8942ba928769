package pion

import (
	"context"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// TestPionUnknownCodecsOffer (issue 13, bad input): Pion offers a video
// section whose only codec the sansrtc reflect peer does not know, beside
// a data channel: the section is answered rejected (port 0) with a 200,
// and the peer keeps serving the next client the same way.
func TestPionUnknownCodecsOffer(t *testing.T) {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	peer := echo.New(d, echo.Options{Media: true})
	srv := httptest.NewServer(signaling.Server(peer))
	defer srv.Close()

	for round := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		var se webrtc.SettingEngine
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetIncludeLoopbackCandidate(true)
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		var m webrtc.MediaEngine
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/X-UNKNOWN", ClockRate: 90000}, PayloadType: 120}, webrtc.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
		pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(&m)).NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
		dc, err := pc.CreateDataChannel("probe", nil)
		if err != nil {
			t.Fatal(err)
		}
		echoed := make(chan string, 1)
		dc.OnOpen(func() {
			if err := dc.SendText("still serving"); err != nil {
				t.Error(err)
			}
		})
		dc.OnMessage(func(msg webrtc.DataChannelMessage) { echoed <- string(msg.Data) })
		o, err := pc.CreateOffer(nil)
		if err != nil {
			t.Fatal(err)
		}
		off, err := Gathered(ctx, pc, o)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := signaling.PostOffer(ctx, srv.URL, signaling.Description{Type: "offer", SDP: off})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !strings.Contains(ans.SDP, "m=video 0 ") {
			t.Errorf("round %d: video section with only an unknown codec not rejected:\n%s", round, ans.SDP)
		}
		// The rejected section carries the offered formats' a=rtpmap
		// (RFC 8829 §5.3.1): Pion v4.2.20 refuses an answer without them
		// ("payload type not found"). Pion's transceiver is recvonly: as
		// sendrecv, Pion itself fails to set up a sender for its unknown
		// codec ("the requested codec does not have a payloader").
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
			t.Fatalf("round %d: Pion refuses the answer: %v", round, err)
		}
		select {
		case got := <-echoed:
			if got != "still serving" {
				t.Errorf("round %d: echo %q", round, got)
			}
		case <-ctx.Done():
			t.Fatalf("round %d: no data channel echo beside the rejected section", round)
		}
		if err := pc.Close(); err != nil {
			t.Error(err)
		}
		cancel()
	}
}
