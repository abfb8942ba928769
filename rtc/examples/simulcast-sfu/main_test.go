package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

// TestSimulcastLayers runs the server on 127.0.0.1 (-layer h); a sansrtc
// sender publishes three VP8 encodings (rids q, h, f) with a keyframe
// every 10 frames. Viewer A asks for q, B for f, C takes the default h;
// after frame 14, A switches to f. Each viewer receives exactly its
// layer's frames, and A gets q's frames 0-19 then f's from its next
// keyframe (20) on, on one SSRC without a sequence gap.
func TestSimulcastLayers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	var f cli.Flags
	f.Register(flag.NewFlagSet("simulcast", flag.ContinueOnError))
	pr, pw := io.Pipe()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, &f, quiet, "127.0.0.1:0", "h", 10, pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // nothing more is printed
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}

	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	var viewers []*mediafile.Viewer
	for _, path := range []string{"/view/q", "/view/f", "/view"} {
		v, err := mediafile.NewViewer(ctx, d, base+path, mediafile.VP8)
		if err != nil {
			t.Fatal(err)
		}
		viewers = append(viewers, v)
	}
	for _, v := range viewers {
		select {
		case <-v.Connected():
		case <-ctx.Done():
			t.Fatal("a viewer did not connect")
		}
	}

	// The publisher: one track, three encodings.
	const n = 30
	frames := map[string][][]byte{}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rid := range layers {
		for i := range n {
			fr := make([]byte, 300+rng.IntN(2000))
			for j := range fr {
				fr[j] = byte(1 + rng.IntN(255))
			}
			if i%10 == 0 {
				fr[0], fr[3], fr[4], fr[5] = 0x10, 0x9d, 0x01, 0x2a // a key frame
			} else {
				fr[0] |= 1
			}
			frames[rid] = append(frames[rid], fr)
		}
	}
	connected := make(chan struct{}, 1)
	pub, err := d.NewPeerConnection(rtc.Configuration{VideoCodecs: []rtc.Codec{mediafile.VP8}}, driver.Handler{OnEvent: func(c *driver.Conn, e rtc.Event) {
		if e.Kind == rtc.EventConnectionStateChange && e.ConnectionState == rtc.PeerConnectionConnected {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	var snd *rtc.Sender
	if err := pub.Do(func(pc *rtc.PeerConnection) error {
		tr, err := pc.AddTransceiverTrack(rtc.Track{Kind: rtc.MediaKindVideo, Codec: mediafile.VP8},
			rtc.TransceiverInit{Direction: rtc.DirectionSendOnly, SendEncodings: []rtc.Encoding{{RID: "q"}, {RID: "h"}, {RID: "f"}}})
		if err != nil {
			return err
		}
		snd = tr.Sender()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	offer, err := pub.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := signaling.PostOffer(ctx, base+"/publish", signaling.Description{Type: "offer", SDP: offer.SDP})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.SetAnswer(rtc.SessionDescription{Type: rtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-ctx.Done():
		t.Fatal("the publisher did not connect")
	}
	for i := range n {
		for _, rid := range []string{"f", "h", "q"} { // f first: a switch to f happens before q's frame of the same instant
			if err := pub.Do(func(*rtc.PeerConnection) error {
				return snd.WriteSample(rtc.Sample{Data: frames[rid][i], Duration: 33 * time.Millisecond, RID: rid})
			}); err != nil {
				t.Fatal(err)
			}
		}
		if i == 14 {
			res, err := http.Post(base+"/layer?id="+viewers[0].ID()+"&rid=f", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Body.Close(); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusNoContent {
				t.Fatalf("POST /layer: %s", res.Status)
			}
		}
		time.Sleep(33 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the last packets reach the viewers
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}

	wants := [][][]byte{
		append(append([][]byte(nil), frames["q"][:20]...), frames["f"][20:]...),
		frames["f"],
		frames["h"],
	}
	for i, v := range viewers {
		got, err := v.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := wants[i]
		if len(got.Video) != len(want) {
			t.Errorf("viewer %d: %d frames, want %d", i, len(got.Video), len(want))
		}
		for j := range min(len(got.Video), len(want)) {
			if !bytes.Equal(got.Video[j], want[j]) {
				t.Errorf("viewer %d frame %d differs", i, j)
			}
		}
		if got.VideoSSRCs != 1 {
			t.Errorf("viewer %d: %d SSRCs", i, got.VideoSSRCs)
		}
		for j := 1; j < len(got.VideoSeqs); j++ {
			if got.VideoSeqs[j] != got.VideoSeqs[j-1]+1 {
				t.Errorf("viewer %d: sequence number %d after %d", i, got.VideoSeqs[j], got.VideoSeqs[j-1])
			}
		}
	}
	res, err := http.Post(base+"/layer?id=nobody&rid=f", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("POST /layer for an unknown viewer: %s", res.Status)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
