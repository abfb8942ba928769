package echo

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// syncBuffer is a bytes.Buffer the logger and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStatsLineNamesDTLS: the per-connection stats line (issue 19) says
// which DTLS version, key exchange group and SRTP profile the handshake
// negotiated: DTLS 1.3 with X25519MLKEM768 between two sansrtc peers.
func TestStatsLineNamesDTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	var logs syncBuffer
	peer := New(d, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(signaling.Server(peer))
	defer srv.Close()

	opened := make(chan struct{}, 1)
	c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			if e.Kind == rtc.EventDataChannelOpen {
				opened <- struct{}{}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataChannel("probe", rtc.DataChannelInit{}); err != nil {
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
	select {
	case <-opened:
	case <-ctx.Done():
		t.Fatal("no channel")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for ctx.Err() == nil {
		for _, line := range strings.Split(logs.String(), "\n") {
			if !strings.Contains(line, "echo stats") {
				continue
			}
			for _, want := range []string{`dtls_version="DTLS 1.3"`, "dtls_group=X25519MLKEM768", "srtp_profile="} {
				if !strings.Contains(line, want) {
					t.Errorf("stats line %q lacks %s", line, want)
				}
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no stats line; logs:\n%s", logs.String())
}
