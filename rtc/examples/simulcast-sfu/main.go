// Command simulcast-sfu receives one video track in three simulcast layers
// (RFC 8853: rids q, h and f, as browsers send them) and forwards to each
// viewer the layer it chose. The publisher POSTs its offer to
// /publish/offer; a viewer POSTs to /view/offer (the -layer flag's layer)
// or /view/LAYER/offer, and switches later with POST
// /layer?id=ID&rid=LAYER, ID being the id of its answer. The page at /
// does all of it from a browser (publish the camera in three layers, or
// watch a chosen layer and switch).
//
//	go run ./rtc/examples/simulcast-sfu -addr 127.0.0.1:8080 -layer h   # then open http://127.0.0.1:8080/
//
// A switch waits for a keyframe of the new layer (one is requested at
// once), so the viewer's decoder never gets a frame it cannot decode; the
// viewer's Sender rewrites sequence numbers and timestamps with its
// rtc.Forwarder, so the stream stays continuous across the switch (RFC
// 7667 §3.7). The video codec is VP8.
//
// Threat model: as the broadcast example's, with one more verb: POST
// /layer switches only the viewer whose answer id is given; ids are small
// counters, so anyone who reaches -addr can switch anyone's layer (the
// worst is a lower resolution). -max-viewers bounds the viewers.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

//go:embed index.html
var page []byte

// layers are the rids, lowest resolution first.
var layers = []string{"q", "h", "f"}

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP address (page and signaling)")
	layer := flag.String("layer", "f", "layer a viewer gets unless it asks: q, h or f")
	maxViewers := flag.Int("max-viewers", 100, "viewers at most")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, *layer, *maxViewers, os.Stdout); err != nil {
		log.Error("simulcast", "err", err)
		os.Exit(1)
	}
}

func validLayer(rid string) bool { return rid == "q" || rid == "h" || rid == "f" }

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr, layer string, maxViewers int, out io.Writer) error {
	if !validLayer(layer) {
		return fmt.Errorf("-layer %q: want q, h or f", layer)
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	cfg.VideoCodecs, cfg.AudioCodecs = []rtc.Codec{mediafile.VP8}, []rtc.Codec{mediafile.Opus}
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	d := driver.New(dcfg)
	defer d.Close()
	rc, _ := rtp.LookupCodec("video/VP8")
	s := &sfu{d: d, cfg: cfg, log: log, layer: layer, maxViewers: maxViewers, codec: rc, viewers: map[string]*viewer{}}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", addr, err)
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	mux := http.NewServeMux()
	mux.Handle("/publish/", http.StripPrefix("/publish", signaling.ServerWithLimits(publisher{s}, lim)))
	mux.Handle("/view/", http.StripPrefix("/view", signaling.ServerWithLimits(viewerHandler{s, layer}, lim)))
	for _, rid := range layers {
		mux.Handle("/view/"+rid+"/", http.StripPrefix("/view/"+rid, signaling.ServerWithLimits(viewerHandler{s, rid}, lim)))
	}
	mux.HandleFunc("POST /layer", func(w http.ResponseWriter, r *http.Request) {
		if err := s.choose(r.URL.Query().Get("id"), r.URL.Query().Get("rid")); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusNoContent)
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

// viewer is one receiving connection.
type viewer struct {
	c         *driver.Conn
	sender    *rtc.Sender
	connected bool
	current   string // the layer being forwarded ("" until its first keyframe)
	pending   string // the layer asked for, forwarded from its next keyframe
}

// sfu holds the publisher and the viewers; mu guards it all (callbacks
// of different connections run on different driver loops).
type sfu struct {
	d          *driver.Driver
	cfg        rtc.Configuration
	log        *slog.Logger
	layer      string
	maxViewers int
	codec      rtp.Codec

	mu      sync.Mutex
	pub     *driver.Conn
	pubTr   *rtc.Transceiver
	depay   map[string]rtp.Depayloader // per layer, to find keyframes
	pkt     rtp.Packet
	scratch []byte
	nextID  int
	viewers map[string]*viewer
}

// choose makes viewer id switch to layer rid at its next keyframe.
func (s *sfu) choose(id, rid string) error {
	if !validLayer(rid) {
		return fmt.Errorf("rid %q: want q, h or f", rid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.viewers[id]
	if !ok {
		return fmt.Errorf("no viewer %q", id)
	}
	if v.current == rid {
		v.pending = ""
		return nil
	}
	v.pending = rid
	s.keyframeLocked()
	return nil
}

// keyframeLocked asks the publisher for keyframes on every layer.
func (s *sfu) keyframeLocked() {
	if s.pub != nil && s.pubTr != nil {
		if err := s.pub.RequestKeyframe(s.pubTr); err != nil {
			s.log.Debug("keyframe request", "err", err)
		}
	}
}

// publisher is the signaling.Handler of /publish.
type publisher struct{ s *sfu }

func (p publisher) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}
func (p publisher) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

// Answer takes a publisher; a new one replaces the current one.
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
			s.pub, s.pubTr = nil, nil
		}
		s.mu.Unlock()
	}()
	ans, err := c.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP})
	if err != nil {
		return signaling.Description{}, errors.Join(fmt.Errorf("%w: %w", signaling.ErrUnprocessable, err), c.Close())
	}
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

