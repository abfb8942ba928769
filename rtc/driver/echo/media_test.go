package echo

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// received is what the client saw come back, per mid.
type received struct {
	mu       sync.Mutex
	payloads map[string][]string // mid -> payloads in arrival order
	pts      map[string]uint8
}

func (r *received) rtp(m rtc.Message) error {
	var p rtp.Packet
	if err := p.Unmarshal(m.Data); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	mid := m.Transceiver.Mid()
	r.payloads[mid] = append(r.payloads[mid], string(p.Payload))
	r.pts[mid] = p.PayloadType
	return nil
}

// TestReflectBothRoles: a sansrtc client sends Opus and VP8 RTP to the
// echo peer with Options.Media, offering (POST /offer) and answering its
// offer (GET /offer + POST /answer): every packet comes back on the same
// m-section with the same payload type and payload, data channels still
// echo, and a keyframe request for a reflected stream reaches the stream's
// source.
func TestReflectBothRoles(t *testing.T) {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	peer := New(d, Options{Media: true})
	srv := httptest.NewServer(signaling.Server(peer))
	defer srv.Close()

	for _, peerOffers := range []bool{false, true} {
		t.Run(fmt.Sprintf("peerOffers=%v", peerOffers), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			rec := &received{payloads: map[string][]string{}, pts: map[string]uint8{}}
			opened := make(chan *rtc.DataChannel, 4)
			echoed := make(chan string, 4)
			keyframes := make(chan struct{}, 1)
			c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
				OnEvent: func(c *driver.Conn, e rtc.Event) {
					switch e.Kind {
					case rtc.EventDataChannelOpen:
						opened <- e.Channel
					case rtc.EventKeyframeRequest:
						if e.Transceiver.Kind() != rtc.MediaKindVideo {
							t.Errorf("keyframe request on %v", e.Transceiver.Kind())
						}
						select {
						case keyframes <- struct{}{}:
						default:
						}
					}
				},
				OnMessage: func(c *driver.Conn, m rtc.Message) {
					switch m.Kind {
					case rtc.MessageRTP:
						if err := rec.rtp(m); err != nil {
							t.Error(err)
						}
					case rtc.MessageRTCP:
					default:
						echoed <- string(m.Data)
					}
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := c.Close(); err != nil {
					t.Error(err)
				}
			}()
			if peerOffers {
				off, err := signaling.GetOffer(ctx, srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				err = c.Do(func(pc *rtc.PeerConnection) error {
					if err := prepareMedia(pc, offerKinds(off.SDP)); err != nil {
						return err
					}
					if err := pc.SetRemoteDescription(rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: off.SDP}); err != nil {
						return err
					}
					a, err := pc.CreateAnswer()
					if err != nil {
						return err
					}
					return pc.SetLocalDescription(a)
				})
				if err != nil {
					t.Fatal(err)
				}
				ans, err := c.WaitGathering(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := signaling.PostAnswer(ctx, srv.URL, signaling.Description{SDP: ans.SDP, ID: off.ID}); err != nil {
					t.Fatal(err)
				}
			} else {
				if _, err := c.CreateDataChannel("probe", rtc.DataChannelInit{}); err != nil {
					t.Fatal(err)
				}
				err := c.Do(func(pc *rtc.PeerConnection) error {
					for _, k := range []rtc.MediaKind{rtc.MediaKindAudio, rtc.MediaKindVideo} {
						if _, err := pc.AddTrack(rtc.Track{Kind: k}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				off, err := c.OfferAfterGathering(ctx)
				if err != nil {
					t.Fatal(err)
				}
				ans, err := signaling.PostOffer(ctx, srv.URL, signaling.Description{SDP: off.SDP})
				if err != nil {
					t.Fatal(err)
				}
				if err := c.SetAnswer(rtc.SessionDescription{SDP: ans.SDP}); err != nil {
					t.Fatal(err)
				}
			}
			var dc *rtc.DataChannel
			select {
			case dc = <-opened:
			case <-ctx.Done():
				t.Fatal("no data channel")
			}
			if err := c.Send(dc, []byte("still echoing"), false); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-echoed:
				if got != "still echoing" {
					t.Errorf("data echo %q", got)
				}
			case <-ctx.Done():
				t.Fatal("no data echo")
			}

			// Send 20 packets per transceiver, with the first negotiated
			// payload type, and expect each back: even ones written on the
			// loop (Do), odd ones queued from this goroutine
			// (Conn.WriteRTP).
			type out struct {
				mid    string
				kind   rtc.MediaKind
				pt     uint8
				sender *rtc.Sender
			}
			var outs []out
			err = c.Do(func(pc *rtc.PeerConnection) error {
				for _, tr := range pc.Transceivers() {
					codecs := tr.Codecs()
					if len(codecs) == 0 {
						return fmt.Errorf("mid %s: no codec", tr.Mid())
					}
					outs = append(outs, out{tr.Mid(), tr.Kind(), codecs[0].PayloadType, tr.Sender()})
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			sent := map[string][]string{}
			wantPT := map[string]uint8{}
			for i := range 20 {
				for _, o := range outs {
					payload := fmt.Sprintf("%v-%d-payload", o.kind, i)
					p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: o.pt, SequenceNumber: uint16(100 + i), Timestamp: uint32(960 * i), SSRC: 1}, Payload: []byte(payload)}
					b, err := p.Marshal()
					if err != nil {
						t.Fatal(err)
					}
					if i%2 == 0 {
						err = c.Do(func(pc *rtc.PeerConnection) error { return o.sender.WriteRTP("", b) })
					} else {
						err = c.WriteRTP(o.sender, "", b)
					}
					if err != nil {
						t.Fatal(err)
					}
					sent[o.mid] = append(sent[o.mid], payload)
					wantPT[o.mid] = o.pt
				}
				time.Sleep(5 * time.Millisecond)
			}
			if len(sent) != 2 {
				t.Fatalf("sent on %d transceivers, want 2", len(sent))
			}
			waitUntil(ctx, t, "reflected RTP", func() bool {
				rec.mu.Lock()
				defer rec.mu.Unlock()
				for mid, s := range sent {
					if len(rec.payloads[mid]) < len(s) {
						return false
					}
				}
				return true
			})
			rec.mu.Lock()
			for mid, s := range sent {
				got := rec.payloads[mid]
				for i := range s {
					if got[i] != s[i] {
						t.Errorf("mid %s packet %d: payload %q, want %q", mid, i, got[i], s[i])
					}
				}
				if rec.pts[mid] != wantPT[mid] {
					t.Errorf("mid %s: payload type %d, want %d", mid, rec.pts[mid], wantPT[mid])
				}
			}
			rec.mu.Unlock()

			// A keyframe request for the peer's video stream (PLI from
			// our chain) comes back to us as one for our video stream.
			err = c.Do(func(pc *rtc.PeerConnection) error {
				for _, tr := range pc.Transceivers() {
					if tr.Kind() == rtc.MediaKindVideo {
						return pc.RequestKeyframe(tr, 0)
					}
				}
				return fmt.Errorf("no video transceiver")
			})
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-keyframes:
			case <-ctx.Done():
				t.Fatal("keyframe request not passed on to its source")
			}
		})
	}
}

func waitUntil(ctx context.Context, t *testing.T, what string, ok func() bool) {
	t.Helper()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("no %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
