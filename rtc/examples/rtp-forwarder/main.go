// Command rtp-forwarder receives audio and video from a peer of the
// signaling contract (rtc/driver/signaling/SIGNALING.md, POST /offer: a
// browser, or the play-from-disk example) and sends every received RTP
// packet, decrypted, as plain RTP over UDP to local ports, where
// GStreamer, ffmpeg or VLC can play or record it. The payload type is
// rewritten to -video-pt and -audio-pt so the receiving pipeline can be
// written once; SSRC, sequence numbers and timestamps are the sender's.
// A keyframe is requested from the sender every -pli so that a player
// started later can begin decoding.
//
//	go run ./rtc/examples/rtp-forwarder -addr 127.0.0.1:8080 -video-port 5004 -audio-port 5006
//	gst-launch-1.0 udpsrc address=127.0.0.1 port=5004 caps="application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96" ! rtpvp8depay ! vp8dec ! autovideosink
//	gst-launch-1.0 udpsrc address=127.0.0.1 port=5006 caps="application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111" ! rtpopusdepay ! opusdec ! autoaudiosink
//
// or `ffplay -protocol_whitelist file,udp,rtp -i forward.sdp` with the
// SDP file -sdp writes. It prints "listening on http://HOST:PORT" first,
// then "forwarding KIND CODEC to ADDR" for each stream as its first
// packet arrives. -video-codec chooses VP8 or H264 (the only video codec
// it answers); audio is Opus. Packets go to -dest, 127.0.0.1 by default.
//
// Threat model: any peer that reaches -addr can send media, and what it
// sends (after SRTP, so only an authenticated peer's packets) goes out in
// clear to -dest; keep -dest on this machine. The forwarder reads nothing
// from the UDP ports.
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
	"strings"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
	"github.com/sansrtc/rtc/rtc/examples/internal/mediafile"
)

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "HTTP signaling address")
	flag.StringVar(&o.dest, "dest", "127.0.0.1", "address the RTP goes to")
	flag.IntVar(&o.videoPort, "video-port", 5004, "UDP port for video RTP (0: do not forward video)")
	flag.IntVar(&o.audioPort, "audio-port", 5006, "UDP port for audio RTP (0: do not forward audio)")
	flag.UintVar(&o.videoPT, "video-pt", 96, "payload type written into forwarded video packets")
	flag.UintVar(&o.audioPT, "audio-pt", 111, "payload type written into forwarded audio packets")
	flag.StringVar(&o.videoCodec, "video-codec", "VP8", "video codec to receive: VP8 or H264")
	flag.DurationVar(&o.pli, "pli", 2*time.Second, "interval of keyframe requests (0: none)")
	flag.StringVar(&o.sdp, "sdp", "", "write an SDP file describing the forwarded streams (for ffmpeg/ffplay)")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, o, os.Stdout); err != nil {
		log.Error("rtp-forwarder", "err", err)
		os.Exit(1)
	}
}

