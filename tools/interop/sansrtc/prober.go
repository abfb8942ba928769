package sansrtc

import (
	"bytes"
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

// Prober is a probe.Prober backed by a sansrtc PeerConnection on the
// driver: our side opens the channels and checks the echoes.
type Prober struct {
	d    *driver.Driver
	conn *driver.Conn

	mu     sync.Mutex
	chans  map[string]*rtc.DataChannel
	open   map[string]bool
	closed map[string]bool
	msgs   map[string][]rtc.Message
	notify chan struct{}
}

// NewProber starts a driver on 127.0.0.1 with one PeerConnection.
func NewProber() (*Prober, error) {
	p := &Prober{d: driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}),
		chans: map[string]*rtc.DataChannel{}, open: map[string]bool{}, closed: map[string]bool{},
		msgs: map[string][]rtc.Message{}, notify: make(chan struct{}, 1)}
	var err error
	p.conn, err = p.d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			p.mu.Lock()
			defer p.mu.Unlock()
			switch e.Kind {
			case rtc.EventDataChannel:
				p.chans[e.Channel.Label()] = e.Channel
			case rtc.EventDataChannelOpen:
				p.chans[e.Channel.Label()] = e.Channel
				p.open[e.Channel.Label()] = true
			case rtc.EventDataChannelClose:
				p.closed[e.Channel.Label()] = true
			default:
				return
			}
			p.wake()
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			p.mu.Lock()
			p.msgs[m.Channel.Label()] = append(p.msgs[m.Channel.Label()], m)
			p.wake()
			p.mu.Unlock()
		},
	})
	if err != nil {
		p.d.Close()
		return nil, err
	}
	return p, nil
}

func (p *Prober) wake() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// wait polls cond (under the lock) until it holds or ctx ends.
func (p *Prober) wait(ctx context.Context, what string, cond func() bool) error {
	for {
		p.mu.Lock()
		ok := cond()
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-p.notify:
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return probe.Failf("%s: %v", what, ctx.Err())
		}
	}
}

func (p *Prober) create(label string, init rtc.DataChannelInit) error {
	dc, err := p.conn.CreateDataChannel(label, init)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.chans[label] = dc
	p.mu.Unlock()
	return nil
}

// OpenChannels implements probe.Prober.
func (p *Prober) OpenChannels(context.Context) error {
	for _, l := range probe.InBand {
		if err := p.create(l, rtc.DataChannelInit{Unordered: l == probe.Unordered}); err != nil {
			return err
		}
	}
	id := uint16(probe.NegotiatedID)
	return p.create(probe.Negotiated, rtc.DataChannelInit{Negotiated: true, ID: &id})
}

// Offer implements probe.Prober.
func (p *Prober) Offer(ctx context.Context) (string, error) {
	if err := p.OpenChannels(ctx); err != nil {
		return "", err
	}
	o, err := p.conn.OfferAfterGathering(ctx)
	return o.SDP, err
}

// Accept implements probe.Prober.
func (p *Prober) Accept(_ context.Context, sdp string) error {
	return p.conn.SetAnswer(rtc.SessionDescription{SDP: sdp})
}

// Answer implements probe.Prober.
func (p *Prober) Answer(ctx context.Context, sdp string) (string, error) {
	a, err := p.conn.AnswerAfterGathering(ctx, rtc.SessionDescription{SDP: sdp})
	return a.SDP, err
}

// WaitOpen implements probe.Prober.
func (p *Prober) WaitOpen(ctx context.Context, label string) error {
	return p.wait(ctx, "channel "+label+" not open", func() bool { return p.open[label] })
}

// Echo implements probe.Prober.
func (p *Prober) Echo(ctx context.Context, label string, size int, binary bool) error {
	p.mu.Lock()
	dc := p.chans[label]
	p.msgs[label] = nil
	p.mu.Unlock()
	want := probe.Pattern(size, size)
	if err := p.conn.Send(dc, want, binary); err != nil {
		return err
	}
	var got rtc.Message
	err := p.wait(ctx, label+": no echo", func() bool {
		if len(p.msgs[label]) == 0 {
			return false
		}
		got = p.msgs[label][0]
		return true
	})
	if err != nil {
		return err
	}
	if got.Binary != binary || !bytes.Equal(got.Data, want) {
		return probe.Failf("%s: echo of %d bytes (binary %v) came back as %d bytes (binary %v)", label, size, binary, len(got.Data), got.Binary)
	}
	return nil
}

// SendText implements probe.Prober.
func (p *Prober) SendText(_ context.Context, label, text string) error {
	p.mu.Lock()
	dc := p.chans[label]
	p.mu.Unlock()
	return p.conn.Send(dc, []byte(text), false)
}

// Close implements probe.Prober.
func (p *Prober) Close(_ context.Context, label string) error {
	p.mu.Lock()
	dc := p.chans[label]
	p.mu.Unlock()
	return p.conn.Do(func(*rtc.PeerConnection) error { return dc.Close() })
}

// WaitClosed implements probe.Prober.
func (p *Prober) WaitClosed(ctx context.Context, label string) error {
	return p.wait(ctx, "channel "+label+" not closed", func() bool { return p.closed[label] })
}

// Shutdown implements probe.Prober.
func (p *Prober) Shutdown() {
	_ = p.conn.Close()
	p.d.Close()
}
