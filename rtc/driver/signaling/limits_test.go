package signaling

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// limitPeer holds every Answer until release is closed and hands out
// offers with fresh ids; it records the offers the server expired.
type limitPeer struct {
	release chan struct{}
	ids     atomic.Int64
	mu      sync.Mutex
	expired []string
}

func (p *limitPeer) Answer(ctx context.Context, d Description) (Description, error) {
	select {
	case <-p.release:
	case <-ctx.Done():
		return Description{}, ctx.Err()
	}
	return Description{SDP: "a"}, nil
}

func (p *limitPeer) Offer(context.Context) (Description, error) {
	return Description{SDP: "o", ID: fmt.Sprint(p.ids.Add(1))}, nil
}

func (p *limitPeer) Accept(context.Context, Description) error { return nil }

func (p *limitPeer) ExpireOffer(id string) {
	p.mu.Lock()
	p.expired = append(p.expired, id)
	p.mu.Unlock()
}

func (p *limitPeer) expiredIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.expired)
}

// flooder sends requests concurrently and counts the replies by status;
// every 503 must carry Retry-After.
type flooder struct {
	t       *testing.T
	mu      sync.Mutex
	codes   map[int]int
	replies atomic.Int64
	wg      sync.WaitGroup
}

func newFlooder(t *testing.T) *flooder { return &flooder{t: t, codes: map[int]int{}} }

func (f *flooder) start(n int, send func() (*http.Response, error)) {
	for range n {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			resp, err := send()
			if err != nil {
				f.t.Error(err)
				return
			}
			_, rerr := io.Copy(io.Discard, resp.Body)
			if err := resp.Body.Close(); err != nil || rerr != nil {
				f.t.Error(err, rerr)
			}
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "1" {
				f.t.Errorf("503 without Retry-After: %v", resp.Header)
			}
			f.mu.Lock()
			f.codes[resp.StatusCode]++
			f.mu.Unlock()
			f.replies.Add(1)
		}()
	}
}

