package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// client is a sansrtc peer of the test: it offers to base+path.
type client struct {
	c         *driver.Conn
	mu        sync.Mutex
	payloads  map[rtc.MediaKind][]string
	keyframes chan struct{}
	connected chan struct{}
}

func newClient(t *testing.T, ctx context.Context, d *driver.Driver, url string, dir rtc.Direction) (*client, error) {
	cl := &client{payloads: map[rtc.MediaKind][]string{}, keyframes: make(chan struct{}, 1), connected: make(chan struct{})}
	var once sync.Once
	c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch {
			case e.Kind == rtc.EventKeyframeRequest:
				select {
				case cl.keyframes <- struct{}{}:
				default:
				}
			case e.Kind == rtc.EventConnectionStateChange && e.ConnectionState == rtc.PeerConnectionConnected:
				once.Do(func() { close(cl.connected) })
			}
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			if m.Kind != rtc.MessageRTP {
				return
			}
			var p rtp.Packet
			if err := p.Unmarshal(m.Data); err != nil {
				t.Error(err)
				return
			}
			cl.mu.Lock()
			cl.payloads[m.Transceiver.Kind()] = append(cl.payloads[m.Transceiver.Kind()], string(p.Payload))
			cl.mu.Unlock()
		},
	})
	if err != nil {
		return nil, err
	}
	cl.c = c
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	err = c.Do(func(pc *rtc.PeerConnection) error {
		for _, k := range []rtc.MediaKind{rtc.MediaKindAudio, rtc.MediaKindVideo} {
			if _, err := pc.AddTransceiverTrack(rtc.Track{Kind: k}, rtc.TransceiverInit{Direction: dir}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	off, err := c.OfferAfterGathering(ctx)
	if err != nil {
		return nil, err
	}
	ans, err := signaling.PostOffer(ctx, url, signaling.Description{Type: "offer", SDP: off.SDP})
	if err != nil {
		return nil, err
	}
	return cl, c.SetAnswer(rtc.SessionDescription{SDP: ans.SDP})
}

// TestBroadcast: a viewer before any publisher is refused; then one
// sansrtc publisher and two viewers: every audio and video payload the
// publisher sends reaches both viewers, and a viewer's keyframe request
// reaches the publisher.
func TestBroadcast(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	sfu := newSFU(d, rtc.Configuration{}, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(handler(sfu, signaling.Limits{}))
	defer srv.Close()

	var se *signaling.StatusError
	if _, err := newClient(t, ctx, d, srv.URL+"/view", rtc.DirectionRecvOnly); !errors.As(err, &se) || se.Code != 422 {
		t.Fatalf("viewer without a publisher: %v, want 422", err)
	}
	pub, err := newClient(t, ctx, d, srv.URL+"/publish", rtc.DirectionSendOnly)
	if err != nil {
		t.Fatal(err)
	}
	var viewers []*client
	for range 2 {
		v, err := newClient(t, ctx, d, srv.URL+"/view", rtc.DirectionRecvOnly)
		if err != nil {
			t.Fatal(err)
		}
		viewers = append(viewers, v)
	}
	for _, cl := range append([]*client{pub}, viewers...) {
		select {
		case <-cl.connected:
		case <-ctx.Done():
			t.Fatal("not connected")
		}
	}
	for sfu.viewerCount() < 2 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d viewers connected on the server side", sfu.viewerCount())
		case <-time.After(10 * time.Millisecond):
		}
	}
	// Joining viewers asked for a keyframe already; drain that one.
	select {
	case <-pub.keyframes:
	case <-ctx.Done():
		t.Fatal("no keyframe request for a joining viewer")
	}

	type out struct {
		kind   rtc.MediaKind
		pt     uint8
		sender *rtc.Sender
	}
	var outs []out
	err = pub.c.Do(func(pc *rtc.PeerConnection) error {
		for _, tr := range pc.Transceivers() {
			outs = append(outs, out{tr.Kind(), tr.Codecs()[0].PayloadType, tr.Sender()})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sent := map[rtc.MediaKind][]string{}
	for i := range 20 {
		for _, o := range outs {
			payload := fmt.Sprintf("%v-%d", o.kind, i)
			p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: o.pt, SequenceNumber: uint16(i), Timestamp: uint32(i * 3000), SSRC: 7}, Payload: []byte(payload)}
			b, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.c.WriteRTP(o.sender, "", b); err != nil {
				t.Fatal(err)
			}
			sent[o.kind] = append(sent[o.kind], payload)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i, v := range viewers {
		for {
			v.mu.Lock()
			done := len(v.payloads[rtc.MediaKindAudio]) >= 20 && len(v.payloads[rtc.MediaKindVideo]) >= 20
			v.mu.Unlock()
			if done {
				break
			}
			select {
			case <-ctx.Done():
				v.mu.Lock()
				t.Fatalf("viewer %d got audio %d video %d of 20", i, len(v.payloads[rtc.MediaKindAudio]), len(v.payloads[rtc.MediaKindVideo]))
			case <-time.After(10 * time.Millisecond):
			}
		}
		v.mu.Lock()
		for k, s := range sent {
			for j := range s {
				if v.payloads[k][j] != s[j] {
					t.Errorf("viewer %d %v packet %d: %q, want %q", i, k, j, v.payloads[k][j], s[j])
				}
			}
		}
		v.mu.Unlock()
	}

	// A viewer's keyframe request reaches the publisher. Both chains
	// throttle requests (300 ms by default, rtc-interceptor
	// KeyframeConfig.MinInterval), and a viewer's chain may have asked on
	// its own: drain, then ask every 400 ms until one arrives (the joins'
	// requests are over by then, so what arrives is a viewer's).
	time.Sleep(400 * time.Millisecond)
	select {
	case <-pub.keyframes:
	default:
	}
	for {
		err = viewers[0].c.Do(func(pc *rtc.PeerConnection) error {
			for _, tr := range pc.Transceivers() {
				if tr.Kind() == rtc.MediaKindVideo {
					return pc.RequestKeyframe(tr, 0)
				}
			}
			return errors.New("no video transceiver")
		})
		if err != nil && !errors.Is(err, interceptor.ErrThrottled) {
			t.Fatal(err)
		}
		select {
		case <-pub.keyframes:
			return
		case <-ctx.Done():
			t.Fatal("viewer's keyframe request not passed to the publisher")
		case <-time.After(400 * time.Millisecond):
		}
	}
}
