// Command broadcast is a small SFU: one publisher sends audio and video,
// any number of viewers (up to -max-viewers) receive them. Both sides use
// the signaling contract (rtc/driver/signaling/SIGNALING.md) under their
// own prefix: the publisher POSTs its offer to /publish/offer, a viewer to
// /view/offer; the page at / does either from a browser (camera, or
// watch), and GET /stats counts the publisher and the viewers (JSON).
//
//	go run ./rtc/examples/broadcast -addr 127.0.0.1:8080   # then open http://127.0.0.1:8080/
//	go run ./rtc/examples/play-from-disk -to http://127.0.0.1:8080/publish -video in.ivf -audio in.ogg
//
// Every RTP packet of the publisher goes to every connected viewer with
// driver.Conn.WriteRTP, which copies it and returns at once (viewers run
// on other driver loops). Each viewer's Sender rewrites SSRC, payload
// type, header extensions, and sequence number and timestamp with its
// encoding's rtc.Forwarder, so when a new publisher replaces the old one
// the viewers' streams continue without a jump (RFC 7667 §3.7). A
// viewer's keyframe request (PLI/FIR), and a viewer's arrival, become a
// keyframe request to the publisher (throttled by its interceptor chain).
// The codecs are Opus and VP8 (-video-codec H264 for H.264) so that every
// viewer receives what the publisher sends.
//
// Threat model: there is no authentication. Anyone who reaches -addr can
// view, and can publish, which replaces the current publisher; keep it on
// loopback or a trusted network, or put an authenticating proxy in front.
// What one peer can cost is bounded: -max-viewers connections, the
// signaling limits (signaling.Limits), the driver's per-connection send
// queue (a slow viewer misses packets, logged at debug level, and never
// stalls the publisher or the others), and rtc's per-connection media
// limits. Media is SRTP end to end per hop; the SFU sees it in clear.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

//go:embed index.html
var page []byte

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP address (page and signaling)")
	maxViewers := flag.Int("max-viewers", 100, "viewers at most")
	videoCodec := flag.String("video-codec", "VP8", "video codec: VP8 or H264")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, *maxViewers, *videoCodec, os.Stdout); err != nil {
		log.Error("broadcast", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr string, maxViewers int, videoCodec string, out io.Writer) error {
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	video := mediafile.VP8
	if strings.EqualFold(videoCodec, "H264") {
		video = mediafile.H264
	} else if !strings.EqualFold(videoCodec, "VP8") {
		return fmt.Errorf("-video-codec %q: want VP8 or H264", videoCodec)
	}
	cfg.VideoCodecs, cfg.AudioCodecs = []rtc.Codec{video}, []rtc.Codec{mediafile.Opus}
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	d := driver.New(dcfg)
	defer d.Close()
	s := newSFU(d, cfg, log, maxViewers, [2]rtc.Codec{video, mediafile.Opus})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", addr, err)
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	mux := http.NewServeMux()
	mux.Handle("/publish/", http.StripPrefix("/publish", signaling.ServerWithLimits(publisher{s}, lim)))
	mux.Handle("/view/", http.StripPrefix("/view", signaling.ServerWithLimits(viewerHandler{s}, lim)))
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(s.stats()); err != nil {
			log.Debug("stats", "err", err)
		}
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := w.Write(page); err != nil {
			log.Debug("page", "err", err)
		}
	})
	srv := signaling.HTTPServer(mux, lim)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// kindIndex is 0 for video, 1 for audio.
func kindIndex(k rtc.MediaKind) int {
	if k == rtc.MediaKindAudio {
		return 1
	}
	return 0
}

// viewer is one receiving connection.
type viewer struct {
	c         *driver.Conn
	senders   [2]*rtc.Sender
	connected bool
}

// sfu holds the publisher and the viewers. Callbacks of different
// connections run on different driver loops, so mu guards it all.
type sfu struct {
	d          *driver.Driver
	cfg        rtc.Configuration
	log        *slog.Logger
	maxViewers int
	codecs     [2]rtc.Codec

	mu      sync.Mutex
	pub     *driver.Conn
	pubTr   [2]*rtc.Transceiver
	viewers map[*driver.Conn]*viewer
}

func newSFU(d *driver.Driver, cfg rtc.Configuration, log *slog.Logger, maxViewers int, codecs [2]rtc.Codec) *sfu {
	return &sfu{d: d, cfg: cfg, log: log, maxViewers: maxViewers, codecs: codecs, viewers: map[*driver.Conn]*viewer{}}
}

// answer applies offer on c and returns the answer after gathering.
func answer(ctx context.Context, c *driver.Conn, offer signaling.Description) (signaling.Description, error) {
	err := c.Do(func(pc *rtc.PeerConnection) error {
		if err := pc.SetRemoteDescription(rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
			return err
		}
		a, err := pc.CreateAnswer()
		if err != nil {
			return err
		}
		return pc.SetLocalDescription(a)
	})
	var ans rtc.SessionDescription
	if err == nil {
		ans, err = c.WaitGathering(ctx)
	}
	if err != nil {
		return signaling.Description{}, errors.Join(fmt.Errorf("%w: %w", signaling.ErrUnprocessable, err), c.Close())
	}
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

// publisher is the signaling.Handler of /publish.
type publisher struct{ s *sfu }

func (p publisher) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}
func (p publisher) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