type options struct {
	addr, dest           string
	videoPort, audioPort int
	videoPT, audioPT     uint
	videoCodec           string
	pli                  time.Duration
	sdp                  string
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, o options, out io.Writer) error {
	dest, err := netip.ParseAddr(o.dest)
	if err != nil {
		return fmt.Errorf("-dest: %w", err)
	}
	if o.videoPT > 127 || o.audioPT > 127 {
		return errors.New("-video-pt and -audio-pt are 0 to 127")
	}
	cfg, err := f.Configuration()
	if err != nil {
		return err
	}
	fw := &forwarder{log: log, out: out, pli: o.pli}
	switch {
	case strings.EqualFold(o.videoCodec, "VP8"):
		cfg.VideoCodecs = []rtc.Codec{mediafile.VP8}
	case strings.EqualFold(o.videoCodec, "H264"):
		cfg.VideoCodecs = []rtc.Codec{mediafile.H264}
	default:
		return fmt.Errorf("-video-codec %q: want VP8 or H264", o.videoCodec)
	}
	cfg.AudioCodecs = []rtc.Codec{mediafile.Opus}
	for i, s := range []struct {
		port int
		pt   uint
	}{{o.videoPort, o.videoPT}, {o.audioPort, o.audioPT}} {
		if s.port == 0 {
			continue
		}
		to := netip.AddrPortFrom(dest, uint16(s.port))
		conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
		if err != nil {
			return err
		}
		defer conn.Close()
		fw.sinks[i] = &sink{conn: conn, to: to, pt: uint8(s.pt)}
	}
	if o.sdp != "" {
		if err := os.WriteFile(o.sdp, []byte(sdpFile(dest, o, cfg.VideoCodecs[0])), 0o644); err != nil {
			return err
		}
	}
	dcfg, err := f.DriverConfig(log)
	if err != nil {
		return err
	}
	fw.d, fw.cfg = driver.New(dcfg), cfg
	defer fw.d.Close()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", o.addr, err)
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	var lim signaling.Limits
	srv := signaling.HTTPServer(signaling.ServerWithLimits(fw, lim), lim)
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

// sdpFile describes the forwarded streams for ffmpeg (RFC 4566).
func sdpFile(dest netip.Addr, o options, video rtc.Codec) string {
	ip := "IP4"
	if dest.Is6() {
		ip = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- 0 0 IN %s %s\r\ns=rtp-forwarder\r\nc=IN %s %s\r\nt=0 0\r\n", ip, dest, ip, dest)
	if o.videoPort != 0 {
		fmt.Fprintf(&b, "m=video %d RTP/AVP %d\r\na=rtpmap:%d %s/90000\r\n", o.videoPort, o.videoPT, o.videoPT, video.Name)
		if video.FMTP != "" {
			fmt.Fprintf(&b, "a=fmtp:%d %s\r\n", o.videoPT, video.FMTP)
		}
	}
	if o.audioPort != 0 {
		fmt.Fprintf(&b, "m=audio %d RTP/AVP %d\r\na=rtpmap:%d opus/48000/2\r\n", o.audioPort, o.audioPT, o.audioPT)
	}
	return b.String()
}

// sink is one UDP destination.
type sink struct {
	conn *net.UDPConn
	to   netip.AddrPort
	pt   uint8

	mu      sync.Mutex
	buf     []byte
	started bool
	packets uint64
	errors  uint64
}

// forwarder is the signaling.Handler: every answered connection forwards
// its video to sinks[0] and its audio to sinks[1].
type forwarder struct {
	d     *driver.Driver
	cfg   rtc.Configuration
	log   *slog.Logger
	out   io.Writer
	pli   time.Duration
	sinks [2]*sink
	outMu sync.Mutex
}

// Answer implements signaling.Handler.
func (fw *forwarder) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	c, err := fw.d.NewPeerConnection(fw.cfg, driver.Handler{
		OnEvent:   fw.onEvent,
		OnMessage: fw.onMessage,
		OnError:   func(c *driver.Conn, err error) { fw.log.Debug("error", "err", err) },
	})
	if err != nil {
		return signaling.Description{}, err
	}
	ans, err := c.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP})
	if err != nil {
		return signaling.Description{}, errors.Join(fmt.Errorf("%w: %w", signaling.ErrUnprocessable, err), c.Close())
	}
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

// Offer implements signaling.Handler: this peer only answers.
func (fw *forwarder) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

// Accept implements signaling.Handler.
func (fw *forwarder) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

func (fw *forwarder) onEvent(c *driver.Conn, e rtc.Event) {
	if e.Kind != rtc.EventTrack || e.Transceiver.Kind() != rtc.MediaKindVideo || fw.pli <= 0 {
		return
	}
	t := e.Transceiver
	go func() { // keyframe requests, until the connection ends
		tick := time.NewTicker(fw.pli)
		defer tick.Stop()
		for {
			select {
			case <-c.Done():
				return
			case <-tick.C:
				if err := c.RequestKeyframe(t); err != nil {
					return
				}
			}
		}
	}()
}

// onMessage runs on the driver goroutine for every received message.
func (fw *forwarder) onMessage(c *driver.Conn, m rtc.Message) {
	if m.Kind != rtc.MessageRTP || m.Transceiver == nil || len(m.Data) < 12 {
		return
	}
	i := 0
	if m.Transceiver.Kind() == rtc.MediaKindAudio {
		i = 1
	}
	s := fw.sinks[i]
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		name := "?"
		for _, cd := range m.Transceiver.Codecs() {
			if cd.PayloadType == m.Data[1]&0x7f {
				name = fmt.Sprintf("%s/%d", cd.Name, cd.ClockRate)
			}
		}
		fw.outMu.Lock()
		fmt.Fprintf(fw.out, "forwarding %s %s to %s\n", m.Transceiver.Kind(), name, s.to)
		fw.outMu.Unlock()
	}
	s.buf = append(s.buf[:0], m.Data...)
	s.buf[1] = s.buf[1]&0x80 | s.pt // keep the marker bit (RFC 3550 §5.1)
	if _, err := s.conn.Write(s.buf); err != nil {
		s.errors++
		if s.errors == 1 {
			fw.log.Warn("udp write", "to", s.to, "err", err) // e.g. nothing listens there yet
		}
		return
	}
	s.packets++
}
