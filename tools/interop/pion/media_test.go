package pion

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// mediaAPI is API with Pion's default codecs and interceptors (NACK,
// reports, TWCC): what a Pion media application uses.
func mediaAPI(t *testing.T) *webrtc.API {
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	var m webrtc.MediaEngine
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(&m))
}

// TestPionReflect (issue 13): Pion v4 sends VP8 and Opus RTP to the
// sansrtc reflect peer (echo.Options.Media), offering and answering;
// every packet's payload comes back byte for byte on a track of the same
// codec.
func TestPionReflect(t *testing.T) {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	peer := echo.New(d, echo.Options{Media: true})
	srv := httptest.NewServer(signaling.Server(peer))
	defer srv.Close()

	for _, pionOffers := range []bool{true, false} {
		t.Run(fmt.Sprintf("pionOffers=%v", pionOffers), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			pc, err := mediaAPI(t).NewPeerConnection(webrtc.Configuration{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := pc.Close(); err != nil {
					t.Error(err)
				}
			}()
			video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "pion")
			if err != nil {
				t.Fatal(err)
			}
			audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "pion")
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			got := map[string][]string{} // mime type -> payloads back
			pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
				mime := tr.Codec().MimeType
				for {
					p, _, err := tr.ReadRTP()
					if err != nil {
						return
					}
					mu.Lock()
					got[mime] = append(got[mime], string(p.Payload))
					mu.Unlock()
				}
			})
			connected := make(chan struct{})
			var once sync.Once
			pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
				if s == webrtc.PeerConnectionStateConnected {
					once.Do(func() { close(connected) })
				}
			})
			if pionOffers {
				for _, tr := range []webrtc.TrackLocal{audio, video} {
					if _, err := pc.AddTrack(tr); err != nil {
						t.Fatal(err)
					}
				}
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
					t.Fatal(err)
				}
				if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
					t.Fatal(err)
				}
			} else {
				off, err := signaling.GetOffer(ctx, srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: off.SDP}); err != nil {
					t.Fatal(err)
				}
				for _, tr := range []webrtc.TrackLocal{audio, video} {
					if _, err := pc.AddTrack(tr); err != nil {
						t.Fatal(err)
					}
				}
				a, err := pc.CreateAnswer(nil)
				if err != nil {
					t.Fatal(err)
				}
				ans, err := Gathered(ctx, pc, a)
				if err != nil {
					t.Fatal(err)
				}
				if err := signaling.PostAnswer(ctx, srv.URL, signaling.Description{Type: "answer", SDP: ans, ID: off.ID}); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-connected:
			case <-ctx.Done():
				t.Fatal("Pion not connected")
			}
			sent := map[string][]string{}
			for i := range 30 {
				for _, tr := range []struct {
					track *webrtc.TrackLocalStaticRTP
					mime  string
					ts    uint32
				}{{audio, webrtc.MimeTypeOpus, 960}, {video, webrtc.MimeTypeVP8, 3000}} {
					// A VP8 payload descriptor (RFC 7741 §4.2: S bit, partition 0)
					// or an Opus TOC byte, then a marker of the packet.
					payload := []byte(fmt.Sprintf("\x10%s-packet-%02d-%s", tr.mime, i, "0123456789abcdef"))
					p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i) * tr.ts, Marker: true}, Payload: payload}
					if err := tr.track.WriteRTP(p); err != nil {
						t.Fatal(err)
					}
					sent[tr.mime] = append(sent[tr.mime], string(payload))
				}
				time.Sleep(10 * time.Millisecond)
			}
			for {
				mu.Lock()
				done := len(got[webrtc.MimeTypeOpus]) >= len(sent[webrtc.MimeTypeOpus]) && len(got[webrtc.MimeTypeVP8]) >= len(sent[webrtc.MimeTypeVP8])
				mu.Unlock()
				if done {
					break
				}
				select {
				case <-ctx.Done():
					mu.Lock()
					t.Fatalf("reflected: opus %d of %d, VP8 %d of %d", len(got[webrtc.MimeTypeOpus]), len(sent[webrtc.MimeTypeOpus]), len(got[webrtc.MimeTypeVP8]), len(sent[webrtc.MimeTypeVP8]))
				case <-time.After(20 * time.Millisecond):
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for mime, s := range sent {
				have := map[string]bool{}
				for _, p := range got[mime] {
					have[p] = true
				}
				for _, p := range s {
					if !have[p] {
						t.Errorf("%s: payload %q not reflected byte for byte", mime, p)
					}
				}
			}
		})
	}
}
