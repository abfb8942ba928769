package driver

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// TestShardsManyPairs: with 3 loops, 6 pairs on one driver are spread over
// every loop, all echo at the same time (ends of one pair on different
// loops), and closing the driver ends every goroutine.
func TestShardsManyPairs(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := New(Config{Addresses: loopback, Loops: 3})
	if len(d.shards) != 3 {
		t.Fatalf("%d loops", len(d.shards))
	}
	type pair struct {
		a  *Conn
		dc *rtc.DataChannel
		in chan string
	}
	var pairs []pair
	used := map[*shard]int{}
	for range 6 {
		b, err := d.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(c *Conn, m rtc.Message) {
			if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
				t.Error(err)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		in := make(chan string, 100)
		a, err := d.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(c *Conn, m rtc.Message) { in <- string(m.Data) }})
		if err != nil {
			t.Fatal(err)
		}
		used[a.s]++
		used[b.s]++
		pairs = append(pairs, pair{a, connectPair(t, ctx, a, b), in})
	}
	if len(used) != 3 {
		t.Errorf("connections on %d of 3 loops: %v", len(used), used)
	}
	var wg sync.WaitGroup
	for i, p := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				want := fmt.Sprintf("%d/%d", i, j)
				if err := p.a.Send(p.dc, []byte(want), false); err != nil {
					t.Error(err)
					return
				}
				select {
				case got := <-p.in:
					if got != want {
						t.Errorf("pair %d: %q, want %q", i, got, want)
						return
					}
				case <-ctx.Done():
					t.Errorf("pair %d: no echo %d", i, j)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		select {
		case <-p.a.Done():
		default:
			t.Errorf("a connection not ended by the driver's Close")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left (was %d):\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
