package driver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

var loopback = []netip.Addr{netip.MustParseAddr("127.0.0.1")}

// A data channel echo in one process: b sends every message back from its
// callback with Conn.Send (same bytes, same type); a sends from the main
// goroutine with the same call.
func Example_echo() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: loopback})
	defer d.Close()

	b, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
				fmt.Println("echo:", err)
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	got := make(chan rtc.Message, 1)
	a, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) { got <- m },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	dc, err := a.CreateDataChannel("chat", rtc.DataChannelInit{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Signaling in-process: the descriptions carry every candidate.
	offer, err := a.OfferAfterGathering(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	answer, err := b.AnswerAfterGathering(ctx, offer)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := a.SetAnswer(answer); err != nil {
		fmt.Println(err)
		return
	}
	if err := a.WaitOpen(ctx, dc); err != nil {
		fmt.Println(err)
		return
	}
	if err := a.Send(dc, []byte("hello"), false); err != nil {
		fmt.Println(err)
		return
	}
	m := <-got
	fmt.Printf("echo on %q: %s (binary %v)\n", m.Channel.Label(), m.Data, m.Binary)

	// Closing one side ends the other at once.
	if err := a.Close(); err != nil {
		fmt.Println(err)
	}
	<-b.Done()
	fmt.Println("b ended normally:", driver.IsNormalClose(b.Err()))
	// Output:
	// echo on "chat": hello (binary false)
	// b ended normally: true
}

// A signaling handler for browsers: the echo peer behind the HTTP contract
// of rtc/driver/signaling/SIGNALING.md, with its limits and timeouts. A
// browser page would POST its offer to /offer; here a Go client does.
func Example_signalingHandler() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: loopback})
	defer d.Close()

	var limits signaling.Limits // the defaults: safe on the internet
	srv := signaling.HTTPServer(signaling.ServerWithLimits(echo.New(d, echo.Options{}), limits), limits)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()

	// The client side (a browser in real life).
	got := make(chan rtc.Message, 1)
	c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) { got <- m },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	dc, err := c.CreateDataChannel("probe", rtc.DataChannelInit{})
	if err != nil {
		fmt.Println(err)
		return
	}
	offer, err := c.OfferAfterGathering(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	answer, err := signaling.PostOffer(ctx, url, signaling.Description{SDP: offer.SDP})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := c.SetAnswer(rtc.SessionDescription{SDP: answer.SDP}); err != nil {
		fmt.Println(err)
		return
	}
	if err := c.WaitOpen(ctx, dc); err != nil {
		fmt.Println(err)
		return
	}
	if err := c.Send(dc, []byte{1, 2, 3}, true); err != nil {
		fmt.Println(err)
		return
	}
	m := <-got
	fmt.Printf("echo: %v (binary %v)\n", m.Data, m.Binary)

	if err := srv.Close(); err != nil {
		fmt.Println(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Println(err)
	}
	// Output:
	// echo: [1 2 3] (binary true)
}
