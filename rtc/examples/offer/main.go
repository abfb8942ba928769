// Command offer connects to any peer that speaks shared/SIGNALING.md (POST
// /offer), opens an ordered, reliable channel labelled "probe", checks that
// messages of 1 B to 256 KiB echo byte-exact (text and binary), then
// measures echo throughput with 64 KiB messages and bufferedAmount flow
// control. It prints the setup time and the throughput.
//
//	go run ./rtc/examples/offer -url http://127.0.0.1:8080
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "base URL of the answering peer")
	host := flag.String("host", "127.0.0.1", "host address for ICE")
	total := flag.Int("bytes", 16<<20, "bytes to echo in the throughput test")
	flag.Parse()
	if err := run(*url, netip.MustParseAddr(*host), *total); err != nil {
		fmt.Fprintln(os.Stderr, "offer:", err)
		os.Exit(1)
	}
}

func run(url string, host netip.Addr, total int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{host}})
	defer d.Close()

	opened := make(chan struct{}, 1)
	failed := make(chan error, 1)
	echoes := make(chan rtc.Message, 1024)
	lowWater := make(chan struct{}, 1)
	conn, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch e.Kind {
			case rtc.EventDataChannelOpen:
				select {
				case opened <- struct{}{}:
				default:
				}
			case rtc.EventBufferedAmountLow:
				select {
				case lowWater <- struct{}{}:
				default:
				}
			case rtc.EventConnectionStateChange:
				if e.ConnectionState == rtc.PeerConnectionFailed {
					failed <- fmt.Errorf("connection failed")
				}
			case rtc.EventError:
				fmt.Fprintln(os.Stderr, "offer:", e.Err)
			}
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) { echoes <- m },
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	probe, err := conn.CreateDataChannel("probe", rtc.DataChannelInit{})
	if err != nil {
		return err
	}
	start := time.Now()
	offer, err := conn.OfferAfterGathering(ctx)
	if err != nil {
		return err
	}
	ans, err := signaling.PostOffer(ctx, url, signaling.Description{SDP: offer.SDP})
	if err != nil {
		return err
	}
	if err := conn.SetAnswer(ans.SDP); err != nil {
		return err
	}
	select {
	case <-opened:
	case err := <-failed:
		return err
	case <-ctx.Done():
		return fmt.Errorf("channel did not open: %w", ctx.Err())
	}
	fmt.Printf("setup (offer to channel open): %v\n", time.Since(start).Round(time.Microsecond))

	for _, size := range []int{1, 1 << 10, 16 << 10, 64 << 10, 256 << 10} {
		for _, binary := range []bool{false, true} {
			want := bytes.Repeat([]byte{'a' + byte(size%26)}, size)
			if err := conn.Send(probe, want, binary); err != nil {
				return fmt.Errorf("send %d bytes: %w", size, err)
			}
			select {
			case m := <-echoes:
				if m.Binary != binary || !bytes.Equal(m.Data, want) {
					return fmt.Errorf("echo of %d bytes (binary %v) came back as %d bytes (binary %v)", size, binary, len(m.Data), m.Binary)
				}
			case <-ctx.Done():
				return fmt.Errorf("no echo of %d bytes", size)
			}
		}
		fmt.Printf("echo %6d B: ok\n", size)
	}

	// Throughput: 64 KiB binary messages, at most 1 MiB buffered.
	const msgSize = 64 << 10
	_ = conn.Do(func(*rtc.PeerConnection) error { probe.SetBufferedAmountLowThreshold(512 << 10); return nil })
	msg := make([]byte, msgSize)
	n := total / msgSize
	t0 := time.Now()
	sent, got := 0, 0
	for got < n {
		for sent < n {
			var buffered int
			_ = conn.Do(func(*rtc.PeerConnection) error { buffered = probe.BufferedAmount(); return nil })
			if buffered > 1<<20 {
				break
			}
			if err := conn.Send(probe, msg, true); err != nil {
				return err
			}
			sent++
		}
		select {
		case <-echoes:
			got++
		case <-lowWater:
		case <-ctx.Done():
			return fmt.Errorf("throughput: %d of %d echoes: %w", got, n, ctx.Err())
		}
	}
	el := time.Since(t0)
	fmt.Printf("throughput: %d x 64 KiB echoed in %v: %.1f MB/s each way\n", n, el.Round(time.Millisecond), float64(n*msgSize)/el.Seconds()/1e6)
	_ = conn.Do(func(pc *rtc.PeerConnection) error {
		fmt.Fprintln(os.Stderr, "getStats:", pc.GetStats(time.Now()).Summary())
		return nil
	})
	return nil
}
