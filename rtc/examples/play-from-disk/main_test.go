package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	media "github.com/sansrtc/rtc/rtc-media"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

// writeFiles writes a 10-frame VP8 IVF file (30 fps) and a 10-packet Ogg
// Opus file with rtc-media.
func writeFiles(t *testing.T) (ivf, ogg string) {
	dir := t.TempDir()
	ivf, ogg = filepath.Join(dir, "in.ivf"), filepath.Join(dir, "in.ogg")
	fv, err := os.Create(ivf)
	if err != nil {
		t.Fatal(err)
	}
	w, err := media.NewIVFWriter(fv, media.IVFHeader{FourCC: media.FourCCVP8, Width: 64, Height: 48, TimebaseDenominator: 30, TimebaseNumerator: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		frame := []byte(fmt.Sprintf("vp8-frame-%02d", i)) // not decodable: enough for RTP
		if err := w.WriteFrame(frame, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fv.Close(); err != nil {
		t.Fatal(err)
	}
	fa, err := os.Create(ogg)
	if err != nil {
		t.Fatal(err)
	}
	ow, err := media.NewOpusWriter(fa, 1, media.OpusHead{Version: 1, Channels: 2, InputSampleRate: 48000}, media.OpusTags{Vendor: "sansrtc test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := ow.WritePacket([]byte(fmt.Sprintf("\xfcopus-%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fa.Close(); err != nil {
		t.Fatal(err)
	}
	return ivf, ogg
}

// TestPlayFromDisk: a sansrtc client offering to receive gets every IVF
// frame (one marker bit each) and every Opus packet, in order.
func TestPlayFromDisk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ivf, ogg := writeFiles(t)
	var f cli.Flags
	f.Register(flag.NewFlagSet("play-from-disk", flag.ContinueOnError))
	lines := lineWriter(make(chan string, 4))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, &f, f.Logger(), "127.0.0.1:0", ivf, ogg, lines) }()
	var line string
	select {
	case line = <-lines:
	case err := <-done:
		t.Fatalf("run ended: %v", err)
	}
	base := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")

	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	var mu sync.Mutex
	var audio []string
	var videoFrames int
	c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{OnMessage: func(c *driver.Conn, m rtc.Message) {
		if m.Kind != rtc.MessageRTP {
			return
		}
		var p rtp.Packet
		if err := p.Unmarshal(m.Data); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if m.Transceiver.Kind() == rtc.MediaKindAudio {
			audio = append(audio, string(p.Payload))
		} else if p.Marker {
			videoFrames++
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		for _, k := range []rtc.MediaKind{rtc.MediaKindAudio, rtc.MediaKindVideo} {
			if _, err := pc.AddTransceiver(k, rtc.TransceiverInit{Direction: rtc.DirectionRecvOnly}); err != nil {
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
	ans, err := signaling.PostOffer(ctx, base, signaling.Description{Type: "offer", SDP: off.SDP})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(rtc.SessionDescription{SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	for {
		mu.Lock()
		na, nv := len(audio), videoFrames
		mu.Unlock()
		if na >= 10 && nv >= 10 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("received %d Opus packets and %d VP8 frames of 10", na, nv)
		case <-time.After(20 * time.Millisecond):
		}
	}
	mu.Lock()
	for i, a := range audio {
		if want := fmt.Sprintf("\xfcopus-%02d", i); a != want {
			t.Errorf("Opus packet %d: %q, want %q", i, a, want)
		}
	}
	mu.Unlock()
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
