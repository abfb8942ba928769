package echo

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// TestEchoBothRoles: a sansrtc client offers to the echo peer (POST /offer)
// and answers its offer (GET /offer + POST /answer); messages come back
// with the same type and bytes; bad SDP gets 400 and the peer keeps serving.
func TestEchoBothRoles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	peer := New(d, Options{})
	srv := httptest.NewServer(signaling.Server(peer))
	defer srv.Close()

	var se *signaling.StatusError
	if _, err := signaling.PostOffer(ctx, srv.URL, signaling.Description{SDP: "v=1 nonsense"}); !errors.As(err, &se) || se.Code != 400 {
		t.Errorf("garbage offer: %v, want 400", err)
	}

	for _, peerOffers := range []bool{false, true} {
		type msg struct {
			binary bool
			data   string
		}
		got := make(chan msg, 4)
		opened := make(chan *rtc.DataChannel, 4)
		c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
			OnEvent: func(c *driver.Conn, e rtc.Event) {
				if e.Kind == rtc.EventDataChannelOpen {
					opened <- e.Channel
				}
			},
			OnMessage: func(c *driver.Conn, m rtc.Message) { got <- msg{m.Binary, string(m.Data)} },
		})
		if err != nil {
			t.Fatal(err)
		}
		if peerOffers {
			off, err := signaling.GetOffer(ctx, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			ans, err := c.AnswerAfterGathering(ctx, rtc.SessionDescription{SDP: off.SDP})
			if err != nil {
				t.Fatal(err)
			}
			if err := signaling.PostAnswer(ctx, srv.URL, signaling.Description{SDP: ans.SDP, ID: off.ID}); err != nil {
				t.Fatal(err)
			}
		} else {
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
		}
		var dc *rtc.DataChannel
		select {
		case dc = <-opened:
		case <-ctx.Done():
			t.Fatalf("peerOffers=%v: no channel", peerOffers)
		}
		for _, m := range []msg{{false, "text"}, {true, "\x00\x01binary"}} {
			if err := c.Send(dc, []byte(m.data), m.binary); err != nil {
				t.Fatal(err)
			}
			select {
			case e := <-got:
				if e != m {
					t.Errorf("echo %+v, want %+v", e, m)
				}
			case <-ctx.Done():
				t.Fatalf("peerOffers=%v: no echo", peerOffers)
			}
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEchoDropsUnansweredOffers: an offer nobody answers is closed after
// ConnectTimeout, and its id is forgotten.
func TestEchoDropsUnansweredOffers(t *testing.T) {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	peer := New(d, Options{ConnectTimeout: 100 * time.Millisecond})
	off, err := peer.Offer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if peer.Connections() != 1 {
		t.Fatalf("%d connections", peer.Connections())
	}
	deadline := time.Now().Add(5 * time.Second)
	for peer.Connections() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if peer.Connections() != 0 {
		t.Errorf("unanswered offer not dropped")
	}
	if err := peer.Accept(context.Background(), signaling.Description{SDP: "x", ID: off.ID}); !errors.Is(err, signaling.ErrUnknownID) {
		t.Errorf("late answer: %v", err)
	}
}
