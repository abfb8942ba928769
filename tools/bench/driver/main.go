// Command driver measures rtc/driver at scale (issue 18), with Pion v4 side
// by side where it has the feature, all on loopback:
//
//	go run ./tools/bench/driver -mode idle -pairs 1000      # idle CPU per PeerConnection per second, RSS
//	go run ./tools/bench/driver -mode setup -pairs 1000     # setup rate as live pairs accumulate
//	go run ./tools/bench/driver -mode small -pairs 100      # 100 B messages, 1000/s per channel, CPU per message
//	go run ./tools/bench/driver -mode small -pairs 1 -channels 100  # the same load on 100 channels of one pair
//
// -single-port runs the b end of every pair on one UDP port (a driver of
// its own; the a ends keep a socket each, as separate clients would),
// -loops sets the drivers' loops. -split (ours only) runs the a ends in a
// child process, so the server's CPU and RSS are measured apart; in small
// mode the child sends and the server's figure is per message received.
// -rounds N measures N windows back to back and prints each: small mode
// gives their median (this machine is shared, and one window can be off
// by a fifth), idle their mean (the heartbeat burst is a real cost).
//
// -stack sansrtc|pion picks the stack (one per process, so their CPU
// figures do not mix). CPU is the process's user+system time (getrusage)
// over the measuring window; RSS is VmRSS, given as a whole and as what
// the process grew by from just before the first PeerConnection (the
// binary, which holds both stacks, and the runtime are in the first
// figure only).
//
// idle waits -settle after the setup, then collects garbage, before it
// measures: by then an idle PeerConnection has given back what it keeps
// for traffic (rtc: 1 s without DTLS records, noticed at its next consent
// check, 4-6 s apart), and the runtime holds what a long-running idle
// server holds. A shorter -settle measures the memory of the setup instead.
// Its window is 30 s by default: each SCTP association sends a HEARTBEAT
// every 30 s (RFC 9260 §8.3), those of pairs set up together in one burst
// that about doubles the CPU of the 10 s it falls in, so a shorter window
// sees it or misses it.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pair is two connected peers with open channels from a to b.
type pair interface {
	// send sends one binary message a->b on channel ch (without waiting).
	send(ch int, msg []byte) error
	close()
}

type stack interface {
	// newPair connects a pair with channels open channels (a creates them).
	newPair(ctx context.Context, received *atomic.Int64, channels int) (pair, error)
	close()
}

