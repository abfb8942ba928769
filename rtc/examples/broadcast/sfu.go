package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/sansrtc/rtc/rtc"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// errNoPublisher refuses a viewer before anyone publishes (422).
var errNoPublisher = fmt.Errorf("%w: nobody is publishing yet", signaling.ErrUnprocessable)

// sfu forwards one publisher's RTP to every viewer: a Selective
// Forwarding Unit in the sense of RFC 7667 §3.7 (packets are not decoded;
// each viewer's Sender gives them its own SSRC and keeps sequence numbers
// and timestamps continuous, see rtc.Forwarder).
type sfu struct {
	d   *driver.Driver
	cfg rtc.Configuration
	log *slog.Logger

	mu      sync.Mutex
	pub     *driver.Conn
	pubT    map[rtc.MediaKind]*rtc.Transceiver // the publisher's transceivers
	codecs  map[rtc.MediaKind]rtc.Codec        // what the publisher sends
	viewers map[*driver.Conn]map[rtc.MediaKind]*rtc.Sender
}

func newSFU(d *driver.Driver, cfg rtc.Configuration, log *slog.Logger) *sfu {
	return &sfu{d: d, cfg: cfg, log: log, viewers: map[*driver.Conn]map[rtc.MediaKind]*rtc.Sender{}}
}

// forward queues a publisher packet to every viewer of its kind
// (Conn.WriteRTP copies it: the viewers may run on other loops).
func (s *sfu) forward(kind rtc.MediaKind, pkt []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for v, senders := range s.viewers {
		if snd := senders[kind]; snd != nil {
			if err := v.WriteRTP(snd, "", pkt); err != nil {
				s.log.Debug("forward", "err", err)
			}
		}
	}
}

// keyframe asks the publisher for a keyframe of kind (a viewer joined or
// lost a picture: RFC 4585 §6.3.1).
func (s *sfu) keyframe(kind rtc.MediaKind) {
	s.mu.Lock()
	pub, t := s.pub, s.pubT[kind]
	s.mu.Unlock()
	if pub != nil && t != nil {
		if err := pub.RequestKeyframe(t); err != nil {
			s.log.Debug("keyframe request", "err", err)
		}
	}
}

// publisher implements signaling.Handler for POST /publish/offer.
type publisher struct{ *sfu }

func (p publisher) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	p.mu.Lock()
	busy := p.pub != nil
	p.mu.Unlock()
	if busy {
		return signaling.Description{}, fmt.Errorf("%w: someone is publishing", signaling.ErrBusy)
	}
	c, err := p.d.NewPeerConnection(p.cfg, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			if m.Kind == rtc.MessageRTP {
				p.forward(m.Transceiver.Kind(), m.Data)
			}
		},
	})
	if err != nil {
		return signaling.Description{}, err
	}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		if err := pc.SetRemoteDescription(rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
			return err
		}
		a, err := pc.CreateAnswer()
		if err != nil {
			return err
		}
		return pc.SetLocalDescription(a)
	})
	if err != nil {
		p.close(c)
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	ans, err := c.WaitGathering(ctx)
	if err != nil {
		p.close(c)
		return signaling.Description{}, err
	}
	ts, codecs := map[rtc.MediaKind]*rtc.Transceiver{}, map[rtc.MediaKind]rtc.Codec{}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		for _, t := range pc.Transceivers() {
			if cs := t.Codecs(); len(cs) > 0 && ts[t.Kind()] == nil {
				ts[t.Kind()], codecs[t.Kind()] = t, cs[0]
			}
		}
		return nil
	})
	if err != nil {
		p.close(c)
		return signaling.Description{}, err
	}
	p.mu.Lock()
	if p.pub != nil {
		p.mu.Unlock()
		p.close(c)
		return signaling.Description{}, fmt.Errorf("%w: someone is publishing", signaling.ErrBusy)
	}
	p.pub, p.pubT, p.codecs = c, ts, codecs
	p.mu.Unlock()
	p.log.Info("publisher", "codecs", fmt.Sprint(codecs))
	go func() {
		<-c.Done()
		p.mu.Lock()
		if p.pub == c {
			p.pub, p.pubT, p.codecs = nil, nil, nil
		}
		p.mu.Unlock()
		p.log.Info("publisher left", "reason", c.Err())
	}()
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

func (publisher) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

func (publisher) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

// viewer implements signaling.Handler for POST /view/offer.
type viewer struct{ *sfu }

func (v viewer) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	v.mu.Lock()
	codecs := v.codecs
	v.mu.Unlock()
	if codecs == nil {
		return signaling.Description{}, errNoPublisher
	}
	d, err := sdp.Parse(offer.SDP)
	if err != nil {
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrBadRequest, err)
	}
	// senders is filled and read on the connection's loop only.
	senders := map[rtc.MediaKind]*rtc.Sender{}
	c, err := v.d.NewPeerConnection(v.cfg, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			switch {
			case e.Kind == rtc.EventKeyframeRequest:
				v.keyframe(e.Transceiver.Kind())
			case e.Kind == rtc.EventConnectionStateChange && e.ConnectionState == rtc.PeerConnectionConnected:
				// Forward only once SRTP is keyed, and ask for a picture
				// to start from.
				v.mu.Lock()
				v.viewers[c] = senders
				n := len(v.viewers)
				v.mu.Unlock()
				v.log.Info("viewer joined", "viewers", n)
				v.keyframe(rtc.MediaKindVideo)
			}
		},
	})
	if err != nil {
		return signaling.Description{}, err
	}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		// One sending transceiver per offered section, made before the
		// offer is applied so the offer associates it (W3C webrtc
		// §4.4.1.6), restricted to the publisher's codec: the packets
		// are forwarded with their payload type.
		for _, m := range d.Media {
			kind := rtc.MediaKindAudio
			if m.Media == "video" {
				kind = rtc.MediaKindVideo
			} else if m.Media != "audio" {
				continue
			}
			codec, ok := codecs[kind]
			if !ok || senders[kind] != nil {
				continue
			}
			t, err := pc.AddTransceiverTrack(rtc.Track{Kind: kind, StreamIDs: []string{"broadcast"}}, rtc.TransceiverInit{Direction: rtc.DirectionSendOnly, StreamIDs: []string{"broadcast"}})
			if err != nil {
				return err
			}
			if err := t.SetCodecPreferences([]rtc.Codec{codec}); err != nil {
				return err
			}
			senders[kind] = t.Sender()
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
	if err != nil {
		v.close(c)
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	ans, err := c.WaitGathering(ctx)
	if err != nil {
		v.close(c)
		return signaling.Description{}, err
	}
	go func() {
		<-c.Done()
		v.mu.Lock()
		delete(v.viewers, c)
		v.mu.Unlock()
	}()
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

func (viewer) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

func (viewer) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

// viewerCount returns how many viewers are connected.
func (s *sfu) viewerCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.viewers)
}

func (s *sfu) close(c *driver.Conn) {
	if err := c.Close(); err != nil && !errors.Is(err, driver.ErrClosed) {
		s.log.Debug("close", "err", err)
	}
}
