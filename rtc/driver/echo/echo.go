// Package echo is an echo peer speaking the SIGNALING.md contract on top of
// rtc/driver: every message received on any data channel goes back on the
// same channel with the same type and bytes. It answers POST /offer and
// offers on GET /offer (with a data channel labelled "echo").
//
// Test hook: a text message exactly "__close__" makes the peer close the
// channel it arrived on instead of echoing it, so a remote prober can check
// that a close from this side is seen.
package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// CloseCommand makes the echo peer close the channel it arrives on.
const CloseCommand = "__close__"

// Negotiated is a channel the peer creates with negotiated=true on every
// connection (W3C negotiated channels need both sides to create them).
type Negotiated struct {
	Label string
	ID    uint16
}

// Options configure a Peer.
type Options struct {
	// Negotiated channels created on every connection.
	Negotiated []Negotiated
	// Log receives one line per connection event and per-connection stats
	// (SIGNALING.md: stats to standard error). If nil, nothing is logged.
	Log io.Writer
	// Config is the PeerConnection configuration template.
	Config rtc.Configuration
	// ConnectTimeout closes a connection that is not connected this long
	// after it was created (an offer never answered, a peer that went
	// away). If zero, 30 s.
	ConnectTimeout time.Duration
}

// Peer is the echo peer.
type Peer struct {
	d    *driver.Driver
	opts Options

	mu     sync.Mutex
	offers map[string]*driver.Conn
	closed map[string]int
	conns  map[*driver.Conn]*connStats
	nextID atomic.Int64
}

type connStats struct {
	id              int64
	start           time.Time
	messages, bytes uint64
}

// New returns an echo peer running its connections on d.
func New(d *driver.Driver, opts Options) *Peer {
	return &Peer{d: d, opts: opts, offers: map[string]*driver.Conn{}, closed: map[string]int{}, conns: map[*driver.Conn]*connStats{}}
}

// ClosedCount reports how many channels with label have closed.
func (p *Peer) ClosedCount(label string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed[label]
}

// Connections returns how many connections are open.
func (p *Peer) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

func (p *Peer) logf(format string, args ...any) {
	if p.opts.Log != nil {
		fmt.Fprintf(p.opts.Log, format+"\n", args...)
	}
}

func (p *Peer) newConn() (*driver.Conn, error) {
	st := &connStats{id: p.nextID.Add(1), start: time.Now()}
	c, err := p.d.NewPeerConnection(p.opts.Config, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			st.messages++
			st.bytes += uint64(len(m.Data))
			if !m.Binary && string(m.Data) == CloseCommand {
				if err := m.Channel.Close(); err != nil {
					p.logf("conn %d: close %q: %v", st.id, m.Channel.Label(), err)
				}
				return
			}
			var err error
			if m.Binary {
				err = m.Channel.Send(m.Data)
			} else {
				err = m.Channel.SendText(string(m.Data))
			}
			if err != nil {
				p.logf("conn %d: echo on %q: %v", st.id, m.Channel.Label(), err)
			}
		},
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch e.Kind {
			case rtc.EventDataChannelClose:
				p.mu.Lock()
				p.closed[e.Channel.Label()]++
				p.mu.Unlock()
			case rtc.EventConnectionStateChange:
				p.logf("conn %d: %v after %v (%d messages, %d bytes echoed)", st.id, e.ConnectionState,
					time.Since(st.start).Round(time.Millisecond), st.messages, st.bytes)
				if e.ConnectionState == rtc.PeerConnectionFailed || e.ConnectionState == rtc.PeerConnectionClosed {
					go p.drop(c)
				}
				return
			case rtc.EventICECandidate, rtc.EventNegotiationNeeded:
				return
			}
			p.logf("conn %d: %v", st.id, e)
		},
		OnError: func(c *driver.Conn, err error) {
			p.logf("conn %d: %v", st.id, err)
		},
	})
	if err != nil {
		return nil, err
	}
	for _, n := range p.opts.Negotiated {
		id := n.ID
		if _, err := c.CreateDataChannel(n.Label, rtc.DataChannelInit{Negotiated: true, ID: &id}); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	p.mu.Lock()
	p.conns[c] = st
	p.mu.Unlock()
	timeout := p.opts.ConnectTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	time.AfterFunc(timeout, func() {
		connected := false
		_ = c.Do(func(pc *rtc.PeerConnection) error {
			connected = pc.ConnectionState() == rtc.PeerConnectionConnected
			return nil
		})
		if !connected {
			p.logf("conn %d: not connected after %v, closing", st.id, timeout)
			p.drop(c)
		}
	})
	return c, nil
}

func (p *Peer) drop(c *driver.Conn) {
	_ = c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	for id, oc := range p.offers {
		if oc == c {
			delete(p.offers, id)
		}
	}
	p.mu.Unlock()
}

// classify maps PeerConnection errors to the status codes of SIGNALING.md.
func classify(err error) error {
	switch {
	case errors.Is(err, rtc.ErrInvalidSDP):
		return fmt.Errorf("%w: %v", signaling.ErrBadRequest, err)
	case errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
}

// Answer implements signaling.Handler.
func (p *Peer) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	c, err := p.newConn()
	if err != nil {
		return signaling.Description{}, err
	}
	ans, err := c.AnswerAfterGathering(ctx, offer.SDP)
	if err != nil {
		p.drop(c)
		return signaling.Description{}, classify(err)
	}
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

// Offer implements signaling.Handler.
func (p *Peer) Offer(ctx context.Context) (signaling.Description, error) {
	c, err := p.newConn()
	if err != nil {
		return signaling.Description{}, err
	}
	if _, err := c.CreateDataChannel("echo", rtc.DataChannelInit{}); err != nil {
		p.drop(c)
		return signaling.Description{}, err
	}
	off, err := c.OfferAfterGathering(ctx)
	if err != nil {
		p.drop(c)
		return signaling.Description{}, err
	}
	id := strconv.FormatInt(p.nextID.Add(1), 10)
	p.mu.Lock()
	p.offers[id] = c
	p.mu.Unlock()
	return signaling.Description{Type: "offer", SDP: off.SDP, ID: id}, nil
}

// Accept implements signaling.Handler.
func (p *Peer) Accept(_ context.Context, ans signaling.Description) error {
	p.mu.Lock()
	c := p.offers[ans.ID]
	delete(p.offers, ans.ID)
	p.mu.Unlock()
	if c == nil {
		return signaling.ErrUnknownID
	}
	if err := c.SetAnswer(ans.SDP); err != nil {
		p.drop(c)
		return classify(err)
	}
	return nil
}
