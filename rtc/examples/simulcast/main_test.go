package main

import (
	"context"
	"fmt"
	"log/slog"
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

// TestSimulcast: a sansrtc client sends three layers (rids q, h, f); the
// server counts each, sends q back, and after "h" on the data channel
// asks for a keyframe of h and sends h back; a keyframe request of ours
// for what comes back is passed on to us as the source of h.
func TestSimulcast(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	s := &server{d: d, log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(handler(s, signaling.Limits{}))
	defer srv.Close()

	var mu sync.Mutex
	var back []string
	keyframes := 0 // the server's keyframe requests to us
	opened := make(chan *rtc.DataChannel, 1)
	c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch e.Kind {
			case rtc.EventDataChannelOpen:
				opened <- e.Channel
			case rtc.EventKeyframeRequest:
				mu.Lock()
				keyframes++
				mu.Unlock()
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
			mu.Lock()
			back = append(back, string(p.Payload))
			mu.Unlock()
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
	if _, err := c.CreateDataChannel("layer", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	var sender *rtc.Sender
	err = c.Do(func(pc *rtc.PeerConnection) error {
		tr, err := pc.AddTransceiverTrack(rtc.Track{Kind: rtc.MediaKindVideo}, rtc.TransceiverInit{SendEncodings: []rtc.Encoding{{RID: "q"}, {RID: "h"}, {RID: "f"}}})
		sender = tr.Sender()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	off, err := c.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := signaling.PostOffer(ctx, srv.URL, signaling.Description{Type: "offer", SDP: off.SDP})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(rtc.SessionDescription{SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	var dc *rtc.DataChannel
	select {
	case dc = <-opened:
	case <-ctx.Done():
		t.Fatal("no data channel")
	}
	var pt uint8
	if err := c.Do(func(*rtc.PeerConnection) error { pt = sender.Transceiver().Codecs()[0].PayloadType; return nil }); err != nil {
		t.Fatal(err)
	}
	// Each layer is its own RTP stream with its own sequence numbers: a
	// gap would make the server's NACK generator end in keyframe requests
	// of its own (RFC 4585 §6.3.1), which the check of the passed-on
	// request below must not see.
	seqs := map[string]uint16{}
	sendLayers := func(round int) {
		for i := range 10 {
			for _, rid := range []string{"q", "h", "f"} {
				seqs[rid]++
				seq := seqs[rid]
				p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 5}, Payload: []byte(fmt.Sprintf("%s-%d-%d", rid, round, i))}
				b, err := p.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				if err := c.WriteRTP(sender, rid, b); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitBack := func(want string) {
		for {
			mu.Lock()
			found := false
			for _, p := range back {
				found = found || p == want
			}
			mu.Unlock()
			if found {
				return
			}
			select {
			case <-ctx.Done():
				mu.Lock()
				t.Fatalf("%q not sent back; got %v", want, back)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	sendLayers(0)
	waitBack("q-0-9")
	if err := c.Send(dc, []byte("h"), false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the switch is handled on the server's loop
	sendLayers(1)
	waitBack("h-1-9")
	mu.Lock()
	for _, p := range back {
		if p[0] == 'f' || (p[0] == 'h' && p[2] == '0') || (p[0] == 'q' && p[2] == '1') {
			t.Errorf("%q sent back: not the chosen layer", p)
		}
	}
	mu.Unlock()
	// Our decoder asks for a keyframe of what comes back: the server
	// passes the request on to us, the source of the layer (after the
	// chain's 300 ms throttle since the switch's own request).
	keyframesNow := func() int {
		mu.Lock()
		defer mu.Unlock()
		return keyframes
	}
	afterSwitch := keyframesNow()
	if afterSwitch == 0 {
		t.Error("no keyframe request after the switch")
	}
	time.Sleep(400 * time.Millisecond)
	if err := c.RequestKeyframe(sender.Transceiver()); err != nil {
		t.Fatal(err)
	}
	for keyframesNow() == afterSwitch {
		select {
		case <-ctx.Done():
			t.Fatal("our keyframe request was not passed on to us as the source")
		case <-time.After(10 * time.Millisecond):
		}
	}
	rids, _ := s.counts()
	for _, rid := range []string{"q", "h", "f"} {
		if rids[rid] < 20 {
			t.Errorf("rid %s: %d packets received, want 20", rid, rids[rid])
		}
	}
}
