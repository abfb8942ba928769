// Package pion runs Pion v4 (a test-only peer) in the data channel interop
// scenario: as an echo peer speaking rtc/driver/signaling/SIGNALING.md and as a probe.Prober.
// Its ICE is restricted to UDP4 on loopback with mDNS off (no test sends a
// packet off this machine).
package pion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

// API returns a Pion API restricted to UDP4 on loopback, mDNS off.
func API() *webrtc.API {
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

// Gathered sets desc as pc's local description, waits for the end of
// gathering (no trickle) and returns the local description's SDP.
func Gathered(ctx context.Context, pc *webrtc.PeerConnection, desc webrtc.SessionDescription) (string, error) {
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return "", err
	}
	select {
	case <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// EchoPeer is a Pion echo peer implementing signaling.Handler.
type EchoPeer struct {
	api    *webrtc.API
	mu     sync.Mutex
	pcs    []*webrtc.PeerConnection
	offers map[string]*webrtc.PeerConnection
	closed map[string]int
	errs   []error // failed echoes
	nextID atomic.Int64
}

// NewEchoPeer returns an echo peer on API() (UDP4 on loopback).
func NewEchoPeer() *EchoPeer { return NewEchoPeerAPI(API()) }

// NewEchoPeerAPI returns an echo peer whose connections come from api (a
// test that places Pion elsewhere, e.g. on a private namespace's LAN).
func NewEchoPeerAPI(api *webrtc.API) *EchoPeer {
	return &EchoPeer{api: api, offers: map[string]*webrtc.PeerConnection{}, closed: map[string]int{}}
}

// Errs returns the echo sends that failed so far.
func (p *EchoPeer) Errs() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.errs...)
}

// Pair describes the selected candidate pair of the peer's last
// connection (its local and the remote candidate), or why there is none.
func (p *EchoPeer) Pair() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pcs) == 0 {
		return "no connection"
	}
	sctp := p.pcs[len(p.pcs)-1].SCTP()
	if sctp == nil {
		return "no SCTP transport"
	}
	pair, err := sctp.Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return fmt.Sprintf("no selected pair (%v)", err)
	}
	return fmt.Sprintf("local %s %s:%d remote %s %s:%d", pair.Local.Typ, pair.Local.Address, pair.Local.Port, pair.Remote.Typ, pair.Remote.Address, pair.Remote.Port)
}

// ClosedCount reports how many channels with label the peer saw close.
func (p *EchoPeer) ClosedCount(label string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed[label]
}

// Close closes every peer connection (peers.EchoPeer's Close; CloseAll
// reports what they returned).
func (p *EchoPeer) Close() { _ = p.CloseAll() }

// CloseAll closes every peer connection and returns what their Close
// reported.
func (p *EchoPeer) CloseAll() error {
	p.mu.Lock()
	pcs := p.pcs
	p.pcs = nil
	p.mu.Unlock()
	var errs []error
	for _, pc := range pcs {
		errs = append(errs, pc.Close())
	}
	return errors.Join(errs...)
}

func (p *EchoPeer) newPC() (*webrtc.PeerConnection, error) {
	pc, err := p.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.pcs = append(p.pcs, pc)
	p.mu.Unlock()
	pc.OnDataChannel(p.echo)
	id := uint16(probe.NegotiatedID)
	neg := true
	dc, err := pc.CreateDataChannel(probe.Negotiated, &webrtc.DataChannelInit{Negotiated: &neg, ID: &id})
	if err != nil {
		return nil, err
	}
	p.echo(dc)
	return pc, nil
}

func (p *EchoPeer) echo(dc *webrtc.DataChannel) {
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		if m.IsString && string(m.Data) == probe.CloseCommand {
			_ = dc.Close()
			return
		}
		var err error
		if m.IsString {
			err = dc.SendText(string(m.Data))
		} else {
			err = dc.Send(m.Data)
		}
		if err != nil {
			p.mu.Lock()
			p.errs = append(p.errs, err)
			p.mu.Unlock()
		}
	})
	dc.OnClose(func() {
		p.mu.Lock()
		p.closed[dc.Label()]++
		p.mu.Unlock()
	})
}

// Answer implements signaling.Handler.
func (p *EchoPeer) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	pc, err := p.newPC()
	if err != nil {
		return signaling.Description{}, err
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
		_ = pc.Close()
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		_ = pc.Close()
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	sdp, err := Gathered(ctx, pc, ans)
	if err != nil {
		_ = pc.Close()
		return signaling.Description{}, err
	}
	return signaling.Description{Type: "answer", SDP: sdp}, nil
}

// Offer implements signaling.Handler.
func (p *EchoPeer) Offer(ctx context.Context) (signaling.Description, error) {
	pc, err := p.newPC()
	if err != nil {
		return signaling.Description{}, err
	}
	dc, err := pc.CreateDataChannel("echo", nil)
	if err != nil {
		return signaling.Description{}, err
	}
	p.echo(dc)
	off, err := pc.CreateOffer(nil)
	if err != nil {
		return signaling.Description{}, err
	}
	sdp, err := Gathered(ctx, pc, off)
	if err != nil {
		return signaling.Description{}, err
	}
	id := strconv.FormatInt(p.nextID.Add(1), 10)
	p.mu.Lock()
	p.offers[id] = pc
	p.mu.Unlock()
	return signaling.Description{Type: "offer", SDP: sdp, ID: id}, nil
}

