package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	media "github.com/sansrtc/rtc/rtc-media"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

// TestSaveToDisk: a sansrtc client sends 10 VP8 frames of 3000 bytes
// (three RTP packets each) and 10 Opus packets; the IVF and Ogg files hold
// exactly those frames and packets once the connection ended.
func TestSaveToDisk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir := t.TempDir()
	ivf, ogg := filepath.Join(dir, "out.ivf"), filepath.Join(dir, "out.ogg")
	var f cli.Flags
	f.Register(flag.NewFlagSet("save-to-disk", flag.ContinueOnError))
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
	connected := make(chan struct{})
	c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{OnEvent: func(c *driver.Conn, e rtc.Event) {
		if e.Kind == rtc.EventConnectionStateChange && e.ConnectionState == rtc.PeerConnectionConnected {
			close(connected)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	senders := map[rtc.MediaKind]*rtc.Sender{}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		for _, k := range []rtc.MediaKind{rtc.MediaKindAudio, rtc.MediaKindVideo} {
			tr, err := pc.AddTransceiverTrack(rtc.Track{Kind: k}, rtc.TransceiverInit{Direction: rtc.DirectionSendOnly})
			if err != nil {
				return err
			}
			senders[k] = tr.Sender()
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
	var frames, packets [][]byte
	for i := range 10 {
		frame := bytes.Repeat([]byte{byte(i)}, 3000) // first byte even: a VP8 keyframe header bit (RFC 6386 §9.1)
		pkt := []byte(fmt.Sprintf("\xfcopus-%02d", i))
		frames, packets = append(frames, frame), append(packets, pkt)
		err := c.Do(func(*rtc.PeerConnection) error {
			if err := senders[rtc.MediaKindVideo].WriteSample(rtc.Sample{Data: frame, Duration: 33 * time.Millisecond}); err != nil {
				return err
			}
			return senders[rtc.MediaKindAudio].WriteSample(rtc.Sample{Data: pkt, Duration: 20 * time.Millisecond})
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let the last packets land before closing
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil { // run waits for the recording to close its files
		t.Fatal(err)
	}

	fv, err := os.Open(ivf)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFile(t, fv)
	rv, _, err := media.NewIVFReader(fv, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		fr, err := rv.ReadFrame(nil)
		if errors.Is(err, io.EOF) {
			if i != len(frames) {
				t.Errorf("%d frames in the IVF file, want %d", i, len(frames))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(frames) || !bytes.Equal(fr.Data, frames[i]) {
			t.Fatalf("IVF frame %d differs (%d bytes)", i, len(fr.Data))
		}
	}
	fa, err := os.Open(ogg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFile(t, fa)
	ro, _, _, err := media.NewOpusReader(fa, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		p, err := ro.ReadPacket(nil)
		if errors.Is(err, io.EOF) {
			if i != len(packets) {
				t.Errorf("%d Opus packets in the Ogg file, want %d", i, len(packets))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(packets) || !bytes.Equal(p.Data, packets[i]) {
			t.Fatalf("Opus packet %d: %q", i, p.Data)
		}
	}
}

func closeFile(t *testing.T, f *os.File) {
	if err := f.Close(); err != nil {
		t.Error(err)
	}
}

// lineWriter hands each Write to a channel (the command's standard output).
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}
