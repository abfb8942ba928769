package driver

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// TestSendInsideAndOutsideCallbacks: one Send for both places. b echoes
// from its OnMessage callback with Conn.Send (same type, same bytes); a
// sends 2000 numbered messages from a goroutine without waiting; every echo
// comes back, in order, with its type.
func TestSendInsideAndOutsideCallbacks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := New(Config{Addresses: loopback})
	defer d.Close()
	b, err := d.NewPeerConnection(rtc.Configuration{}, Handler{
		OnMessage: func(c *Conn, m rtc.Message) {
			if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
				t.Errorf("echo from a callback: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	type msg struct {
		binary bool
		data   string
	}
	got := make(chan msg, 4096)
	var sendErrs []error
	a, err := d.NewPeerConnection(rtc.Configuration{}, Handler{
		OnMessage: func(c *Conn, m rtc.Message) { got <- msg{m.Binary, string(m.Data)} },
		OnError: func(c *Conn, err error) {
			// Only refused sends count here: Handle* errors from the
			// network (a late duplicate STUN response) are not this test's.
			var se *SendError
			if errors.As(err, &se) {
				sendErrs = append(sendErrs, err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	dc := connectPair(t, ctx, a, b)
	const n = 2000
	buf := make([]byte, 0, 16)
	for i := range n {
		buf = fmt.Appendf(buf[:0], "%d", i)
		if err := a.Send(dc, buf, i%2 == 0); err != nil { // buf is reused: Send copies
			t.Fatal(err)
		}
	}
	for i := range n {
		select {
		case m := <-got:
			if want := (msg{i%2 == 0, fmt.Sprint(i)}); m != want {
				t.Fatalf("echo %d: %+v, want %+v", i, m, want)
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d echoes", i, n)
		}
	}
	if err := a.Do(func(*rtc.PeerConnection) error { return errors.Join(sendErrs...) }); err != nil {
		t.Errorf("send errors: %v", err)
	}
}

// TestSendQueueFull: Send beyond MaxSendQueue fails at once without
// queueing; a refusal by the PeerConnection (a channel not open) reaches
// OnError as a *SendError.
func TestSendQueueFull(t *testing.T) {
	d := New(Config{Addresses: loopback, MaxSendQueue: 1000})
	defer d.Close()
	refused := make(chan error, 8)
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{OnError: func(c *Conn, err error) { refused <- err }})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := c.CreateDataChannel("x", rtc.DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	// Hold the loop so nothing is handed over while the queue fills.
	hold, held, released := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(released)
		if err := c.Do(func(*rtc.PeerConnection) error { close(held); <-hold; return nil }); err != nil {
			t.Error(err)
		}
	}()
	<-held
	if err := c.Send(dc, make([]byte, 600), true); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(dc, make([]byte, 600), true); !errors.Is(err, ErrSendQueueFull) {
		t.Errorf("Send over MaxSendQueue: %v", err)
	}
	close(hold)
	<-released
	select {
	case err := <-refused:
		var se *SendError
		if !errors.As(err, &se) || se.Label != "x" || se.Size != 600 || !errors.Is(err, rtc.ErrChannelNotOpen) {
			t.Errorf("refusal: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a refused message was not reported")
	}
	select {
	case err := <-refused:
		t.Errorf("second report: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
}
