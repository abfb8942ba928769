// Command netsimdemo runs the reference stop-and-wait echo pair of
// rtc-shared/netsim over a simulated lossy network and prints what
// happened. It is the interim demo of sansrtc: it exercises the simulated
// network every protocol module is tested on. Nothing is sent on a real
// socket.
//
//	go run ./tools/cmd/netsimdemo [-seed 1] [-n 100] [-loss 0.3] [-delay 25ms] [-pcap out.pcap]
package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-shared/netsim/echo"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of the simulated network: the same seed gives the same run")
	n := flag.Int("n", 100, "messages to echo")
	size := flag.Int("size", 200, "message size in bytes")
	loss := flag.Float64("loss", 0.3, "loss probability per datagram, each direction")
	delay := flag.Duration("delay", 25*time.Millisecond, "one-way delay")
	jitter := flag.Duration("jitter", 5*time.Millisecond, "jitter")
	trace := flag.Int("trace", 8, "print the first N datagrams of the trace")
	pcap := flag.String("pcap", "", "write the trace to this pcap file")
	flag.Parse()
	if err := run(*seed, *n, *size, *loss, *delay, *jitter, *trace, *pcap); err != nil {
		fmt.Fprintln(os.Stderr, "netsimdemo:", err)
		os.Exit(1)
	}
}

func run(seed uint64, n, size int, loss float64, delay, jitter time.Duration, traceLines int, pcap string) error {
	client := netip.MustParseAddrPort("192.0.2.1:5000")
	server := netip.MustParseAddrPort("198.51.100.1:7")

	sim := netsim.New(netsim.Config{Seed: seed, TraceLimit: 1 << 16})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: delay, Jitter: jitter, Loss: loss})
	c := echo.NewClient(echo.ClientConfig{Local: client, Peer: server, Count: n, Size: size, RTO: 4 * delay, MaxRetransmits: 50})
	s := echo.NewServer(0)
	sim.Add(c, client)
	sim.Add(s, server)

	fmt.Printf("sansrtc netsimdemo: stop-and-wait echo over a simulated network (seed %d)\n", seed)
	fmt.Printf("link: %v one-way delay, %v jitter, %.0f%% loss each way; %d messages of %d bytes\n\n", delay, jitter, 100*loss, n, size)

	started := time.Now()
	c.Start(sim.Now())
	err := sim.Run(c.Done, 10_000_000)
	wall := time.Since(started)
	if err != nil {
		return fmt.Errorf("seed %d: %w", seed, err)
	}
	if c.Err() != nil {
		return fmt.Errorf("seed %d: client: %w", seed, c.Err())
	}

	tr := sim.Trace()
	for i := 0; i < traceLines && i < len(tr); i++ {
		r := tr[i]
		fmt.Printf("  %12s  %v -> %v  %4dB  %v\n", r.Sent.Sub(sim.Start()).Round(time.Microsecond), r.From, r.To, r.Size, r.Fate)
	}
	if traceLines > 0 && len(tr) > traceLines {
		fmt.Printf("  ... %d more datagrams\n", len(tr)-traceLines)
	}

	st := c.Stats()
	up := sim.LinkStats(client.Addr(), server.Addr())
	down := sim.LinkStats(server.Addr(), client.Addr())
	fmt.Println()
	fmt.Printf("messages echoed:    %d/%d\n", st.Completed, n)
	fmt.Printf("datagrams sent:     %d by the client (%d retransmissions), %d echoes\n", st.Sent, st.Retransmissions, s.Stats.Echoed)
	fmt.Printf("lost on the way:    %d of %d client->server, %d of %d server->client\n", up.Lost, up.Sent, down.Lost, down.Sent)
	fmt.Printf("stale echoes:       %d (late copies of finished messages)\n", st.Stale)
	fmt.Printf("virtual time:       %v\n", c.Finished().Sub(sim.Start()).Round(time.Millisecond))
	fmt.Printf("real time:          %v (%d steps)\n", wall.Round(time.Microsecond), sim.Stats().Steps)

	if pcap != "" {
		f, err := os.Create(pcap)
		if err != nil {
			return err
		}
		if err := sim.WritePcap(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Printf("trace written to %s\n", pcap)
	}
	return nil
}
