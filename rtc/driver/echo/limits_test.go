package echo

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"encoding/json"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// udpSockets counts this process's open UDP sockets (Linux; -1 elsewhere).
func udpSockets(t *testing.T) int {
	t.Helper()
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/self/net/udp", "/proc/self/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			return -1
		}
		for _, l := range strings.Split(string(b), "\n")[1:] {
			if fs := strings.Fields(l); len(fs) > 9 {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
	}
	fds, err := filepath.Glob("/proc/self/fd/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && inodes[target] {
			n++
		}
	}
	return n
}

// flood sends n requests at once and counts the replies by status.
func flood(t *testing.T, n int, send func() (*http.Response, error)) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := send()
			if err != nil {
				t.Error(err)
				return
			}
			_, rerr := io.Copy(io.Discard, resp.Body)
			if err := resp.Body.Close(); err != nil || rerr != nil {
				t.Error(err, rerr)
			}
			if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes
}

// watchMax samples peer.Connections() until the returned function is
// called, which returns the largest value seen.
func watchMax(peer *Peer) func() int {
	stop, done := make(chan struct{}), make(chan int)
	go func() {
		m := 0
		for {
			m = max(m, peer.Connections())
			select {
			case <-stop:
				done <- m
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	return func() int { close(stop); return <-done }
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("not %s after %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestEchoFloods (issue 11): 200 anonymous GET /offer and then 200 POST
// /offer at once leave at most MaxConnections peer connections (the rest
// get 503 + Retry-After), and every one of them, with its socket, is gone
// soon after its offer expired or its connect timeout passed (they used
// to stay 30 s each, 200 of them).
func TestEchoFloods(t *testing.T) {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	const max = 8
	peer := New(d, Options{MaxConnections: max, ConnectTimeout: 500 * time.Millisecond})
	lim := signaling.Limits{MaxInFlight: 500, MaxPendingOffers: 500, OfferLifetime: 300 * time.Millisecond}
	srv := httptest.NewServer(signaling.ServerWithLimits(peer, lim))
	defer srv.Close()
	socks0 := udpSockets(t)

	// The bound is on live connections: on a slow machine (-race) some
	// expire during the flood and free their slot, so count the most that
	// were ever live at once.
	most := watchMax(peer)
	codes := flood(t, 200, func() (*http.Response, error) { return http.Get(srv.URL + "/offer") })
	if m := most(); codes[200] < max || codes[503] == 0 || m > max {
		t.Errorf("GET /offer flood: %v, at most %d live; want at most %d live and the rest 503", codes, m, max)
	}
	took := waitFor(t, "every unanswered offer closed", 5*time.Second, func() bool { return peer.Connections() == 0 })
	t.Logf("GET flood: %v; offers gone %v later", codes, took)

	// One real offer, posted 200 times: each accepted one makes a
	// connection that never connects.
	od := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer od.Close()
	oc, err := od.NewPeerConnection(rtc.Configuration{}, driver.Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oc.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	off, err := oc.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := oc.Close(); err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(signaling.Description{Type: "offer", SDP: off.SDP})
	if err != nil {
		t.Fatal(err)
	}
	most = watchMax(peer)
	codes = flood(t, 200, func() (*http.Response, error) {
		return http.Post(srv.URL+"/offer", "application/json", strings.NewReader(string(body)))
	})
	if m := most(); codes[200] < max || codes[503] == 0 || m > max {
		t.Errorf("POST /offer flood: %v, at most %d live; want at most %d live and the rest 503", codes, m, max)
	}
	took = waitFor(t, "every unconnected answer closed", 5*time.Second, func() bool { return peer.Connections() == 0 })
	t.Logf("POST flood: %v; connections gone %v later", codes, took)
	if socks0 >= 0 {
		waitFor(t, "the UDP sockets released", 2*time.Second, func() bool { return udpSockets(t) <= socks0 })
	}
}

// TestEchoReleasesOnRemoteClose (issue 11, slow teardown): a client that
// closes its PeerConnection makes the echo peer forget the connection and
// release its socket within 1 s.
func TestEchoReleasesOnRemoteClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer d.Close()
	peer := New(d, Options{})
	srv := httptest.NewServer(signaling.Server(peer))
	defer srv.Close()
	cd := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	defer cd.Close()
	c, err := cd.NewPeerConnection(rtc.Configuration{}, driver.Handler{})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := c.CreateDataChannel("probe", rtc.DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	off, err := c.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	socks0 := udpSockets(t)
	ans, err := signaling.PostOffer(ctx, srv.URL, signaling.Description{SDP: off.SDP})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(rtc.SessionDescription{SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitOpen(ctx, dc); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	took := waitFor(t, "the connection forgotten within 1 s", time.Second, func() bool { return peer.Connections() == 0 })
	if socks0 >= 0 {
		// The client's own socket closed too: one fewer than before the answer.
		waitFor(t, "the echo peer's socket released", time.Second, func() bool { return udpSockets(t) <= socks0-1 })
	}
	t.Logf("remote close to release: %v (forgotten after %v)", time.Since(start), took)
}
