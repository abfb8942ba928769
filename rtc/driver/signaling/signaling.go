// Package signaling implements the HTTP signaling contract shared by every
// sansrtc example and test peer (SIGNALING.md in this directory):
//
//	POST /offer   {"type":"offer","sdp":"..."}            -> 200 {"type":"answer","sdp":"..."}
//	GET  /offer                                           -> 200 {"type":"offer","sdp":"...","id":"..."}
//	POST /answer  {"type":"answer","sdp":"...","id":"..."} -> 204
//
// Bodies are JSON of at most 4 MiB. Malformed JSON or SDP gets 400 with a
// one-line reason, a description that cannot be applied 422, a peer that
// cannot offer answers GET /offer with 405, and a request over a limit 503
// with Retry-After. Descriptions carry every candidate (no trickle) and a
// reply is due within 10 s. SIGNALING.md next to this file is the contract.
//
// Server turns a Handler into an http.Handler; the client functions speak
// the same contract to any such peer.
//
// # Limits
//
// The signaling port is usually reachable by anyone, so nothing a request
// can tie up is unbounded (Limits, all with safe defaults): requests in
// flight, offers waiting for their answer and how long they wait, and,
// through HTTPServer, the time a client may take to send its headers and
// body, to read the reply and to keep an idle connection, and the header
// size. A Handler bounds its own resources (the echo peer its live peer
// connections) by returning ErrBusy. Serve with:
//
//	srv := signaling.HTTPServer(signaling.ServerWithLimits(h, limits), limits)
//	err := srv.Serve(ln)
package signaling

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
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

// Limits bound what anonymous HTTP clients can make a peer hold. The
// signaling port is reachable by anyone who can reach the peer, so every
// resource a request can tie up has a bound, and a request over a bound is
// refused at once with 503 Service Unavailable and a Retry-After header
// instead of waiting. The zero value gives the safe defaults below.
type Limits struct {
	// MaxInFlight bounds the requests being handled at once (each may be
	// creating a peer connection and gathering). If zero, 64.
	MaxInFlight int
	// MaxPendingOffers bounds the offers handed out by GET /offer whose
	// answer has not arrived yet. If zero, 64.
	MaxPendingOffers int
	// OfferLifetime is how long an offer from GET /offer waits for its
	// POST /answer. After it the id is forgotten (a late answer gets 422)
	// and a Handler that implements OfferExpirer is told, so it can free
	// the peer connection. If zero, 20 s.
	OfferLifetime time.Duration
	// RetryAfter is the Retry-After of a 503 reply, rounded up to whole
	// seconds. If zero, 1 s.
	RetryAfter time.Duration

	// The http.Server limits HTTPServer sets: ReadHeaderTimeout (if zero,
	// 5 s), ReadTimeout for the headers and the whole body (if zero, 10 s),
	// WriteTimeout for a whole reply, which includes the handler's own up
	// to Timeout (if zero, Timeout + 5 s), IdleTimeout between requests on
	// a kept-alive connection (if zero, 30 s), and MaxHeaderBytes (if zero,
	// 16 KiB).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (l *Limits) maxInFlight() int             { return orDefault(l.MaxInFlight, 64) }
func (l *Limits) maxPendingOffers() int        { return orDefault(l.MaxPendingOffers, 64) }
func (l *Limits) offerLifetime() time.Duration { return orDefault(l.OfferLifetime, 20*time.Second) }
func (l *Limits) retryAfter() time.Duration    { return orDefault(l.RetryAfter, time.Second) }
func (l *Limits) readHeaderTimeout() time.Duration {
	return orDefault(l.ReadHeaderTimeout, 5*time.Second)
}
func (l *Limits) readTimeout() time.Duration { return orDefault(l.ReadTimeout, 10*time.Second) }
func (l *Limits) writeTimeout() time.Duration {
	return orDefault(l.WriteTimeout, Timeout+5*time.Second)
}
func (l *Limits) idleTimeout() time.Duration { return orDefault(l.IdleTimeout, 30*time.Second) }
func (l *Limits) maxHeaderBytes() int        { return orDefault(l.MaxHeaderBytes, 16<<10) }

// ErrBusy is what a Handler returns (wrapped, with a reason) when serving the
// request would exceed one of its own limits, such as its number of live
// peer connections: the client gets 503 with Retry-After.
var ErrBusy = errors.New("busy")

// OfferExpirer is implemented by a Handler that wants to know when an offer
// it made was not answered within Limits.OfferLifetime (or the server
// forgot it for another reason), to free what the offer holds.
type OfferExpirer interface {
	ExpireOffer(id string)
}

// HTTPServer returns an http.Server for h with the timeouts and header
// limit of l. Use it (or set the same fields) rather than a bare
// http.Server, whose zero value waits forever for a slow client.
func HTTPServer(h http.Handler, l Limits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeaderTimeout(),
		ReadTimeout:       l.readTimeout(),
		WriteTimeout:      l.writeTimeout(),
		IdleTimeout:       l.idleTimeout(),
		MaxHeaderBytes:    l.maxHeaderBytes(),
	}
}

