// Package echo is an echo peer speaking the signaling contract
// (rtc/driver/signaling/SIGNALING.md) on top of rtc/driver: every message
// received on any data channel goes back on the same channel with the same
// type and bytes. It answers POST /offer and offers on GET /offer (with a
// data channel labelled "echo").
//
// It bounds what anonymous clients can make it hold: at most
// Options.MaxConnections live peer connections (over it, signaling gets
// signaling.ErrBusy: 503 with Retry-After), each closed if it is not
// connected within Options.ConnectTimeout; an offer the signaling server
// expires (signaling.Limits.OfferLifetime) is closed at once. A connection
// that ends (closed or failed on either side) is forgotten as soon as the
// driver has torn it down.
//
// With Options.Media it is also a media reflector (rtc/examples/reflect):
// every RTP packet goes back on the m-section it came in on, keyframe
// requests go to the source, and a "media stats" line is logged per
// connection.
//
// Test hook: a text message exactly "__close__" makes the peer close the
// channel it arrived on instead of echoing it, so a remote prober can check
// that a close from this side is seen.
package echo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sansrtc/rtc/rtc"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
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
	// Logger receives the peer's log lines: at Info one line per
	// connection when it ends, with its reason and what it echoed; at
	// Debug channel events and one line per echoed message. (The driver's
	// own Config.Logger logs connected and closed.) If nil, nothing.
	Logger *slog.Logger
	// Config is the PeerConnection configuration template.
	Config rtc.Configuration
	// ConnectTimeout closes a connection that is not connected this long
	// after it was created (an offer never answered, a peer that went
	// away). If zero, 20 s.
	ConnectTimeout time.Duration
	// MaxConnections bounds the live peer connections; a request beyond
	// it fails with signaling.ErrBusy. If zero, 100.
	MaxConnections int
	// Media makes the peer reflect media too (the reflect example): every
	// RTP packet goes back on the m-section it came in on with the same
	// payload type and payload, keyframe requests for a reflected stream
	// go to its source, and its own offer has sendrecv Opus and VP8 besides
	// the "echo" channel. Each connection's end logs one "media stats"
	// line.
	Media bool
	// StatsInterval is how often a Media connection logs its media stats
	// line (at Info) while it lives. If zero, 5 s.
	StatsInterval time.Duration
}

// Peer is the echo peer.
type Peer struct {
	d    *driver.Driver
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	offers   map[string]*driver.Conn
	closed   map[string]int
	conns    map[*driver.Conn]*connStats
	creating int // connections being created (counted against MaxConnections)
	nextID   atomic.Int64
}

type connStats struct {
	id              int64
	messages, bytes uint64
	media           mediaStats
	dtls            dtls.ConnectionState // taken once the connection is up
}

// dtlsAttrs are the stats line's DTLS fields: the version, the key
// exchange group and the SRTP profile (empty before the handshake ended).
func (st *connStats) dtlsAttrs() []any {
	if st.dtls.Version == "" {
		return nil
	}
	profile := "none"
	if st.dtls.SRTPProfile != 0 {
		profile = srtp.Profile(st.dtls.SRTPProfile).String()
	}
	return []any{"dtls_version", st.dtls.Version, "dtls_group", st.dtls.Group.String(),
		"dtls_cipher", st.dtls.CipherSuite.String(), "srtp_profile", profile}
}

// New returns an echo peer running its connections on d.
func New(d *driver.Driver, opts Options) *Peer {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Peer{d: d, opts: opts, log: log, offers: map[string]*driver.Conn{}, closed: map[string]int{}, conns: map[*driver.Conn]*connStats{}}
}

// ClosedCount reports how many channels with label have closed.
func (p *Peer) ClosedCount(label string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed[label]
}

// Connections returns how many connections are live.
func (p *Peer) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

func (p *Peer) maxConnections() int {
	if p.opts.MaxConnections <= 0 {
		return 100
	}
	return p.opts.MaxConnections
}

