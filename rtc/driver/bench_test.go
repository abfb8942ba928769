package driver

import (
	"context"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// echoPair connects a to b on one driver; b echoes every message.
func echoPair(tb testing.TB, loops int) (a *Conn, dc *rtc.DataChannel, got chan struct{}, d *Driver) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d = New(Config{Addresses: loopback, Loops: loops})
	b, err := d.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(c *Conn, m rtc.Message) {
		if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
			tb.Error(err)
		}
	}})
	if err != nil {
		tb.Fatal(err)
	}
	got = make(chan struct{}, 1024)
	a, err = d.NewPeerConnection(rtc.Configuration{}, Handler{OnMessage: func(c *Conn, m rtc.Message) { got <- struct{}{} }})
	if err != nil {
		tb.Fatal(err)
	}
	dc = connectPairTB(tb, ctx, a, b)
	return a, dc, got, d
}

// connectPairTB is connectPair for benchmarks too.
func connectPairTB(tb testing.TB, ctx context.Context, a, b *Conn) *rtc.DataChannel {
	tb.Helper()
	dc, err := a.CreateDataChannel("x", rtc.DataChannelInit{})
	if err != nil {
		tb.Fatal(err)
	}
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	ans, err := b.AnswerAfterGathering(ctx, off)
	if err != nil {
		tb.Fatal(err)
	}
	if err := a.SetAnswer(ans); err != nil {
		tb.Fatal(err)
	}
	if err := a.WaitOpen(ctx, dc); err != nil {
		tb.Fatal(err)
	}
	return dc
}

// BenchmarkSendEcho: one 100-byte Conn.Send and its echo back, 32 in
// flight: the per-message cost of the driver and the stack on loopback.
func BenchmarkSendEcho(b *testing.B) {
	a, dc, got, d := echoPair(b, 1)
	defer d.Close()
	msg := make([]byte, 100)
	const window = 32
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	inFlight := 0
	for i := 0; i < b.N; i++ {
		for inFlight >= window {
			<-got
			inFlight--
		}
		if err := a.Send(dc, msg, true); err != nil {
			b.Fatal(err)
		}
		inFlight++
	}
	for ; inFlight > 0; inFlight-- {
		<-got
	}
}

// TestSendAllocs: queueing a message allocates nothing once the queue's
// buffers have grown (the loop swaps them back and forth).
func TestSendAllocs(t *testing.T) {
	d := New(Config{Addresses: loopback})
	defer d.Close()
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{OnError: func(*Conn, error) {}})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := c.CreateDataChannel("x", rtc.DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 100)
	// Hold the loop: Send only queues.
	hold, held, released := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(released)
		if err := c.Do(func(*rtc.PeerConnection) error { close(held); <-hold; return nil }); err != nil {
			t.Error(err)
		}
	}()
	<-held
	for range 1000 { // grow the queue
		if err := c.Send(dc, msg, true); err != nil {
			t.Fatal(err)
		}
	}
	c.sendMu.Lock()
	c.sendQ, c.sendData = c.sendQ[:0], c.sendData[:0]
	c.sendMu.Unlock()
	if n := testing.AllocsPerRun(500, func() {
		if err := c.Send(dc, msg, true); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Send allocates %v times per message", n)
	}
	close(hold)
	<-released
}
