// Command data-channels runs two PeerConnections in one process on
// loopback UDP: one offers with a data channel, the other answers; then
// the offerer streams messages to the answerer with bufferedAmount flow
// control. It prints the setup time and the throughput; the drivers log
// connected and closed lines to standard error (every event with -v).
//
//	go run ./rtc/examples/data-channels
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
)

func main() {
	total := flag.Int("bytes", 64<<20, "bytes to send")
	size := flag.Int("size", 64<<10, "message size")
	verbose := flag.Bool("v", false, "log every event (debug level)")
	flag.Parse()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*total, *size, log); err != nil {
		fmt.Fprintln(os.Stderr, "data-channels:", err)
		os.Exit(1)
	}
}

func run(total, size int, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// One driver per PeerConnection, as two processes would have.
	loopback := driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Logger: log}
	da, db := driver.New(loopback), driver.New(loopback)
	defer da.Close()
	defer db.Close()

	n := total / size
	received := 0
	done := make(chan struct{})
	opened := make(chan *rtc.DataChannel, 1)
	lowWater := make(chan struct{}, 1)
	answerer, err := db.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			received++
			if received == n {
				close(done)
			}
		},
	})
	if err != nil {
		return err
	}
	offerer, err := da.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch e.Kind {
			case rtc.EventDataChannelOpen:
				opened <- e.Channel
			case rtc.EventBufferedAmountLow:
				select {
				case lowWater <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		return err
	}
	if _, err := offerer.CreateDataChannel("bulk", rtc.DataChannelInit{}); err != nil {
		return err
	}
	start := time.Now()
	offer, err := offerer.OfferAfterGathering(ctx)
	if err != nil {
		return err
	}
	answer, err := answerer.AnswerAfterGathering(ctx, offer)
	if err != nil {
		return err
	}
	if err := offerer.SetAnswer(answer); err != nil {
		return err
	}
	var dc *rtc.DataChannel
	select {
	case dc = <-opened:
	case <-ctx.Done():
		return fmt.Errorf("channel did not open")
	}
	fmt.Printf("setup (offer to channel open): %v\n", time.Since(start).Round(time.Microsecond))

	msg := make([]byte, size)
	const high = 4 << 20
	_ = offerer.Do(func(*rtc.PeerConnection) error { dc.SetBufferedAmountLowThreshold(high / 2); return nil })
	t0 := time.Now()
	sent := 0
	for sent < n {
		err := offerer.Do(func(*rtc.PeerConnection) error {
			for sent < n && dc.BufferedAmount() < high {
				if err := dc.Send(msg); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if sent < n {
			select {
			case <-lowWater:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("received %d of %d", received, n)
	}
	el := time.Since(t0)
	fmt.Printf("throughput: %d x %d B in %v: %.1f MB/s\n", n, size, el.Round(time.Millisecond), float64(n*size)/el.Seconds()/1e6)
	_ = offerer.Do(func(pc *rtc.PeerConnection) error {
		s := pc.LayerStats().SCTP
		fmt.Fprintf(os.Stderr, "sender SCTP: %d packets, %d retransmissions (%d fast, %d T3), cwnd %d, srtt %v, rto %v\n",
			s.PacketsSent, s.Retransmissions, s.FastRetransmits, s.T3Expirations, s.CWND, s.SRTT, s.RTO)
		fmt.Fprintln(os.Stderr, "sender getStats:", pc.GetStats(time.Now()).Summary())
		return nil
	})
	return nil
}
