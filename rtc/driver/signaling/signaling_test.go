package signaling

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakePeer struct{ canOffer bool }

func (fakePeer) Answer(_ context.Context, d Description) (Description, error) {
	switch {
	case d.SDP == "garbage":
		return Description{}, fmt.Errorf("%w: not SDP", ErrBadRequest)
	case d.SDP == "noice":
		return Description{}, fmt.Errorf("%w: no ICE credentials", ErrUnprocessable)
	}
	return Description{SDP: "answer-to-" + d.SDP}, nil
}

func (p fakePeer) Offer(context.Context) (Description, error) {
	if !p.canOffer {
		return Description{}, ErrCannotOffer
	}
	return Description{SDP: "o", ID: "1"}, nil
}

func (fakePeer) Accept(_ context.Context, d Description) error {
	if d.ID != "1" {
		return ErrUnknownID
	}
	return nil
}

func TestContract(t *testing.T) {
	srv := httptest.NewServer(Server(fakePeer{canOffer: true}))
	defer srv.Close()
	ctx := context.Background()
	ans, err := PostOffer(ctx, srv.URL, Description{SDP: "x"})
	if err != nil || ans.Type != "answer" || ans.SDP != "answer-to-x" {
		t.Fatalf("PostOffer = %+v, %v", ans, err)
	}
	off, err := GetOffer(ctx, srv.URL)
	if err != nil || off.Type != "offer" || off.ID != "1" {
		t.Fatalf("GetOffer = %+v, %v", off, err)
	}
	if err := PostAnswer(ctx, srv.URL, Description{SDP: "a", ID: "1"}); err != nil {
		t.Fatal(err)
	}
	var se *StatusError
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"garbage SDP", func() error { _, err := PostOffer(ctx, srv.URL, Description{SDP: "garbage"}); return err }(), 400},
		{"no ICE", func() error { _, err := PostOffer(ctx, srv.URL, Description{SDP: "noice"}); return err }(), 422},
		{"unknown id", PostAnswer(ctx, srv.URL, Description{SDP: "a", ID: "2"}), 422},
	} {
		if !errors.As(tc.err, &se) || se.Code != tc.code || strings.Contains(se.Reason, "\n") {
			t.Errorf("%s: err = %v, want HTTP %d", tc.name, tc.err, tc.code)
		}
	}
	// Malformed JSON and wrong methods.
	for _, tc := range []struct {
		method, path, body string
		code               int
	}{
		{"POST", "/offer", "{", 400},
		{"POST", "/offer", `{"type":"answer","sdp":"x"}`, 400},
		{"PUT", "/offer", "", 405},
		{"GET", "/answer", "", 405},
		{"POST", "/offer", `{"type":"offer","sdp":"` + strings.Repeat("a", MaxBodySize) + `"}`, 413},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s %.20q: %d, want %d", tc.method, tc.path, tc.body, resp.StatusCode, tc.code)
		}
	}
	// A peer that cannot offer.
	srv2 := httptest.NewServer(Server(fakePeer{}))
	defer srv2.Close()
	if _, err := GetOffer(ctx, srv2.URL); !errors.As(err, &se) || se.Code != 405 {
		t.Errorf("GetOffer on answer-only peer: %v, want 405", err)
	}
}

// TestClientReplyLimit: a reply above 4 MiB is refused as too large, not
// cut and then reported as malformed JSON.
func TestClientReplyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"type":"answer","sdp":"%s"}`, strings.Repeat("a", MaxBodySize))
	}))
	defer srv.Close()
	_, err := PostOffer(context.Background(), srv.URL, Description{SDP: "v=0"})
	if err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("oversized reply: %v", err)
	}
}
