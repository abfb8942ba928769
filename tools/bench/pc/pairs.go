// Package pc compares the sansrtc PeerConnection with Pion v4 on loopback:
// setup time (offer to data channel open), data channel throughput
// (reliable, ordered, bufferedAmount flow control) and memory and
// goroutines per established connection.
package pc

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/tools/interop/pion"
)

// pair is two connected peers with one open channel from a to b.
type pair interface {
	// send sends one binary message a->b, waiting while more than high
	// bytes are buffered.
	send(msg []byte, high int) error
	// received waits until b got n messages in total.
	received(ctx context.Context, n int) error
	close()
}

// flowPoll is how long a sender waits for bufferedamountlow before it
// looks at the buffered amount again (a missed or late event costs at most
// this; the stalls counters say how often it happened).
const flowPoll = 20 * time.Millisecond

// msgCounter counts the messages the receiving end got; both stacks' pairs
// embed it so the benchmark waits for them the same way.
type msgCounter struct {
	mu   sync.Mutex
	got  int
	cond chan struct{}
}

func newMsgCounter() msgCounter { return msgCounter{cond: make(chan struct{}, 1)} }

// add counts one message and wakes a waiter (called from the stack's callback).
func (r *msgCounter) add() {
	r.mu.Lock()
	r.got++
	r.mu.Unlock()
	select {
	case r.cond <- struct{}{}:
	default:
	}
}

// received returns once n messages arrived, or when ctx ends.
func (r *msgCounter) received(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		got := r.got
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-r.cond:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ---- sansrtc ----

type ourPair struct {
	a, b *driver.Conn
	dc   *rtc.DataChannel
	msgCounter
	lowWater chan struct{}
	stalls   int // waits for bufferedamountlow that timed out (flowPoll)
}

// newOurPair connects two PeerConnections: a on da, b on db (the same
// driver, or one each so both ends run on their own goroutine as two
// processes would).
func newOurPair(ctx context.Context, da, db *driver.Driver) (*ourPair, error) {
	p := &ourPair{msgCounter: newMsgCounter(), lowWater: make(chan struct{}, 1)}
	opened := make(chan *rtc.DataChannel, 1)
	var err error
	p.b, err = db.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			p.add()
		},
	})
	if err != nil {
		return nil, err
	}
	p.a, err = da.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch e.Kind {
			case rtc.EventDataChannelOpen:
				opened <- e.Channel
			case rtc.EventBufferedAmountLow:
				select {
				case p.lowWater <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		return nil, err
	}
	if _, err := p.a.CreateDataChannel("bench", rtc.DataChannelInit{}); err != nil {
		return nil, err
	}
	off, err := p.a.OfferAfterGathering(ctx)
	if err != nil {
		return nil, err
	}
	ans, err := p.b.AnswerAfterGathering(ctx, off)
	if err != nil {
		return nil, err
	}
	if err := p.a.SetAnswer(ans); err != nil {
		return nil, err
	}
	select {
	case p.dc = <-opened:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return p, nil
}

func (p *ourPair) send(msg []byte, high int) error {
	for {
		sent := false
		err := p.a.Do(func(*rtc.PeerConnection) error {
			if p.dc.BufferedAmount() >= high {
				p.dc.SetBufferedAmountLowThreshold(high / 2)
				return nil
			}
			sent = true
			return p.dc.Send(msg)
		})
		if err != nil || sent {
			return err
		}
		select {
		case <-p.lowWater:
		case <-time.After(flowPoll):
			p.stalls++
		}
	}
}

func (p *ourPair) close() {
	_ = p.a.Close()
	_ = p.b.Close()
}

func loopbackDriver() *driver.Driver {
	return driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
		DisableSegmentation: os.Getenv("SANSRTC_BENCH_NOGSO") != ""})
}

// ---- Pion ----

type pionPair struct {
	a, b *webrtc.PeerConnection
	dc   *webrtc.DataChannel
	msgCounter
	lowWater chan struct{}
	stalls   int // waits for bufferedamountlow that timed out (flowPoll)
}

func newPionPair(ctx context.Context, api *webrtc.API) (*pionPair, error) {
	p := &pionPair{msgCounter: newMsgCounter(), lowWater: make(chan struct{}, 1)}
	var err error
	if p.a, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	if p.b, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	p.b.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(webrtc.DataChannelMessage) {
			p.add()
		})
	})
	if p.dc, err = p.a.CreateDataChannel("bench", nil); err != nil {
		return nil, err
	}
	opened := make(chan struct{})
	p.dc.OnOpen(func() { close(opened) })
	p.dc.OnBufferedAmountLow(func() {
		select {
		case p.lowWater <- struct{}{}:
		default:
		}
	})
	off, err := p.a.CreateOffer(nil)
	if err != nil {
		return nil, err
	}
	g := webrtc.GatheringCompletePromise(p.a)
	if err := p.a.SetLocalDescription(off); err != nil {
		return nil, err
	}
	<-g
	if err := p.b.SetRemoteDescription(*p.a.LocalDescription()); err != nil {
		return nil, err
	}
	ans, err := p.b.CreateAnswer(nil)
	if err != nil {
		return nil, err
	}
	g = webrtc.GatheringCompletePromise(p.b)
	if err := p.b.SetLocalDescription(ans); err != nil {
		return nil, err
	}
	<-g
	if err := p.a.SetRemoteDescription(*p.b.LocalDescription()); err != nil {
		return nil, err
	}
	select {
	case <-opened:
	case <-ctx.Done():
		return nil, errors.New("pion: channel did not open")
	}
	return p, nil
}

func (p *pionPair) send(msg []byte, high int) error {
	for p.dc.BufferedAmount() >= uint64(high) {
		p.dc.SetBufferedAmountLowThreshold(uint64(high / 2))
		select {
		case <-p.lowWater:
		case <-time.After(flowPoll):
			p.stalls++
		}
	}
	return p.dc.Send(msg)
}

func (p *pionPair) close() {
	_ = p.a.Close()
	_ = p.b.Close()
}

func pionAPI() *webrtc.API { return pion.API() }
