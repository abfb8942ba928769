package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
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

// TestBroadcastThreeViewers runs the SFU on 127.0.0.1 with three viewers
// (-max-viewers 3: a fourth is refused);
// a publisher (play-from-disk's code) sends VP8 and Opus, then a second
// publisher replaces it. Every viewer receives every frame of both,
// byte for byte, on one SSRC per kind whose sequence numbers never skip
// or repeat across the switch (the Sender's rtc.Forwarder at work).
func TestBroadcastThreeViewers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	var f cli.Flags
	f.Register(flag.NewFlagSet("broadcast", flag.ContinueOnError))
	pr, pw := io.Pipe()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, &f, quiet, "127.0.0.1:0", 3, "VP8", pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }() // nothing more is printed
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	page := get(t, base+"/")
	if !strings.Contains(page, "/publish") || !strings.Contains(page, "/view") {
		t.Errorf("page lacks the publish and view calls")
	}

	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	var viewers []*mediafile.Viewer
	for range 3 {
		v, err := mediafile.NewViewer(ctx, d, base+"/view", mediafile.VP8)
		if err != nil {
			t.Fatal(err)
		}
		viewers = append(viewers, v)
	}
	waitStats(ctx, t, base, func(st Stats) bool { return st.Connected == 3 })
	// -max-viewers 3: a fourth is refused with 422 before anything is made.
	var se *signaling.StatusError
	if v, err := mediafile.NewViewer(ctx, d, base+"/view", mediafile.VP8); !errors.As(err, &se) || se.Code != http.StatusUnprocessableEntity {
		if v != nil {
			if _, err := v.Close(); err != nil {
				t.Error(err)
			}
		}
		t.Fatalf("a fourth viewer over -max-viewers 3: %v", err)
	}

	var wantVideo, wantAudio [][]byte
	for i, seed := range []uint64{10, 20} {
		var vb, ab bytes.Buffer
		video, err := mediafile.SynthVP8(&vb, 20+10*i, seed)
		if err != nil {
			t.Fatal(err)
		}
		audio, err := mediafile.SynthOpus(&ab, 25, seed+1)
		if err != nil {
			t.Fatal(err)
		}
		wantVideo, wantAudio = append(wantVideo, video...), append(wantAudio, audio...)
		vs, err := mediafile.Open("v.ivf", &vb, 30)
		if err != nil {
			t.Fatal(err)
		}
		as, err := mediafile.Open("a.ogg", &ab, 30)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := mediafile.Play(ctx, d, rtc.Configuration{}, quiet, base+"/publish", []*mediafile.Source{vs, as}); err != nil {
			t.Fatal(err)
		}
		waitStats(ctx, t, base, func(st Stats) bool { return !st.Publisher })
	}
	time.Sleep(500 * time.Millisecond) // the last packets reach the viewers
	for i, v := range viewers {
		got, err := v.Close()
		if err != nil {
			t.Fatal(err)
		}
		compare(t, i, "video", got.Video, wantVideo)
		compare(t, i, "audio", got.Audio, wantAudio)
		if got.VideoSSRCs != 1 || got.AudioSSRCs != 1 {
			t.Errorf("viewer %d: %d video and %d audio SSRCs, want one each", i, got.VideoSSRCs, got.AudioSSRCs)
		}
		for kind, seqs := range map[string][]uint16{"video": got.VideoSeqs, "audio": got.AudioSeqs} {
			for j := 1; j < len(seqs); j++ {
				if seqs[j] != seqs[j-1]+1 {
					t.Errorf("viewer %d %s: sequence number %d after %d", i, kind, seqs[j], seqs[j-1])
				}
			}
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func compare(t *testing.T, viewer int, kind string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("viewer %d: %d %s frames, %d sent", viewer, len(got), kind, len(want))
	}
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("viewer %d %s frame %d differs", viewer, kind, i)
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	return string(b)
}

// waitStats polls GET /stats until ok holds.
func waitStats(ctx context.Context, t *testing.T, base string, ok func(Stats) bool) {
	t.Helper()
	for {
		var st Stats
		if err := json.Unmarshal([]byte(get(t, base+"/stats")), &st); err != nil {
			t.Fatal(err)
		}
		if ok(st) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stats stayed %+v", st)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
