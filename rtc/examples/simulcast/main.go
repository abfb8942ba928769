// Command simulcast receives a browser's video in three simulcast layers
// (RFC 8853: a=simulcast with rids q, h and f) and sends one of them back
// on the same m-section: the layer chosen in the page, switched through
// the data channel "layer". Each switch asks the browser for a keyframe
// of the new layer, a keyframe request from the browser for the layer it
// gets back goes on to the browser as the source's, and the sender keeps the outgoing sequence numbers and
// timestamps continuous (rtc.Forwarder). It answers POST /offer
// (rtc/driver/signaling/SIGNALING.md), serves the page at / and the
// packets received per rid and sent back at GET /stats (JSON).
//
//	go run ./rtc/examples/simulcast -addr 127.0.0.1:8080
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
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

//go:embed index.html
var page []byte

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP address of the page and signaling")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, os.Stdout); err != nil {
		log.Error("simulcast", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr string, out io.Writer) error {
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	d := driver.New(dcfg)
	defer d.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", addr, err)
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	srv := signaling.HTTPServer(handler(&server{d: d, cfg: cfg, log: log}, lim), lim)
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

func handler(s *server, lim signaling.Limits) http.Handler {
	mux := http.NewServeMux()
	sig := signaling.ServerWithLimits(s, lim)
	mux.Handle("/offer", sig)
	mux.Handle("/answer", sig)
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		rids, sent := s.counts()
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(map[string]any{"received": rids, "sent": sent}); err != nil {
			return // the client went away
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := w.Write(page); err != nil {
			return // the browser went away
		}
	})
	return mux
}

// server answers simulcast offers.
type server struct {
	d   *driver.Driver
	cfg rtc.Configuration
	log *slog.Logger

	mu       sync.Mutex
	received map[string]uint64 // packets per rid, every connection
	sent     uint64
}

// counts returns the packets received per rid and sent back.
func (s *server) counts() (map[string]uint64, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]uint64, len(s.received))
	for k, v := range s.received {
		out[k] = v
	}
	return out, s.sent
}

// session is one connection's state (its loop only).
type session struct {
	layer string // the rid sent back
}

func (s *server) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	sess := &session{layer: "q"}
	c, err := s.d.NewPeerConnection(s.cfg, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			// The browser's decoder lost the layer sent back (a packet of
			// a keyframe, say) and asks for a keyframe (PLI, RFC 4585
			// §6.3.1): only the source of that layer can make one, so the
			// request goes on to it, as an SFU does; without this the
			// browser waits for its next periodic keyframe.
			if e.Kind == rtc.EventKeyframeRequest {
				s.keyframe(c, sess)
			}
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			switch m.Kind {
			case rtc.MessageRTP:
				s.mu.Lock()
				if s.received == nil {
					s.received = map[string]uint64{}
				}
				s.received[m.RID]++
				s.mu.Unlock()
				if m.RID != sess.layer || m.Transceiver == nil {
					return
				}
				if err := m.Transceiver.Sender().WriteRTP("", m.Data); err != nil {
					s.log.Debug("send back", "err", err)
					return
				}
				s.mu.Lock()
				s.sent++
				s.mu.Unlock()
			case rtc.MessageData:
				s.choose(c, sess, string(m.Data))
			}
		},
	})
	if err != nil {
		return signaling.Description{}, err
	}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		// A sending video transceiver made before the offer is applied is
		// associated with its video section (W3C webrtc §4.4.1.6), so the
		// answer is sendrecv: the chosen layer goes back on it.
		if _, err := pc.AddTransceiverTrack(rtc.Track{Kind: rtc.MediaKindVideo, StreamIDs: []string{"simulcast"}}, rtc.TransceiverInit{StreamIDs: []string{"simulcast"}}); err != nil {
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
		var ans rtc.SessionDescription
		if ans, err = c.WaitGathering(ctx); err == nil {
			return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
		}
	}
	if cerr := c.Close(); cerr != nil {
		s.log.Debug("close", "err", cerr)
	}
	return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
}

// choose switches the layer sent back and asks for a keyframe of it
// (RFC 4585 §6.3.1): the receiver's decoder needs one to start the new
// stream.
func (s *server) choose(c *driver.Conn, sess *session, rid string) {
	if rid != "q" && rid != "h" && rid != "f" {
		return
	}
	sess.layer = rid
	s.keyframe(c, sess)
	s.log.Info("layer", "rid", rid)
}

// keyframe asks the browser for a keyframe of the layer sent back (the
// chain throttles repeated requests).
func (s *server) keyframe(c *driver.Conn, sess *session) {
	pc := c.PeerConnection()
	for _, t := range pc.Transceivers() {
		for _, st := range t.Receiver().Streams() {
			if st.RID == sess.layer {
				if err := pc.RequestKeyframe(t, st.SSRC); err != nil {
					s.log.Debug("keyframe request", "err", err)
				}
			}
		}
	}
}

func (s *server) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

func (s *server) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}
