// Command offer probes any peer that speaks the signaling contract
// (rtc/driver/signaling/SIGNALING.md): it connects, checks that messages of
// 1 B to 256 KiB echo byte-exact (text and binary) on an ordered, reliable
// channel, then measures echo throughput with bufferedAmount flow control.
// It prints the setup time and the throughput.
//
//	go run ./rtc/examples/offer -url http://127.0.0.1:8080
//	go run ./rtc/examples/offer -url http://127.0.0.1:8080 -peer-offers   # GET /offer + POST /answer
//
// By default it offers (POST /offer) with a channel labelled "probe". With
// -peer-offers it answers the peer's offer instead and probes the channel
// the peer created, for peers that only offer. It never sends a message
// larger than the peer's a=max-message-size (64 KiB when the peer
// advertises none, RFC 8841 §6.1; 0 means no limit).
//
// ICE flags (issue 16): -ice-server URL (repeatable), -ice-user, -ice-pass,
// -relay-only, -host; -udp-port and -public-ip (issue 18); -ice-tcp and
// -tcp-port N (ICE-TCP, one passive port for every session); -v logs every
// event.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

type options struct {
	url        string
	total      int
	peerOffers bool
	timeout    time.Duration
}

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the peer")
	flag.IntVar(&o.total, "bytes", 16<<20, "bytes to echo in the throughput test")
	flag.BoolVar(&o.peerOffers, "peer-offers", false, "let the peer offer (GET /offer + POST /answer) instead of offering")
	flag.DurationVar(&o.timeout, "timeout", 60*time.Second, "give up after this long")
	flag.Parse()
	log := f.Logger()
	if err := run(&f, log, o); err != nil {
		log.Error("offer", "err", err)
		os.Exit(1)
	}
}

// sizes are the echo sizes checked, as far as the peer accepts them.
var sizes = []int{1, 1 << 10, 16 << 10, 64 << 10, 256 << 10}

func run(f *cli.Flags, log *slog.Logger, o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	d := driver.New(dcfg)
	defer d.Close()

	remote := make(chan *rtc.DataChannel, 1)
	echoes := make(chan rtc.Message, 1024)
	lowWater := make(chan struct{}, 1)
	conn, err := d.NewPeerConnection(cfg, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch e.Kind {
			case rtc.EventDataChannel:
				select {
				case remote <- e.Channel:
				default:
				}
			case rtc.EventBufferedAmountLow:
				select {
				case lowWater <- struct{}{}:
				default:
				}
			}
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			select {
			case echoes <- m:
			default:
				log.Warn("echo dropped: the prober is not keeping up")
			}
		},
	})
	if err != nil {
		return err
	}
	defer conn.Close()

	start := time.Now()
	var probe *rtc.DataChannel
	var remoteSDP string
	if o.peerOffers {
		off, err := signaling.GetOffer(ctx, o.url)
		if err != nil {
			return err
		}
		ans, err := conn.AnswerAfterGathering(ctx, rtc.SessionDescription{SDP: off.SDP})
		if err != nil {
			return err
		}
		if err := signaling.PostAnswer(ctx, o.url, signaling.Description{SDP: ans.SDP, ID: off.ID}); err != nil {
			return err
		}
		select {
		case probe = <-remote:
		case <-conn.Done():
			return fmt.Errorf("connection ended: %v", conn.Err())
		case <-ctx.Done():
			return fmt.Errorf("the peer opened no channel: %w", ctx.Err())
		}
		remoteSDP = off.SDP
	} else {
		if probe, err = conn.CreateDataChannel("probe", rtc.DataChannelInit{}); err != nil {
			return err
		}
		off, err := conn.OfferAfterGathering(ctx)
		if err != nil {
			return err
		}
		ans, err := signaling.PostOffer(ctx, o.url, signaling.Description{SDP: off.SDP})
		if err != nil {
			return err
		}
		if err := conn.SetAnswer(rtc.SessionDescription{SDP: ans.SDP}); err != nil {
			return err
		}
		remoteSDP = ans.SDP
	}
	if err := conn.WaitOpen(ctx, probe); err != nil {
		return fmt.Errorf("channel %q did not open: %w", probe.Label(), err)
	}
	fmt.Printf("setup (signaling to channel open): %v\n", time.Since(start).Round(time.Microsecond))
	limit := maxMessageSize(remoteSDP)
	fmt.Printf("peer's max-message-size: %s\n", sizeText(limit))

	for _, size := range sizes {
		if limit > 0 && size > limit {
			fmt.Printf("echo %6d B: skipped (above the peer's max-message-size)\n", size)
			continue
		}
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
			case <-conn.Done():
				return fmt.Errorf("connection ended: %v", conn.Err())
			case <-ctx.Done():
				return fmt.Errorf("no echo of %d bytes", size)
			}
		}
		fmt.Printf("echo %6d B: ok\n", size)
	}
	return throughput(ctx, conn, probe, echoes, lowWater, o.total, limit)
}

// throughput echoes total bytes in messages of 64 KiB (or the peer's
// limit), with at most 1 MiB buffered.
func throughput(ctx context.Context, conn *driver.Conn, probe *rtc.DataChannel, echoes <-chan rtc.Message, lowWater <-chan struct{}, total, limit int) error {
	msgSize := 64 << 10
	if limit > 0 {
		msgSize = min(msgSize, limit)
	}
	if err := conn.Do(func(*rtc.PeerConnection) error { probe.SetBufferedAmountLowThreshold(512 << 10); return nil }); err != nil {
		return err
	}
	msg := make([]byte, msgSize)
	n := max(total/msgSize, 1)
	t0 := time.Now()
	sent, got := 0, 0
	for got < n {
		for sent < n {
			var buffered int
			if err := conn.Do(func(*rtc.PeerConnection) error { buffered = probe.BufferedAmount(); return nil }); err != nil {
				return err
			}
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
		case <-conn.Done():
			return fmt.Errorf("connection ended: %v", conn.Err())
		case <-ctx.Done():
			return fmt.Errorf("throughput: %d of %d echoes: %w", got, n, ctx.Err())
		}
	}
	el := time.Since(t0)
	fmt.Printf("throughput: %d x %s echoed in %v: %.1f MB/s each way\n", n, sizeText(msgSize), el.Round(time.Millisecond), float64(n*msgSize)/el.Seconds()/1e6)
	_ = conn.Do(func(pc *rtc.PeerConnection) error {
		fmt.Fprintln(os.Stderr, "getStats:", pc.GetStats(time.Now()).Summary())
		return nil
	})
	return nil
}

// maxMessageSize reads a=max-message-size from a description (RFC 8841
// §6): 64 KiB when absent (§6.1), 0 when the peer takes any size.
func maxMessageSize(sdp string) int {
	for _, l := range strings.Split(sdp, "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(l), "a=max-message-size:")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 31)
		if err != nil {
			break // malformed: assume the default
		}
		return int(n)
	}
	return 64 << 10
}

func sizeText(n int) string {
	switch {
	case n == 0:
		return "no limit"
	case n%1024 == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