func (f *flooder) wait() map[int]int {
	f.wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codes
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: not %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func postOffer(url string) func() (*http.Response, error) {
	return func() (*http.Response, error) {
		return http.Post(url+"/offer", "application/json", strings.NewReader(`{"type":"offer","sdp":"v=0"}`))
	}
}

func getOffer(url string) func() (*http.Response, error) {
	return func() (*http.Response, error) { return http.Get(url + "/offer") }
}

// TestInFlightFlood: 200 concurrent POST /offer against a peer that holds
// each one: MaxInFlight are served, the other 196 get 503 + Retry-After
// while the 4 are still held, instead of piling up.
func TestInFlightFlood(t *testing.T) {
	p := &limitPeer{release: make(chan struct{})}
	srv := httptest.NewServer(ServerWithLimits(p, Limits{MaxInFlight: 4}))
	defer srv.Close()
	f := newFlooder(t)
	f.start(200, postOffer(srv.URL))
	waitUntil(t, "196 refusals while 4 are held", 10*time.Second, func() bool { return f.replies.Load() == 196 })
	close(p.release)
	if codes := f.wait(); codes[200] != 4 || codes[503] != 196 {
		t.Errorf("codes %v, want 4 x 200 and 196 x 503", codes)
	}
}

// TestPendingOffersFlood: 200 GET /offer with nobody answering: only
// MaxPendingOffers are handed out; after OfferLifetime they are expired
// (the handler is told, a late answer gets 422) and the slots are free
// again. An answered offer frees its slot at once.
func TestPendingOffersFlood(t *testing.T) {
	p := &limitPeer{release: make(chan struct{})}
	const lifetime = time.Second // longer than the flood, even under -race
	srv := httptest.NewServer(ServerWithLimits(p, Limits{MaxPendingOffers: 5, OfferLifetime: lifetime}))
	defer srv.Close()
	f := newFlooder(t)
	start := time.Now()
	f.start(200, getOffer(srv.URL))
	if codes := f.wait(); codes[200] != 5 || codes[503] != 195 {
		t.Fatalf("codes %v, want 5 x 200 and 195 x 503", codes)
	}
	waitUntil(t, "5 offers expired", 5*time.Second, func() bool { return len(p.expiredIDs()) == 5 })
	if el := time.Since(start); el < lifetime {
		t.Errorf("offers expired after %v, before their lifetime %v", el, lifetime)
	}
	ctx := context.Background()
	var se *StatusError
	if err := PostAnswer(ctx, srv.URL, Description{SDP: "a", ID: p.expiredIDs()[0]}); !errors.As(err, &se) || se.Code != 422 {
		t.Errorf("answer to an expired offer: %v, want 422", err)
	}
	// The slots are free again; an answer frees its slot, and an id is used once.
	for range 10 {
		off, err := GetOffer(ctx, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if err := PostAnswer(ctx, srv.URL, Description{SDP: "a", ID: off.ID}); err != nil {
			t.Fatal(err)
		}
		if err := PostAnswer(ctx, srv.URL, Description{SDP: "a", ID: off.ID}); !errors.As(err, &se) || se.Code != 422 {
			t.Errorf("second answer to offer %s: %v, want 422", off.ID, err)
		}
	}
	if n := len(p.expiredIDs()); n != 5 {
		t.Errorf("%d offers expired, want 5 (answered offers must not expire)", n)
	}
}

// TestHandlerBusy: a Handler over its own limit returns ErrBusy: 503 with
// Retry-After and the reason.
func TestHandlerBusy(t *testing.T) {
	srv := httptest.NewServer(Server(busyPeer{}))
	defer srv.Close()
	_, err := PostOffer(context.Background(), srv.URL, Description{SDP: "v=0"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 503 || !strings.Contains(se.Reason, "100 connections") {
		t.Errorf("busy handler: %v, want 503 with the reason", err)
	}
}

type busyPeer struct{}

func (busyPeer) Answer(context.Context, Description) (Description, error) {
	return Description{}, fmt.Errorf("%w: 100 connections", ErrBusy)
}
func (busyPeer) Offer(context.Context) (Description, error) { return Description{}, ErrCannotOffer }
func (busyPeer) Accept(context.Context, Description) error  { return ErrUnknownID }

// serveHTTP runs HTTPServer(h, l) on 127.0.0.1.
func serveHTTP(t *testing.T, h http.Handler, l Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := HTTPServer(h, l)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	return ln.Addr().String()
}

// TestSlowClients: 20 clients that send half a header and 20 that announce
// a 1 MB body and stall are all disconnected within the read timeouts of
// HTTPServer (a bare http.Server, as the examples used, holds them forever).
func TestSlowClients(t *testing.T) {
	l := Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond}
	addr := serveHTTP(t, ServerWithLimits(&limitPeer{release: make(chan struct{})}, l), l)
	start := time.Now()
	var wg sync.WaitGroup
	held := make(chan time.Duration, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			req := "GET /offer HTTP/1.1\r\nHost: x\r\nX-Half: "
			if i%2 == 1 {
				req = "POST /offer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"type\":\"offer\",\"sdp\":\""
			}
			if _, err := io.WriteString(c, req); err != nil {
				t.Error(err)
				return
			}
			// Read until the server gives up on us (a reply or EOF).
			if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Error(err)
				return
			}
			_, err = io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("client %d still held after 5 s", i)
				return
			}
			held <- time.Since(start)
		}()
	}
	wg.Wait()
	close(held)
	var longest time.Duration
	for d := range held {
		longest = max(longest, d)
	}
	t.Logf("longest hold of a slow client: %v", longest)
	if longest > 2*time.Second {
		t.Errorf("a slow client was held %v", longest)
	}
}

// TestHeaderLimit: a header above MaxHeaderBytes is refused (431).
func TestHeaderLimit(t *testing.T) {
	l := Limits{MaxHeaderBytes: 4 << 10}
	addr := serveHTTP(t, Server(&limitPeer{}), l)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "GET /offer HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: %d, want 431", resp.StatusCode)
	}
}

// TestHTTPServerDefaults: the zero Limits give bounded timeouts.
func TestHTTPServerDefaults(t *testing.T) {
	s := HTTPServer(http.NotFoundHandler(), Limits{})
	if s.ReadHeaderTimeout != 5*time.Second || s.ReadTimeout != 10*time.Second || s.WriteTimeout != Timeout+5*time.Second ||
		s.IdleTimeout != 30*time.Second || s.MaxHeaderBytes != 16<<10 {
		t.Errorf("defaults: %+v", s)
	}
}

// TestIdleTimeout: 20 kept-alive connections that stop sending after one
// request are closed after IdleTimeout.
func TestIdleTimeout(t *testing.T) {
	l := Limits{IdleTimeout: 200 * time.Millisecond}
	addr := serveHTTP(t, ServerWithLimits(&limitPeer{}, l), l)
	start := time.Now()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if _, err := io.WriteString(c, "GET /offer HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Error(err)
				return
			}
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Error(err)
			}
			resp.Body.Close()
			if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Error(err)
				return
			}
			// Idle: the server must hang up.
			if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
				t.Errorf("idle connection: %v, want EOF", err)
			}
		}()
	}
	wg.Wait()
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("idle connections held %v", el)
	}
}