func main() {
	mode := flag.String("mode", "idle", "idle, setup or small")
	stackName := flag.String("stack", "sansrtc", "sansrtc or pion")
	pairs := flag.Int("pairs", 1000, "connected pairs")
	window := flag.Duration("window", 0, "measuring window (default: idle 30s, one SCTP heartbeat interval; small 10s)")
	rate := flag.Int("rate", 1000, "small: messages per second per channel")
	size := flag.Int("size", 100, "small: message size")
	channels := flag.Int("channels", 1, "data channels per pair (small: each sends at -rate)")
	loops := flag.Int("loops", 0, "sansrtc: driver loops (0: GOMAXPROCS)")
	parallel := flag.Int("parallel", 1, "pairs set up at a time")
	singlePort := flag.Bool("single-port", false, "sansrtc: every b end on one UDP port (its own driver); the a ends keep a socket each")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measuring window (or of the setup) here")
	split := flag.Bool("split", false, "sansrtc idle, small: the a ends in a child process, so the server's (b ends') and the clients' CPU and RSS are measured apart (small: the child sends)")
	role := flag.String("role", "", "internal: \"client\" is the -split child")
	settle := flag.Duration("settle", 8*time.Second, "idle: wait this long after the setup before measuring")
	rounds := flag.Int("rounds", 1, "idle, small: measure this many windows back to back and report each, and their mean (idle) or median (small)")
	memprofile := flag.String("memprofile", "", "idle: write heap profiles before (this name + .base) and after the measuring window here")
	flag.Parse()
	if *window == 0 {
		// An idle window must hold a whole heartbeat interval (RFC 9260
		// §8.3, 30 s): the heartbeats of connections set up together fall
		// in one burst, and a 10 s window would see it or miss it.
		*window = 30 * time.Second
		if *mode == "small" {
			*window = 10 * time.Second
		}
	}
	profile = *cpuprofile
	if *memprofile != "" {
		runtime.MemProfileRate = 64 // fine enough to see the allocations of an idle window
	}
	if *role == "client" {
		runClient(*loops)
		return
	}
	var s stack
	switch {
	case *split:
		if *stackName != "sansrtc" || *mode == "setup" {
			fail(fmt.Errorf("-split is for -stack sansrtc -mode idle or small"))
		}
		if *channels != 1 {
			fail(fmt.Errorf("-split opens one channel per pair"))
		}
		s = newSplit(*loops, *singlePort)
	case *stackName == "sansrtc":
		s = newOurs(*loops, *singlePort)
	case *stackName == "pion":
		s = newPion()
	default:
		fail(fmt.Errorf("unknown -stack %q", *stackName))
	}
	defer s.close()
	var received atomic.Int64
	if *mode == "setup" {
		stop := startProfile()
		defer stop()
	}
	rss0 := rss()
	if *rounds < 1 {
		fail(fmt.Errorf("-rounds %d: at least 1", *rounds))
	}
	if *channels < 1 {
		fail(fmt.Errorf("-channels %d: at least 1", *channels))
	}
	ps, err := setup(s, *pairs, *parallel, *channels, &received, *mode == "setup")
	if err != nil {
		fail(err)
	}
	defer func() {
		for _, p := range ps {
			p.close()
		}
	}()
	switch *mode {
	case "setup":
	case "idle":
		time.Sleep(*settle)
		runtime.GC()
		if *memprofile != "" {
			writeHeapProfile(*memprofile + ".base") // for pprof -base: what the window allocated
		}
		var childCPU time.Duration
		sp, _ := s.(*splitServer)
		if sp != nil {
			childCPU, _ = sp.childStats()
		}
		stopProfile := startProfile()
		var cpus []time.Duration
		for i := range *rounds {
			cpu := measure(*window, nil)
			if *rounds > 1 {
				fmt.Printf("round %d: %.1f µs CPU per PeerConnection per second\n", i+1, cpu.Seconds()*1e6/window.Seconds()/idlePCs(sp != nil, len(ps)))
			}
			cpus = append(cpus, cpu)
		}
		stopProfile()
		// The mean, not the median: the heartbeat burst every 30 s is a
		// real cost, and a median of short windows would leave it out.
		var cpu time.Duration
		for _, c := range cpus {
			cpu += c
		}
		cpu /= time.Duration(len(cpus))
		if *memprofile != "" {
			writeHeapProfile(*memprofile)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		r := rss()
		// The live heap: what a collection now keeps.
		var live runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&live)
		n := float64(len(ps))
		perSec := func(d time.Duration, pcs float64) float64 { return d.Seconds() * 1e6 / pcs / window.Seconds() }
		if *rounds > 1 {
			fmt.Printf("mean of %d rounds: %.1f µs (%.1f to %.1f)\n", *rounds, perSec(cpu, idlePCs(sp != nil, len(ps))),
				perSec(slices.Min(cpus), idlePCs(sp != nil, len(ps))), perSec(slices.Max(cpus), idlePCs(sp != nil, len(ps))))
		}
		if sp != nil {
			c1, r1 := sp.childStats()
			childCPU = (c1 - childCPU) / time.Duration(*rounds) // a mean: the child's rounds are not apart
			fmt.Printf("%s idle, split: %d pairs: server (this process, %d PeerConnections): %.1f µs CPU per PeerConnection per second (%.3f cores), RSS %.1f KB per PeerConnection, %.1f KB over the process before setup (Go heap in use %.1f KB, live %.1f KB, stacks %.1f KB)\n",
				*stackName, len(ps), len(ps), perSec(cpu, n), cpu.Seconds()/window.Seconds(), float64(r)/1024/n, float64(r-rss0)/1024/n, float64(ms.HeapInuse)/1024/n, float64(live.HeapAlloc)/1024/n, float64(ms.StackInuse)/1024/n)
			fmt.Printf("%s idle, split: %d pairs: clients (child process, %d PeerConnections, a socket each): %.1f µs CPU per PeerConnection per second, RSS %.1f KB per PeerConnection; both: %.1f µs, %.1f KB per PeerConnection\n",
				*stackName, len(ps), len(ps), perSec(childCPU, n), float64(r1)/1024/n, perSec(cpu+childCPU, 2*n), float64(r+r1)/1024/(2*n))
			break
		}
		// Both ends of every pair live in this process: the figures are
		// per PeerConnection, the process's totals divided by 2*pairs.
		pcs := 2 * n
		fmt.Printf("%s idle: %d pairs (both ends in this process): %.1f µs CPU per PeerConnection per second (%.3f cores), RSS %.1f KB per PeerConnection, %.1f KB over the process before setup (Go heap in use %.1f KB, live %.1f KB, stacks %.1f KB; %d goroutines)\n",
			*stackName, len(ps), perSec(cpu, pcs), cpu.Seconds()/window.Seconds(), float64(r)/1024/pcs, float64(r-rss0)/1024/pcs, float64(ms.HeapInuse)/1024/pcs, float64(live.HeapAlloc)/1024/pcs, float64(ms.StackInuse)/1024/pcs, runtime.NumGoroutine())
	case "small":
		msg := make([]byte, *size)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var sendErrs atomic.Int64
		sp, _ := s.(*splitServer)
		start := func() {
			if sp != nil {
				sp.startSending(*rate, *size)
				return
			}
			for _, p := range ps {
				for ch := range *channels {
					wg.Add(1)
					go func() {
						defer wg.Done()
						sendAtRate(stop, *rate, func() {
							if err := p.send(ch, msg); err != nil {
								sendErrs.Add(1)
							}
						})
					}()
				}
			}
		}
		want := float64(len(ps)**channels) * float64(*rate) * window.Seconds()
		var perMsg []float64
		stopProfile := startProfile()
		for i := range *rounds {
			r0 := received.Load()
			var child0 time.Duration
			if sp != nil {
				child0, _ = sp.childStats()
			}
			var cpu time.Duration
			if i == 0 {
				cpu = measure(*window, start)
			} else {
				cpu = measure(*window, nil)
			}
			n := received.Load() - r0
			perMsg = append(perMsg, cpu.Seconds()*1e6/float64(max(n, 1)))
			what := ""
			if sp != nil {
				child1, _ := sp.childStats()
				what = fmt.Sprintf(" in the server (this process; the clients, a socket each: %.1f µs)", (child1-child0).Seconds()*1e6/float64(max(n, 1)))
			}
			fmt.Printf("%s small: %d channels (%d pairs x %d) x %d msg/s x %d B: %d received in %v (%.0f%% of the offered load), %.1f µs CPU per message%s, %d send errors\n",
				*stackName, len(ps)**channels, len(ps), *channels, *rate, *size, n, *window, 100*float64(n)/want, perMsg[i], what, sendErrs.Load())
		}
		stopProfile()
		close(stop)
		wg.Wait()
		if sp != nil {
			if e := sp.stopSending(); e > 0 {
				fmt.Printf("client send errors: %d\n", e)
			}
		}
		if *rounds > 1 {
			fmt.Printf("%s small: median of %d rounds: %.1f µs CPU per message (%.1f to %.1f)\n", *stackName, *rounds, median(perMsg), slices.Min(perMsg), slices.Max(perMsg))
		}
	default:
		fail(fmt.Errorf("unknown -mode %q", *mode))
	}
}

