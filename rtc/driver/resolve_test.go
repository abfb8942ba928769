package driver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// fakeResolver answers from a table and records the names asked.
type fakeResolver struct {
	mu    sync.Mutex
	table map[string]netip.Addr
	asked []string
}

func (f *fakeResolver) LookupHost(_ context.Context, name string) (netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, name)
	if a, ok := f.table[name]; ok {
		return a, nil
	}
	return netip.Addr{}, errors.New("no such name")
}

func (f *fakeResolver) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

const testName = "0f1e2d3c-4b5a-4978-8685-a4b3c2d1e0f9.local"

// TestResolverAnswersHostnames: an offer whose host candidates carry an
// mDNS name instead of 127.0.0.1 (what stock browsers send) makes the
// driver ask Config.Resolver for the name once and hand the answer to the
// PeerConnection, and the channel opens. Before resolve.go the name was
// never asked for (rtc takes no hostname candidate from a description).
func TestResolverAnswersHostnames(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res := &fakeResolver{table: map[string]netip.Addr{testName: netip.MustParseAddr("127.0.0.1")}}
	da := New(Config{Addresses: loopback})
	defer da.Close()
	db := New(Config{Addresses: loopback, Resolver: res})
	defer db.Close()
	opened := make(chan struct{}, 1)
	a, err := da.NewPeerConnection(rtc.Configuration{}, Handler{OnEvent: func(c *Conn, e rtc.Event) {
		if e.Kind == rtc.EventDataChannelOpen {
			opened <- struct{}{}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(off.SDP, " 127.0.0.1 ") {
		t.Fatalf("offer without a loopback candidate:\n%s", off.SDP)
	}
	off.SDP = strings.ReplaceAll(off.SDP, " 127.0.0.1 ", " "+testName+" ")
	ans, err := b.AnswerAfterGathering(ctx, off)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetAnswer(ans); err != nil {
		t.Fatal(err)
	}
	select {
	case <-opened:
	case <-ctx.Done():
		t.Fatal("channel did not open")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(res.names()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := res.names(); len(got) != 1 || got[0] != testName {
		t.Fatalf("resolver asked %q, want exactly [%s]", got, testName)
	}
}

// TestResolverNameFlood: a remote description listing 200 hostname
// candidates makes the driver ask for at most maxResolvedNames of them
// (the rest stay unresolved), and the connection still works.
func TestResolverNameFlood(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res := &fakeResolver{table: map[string]netip.Addr{}}
	da := New(Config{Addresses: loopback})
	defer da.Close()
	db := New(Config{Addresses: loopback, Resolver: res})
	defer db.Close()
	a, err := da.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.NewPeerConnection(rtc.Configuration{MaxRemoteCandidates: 1000}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var extra strings.Builder
	for i := range 200 {
		fmt.Fprintf(&extra, "a=candidate:%d 1 udp 2130706431 %08x-4b5a-4978-8685-a4b3c2d1e0f9.local %d typ host\r\n", 100+i, i, 40000+i)
	}
	i := strings.Index(off.SDP, "a=candidate:")
	if i < 0 {
		t.Fatalf("offer without candidates:\n%s", off.SDP)
	}
	off.SDP = off.SDP[:i] + extra.String() + off.SDP[i:]
	if _, err := b.AnswerAfterGathering(ctx, off); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(res.names()) < maxResolvedNames && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // any ask beyond the limit would show by now
	if n := len(res.names()); n != maxResolvedNames {
		t.Fatalf("resolver asked %d names, want the limit %d", n, maxResolvedNames)
	}
}
