package pion

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/probe"
	"github.com/sansrtc/rtc/tools/interop/sansrtc"
)

func dropLines(sdp string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(sdp, "\r\n") {
		keep := true
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				keep = false
			}
		}
		if keep {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\r\n")
}

// TestBadSignaling: garbage SDP, malformed JSON, an offer or answer without
// ICE credentials and a wrong fingerprint each get a clear error (or a
// failed connection), and the sansrtc echo peer keeps serving.
func TestBadSignaling(t *testing.T) {
	peer := sansrtc.Start(nil)
	defer peer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status := func(err error) int {
		var se *signaling.StatusError
		if errors.As(err, &se) {
			return se.Code
		}
		return 0
	}

	_, err := signaling.PostOffer(ctx, peer.URL, signaling.Description{SDP: "this is not SDP"})
	if status(err) != http.StatusBadRequest {
		t.Errorf("garbage SDP: %v, want 400", err)
	}
	resp, err := http.Post(peer.URL+"/offer", "application/json", strings.NewReader(`{"type":`))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed JSON: %v %v, want 400", resp, err)
	}

	// A real offer from Pion, without ICE credentials.
	p, err := NewProber()
	if err != nil {
		t.Fatal(err)
	}
	off, err := p.Offer(ctx)
	p.Shutdown()
	if err != nil {
		t.Fatal(err)
	}
	_, err = signaling.PostOffer(ctx, peer.URL, signaling.Description{SDP: dropLines(off, "a=ice-ufrag", "a=ice-pwd")})
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "ICE credentials") {
		t.Errorf("offer without ICE credentials: %v, want 422 naming the credentials", err)
	}

	// An answer without ICE credentials to our offer.
	o, err := signaling.GetOffer(ctx, peer.URL)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := NewProber()
	ans, err := p2.Answer(ctx, probe.LoopbackOnly(o.SDP))
	p2.Shutdown()
	if err != nil {
		t.Fatal(err)
	}
	err = signaling.PostAnswer(ctx, peer.URL, signaling.Description{SDP: dropLines(ans, "a=ice-ufrag", "a=ice-pwd"), ID: o.ID})
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "ICE credentials") {
		t.Errorf("answer without ICE credentials: %v, want 422", err)
	}

	// A wrong fingerprint: signaling succeeds (it cannot be checked before
	// DTLS) but the connection must fail on both sides.
	p3, _ := NewProber()
	failed := make(chan struct{})
	p3.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			select {
			case <-failed:
			default:
				close(failed)
			}
		}
	})
	off3, err := p3.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(off3, "a=fingerprint:sha-256 ") + len("a=fingerprint:sha-256 ")
	c := byte('0')
	if off3[i] == '0' {
		c = '1'
	}
	bad := off3[:i] + string(c) + off3[i+1:]
	ans3, err := signaling.PostOffer(ctx, peer.URL, signaling.Description{SDP: probe.LoopbackOnly(bad)})
	if err != nil {
		t.Fatalf("offer with a wrong fingerprint: %v", err)
	}
	if err := p3.Accept(ctx, probe.LoopbackOnly(ans3.SDP)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-failed:
	case <-time.After(20 * time.Second):
		t.Errorf("connection with a wrong fingerprint did not fail")
	}
	p3.Shutdown()

	// The peer still serves a good connection.
	t.Run("still-serving", func(t *testing.T) {
		p, err := NewProber()
		if err != nil {
			t.Fatal(err)
		}
		defer p.Shutdown()
		probe.Run(t, p, peer.URL, probe.ProberOffers, peer.ClosedCount)
	})
}