// profile is the -cpuprofile file.
var profile string

// startProfile starts the CPU profile, if asked for, and returns its stop.
func startProfile() func() {
	if profile == "" {
		return func() {}
	}
	f, err := os.Create(profile)
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fail(err)
		}
	}
}

// writeHeapProfile writes the live heap (after a GC) to path.
func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/driver:", err)
	os.Exit(1)
}

// setup connects n pairs, parallel at a time (1: back to back); with
// report, it prints the rate per tenth of the way.
func setup(s stack, n, parallel, channels int, received *atomic.Int64, report bool) ([]pair, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var (
		mu    sync.Mutex
		ps    []pair
		first error
	)
	step := max(n/10, 1)
	t0 := time.Now()
	all := t0
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				p, err := s.newPair(ctx, received, channels)
				mu.Lock()
				if err != nil {
					if first == nil {
						first = fmt.Errorf("pair %d: %w", len(ps), err)
					}
					mu.Unlock()
					continue
				}
				ps = append(ps, p)
				if report && len(ps)%step == 0 {
					fmt.Printf("setup: pairs %5d-%5d: %.0f pairs/s\n", len(ps)-step+1, len(ps), float64(step)/time.Since(t0).Seconds())
					t0 = time.Now()
				}
				mu.Unlock()
			}
		}()
	}
	for range n {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return ps, first
	}
	if report {
		fmt.Printf("setup: %d pairs, %d at a time, in %v: %.0f pairs/s overall\n", n, max(parallel, 1), time.Since(all).Round(time.Millisecond), float64(n)/time.Since(all).Seconds())
	}
	return ps, nil
}

// measure returns the process CPU time spent during window, running start
// (if any) at its beginning.
func measure(window time.Duration, start func()) time.Duration {
	c0 := cpuTime()
	if start != nil {
		start()
	}
	time.Sleep(window)
	return cpuTime() - c0
}

// sendAtRate calls send rate times a second until stop is closed: every
// 10 ms, rate/100 calls in a row (one send call per message).
func sendAtRate(stop <-chan struct{}, rate int, send func()) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			for range rate / 100 {
				send()
			}
		}
	}
}

// median of a non-empty list (the upper middle of an even one).
func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// idlePCs is the number of PeerConnections an idle figure is divided by:
// both ends of every pair in this process, or the server ends with -split.
func idlePCs(split bool, pairs int) float64 {
	if split {
		return float64(pairs)
	}
	return 2 * float64(pairs)
}

// rss is the resident set size in bytes (Linux).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
