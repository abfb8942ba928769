package main

import (
	"context"
	"flag"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

// TestReflectCommand runs the command's server: it prints its address,
// its own offer has sendrecv Opus and VP8 and a data channel, an offer
// whose only video codec is unknown gets that section rejected (port 0)
// while the data channel still echoes, and it stops cleanly.
// (Reflection itself: rtc/driver/echo TestReflectBothRoles, and
// tools/interop/browser TestChromiumReflect against Chromium.)
func TestReflectCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var f cli.Flags
	f.Register(flag.NewFlagSet("reflect", flag.ContinueOnError))
	pw := lineWriter(make(chan string, 4))
	done := make(chan error, 1)
	runCtx, stop := context.WithCancel(ctx)
	go func() { done <- run(runCtx, &f, f.Logger(), "127.0.0.1:0", 10, time.Second, pw) }()
	var line string
	select {
	case line = <-pw:
	case err := <-done:
		t.Fatalf("run ended: %v", err)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}

	off, err := signaling.GetOffer(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sdp.Parse(off.SDP)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range d.Media {
		kinds = append(kinds, m.Media)
		if m.Media == "application" {
			continue
		}
		want := map[string]string{"audio": "opus/48000", "video": "VP8/90000"}[m.Media]
		if !strings.Contains(sectionText(off.SDP, m.Media), want) || !strings.Contains(sectionText(off.SDP, m.Media), "a=sendrecv") {
			t.Errorf("%s section lacks %s sendrecv:\n%s", m.Media, want, sectionText(off.SDP, m.Media))
		}
	}
	slices.Sort(kinds)
	if strings.Join(kinds, ",") != "application,audio,video" {
		t.Errorf("offer sections %v", kinds)
	}

	// An offer whose video section has only an unknown codec.
	dr := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer dr.Close()
	opened := make(chan *rtc.DataChannel, 1)
	echoed := make(chan string, 1)
	c, err := dr.NewPeerConnection(rtc.Configuration{VideoCodecs: []rtc.Codec{{PayloadType: 120, Name: "X-UNKNOWN", ClockRate: 90000}}}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			if e.Kind == rtc.EventDataChannelOpen {
				opened <- e.Channel
			}
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			if m.Kind == rtc.MessageData {
				echoed <- string(m.Data)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataChannel("probe", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(func(pc *rtc.PeerConnection) error {
		_, err := pc.AddTransceiver(rtc.MediaKindVideo, rtc.TransceiverInit{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	o, err := c.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := signaling.PostOffer(ctx, base, signaling.Description{Type: "offer", SDP: o.SDP})
	if err != nil {
		t.Fatal(err)
	}
	ad, err := sdp.Parse(ans.SDP)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ad.Media {
		if m.Media == "video" && m.Port != 0 {
			t.Errorf("video section with only an unknown codec answered on port %d", m.Port)
		}
	}
	if err := c.SetAnswer(rtc.SessionDescription{SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	select {
	case dc := <-opened:
		if err := c.Send(dc, []byte("hi"), false); err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("no data channel beside the rejected section")
	}
	select {
	case got := <-echoed:
		if got != "hi" {
			t.Errorf("echo %q", got)
		}
	case <-ctx.Done():
		t.Fatal("no echo")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// sectionText returns the SDP text of the first m-section of kind.
func sectionText(s, kind string) string {
	i := strings.Index(s, "m="+kind+" ")
	if i < 0 {
		return ""
	}
	rest := s[i+1:]
	if j := strings.Index(rest, "\nm="); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// lineWriter hands each Write to a channel (the command's standard output).
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}