// Answer takes a new publisher; it replaces the current one (which is
// closed) once it sends media.
func (p publisher) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	s := p.s
	c, err := s.d.NewPeerConnection(s.cfg, driver.Handler{
		OnEvent:   s.onPublisherEvent,
		OnMessage: s.onPublisherMessage,
		OnError:   func(c *driver.Conn, err error) { s.log.Debug("publisher", "err", err) },
	})
	if err != nil {
		return signaling.Description{}, err
	}
	go func() {
		<-c.Done()
		s.mu.Lock()
		if s.pub == c {
			s.pub, s.pubTr = nil, [2]*rtc.Transceiver{}
		}
		s.mu.Unlock()
	}()
	return answer(ctx, c, offer)
}

func (s *sfu) onPublisherEvent(c *driver.Conn, e rtc.Event) {
	if e.Kind != rtc.EventTrack {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old *driver.Conn
	if s.pub != c {
		old, s.pub, s.pubTr = s.pub, c, [2]*rtc.Transceiver{}
	}
	s.pubTr[kindIndex(e.Transceiver.Kind())] = e.Transceiver
	s.log.Info("publisher track", "kind", e.Transceiver.Kind(), "viewers", len(s.viewers))
	if old != nil {
		go func() { // Close waits for old's loop: not from this callback
			if err := old.Close(); err != nil {
				s.log.Debug("old publisher", "err", err)
			}
		}()
	}
}

// onPublisherMessage runs on the publisher's loop for each packet.
func (s *sfu) onPublisherMessage(c *driver.Conn, m rtc.Message) {
	if m.Kind != rtc.MessageRTP || m.Transceiver == nil {
		return
	}
	k := kindIndex(m.Transceiver.Kind())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub != c {
		return
	}
	for _, v := range s.viewers {
		if !v.connected || v.senders[k] == nil {
			continue
		}
		if err := v.c.WriteRTP(v.senders[k], "", m.Data); err != nil {
			s.log.Debug("viewer write", "err", err) // its queue is full or it closed: it misses this packet
		}
	}
}

// keyframe asks the publisher for a video keyframe; mu is held.
func (s *sfu) keyframeLocked() {
	if s.pub != nil && s.pubTr[0] != nil {
		if err := s.pub.RequestKeyframe(s.pubTr[0]); err != nil {
			s.log.Debug("keyframe request", "err", err)
		}
	}
}

// viewerHandler is the signaling.Handler of /view.
type viewerHandler struct{ s *sfu }

func (h viewerHandler) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}
func (h viewerHandler) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

// Answer takes a viewer: a sending track for each audio and video
// section of its offer.
func (h viewerHandler) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	s := h.s
	s.mu.Lock()
	full := len(s.viewers) >= s.maxViewers
	s.mu.Unlock()
	if full {
		return signaling.Description{}, fmt.Errorf("%w: %d viewers already", signaling.ErrUnprocessable, s.maxViewers)
	}
	v := &viewer{}
	c, err := s.d.NewPeerConnection(s.cfg, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) { s.onViewerEvent(v, e) },
		OnError: func(c *driver.Conn, err error) { s.log.Debug("viewer", "err", err) },
	})
	if err != nil {
		return signaling.Description{}, err
	}
	v.c = c
	s.mu.Lock()
	if len(s.viewers) >= s.maxViewers {
		s.mu.Unlock()
		return signaling.Description{}, errors.Join(fmt.Errorf("%w: %d viewers already", signaling.ErrUnprocessable, s.maxViewers), c.Close())
	}
	s.viewers[c] = v
	s.mu.Unlock()
	go func() {
		<-c.Done()
		s.mu.Lock()
		delete(s.viewers, c)
		s.mu.Unlock()
	}()
	// The tracks are added before the remote offer is applied: the
	// transceivers addTrack made then take the offer's sections of their
	// kind (RFC 8829 §5.10). (Added after it, as W3C also allows, rtc
	// still answers with the direction the transceivers had when the
	// offer was applied: inactive.)
	err = c.Do(func(pc *rtc.PeerConnection) error {
		for k, kind := range []rtc.MediaKind{rtc.MediaKindVideo, rtc.MediaKindAudio} {
			snd, err := pc.AddTrack(rtc.Track{Kind: kind, StreamIDs: []string{"broadcast"}, Codec: s.codecs[k]})
			if err != nil {
				return err
			}
			s.mu.Lock()
			v.senders[k] = snd
			s.mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return signaling.Description{}, errors.Join(err, c.Close())
	}
	return answer(ctx, c, offer)
}

func (s *sfu) onViewerEvent(v *viewer, e rtc.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case e.Kind == rtc.EventConnectionStateChange:
		v.connected = e.ConnectionState == rtc.PeerConnectionConnected
		if v.connected {
			s.log.Info("viewer connected", "viewers", len(s.viewers))
			s.keyframeLocked() // the new viewer's decoder starts at a keyframe
		}
	case e.Kind == rtc.EventKeyframeRequest:
		s.keyframeLocked()
	}
}

// Stats is what GET /stats returns.
type Stats struct {
	Publisher bool `json:"publisher"` // a publisher is sending
	Viewers   int  `json:"viewers"`   // viewer connections
	Connected int  `json:"connected"` // of which connected (receiving)
}

func (s *sfu) stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Publisher: s.pub != nil, Viewers: len(s.viewers)}
	for _, v := range s.viewers {
		if v.connected {
			st.Connected++
		}
	}
	return st
}