func (p *Peer) connectTimeout() time.Duration {
	if p.opts.ConnectTimeout <= 0 {
		return 20 * time.Second
	}
	return p.opts.ConnectTimeout
}

func (p *Peer) newConn() (*driver.Conn, error) {
	p.mu.Lock()
	if n := len(p.conns) + p.creating; n >= p.maxConnections() {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: %d peer connections", signaling.ErrBusy, n)
	}
	p.creating++
	p.mu.Unlock()
	c, err := p.create()
	p.mu.Lock()
	p.creating--
	p.mu.Unlock()
	return c, err
}

func (p *Peer) create() (*driver.Conn, error) {
	st := &connStats{id: p.nextID.Add(1)}
	log := p.log.With("echo", st.id)
	c, err := p.d.NewPeerConnection(p.opts.Config, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			switch m.Kind {
			case rtc.MessageRTP:
				if err := st.reflectRTP(m); err != nil {
					log.Debug("reflect", "mid", m.Transceiver.Mid(), "err", err)
				}
				return
			case rtc.MessageRTCP:
				// Feedback is the chain's. RTCP comes about once a second:
				// the final stats line uses the last snapshot.
				st.media.last = c.PeerConnection().MediaStats()
				return
			}
			st.messages++
			st.bytes += uint64(len(m.Data))
			log.Debug("message", "channel", m.Channel.Label(), "bytes", len(m.Data), "binary", m.Binary)
			if !m.Binary && string(m.Data) == CloseCommand {
				if err := m.Channel.Close(); err != nil {
					log.Warn("close channel", "channel", m.Channel.Label(), "err", err)
				}
				return
			}
			if err := c.Send(m.Channel, m.Data, m.Binary); err != nil {
				log.Warn("echo", "channel", m.Channel.Label(), "err", err)
			}
		},
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch e.Kind {
			case rtc.EventConnectionStateChange:
				if cs, ok := c.PeerConnection().DTLSConnectionState(); ok && st.dtls.Version == "" {
					st.dtls = cs
				}
			case rtc.EventKeyframeRequest:
				if err := st.keyframe(c.PeerConnection(), e.Transceiver); err != nil {
					log.Debug("keyframe request", "mid", e.Transceiver.Mid(), "err", err)
				}
			case rtc.EventDataChannelClose:
				p.mu.Lock()
				p.closed[e.Channel.Label()]++
				p.mu.Unlock()
				log.Debug("channel closed", "channel", e.Channel.Label())
			case rtc.EventDataChannel, rtc.EventDataChannelOpen:
				log.Debug("channel", "event", e)
			}
		},
		OnError: func(c *driver.Conn, err error) {
			var se *driver.SendError
			if errors.As(err, &se) {
				log.Warn("echo refused", "err", err)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	for _, n := range p.opts.Negotiated {
		id := n.ID
		if _, err := c.CreateDataChannel(n.Label, rtc.DataChannelInit{Negotiated: true, ID: &id}); err != nil {
			p.closeConn(c)
			return nil, err
		}
	}
	p.mu.Lock()
	p.conns[c] = st
	p.mu.Unlock()
	go p.watch(c, st, log)
	return c, nil
}

// watch forgets c once the driver tore it down, and closes it if it is
// not connected within ConnectTimeout.
func (p *Peer) watch(c *driver.Conn, st *connStats, log *slog.Logger) {
	t := time.NewTimer(p.connectTimeout())
	defer t.Stop()
	var tick <-chan time.Time
	if p.opts.Media {
		tk := time.NewTicker(p.statsInterval())
		defer tk.Stop()
		tick = tk.C
	}
wait:
	select {
	case <-c.Done():
	case <-tick:
		p.mediaStats(c, st, log, false)
		goto wait
	case <-t.C:
		connected := false
		err := c.Do(func(pc *rtc.PeerConnection) error {
			connected = pc.ConnectionState() == rtc.PeerConnectionConnected
			return nil
		})
		if err == nil && !connected {
			log.Info("not connected in time, closing", "timeout", p.connectTimeout())
			p.closeConn(c)
		}
		<-c.Done()
	}
	p.forget(c)
	level := slog.LevelInfo
	if !driver.IsNormalClose(c.Err()) {
		level = slog.LevelWarn
	}
	// Done is closed after c's last callback: st is ours now.
	log.Log(context.Background(), level, "echo stats", append([]any{"messages", st.messages, "bytes", st.bytes}, st.dtlsAttrs()...)...)
	if p.opts.Media {
		p.mediaStats(c, st, log, true)
	}
}

func (p *Peer) statsInterval() time.Duration {
	if p.opts.StatsInterval <= 0 {
		return 5 * time.Second
	}
	return p.opts.StatsInterval
}

// mediaStats logs the connection's media stats line: the
// PeerConnection's MediaStats (taken on the loop while the connection
// lives; once it ended, the last taken, at its last RTCP packet or stats
// line) and the reflection's counters.
func (p *Peer) mediaStats(c *driver.Conn, st *connStats, log *slog.Logger, final bool) {
	var m mediaStats
	if !final {
		err := c.Do(func(pc *rtc.PeerConnection) error {
			st.media.last = pc.MediaStats()
			m = st.media
			return nil
		})
		if err != nil {
			return // ended meanwhile: the final line follows
		}
	} else {
		m = st.media // Done is closed: no callback runs any more
	}
	s := m.last
	msg := "media stats"
	if final {
		msg = "media stats final"
	}
	log.Info(msg, "rtp_in", s.PacketsIn, "rtp_out", s.PacketsOut, "bytes_in", s.BytesIn, "bytes_out", s.BytesOut,
		"rtcp_in", s.RTCPIn, "rtcp_out", s.RTCPOut, "reflected", m.reflected, "reflect_refused", m.refused,
		"keyframe_requests", m.keyframeReq, "target_bitrate_bps", s.TargetBitrate,
		"nacks_sent", s.NACKsSent, "nacks_received", s.NACKsReceived, "retransmitted", s.Retransmitted,
		"rtx_repaired", s.RTXRepaired, "srtp_auth_failures", s.SRTPAuthFailures, "unrouted_rtp", s.UnroutedRTP,
		"unknown_pt", s.UnknownPayloadType)
}

func (p *Peer) closeConn(c *driver.Conn) {
	if err := c.Close(); err != nil {
		p.log.Debug("close", "err", err)
	}
}

func (p *Peer) forget(c *driver.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	for id, oc := range p.offers {
		if oc == c {
			delete(p.offers, id)
		}
	}
	p.mu.Unlock()
}

// drop closes c and forgets it at once.
func (p *Peer) drop(c *driver.Conn) {
	p.closeConn(c)
	p.forget(c)
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
	var ans rtc.SessionDescription
	if p.opts.Media {
		kinds := offerKinds(offer.SDP)
		err = c.Do(func(pc *rtc.PeerConnection) error {
			if err := prepareMedia(pc, kinds); err != nil {
				return err
			}
			if err := pc.SetRemoteDescription(rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
				return err
			}
			a, err := pc.CreateAnswer()
			if err != nil {
				return err
			}
			return pc.SetLocalDescription(a)
		})
		if err == nil {
			ans, err = c.WaitGathering(ctx)
		}
	} else {
		ans, err = c.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP})
	}
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
	if p.opts.Media {
		if err := c.Do(func(pc *rtc.PeerConnection) error { return offerMedia(pc, p.opts.Config) }); err != nil {
			p.drop(c)
			return signaling.Description{}, err
		}
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
	if err := c.SetAnswer(rtc.SessionDescription{Type: rtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
		p.drop(c)
		return classify(err)
	}
	return nil
}

// ExpireOffer implements signaling.OfferExpirer: an offer whose answer did
// not come in time is closed at once.
func (p *Peer) ExpireOffer(id string) {
	p.mu.Lock()
	c := p.offers[id]
	delete(p.offers, id)
	p.mu.Unlock()
	if c != nil {
		p.log.Info("offer expired, closing", "offer", id)
		p.drop(c)
	}
}
