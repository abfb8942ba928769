// Command rtp-forwarder receives a peer's audio and video and sends every
// RTP packet, decrypted and unchanged, to a local UDP port for GStreamer
// or ffmpeg: audio to 127.0.0.1:-audio-port, video to 127.0.0.1:-video-port
// (loopback only). It answers POST /offer (rtc/driver/signaling/SIGNALING.md).
//
//	go run ./rtc/examples/rtp-forwarder -addr 127.0.0.1:8080 -audio-port 4000 -video-port 4002
//	gst-launch-1.0 udpsrc port=4002 caps="application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96" ! rtpvp8depay ! vp8dec ! autovideosink
//
// The payload type is the one the offer chose for the codec (see the log
// line "forwarding"); write the caps to match.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP signaling address")
	audio := flag.Int("audio-port", 4000, "UDP port on 127.0.0.1 for audio RTP")
	video := flag.Int("video-port", 4002, "UDP port on 127.0.0.1 for video RTP")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, *audio, *video, os.Stdout); err != nil {
		log.Error("rtp-forwarder", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr string, audioPort, videoPort int, out io.Writer) error {
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	fw, err := newForwarder(audioPort, videoPort)
	if err != nil {
		return err
	}
	defer fw.close()
	d := driver.New(dcfg)
	defer d.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", addr, err)
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	srv := signaling.HTTPServer(signaling.ServerWithLimits(&answerer{d: d, cfg: cfg, fw: fw, log: log}, lim), lim)
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

// forwarder writes RTP to the local ports: one UDP socket per kind,
// connected to 127.0.0.1 so nothing leaves the machine.
type forwarder struct {
	socks map[rtc.MediaKind]*net.UDPConn
}

func newForwarder(audioPort, videoPort int) (*forwarder, error) {
	fw := &forwarder{socks: map[rtc.MediaKind]*net.UDPConn{}}
	for kind, port := range map[rtc.MediaKind]int{rtc.MediaKindAudio: audioPort, rtc.MediaKindVideo: videoPort} {
		if port <= 0 || port > 65535 {
			fw.close()
			return nil, fmt.Errorf("bad %v port %d", kind, port)
		}
		u, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))))
		if err != nil {
			fw.close()
			return nil, err
		}
		fw.socks[kind] = u
	}
	return fw, nil
}

func (fw *forwarder) close() {
	for _, u := range fw.socks {
		if err := u.Close(); err != nil {
			continue // closing a connected UDP socket: nothing to report
		}
	}
}

// answerer implements signaling.Handler: receive-only answers.
type answerer struct {
	d   *driver.Driver
	cfg rtc.Configuration
	fw  *forwarder
	log *slog.Logger
}

func (a *answerer) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	var sent, refused uint64
	c, err := a.d.NewPeerConnection(a.cfg, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			if e.Kind == rtc.EventTrack {
				a.log.Info("forwarding", "kind", e.Transceiver.Kind(), "codecs", fmt.Sprint(e.Transceiver.Codecs()))
			}
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			if m.Kind != rtc.MessageRTP {
				return
			}
			// A local UDP write; a full socket buffer drops the packet
			// (counted), it never blocks the loop for long.
			if _, err := a.fw.socks[m.Transceiver.Kind()].Write(m.Data); err != nil {
				refused++
				return
			}
			sent++
		},
	})
	if err != nil {
		return signaling.Description{}, err
	}
	ans, err := c.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP})
	if err != nil {
		if cerr := c.Close(); cerr != nil {
			a.log.Debug("close", "err", cerr)
		}
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	go func() {
		<-c.Done() // after the last callback: the counters are ours
		a.log.Info("connection ended", "forwarded", sent, "write_errors", refused, "reason", c.Err())
	}()
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

func (a *answerer) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

func (a *answerer) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}
