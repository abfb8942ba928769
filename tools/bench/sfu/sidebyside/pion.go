package sidebyside

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	prtp "github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/tools/interop/pion"
)

// pionLink is a Pion PeerConnection sending one track (tx) connected over
// 127.0.0.1 to one receiving it (rx); onTrack runs on rx's track.
type pionLink struct {
	tx, rx *webrtc.PeerConnection
}

// newPionLink connects tx (with track added) to rx and waits until rx's
// OnTrack fired (the first packet arrived: the caller must be sending).
func newPionLink(ctx context.Context, api *webrtc.API, track webrtc.TrackLocal, onTrack func(*webrtc.TrackRemote)) (*pionLink, error) {
	l := &pionLink{}
	var err error
	if l.tx, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	if l.rx, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	sender, err := l.tx.AddTrack(track)
	if err != nil {
		return nil, err
	}
	// Read the sender's RTCP so the interceptors run (as Pion's examples do).
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	if _, err := l.rx.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		return nil, err
	}
	l.rx.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { onTrack(t) })
	connected := make(chan struct{})
	var once sync.Once
	l.tx.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	off, err := l.rx.CreateOffer(nil)
	if err != nil {
		return nil, err
	}
	g := webrtc.GatheringCompletePromise(l.rx)
	if err := l.rx.SetLocalDescription(off); err != nil {
		return nil, err
	}
	<-g
	if err := l.tx.SetRemoteDescription(*l.rx.LocalDescription()); err != nil {
		return nil, err
	}
	ans, err := l.tx.CreateAnswer(nil)
	if err != nil {
		return nil, err
	}
	g = webrtc.GatheringCompletePromise(l.tx)
	if err := l.tx.SetLocalDescription(ans); err != nil {
		return nil, err
	}
	<-g
	if err := l.rx.SetRemoteDescription(*l.tx.LocalDescription()); err != nil {
		return nil, err
	}
	select {
	case <-connected:
	case <-ctx.Done():
		return nil, errors.New("pion: link did not connect")
	}
	return l, nil
}

func (l *pionLink) close() {
	_ = l.tx.Close()
	_ = l.rx.Close()
}

func newPionTrack(id string) (*webrtc.TrackLocalStaticRTP, error) {
	return webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", id)
}

// counter counts packets a goroutine read; waiters wake on each.
type counter struct {
	mu   sync.Mutex
	n    int
	wake chan struct{}
}

func newCounter() *counter { return &counter{wake: make(chan struct{}, 1)} }

func (c *counter) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// atLeast waits until n, or until ctx ends or nothing arrives for idle.
func (c *counter) atLeast(ctx context.Context, n int, idle time.Duration) error {
	for {
		got := c.get()
		if got >= n {
			return nil
		}
		select {
		case <-c.wake:
		case <-time.After(idle):
			return fmt.Errorf("pion: %d of %d packets after %v without one", got, n, idle)
		case <-ctx.Done():
			return fmt.Errorf("pion: %d of %d packets: %w", got, n, ctx.Err())
		}
	}
}

// readAll reads t's RTP until it ends, counting each packet.
func readAll(t *webrtc.TrackRemote, c *counter) {
	for {
		if _, _, err := t.ReadRTP(); err != nil {
			return
		}
		c.add()
	}
}

// pionSFU is Pion's SFU: the publisher's track goes to the SFU's receiving
// PeerConnection, whose OnTrack loop does TrackRemote.ReadRTP →
// TrackLocalStaticRTP.WriteRTP on one local track bound to every viewer's
// PeerConnection (Pion's broadcast idiom); each viewer reads and counts.
type pionSFU struct {
	pub     *pionLink
	outs    []*pionLink
	pubT    *webrtc.TrackLocalStaticRTP
	fwdT    *webrtc.TrackLocalStaticRTP
	src     *prtp.Packet
	in      *counter // packets the SFU read
	viewers *counter // packets all viewers read
	done    sync.WaitGroup
}

func newPionSFU(ctx context.Context, api *webrtc.API, viewers int) (*pionSFU, error) {
	s := &pionSFU{in: newCounter(), viewers: newCounter(),
		src: &prtp.Packet{Header: prtp.Header{Version: 2, PayloadType: 96, SSRC: 1, SequenceNumber: 1000}, Payload: vp8Payload()}}
	var err error
	if s.pubT, err = newPionTrack("pub"); err != nil {
		return nil, err
	}
	if s.fwdT, err = newPionTrack("fwd"); err != nil {
		return nil, err
	}
	// Viewers first: the forwarding track is bound to each; each must see a
	// packet before it reports OnTrack, so prime them while connecting.
	for i := range viewers {
		tracked := make(chan struct{})
		var once sync.Once
		prime, cancel := context.WithCancel(ctx)
		go s.prime(prime, s.fwdT)
		l, err := newPionLink(ctx, api, s.fwdT, func(t *webrtc.TrackRemote) {
			once.Do(func() { close(tracked) })
			s.done.Add(1)
			go func() { defer s.done.Done(); readAll(t, s.viewers) }()
		})
		if err == nil {
			select {
			case <-tracked:
			case <-ctx.Done():
				err = fmt.Errorf("pion: viewer %d got no track", i)
			}
		}
		cancel()
		if err != nil {
			return nil, err
		}
		s.outs = append(s.outs, l)
	}
	tracked := make(chan struct{})
	prime, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.prime(prime, s.pubT)
	s.pub, err = newPionLink(ctx, api, s.pubT, func(t *webrtc.TrackRemote) {
		close(tracked)
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			for {
				p, _, err := t.ReadRTP()
				if err != nil {
					return
				}
				s.in.add()
				if err := s.fwdT.WriteRTP(p); err != nil && !errors.Is(err, io.ErrClosedPipe) {
					return
				}
			}
		}()
	})
	if err != nil {
		return nil, err
	}
	select {
	case <-tracked:
	case <-ctx.Done():
		return nil, errors.New("pion: the SFU got no track")
	}
	cancel()
	return s, nil
}

// prime writes a packet to track every 10 ms until ctx ends (OnTrack fires
// on the first packet).
func (s *pionSFU) prime(ctx context.Context, track *webrtc.TrackLocalStaticRTP) {
	p := &prtp.Packet{Header: prtp.Header{Version: 2, PayloadType: 96, SSRC: 1}, Payload: vp8Payload()}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
		p.SequenceNumber++
		p.Timestamp += 3000
		_ = track.WriteRTP(p) // no binding yet is not an error worth stopping for
	}
}

// publish writes the next packet on the publisher's track.
func (s *pionSFU) publish(tsStep uint32) error {
	s.src.SequenceNumber++
	s.src.Timestamp += tsStep
	return s.pubT.WriteRTP(s.src)
}

func (s *pionSFU) close() {
	s.pub.close()
	for _, o := range s.outs {
		o.close()
	}
	s.done.Wait()
}

func pionAPI() *webrtc.API { return pion.API() }
