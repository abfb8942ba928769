package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
)

// -split runs the a ends (the clients, a socket each) in a child process
// and the b ends (the server, one UDP port with -single-port) in this one,
// so each side's CPU and RSS is measured on its own: the server figure is
// what a server with that many peers costs, per PeerConnection it holds.
// The two talk over the child's stdin and stdout, one JSON line each.

// splitMsg is one line between the processes.
type splitMsg struct {
	Cmd string `json:"cmd,omitempty"` // parent to child: "pair", "answer", "stats"
	SDP string `json:"sdp,omitempty"`
	Err string `json:"err,omitempty"`
	CPU int64  `json:"cpu,omitempty"` // ns
	RSS int64  `json:"rss,omitempty"` // bytes
	// "send": every channel sends Size-byte messages at Rate per second
	// until "stop", whose reply counts the failed sends in Errors.
	Rate   int   `json:"rate,omitempty"`
	Size   int   `json:"size,omitempty"`
	Errors int64 `json:"errors,omitempty"`
}

// splitServer is the parent's stack: the b ends on one driver.
type splitServer struct {
	d     *driver.Driver
	child *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	enc   *json.Encoder
	// The child answers one line per line, in order, and keeps one pair
	// in setup ("pair" then "answer"): askMu keeps a question and its
	// answer together, pairMu one pair's setup (with -parallel N the
	// parent sets up pairs on N goroutines; without it they interleaved
	// and the run hung).
	askMu, pairMu sync.Mutex
}

func newSplit(loops int, singlePort bool) *splitServer {
	cfg := driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Loops: loops, SinglePort: singlePort}
	s := &splitServer{d: driver.New(cfg)}
	exe, err := os.Executable()
	if err != nil {
		fail(err)
	}
	s.child = exec.Command(exe, "-role", "client", "-loops", fmt.Sprint(loops))
	s.child.Stderr = os.Stderr
	if s.in, err = s.child.StdinPipe(); err != nil {
		fail(err)
	}
	out, err := s.child.StdoutPipe()
	if err != nil {
		fail(err)
	}
	s.out = bufio.NewScanner(out)
	s.out.Buffer(make([]byte, 1<<20), 1<<20)
	s.enc = json.NewEncoder(s.in)
	if err := s.child.Start(); err != nil {
		fail(err)
	}
	return s
}

func (s *splitServer) ask(m splitMsg) (splitMsg, error) {
	s.askMu.Lock()
	defer s.askMu.Unlock()
	if err := s.enc.Encode(m); err != nil {
		return splitMsg{}, err
	}
	if !s.out.Scan() {
		return splitMsg{}, fmt.Errorf("client process: %v", s.out.Err())
	}
	var r splitMsg
	if err := json.Unmarshal(s.out.Bytes(), &r); err != nil {
		return r, err
	}
	if r.Err != "" {
		return r, fmt.Errorf("client process: %s", r.Err)
	}
	return r, nil
}

// childStats returns the client process's CPU time and RSS.
func (s *splitServer) childStats() (time.Duration, int64) {
	r, err := s.ask(splitMsg{Cmd: "stats"})
	if err != nil {
		fail(err)
	}
	return time.Duration(r.CPU), r.RSS
}

func (s *splitServer) close() {
	_ = s.in.Close()
	_ = s.child.Wait()
	if err := s.d.Close(); err != nil {
		fail(err)
	}
}

type splitPair struct{ b *driver.Conn }

func (p *splitPair) send(int, []byte) error { return fmt.Errorf("-split: the child sends") }
func (p *splitPair) close()                 { _ = p.b.Close() }

// startSending has the child send on every channel (small mode).
func (s *splitServer) startSending(rate, size int) {
	if _, err := s.ask(splitMsg{Cmd: "send", Rate: rate, Size: size}); err != nil {
		fail(err)
	}
}

// stopSending stops the child's senders and returns their failed sends.
func (s *splitServer) stopSending() int64 {
	r, err := s.ask(splitMsg{Cmd: "stop"})
	if err != nil {
		fail(err)
	}
	return r.Errors
}

func (s *splitServer) newPair(ctx context.Context, received *atomic.Int64, _ int) (pair, error) {
	s.pairMu.Lock()
	defer s.pairMu.Unlock()
	off, err := s.ask(splitMsg{Cmd: "pair"})
	if err != nil {
		return nil, err
	}
	b, err := s.d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(*driver.Conn, rtc.Message) { received.Add(1) },
	})
	if err != nil {
		return nil, err
	}
	ans, err := b.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: off.SDP})
	if err != nil {
		return nil, err
	}
	if _, err := s.ask(splitMsg{Cmd: "answer", SDP: ans.SDP}); err != nil { // returns once the channel is open
		return nil, err
	}
	return &splitPair{b: b}, nil
}

// runClient is the child: it makes a ends on request and reports its
// CPU time and RSS.
func runClient(loops int) {
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Loops: loops})
	defer d.Close()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	enc := json.NewEncoder(os.Stdout)
	reply := func(m splitMsg, err error) {
		if err != nil {
			m = splitMsg{Err: err.Error()}
		}
		if err := enc.Encode(m); err != nil {
			fail(err)
		}
	}
	ctx := context.Background()
	var cur *driver.Conn
	var opened chan *rtc.DataChannel
	type channel struct {
		c  *driver.Conn
		dc *rtc.DataChannel
	}
	var channels []channel
	var stop chan struct{}
	var senders sync.WaitGroup
	var sendErrs atomic.Int64
	for in.Scan() {
		var m splitMsg
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fail(err)
		}
		switch m.Cmd {
		case "pair":
			opened = make(chan *rtc.DataChannel, 1)
			done := opened
			c, err := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{OnEvent: func(_ *driver.Conn, e rtc.Event) {
				if e.Kind == rtc.EventDataChannelOpen {
					done <- e.Channel
				}
			}})
			if err == nil {
				_, err = c.CreateDataChannel("bench", rtc.DataChannelInit{})
			}
			var off rtc.SessionDescription
			if err == nil {
				off, err = c.OfferAfterGathering(ctx)
			}
			cur = c
			reply(splitMsg{SDP: off.SDP}, err)
		case "answer":
			err := cur.SetAnswer(rtc.SessionDescription{Type: rtc.SDPTypeAnswer, SDP: m.SDP})
			if err == nil {
				select {
				case dc := <-opened:
					channels = append(channels, channel{cur, dc})
				case <-time.After(time.Minute):
					err = fmt.Errorf("channel did not open")
				}
			}
			reply(splitMsg{}, err)
		case "send":
			stop = make(chan struct{})
			msg := make([]byte, m.Size)
			for _, ch := range channels {
				senders.Add(1)
				go func() {
					defer senders.Done()
					sendAtRate(stop, m.Rate, func() {
						if err := ch.c.Send(ch.dc, msg, true); err != nil {
							sendErrs.Add(1)
						}
					})
				}()
			}
			reply(splitMsg{}, nil)
		case "stop":
			if stop != nil {
				close(stop)
				senders.Wait()
				stop = nil
			}
			reply(splitMsg{Errors: sendErrs.Load()}, nil)
		case "stats":
			reply(splitMsg{CPU: int64(cpuTime()), RSS: rss()}, nil)
		default:
			reply(splitMsg{}, fmt.Errorf("unknown command %q", m.Cmd))
		}
	}
}
