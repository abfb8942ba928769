package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

//go:embed media.html
var mediaPage string

type mediaStats struct {
	FramesDecoded, VideoPackets, AudioPackets int
	State, VideoCodec, AudioCodec             string
}

func evalJS[T any](ctx context.Context, fn string, args ...any) (T, error) {
	expr := fn + "("
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			var zero T
			return zero, err
		}
		if i > 0 {
			expr += ","
		}
		expr += string(b)
	}
	return peers.Eval[T](ctx, expr+")")
}

// TestChromiumReflect (issue 13): Chromium sends its fake camera and
// microphone to the sansrtc reflect peer (echo.Options.Media), offering
// (POST /offer) and answering (GET /offer + POST /answer); the media comes
// back on the same m-sections and Chromium decodes it: more than 10 video
// frames decoded and audio packets received.
func TestChromiumReflect(t *testing.T) {
	Require(t)
	c := peers.StartChromiumT(t, context.Background())
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	peer := echo.New(d, echo.Options{Media: true, Logger: logger(t)})
	srv := httptest.NewServer(signaling.Server(peer))
	defer srv.Close()

	for _, browserOffers := range []bool{true, false} {
		t.Run(fmt.Sprintf("browserOffers=%v", browserOffers), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
			defer cancel()
			tab := c.OpenPage(t, mediaPage)
			if browserOffers {
				off, err := evalJS[string](tab, "mediaOffer")
				if err != nil {
					t.Fatal(err)
				}
				ans, err := signaling.PostOffer(ctx, srv.URL, signaling.Description{Type: "offer", SDP: off})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := evalJS[bool](tab, "mediaAccept", ans.SDP); err != nil {
					t.Fatal(err)
				}
			} else {
				off, err := signaling.GetOffer(ctx, srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				ans, err := evalJS[string](tab, "mediaAnswer", off.SDP)
				if err != nil {
					t.Fatal(err)
				}
				if err := signaling.PostAnswer(ctx, srv.URL, signaling.Description{Type: "answer", SDP: ans, ID: off.ID}); err != nil {
					t.Fatal(err)
				}
			}
			var st mediaStats
			for {
				var err error
				st, err = evalJS[mediaStats](tab, "mediaStats")
				if err != nil {
					t.Fatal(err)
				}
				if st.FramesDecoded > 10 && st.AudioPackets > 0 {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("reflected media not decoded: %+v", st)
				case <-time.After(200 * time.Millisecond):
				}
			}
			t.Logf("browser received back: %+v", st)
		})
	}
}

// logger logs the reflect peer's lines (media stats included) with -v.
func logger(t *testing.T) *slog.Logger {
	if w := logWriter(t); w != nil {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return nil
}