// Server serves the contract for h with the default Limits.
func Server(h Handler) http.Handler { return ServerWithLimits(h, Limits{}) }

// ServerWithLimits serves the contract for h within l: at most
// l.MaxInFlight requests at once and l.MaxPendingOffers unanswered offers,
// each forgotten after l.OfferLifetime; over a limit, 503 with Retry-After.
// The timeouts of l apply only through HTTPServer.
func ServerWithLimits(h Handler, l Limits) http.Handler {
	s := &server{h: h, l: l, inFlight: make(chan struct{}, l.maxInFlight()), pending: map[string]*time.Timer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/offer", s.offer)
	mux.HandleFunc("/answer", s.answer)
	return mux
}

type server struct {
	h        Handler
	l        Limits
	inFlight chan struct{} // a counting semaphore: one token per request being handled

	mu       sync.Mutex
	reserved int                    // GET /offer requests that hold a pending slot
	pending  map[string]*time.Timer // offer id -> its expiry
}

// busy refuses a request over a limit (503 with Retry-After, RFC 9110
// §15.6.4 and §10.2.3).
func (s *server) busy(w http.ResponseWriter, reason string) {
	w.Header().Set("Retry-After", strconv.Itoa(int((s.l.retryAfter()+time.Second-1)/time.Second)))
	http.Error(w, reason, http.StatusServiceUnavailable)
}

// enter takes an in-flight slot without waiting.
func (s *server) enter(w http.ResponseWriter) bool {
	select {
	case s.inFlight <- struct{}{}:
		return true
	default:
		s.busy(w, fmt.Sprintf("busy: %d requests in flight", cap(s.inFlight)))
		return false
	}
}

func (s *server) leave() { <-s.inFlight }

func (s *server) offer(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.enter(w) {
		return
	}
	defer s.leave()
	ctx, cancel := context.WithTimeout(r.Context(), Timeout)
	defer cancel()
	if r.Method == http.MethodPost {
		var d Description
		if !readJSON(w, r, &d, "offer") {
			return
		}
		ans, err := s.h.Answer(ctx, d)
		if err != nil {
			s.writeError(w, err)
			return
		}
		ans.Type = "answer"
		writeJSON(w, http.StatusOK, ans)
		return
	}
	// GET /offer: reserve a pending slot before the handler creates anything.
	s.mu.Lock()
	if len(s.pending)+s.reserved >= s.l.maxPendingOffers() {
		s.mu.Unlock()
		s.busy(w, fmt.Sprintf("busy: %d offers waiting for an answer", s.l.maxPendingOffers()))
		return
	}
	s.reserved++
	s.mu.Unlock()
	off, err := s.h.Offer(ctx)
	s.mu.Lock()
	s.reserved--
	if err == nil {
		if _, dup := s.pending[off.ID]; dup || off.ID == "" {
			err = fmt.Errorf("handler returned offer id %q twice or empty", off.ID)
		} else {
			id := off.ID
			s.pending[id] = time.AfterFunc(s.l.offerLifetime(), func() { s.expire(id) })
		}
	}
	s.mu.Unlock()
	if err != nil {
		s.writeError(w, err)
		return
	}
	off.Type = "offer"
	writeJSON(w, http.StatusOK, off)
}

// expire forgets an offer whose answer did not come in time.
func (s *server) expire(id string) {
	s.mu.Lock()
	_, ok := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if ok {
		if e, ok := s.h.(OfferExpirer); ok {
			e.ExpireOffer(id)
		}
	}
}

func (s *server) answer(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.enter(w) {
		return
	}
	defer s.leave()
	ctx, cancel := context.WithTimeout(r.Context(), Timeout)
	defer cancel()
	var d Description
	if !readJSON(w, r, &d, "answer") {
		return
	}
	// The id must be one of ours and still pending; it is used once.
	s.mu.Lock()
	t, ok := s.pending[d.ID]
	delete(s.pending, d.ID)
	s.mu.Unlock()
	if !ok {
		s.writeError(w, fmt.Errorf("%w %q", ErrUnknownID, d.ID))
		return
	}
	t.Stop()
	if err := s.h.Accept(ctx, d); err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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

func (s *server) writeError(w http.ResponseWriter, err error) {
	code := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, ErrBusy):
		s.busy(w, oneLine(err.Error()))
		return
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
