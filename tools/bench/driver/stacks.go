package main

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"

	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/tools/interop/pion"
)

// ours runs both ends of every pair on one driver, or with singlePort the
// b ends (the "server") on a driver with one UDP port and the a ends (the
// "clients", a socket each, as distinct browsers would have) on another:
// two single-port drivers would share one 5-tuple between all pairs.
type ours struct{ da, db *driver.Driver }

func newOurs(loops int, singlePort bool) *ours {
	cfg := driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Loops: loops}
	o := &ours{da: driver.New(cfg)}
	o.db = o.da
	if singlePort {
		cfg.SinglePort = true
		o.db = driver.New(cfg)
	}
	return o
}

func (o *ours) close() {
	if err := o.da.Close(); err != nil {
		fail(err)
	}
	if o.db != o.da {
		if err := o.db.Close(); err != nil {
			fail(err)
		}
	}
}

type ourPair struct {
	a, b *driver.Conn
	dcs  []*rtc.DataChannel
}

func (o *ours) newPair(ctx context.Context, received *atomic.Int64, channels int) (pair, error) {
	p := &ourPair{}
	opened := make(chan *rtc.DataChannel, channels)
	var err error
	p.b, err = o.db.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(*driver.Conn, rtc.Message) { received.Add(1) },
	})
	if err != nil {
		return nil, err
	}
	p.a, err = o.da.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			if e.Kind == rtc.EventDataChannelOpen {
				opened <- e.Channel
			}
		},
	})
	if err != nil {
		return nil, err
	}
	for range channels {
		if _, err := p.a.CreateDataChannel("bench", rtc.DataChannelInit{}); err != nil {
			return nil, err
		}
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
	for len(p.dcs) < channels {
		select {
		case dc := <-opened:
			p.dcs = append(p.dcs, dc)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return p, nil
}

func (p *ourPair) send(ch int, msg []byte) error { return p.a.Send(p.dcs[ch], msg, true) }

func (p *ourPair) close() {
	_ = p.a.Close()
	_ = p.b.Close()
}

// thePion is Pion v4 restricted to UDP4 on loopback.
type thePion struct{ api *webrtc.API }

func newPion() *thePion { return &thePion{api: pion.API()} }

func (*thePion) close() {}

type pionPair struct {
	a, b *webrtc.PeerConnection
	dcs  []*webrtc.DataChannel
}

func (s *thePion) newPair(ctx context.Context, received *atomic.Int64, channels int) (pair, error) {
	p := &pionPair{}
	var err error
	if p.a, err = s.api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	if p.b, err = s.api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	p.b.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(webrtc.DataChannelMessage) { received.Add(1) })
	})
	opened := make(chan struct{}, channels)
	for range channels {
		dc, err := p.a.CreateDataChannel("bench", nil)
		if err != nil {
			return nil, err
		}
		dc.OnOpen(func() { opened <- struct{}{} })
		p.dcs = append(p.dcs, dc)
	}
	if err := offerAnswer(p.a, p.b); err != nil {
		return nil, err
	}
	for range channels {
		select {
		case <-opened:
		case <-ctx.Done():
			return nil, errors.New("pion: channel did not open")
		}
	}
	return p, nil
}

func offerAnswer(a, b *webrtc.PeerConnection) error {
	off, err := a.CreateOffer(nil)
	if err != nil {
		return err
	}
	g := webrtc.GatheringCompletePromise(a)
	if err := a.SetLocalDescription(off); err != nil {
		return err
	}
	<-g
	if err := b.SetRemoteDescription(*a.LocalDescription()); err != nil {
		return err
	}
	ans, err := b.CreateAnswer(nil)
	if err != nil {
		return err
	}
	g = webrtc.GatheringCompletePromise(b)
	if err := b.SetLocalDescription(ans); err != nil {
		return err
	}
	<-g
	return a.SetRemoteDescription(*b.LocalDescription())
}

func (p *pionPair) send(ch int, msg []byte) error { return p.dcs[ch].Send(msg) }

func (p *pionPair) close() {
	_ = p.a.Close()
	_ = p.b.Close()
}
