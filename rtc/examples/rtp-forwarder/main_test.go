package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

// TestRTPForwarder: a sansrtc peer sends audio and video RTP; every
// packet arrives decrypted on the matching local UDP port with the same
// payload.
func TestRTPForwarder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ports := map[rtc.MediaKind]*net.UDPConn{}
	for _, k := range []rtc.MediaKind{rtc.MediaKindAudio, rtc.MediaKindVideo} {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := u.Close(); err != nil {
				t.Error(err)
			}
		})
		ports[k] = u
	}
	var f cli.Flags
	f.Register(flag.NewFlagSet("rtp-forwarder", flag.ContinueOnError))
	pw := lineWriter(make(chan string, 4))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, &f, f.Logger(), "127.0.0.1:0", ports[rtc.MediaKindAudio].LocalAddr().(*net.UDPAddr).Port, ports[rtc.MediaKindVideo].LocalAddr().(*net.UDPAddr).Port, pw)
	}()
	var line string
	select {
	case line = <-pw:
	case err := <-done:
		t.Fatalf("run ended: %v", err)
	}
	base := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")

	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	connected := make(chan struct{})
	c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{OnEvent: func(c *driver.Conn, e rtc.Event) {
		if e.Kind == rtc.EventConnectionStateChange && e.ConnectionState == rtc.PeerConnectionConnected {
			close(connected)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	var senders []*rtc.Sender
	err = c.Do(func(pc *rtc.PeerConnection) error {
		for _, k := range []rtc.MediaKind{rtc.MediaKindAudio, rtc.MediaKindVideo} {
			tr, err := pc.AddTransceiverTrack(rtc.Track{Kind: k}, rtc.TransceiverInit{Direction: rtc.DirectionSendOnly})
			if err != nil {
				return err
			}
			senders = append(senders, tr.Sender())
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
	ans, err := signaling.PostOffer(ctx, base, signaling.Description{Type: "offer", SDP: off.SDP})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(rtc.SessionDescription{SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-ctx.Done():
		t.Fatal("not connected")
	}
	// The answerer may finish DTLS a moment after us: retry the first
	// packet until it arrives.
	for i, s := range senders {
		kind := []rtc.MediaKind{rtc.MediaKindAudio, rtc.MediaKindVideo}[i]
		var pts uint8
		if err := c.Do(func(*rtc.PeerConnection) error { pts = s.Transceiver().Codecs()[0].PayloadType; return nil }); err != nil {
			t.Fatal(err)
		}
		payload := fmt.Sprintf("%v payload", kind)
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pts, SequenceNumber: 1, SSRC: 3}, Payload: []byte(payload)}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		for try := 0; ; try++ {
			if err := c.WriteRTP(s, "", b); err != nil {
				t.Fatal(err)
			}
			if err := ports[kind].SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			n, err := ports[kind].Read(buf)
			if err != nil {
				if try < 20 {
					continue
				}
				t.Fatalf("%v: nothing forwarded: %v", kind, err)
			}
			var got rtp.Packet
			if err := got.Unmarshal(buf[:n]); err != nil {
				t.Fatal(err)
			}
			if string(got.Payload) != payload || got.PayloadType != pts {
				t.Errorf("%v: forwarded PT %d payload %q, want %d %q", kind, got.PayloadType, got.Payload, pts, payload)
			}
			break
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// lineWriter hands each Write to a channel (the command's standard output).
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}
