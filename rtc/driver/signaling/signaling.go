// Package signaling implements the HTTP signaling contract shared by every
// sansrtc example and test peer (shared/SIGNALING.md):
//
//	POST /offer   {"type":"offer","sdp":"..."}            -> 200 {"type":"answer","sdp":"..."}
//	GET  /offer                                           -> 200 {"type":"offer","sdp":"...","id":"..."}
//	POST /answer  {"type":"answer","sdp":"...","id":"..."} -> 204
//
// Bodies are JSON of at most 4 MiB. Malformed JSON or SDP gets 400 with a
// one-line reason, a description that cannot be applied 422, a peer that
// cannot offer answers GET /offer with 405. Descriptions carry every
// candidate (no trickle) and a reply is due within 10 s.
//
// Server turns a Handler into an http.Handler; the client functions speak
// the same contract to any such peer.
package signaling

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// MaxBodySize is the largest request or response body (4 MiB).
const MaxBodySize = 4 << 20

// Timeout is the longest a peer may take to answer.
const Timeout = 10 * time.Second

// Description is a session description on the wire.
type Description struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
	ID   string `json:"id,omitempty"`
}

// Errors a Handler returns to pick the status code. Wrap them with
// fmt.Errorf("%w: reason", ...) so the reason reaches the client.
var (
	// ErrBadRequest: malformed JSON or SDP (400).
	ErrBadRequest = errors.New("bad request")
	// ErrUnprocessable: a description that cannot be applied (422).
	ErrUnprocessable = errors.New("cannot apply description")
	// ErrCannotOffer: this peer does not offer (GET /offer -> 405).
	ErrCannotOffer = errors.New("this peer does not offer")
	// ErrUnknownID: POST /answer for an offer this peer does not know (422).
	ErrUnknownID = errors.New("unknown offer id")
)

// Handler is what a peer implements; each method gets a context that ends
// after Timeout.
type Handler interface {
	// Answer applies a remote offer on a new peer connection and returns the
	// answer after ICE gathering completed.
	Answer(ctx context.Context, offer Description) (Description, error)
	// Offer creates a new peer connection and returns its offer (with an
	// id) after ICE gathering completed, or ErrCannotOffer.
	Offer(ctx context.Context) (Description, error)
	// Accept applies the answer to the offer with the given id.
	Accept(ctx context.Context, answer Description) error
}

// Server serves the contract for h.
func Server(h Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/offer", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), Timeout)
		defer cancel()
		switch r.Method {
		case http.MethodPost:
			var d Description
			if !readJSON(w, r, &d, "offer") {
				return
			}
			ans, err := h.Answer(ctx, d)
			if err != nil {
				writeError(w, err)
				return
			}
			ans.Type = "answer"
			writeJSON(w, http.StatusOK, ans)
		case http.MethodGet:
			off, err := h.Offer(ctx)
			if err != nil {
				writeError(w, err)
				return
			}
			off.Type = "offer"
			writeJSON(w, http.StatusOK, off)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("/answer", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), Timeout)
		defer cancel()
		var d Description
		if !readJSON(w, r, &d, "answer") {
			return
		}
		if err := h.Accept(ctx, d); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func readJSON(w http.ResponseWriter, r *http.Request, d *Description, wantType string) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	if err != nil {
		http.Error(w, "cannot read body: "+oneLine(err.Error()), http.StatusBadRequest)
		return false
	}
	if len(body) > MaxBodySize {
		http.Error(w, "body larger than 4 MiB", http.StatusRequestEntityTooLarge)
		return false
	}
	if err := json.Unmarshal(body, d); err != nil {
		http.Error(w, "malformed JSON: "+oneLine(err.Error()), http.StatusBadRequest)
		return false
	}
	if d.Type != wantType {
		http.Error(w, fmt.Sprintf("type must be %q, got %q", wantType, d.Type), http.StatusBadRequest)
		return false
	}
	if strings.TrimSpace(d.SDP) == "" {
		http.Error(w, "empty sdp", http.StatusBadRequest)
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, err error) {
	code := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, ErrBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, ErrCannotOffer):
		code = http.StatusMethodNotAllowed
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	}
	http.Error(w, oneLine(err.Error()), code)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

// StatusError is a non-success reply from a peer.
type StatusError struct {
	Code   int
	Reason string
}

// Error formats the HTTP status and the reason.
func (e *StatusError) Error() string {
	return fmt.Sprintf("signaling: HTTP %d: %s", e.Code, e.Reason)
}

// PostOffer sends an offer to base ("http://127.0.0.1:8080") and returns the answer.
func PostOffer(ctx context.Context, base string, offer Description) (Description, error) {
	offer.Type = "offer"
	var ans Description
	err := do(ctx, http.MethodPost, base+"/offer", offer, http.StatusOK, &ans)
	return ans, err
}

// GetOffer asks base for an offer.
func GetOffer(ctx context.Context, base string) (Description, error) {
	var off Description
	err := do(ctx, http.MethodGet, base+"/offer", nil, http.StatusOK, &off)
	return off, err
}

// PostAnswer sends the answer to the offer answer.ID came with.
func PostAnswer(ctx context.Context, base string, answer Description) error {
	answer.Type = "answer"
	return do(ctx, http.MethodPost, base+"/answer", answer, http.StatusNoContent, nil)
}

func do(ctx context.Context, method, url string, in any, want int, out any) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout+2*time.Second)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return err
	}
	if len(b) > MaxBodySize {
		return fmt.Errorf("signaling: reply larger than 4 MiB (HTTP %d)", resp.StatusCode)
	}
	if resp.StatusCode != want {
		return &StatusError{Code: resp.StatusCode, Reason: strings.TrimSpace(string(b))}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("signaling: malformed reply: %w", err)
		}
	}
	return nil
}