// Accept implements signaling.Handler.
func (p *EchoPeer) Accept(_ context.Context, ans signaling.Description) error {
	p.mu.Lock()
	pc := p.offers[ans.ID]
	delete(p.offers, ans.ID)
	p.mu.Unlock()
	if pc == nil {
		return signaling.ErrUnknownID
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
		return fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	return nil
}

// Prober is a probe.Prober backed by a Pion PeerConnection.
type Prober struct {
	pc     *webrtc.PeerConnection
	mu     sync.Mutex
	chans  map[string]*pchan
	notify chan struct{}
}

type pchan struct {
	dc     *webrtc.DataChannel
	open   chan struct{}
	closed chan struct{}
	msgs   chan webrtc.DataChannelMessage
}

// NewProber returns a Pion prober.
func NewProber() (*Prober, error) {
	pc, err := API().NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &Prober{pc: pc, chans: map[string]*pchan{}}
	pc.OnDataChannel(func(dc *webrtc.DataChannel) { p.track(dc) })
	return p, nil
}

func (p *Prober) track(dc *webrtc.DataChannel) *pchan {
	c := &pchan{dc: dc, open: make(chan struct{}), closed: make(chan struct{}), msgs: make(chan webrtc.DataChannelMessage, 16)}
	var once, once2 sync.Once
	dc.OnOpen(func() { once.Do(func() { close(c.open) }) })
	dc.OnClose(func() { once2.Do(func() { close(c.closed) }) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		c.msgs <- webrtc.DataChannelMessage{IsString: m.IsString, Data: bytes.Clone(m.Data)}
	})
	p.mu.Lock()
	p.chans[dc.Label()] = c
	p.mu.Unlock()
	return c
}

func (p *Prober) create(label string, init *webrtc.DataChannelInit) error {
	dc, err := p.pc.CreateDataChannel(label, init)
	if err != nil {
		return err
	}
	p.track(dc)
	return nil
}

// OpenChannels implements probe.Prober.
func (p *Prober) OpenChannels(context.Context) error {
	ordered := false
	for _, l := range probe.InBand {
		var init *webrtc.DataChannelInit
		if l == probe.Unordered {
			init = &webrtc.DataChannelInit{Ordered: &ordered}
		}
		if err := p.create(l, init); err != nil {
			return err
		}
	}
	id := uint16(probe.NegotiatedID)
	neg := true
	return p.create(probe.Negotiated, &webrtc.DataChannelInit{Negotiated: &neg, ID: &id})
}

// Offer implements probe.Prober.
func (p *Prober) Offer(ctx context.Context) (string, error) {
	if err := p.OpenChannels(ctx); err != nil {
		return "", err
	}
	off, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	return Gathered(ctx, p.pc, off)
}

// Accept implements probe.Prober.
func (p *Prober) Accept(_ context.Context, sdp string) error {
	return p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
}

// Answer implements probe.Prober.
func (p *Prober) Answer(ctx context.Context, sdp string) (string, error) {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return "", err
	}
	ans, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	return Gathered(ctx, p.pc, ans)
}

func (p *Prober) get(ctx context.Context, label string) (*pchan, error) {
	for {
		p.mu.Lock()
		c := p.chans[label]
		p.mu.Unlock()
		if c != nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, probe.Failf("no channel %q: %v", label, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// WaitOpen implements probe.Prober.
func (p *Prober) WaitOpen(ctx context.Context, label string) error {
	c, err := p.get(ctx, label)
	if err != nil {
		return err
	}
	select {
	case <-c.open:
		return nil
	case <-ctx.Done():
		return probe.Failf("channel %q not open: %v", label, ctx.Err())
	}
}

// Echo implements probe.Prober.
func (p *Prober) Echo(ctx context.Context, label string, size int, binary bool) error {
	c, err := p.get(ctx, label)
	if err != nil {
		return err
	}
	want := probe.Pattern(size, size)
	if binary {
		err = c.dc.Send(want)
	} else {
		err = c.dc.SendText(string(want))
	}
	if err != nil {
		return err
	}
	select {
	case m := <-c.msgs:
		if m.IsString == binary || !bytes.Equal(m.Data, want) {
			return probe.Failf("%s: echo of %d bytes (binary %v) came back as %d bytes (string %v)", label, size, binary, len(m.Data), m.IsString)
		}
		return nil
	case <-ctx.Done():
		return probe.Failf("%s: no echo of %d bytes: %v", label, size, ctx.Err())
	}
}

// SendText implements probe.Prober.
func (p *Prober) SendText(ctx context.Context, label, text string) error {
	c, err := p.get(ctx, label)
	if err != nil {
		return err
	}
	return c.dc.SendText(text)
}

// Close implements probe.Prober.
func (p *Prober) Close(ctx context.Context, label string) error {
	c, err := p.get(ctx, label)
	if err != nil {
		return err
	}
	return c.dc.Close()
}

// WaitClosed implements probe.Prober.
func (p *Prober) WaitClosed(ctx context.Context, label string) error {
	c, err := p.get(ctx, label)
	if err != nil {
		return err
	}
	select {
	case <-c.closed:
		return nil
	case <-ctx.Done():
		return probe.Failf("channel %q not closed: %v", label, ctx.Err())
	}
}

// Shutdown implements probe.Prober.
func (p *Prober) Shutdown() { _ = p.pc.Close() }