func (s *sfu) onPublisherEvent(c *driver.Conn, e rtc.Event) {
	if e.Kind != rtc.EventTrack || e.Transceiver.Kind() != rtc.MediaKindVideo {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.pub
	s.pub, s.pubTr, s.depay = c, e.Transceiver, map[string]rtp.Depayloader{}
	for _, rid := range layers {
		s.depay[rid] = s.codec.NewDepayloader()
	}
	for _, v := range s.viewers { // start again at a keyframe of the new publisher
		v.pending, v.current = cmpOr(v.pending, v.current), ""
	}
	if old != nil && old != c {
		go func() {
			if err := old.Close(); err != nil {
				s.log.Debug("old publisher", "err", err)
			}
		}()
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// onPublisherMessage runs on the publisher's loop for each packet: it
// goes to the viewers on its layer, and switches those waiting for this
// layer when it starts a keyframe.
func (s *sfu) onPublisherMessage(c *driver.Conn, m rtc.Message) {
	if m.Kind != rtc.MessageRTP || m.Transceiver == nil || m.Transceiver.Kind() != rtc.MediaKindVideo {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub != c {
		return
	}
	key := false
	if d, ok := s.depay[m.RID]; ok && s.pkt.Unmarshal(m.Data) == nil {
		var info rtp.PayloadInfo
		var err error
		s.scratch, info, err = d.Depayload(s.scratch[:0], s.pkt.Payload)
		key = err == nil && info.FrameStart && info.Keyframe
	}
	for _, v := range s.viewers {
		if !v.connected {
			continue
		}
		if key && v.pending == m.RID {
			v.current, v.pending = m.RID, ""
		}
		if v.current != m.RID {
			continue
		}
		if err := v.c.WriteRTP(v.sender, "", m.Data); err != nil {
			s.log.Debug("viewer write", "err", err)
		}
	}
}

// viewerHandler is the signaling.Handler of /view (layer: the starting
// layer).
type viewerHandler struct {
	s     *sfu
	layer string
}

func (h viewerHandler) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}
func (h viewerHandler) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

// Answer takes a viewer: one video track; the answer's id names it for
// POST /layer.
func (h viewerHandler) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	s := h.s
	v := &viewer{pending: h.layer}
	s.mu.Lock()
	if len(s.viewers) >= s.maxViewers {
		s.mu.Unlock()
		return signaling.Description{}, fmt.Errorf("%w: %d viewers already", signaling.ErrUnprocessable, s.maxViewers)
	}
	s.nextID++
	id := strconv.Itoa(s.nextID)
	s.mu.Unlock()
	c, err := s.d.NewPeerConnection(s.cfg, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			s.mu.Lock()
			defer s.mu.Unlock()
			switch {
			case e.Kind == rtc.EventConnectionStateChange:
				v.connected = e.ConnectionState == rtc.PeerConnectionConnected
				if v.connected {
					s.keyframeLocked()
				}
			case e.Kind == rtc.EventKeyframeRequest:
				s.keyframeLocked()
			}
		},
		OnError: func(c *driver.Conn, err error) { s.log.Debug("viewer", "err", err) },
	})
	if err != nil {
		return signaling.Description{}, err
	}
	v.c = c
	// The track is added before the remote offer is applied (see the
	// broadcast example: rtc fixes the answer's direction then).
	err = c.Do(func(pc *rtc.PeerConnection) error {
		snd, err := pc.AddTrack(rtc.Track{Kind: rtc.MediaKindVideo, StreamIDs: []string{"simulcast"}, Codec: mediafile.VP8})
		v.sender = snd
		return err
	})
	var ans rtc.SessionDescription
	if err == nil {
		s.mu.Lock()
		s.viewers[id] = v
		s.mu.Unlock()
		go func() {
			<-c.Done()
			s.mu.Lock()
			delete(s.viewers, id)
			s.mu.Unlock()
		}()
		ans, err = c.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP})
	}
	if err != nil {
		return signaling.Description{}, errors.Join(fmt.Errorf("%w: %w", signaling.ErrUnprocessable, err), c.Close())
	}
	return signaling.Description{Type: "answer", SDP: ans.SDP, ID: id}, nil
}
