// Command play-from-disk sends a VP8 IVF file and an Ogg Opus file to
// every peer that offers to receive (POST /offer, SIGNALING.md): each
// frame leaves at its own time (the IVF timestamps; 20 ms per Opus packet
// unless the page granules say otherwise), packetized by the
// PeerConnection (Sender.WriteSample). The files are read with rtc-media.
//
//	go run ./rtc/examples/play-from-disk -addr 127.0.0.1:8080 -video in.ivf -audio in.ogg
//
// Either file may be left out. Make them with, for example:
//
//	gst-launch-1.0 videotestsrc num-buffers=300 ! vp8enc ! ivfmux ! filesink location=in.ivf
//	gst-launch-1.0 audiotestsrc num-buffers=500 ! opusenc ! oggmux ! filesink location=in.ogg
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
	"os"
	"os/signal"
	"time"

	"github.com/sansrtc/rtc/rtc"
	media "github.com/sansrtc/rtc/rtc-media"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP signaling address")
	video := flag.String("video", "", "VP8 IVF file")
	audio := flag.String("audio", "", "Ogg Opus file")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, *video, *audio, os.Stdout); err != nil {
		log.Error("play-from-disk", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr, video, audio string, out io.Writer) error {
	if video == "" && audio == "" {
		return errors.New("nothing to play: give -video and/or -audio")
	}
	for _, p := range []string{video, audio} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return err
		}
	}
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
	p := &player{d: d, cfg: cfg, log: log, video: video, audio: audio}
	srv := signaling.HTTPServer(signaling.ServerWithLimits(p, lim), lim)
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

type player struct {
	d            *driver.Driver
	cfg          rtc.Configuration
	log          *slog.Logger
	video, audio string
}

func (p *player) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	d, err := sdp.Parse(offer.SDP)
	if err != nil {
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrBadRequest, err)
	}
	connected := make(chan struct{})
	c, err := p.d.NewPeerConnection(p.cfg, driver.Handler{OnEvent: func(c *driver.Conn, e rtc.Event) {
		if e.Kind == rtc.EventConnectionStateChange && e.ConnectionState == rtc.PeerConnectionConnected {
			close(connected)
		}
	}})
	if err != nil {
		return signaling.Description{}, err
	}
	senders := map[rtc.MediaKind]*rtc.Sender{}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		// One sending transceiver per offered kind we have a file for,
		// made before the offer is applied so that it is associated
		// (W3C webrtc §4.4.1.6), with the file's codec only.
		for _, m := range d.Media {
			kind, file, codec := rtc.MediaKindAudio, p.audio, "opus"
			if m.Media == "video" {
				kind, file, codec = rtc.MediaKindVideo, p.video, "VP8"
			} else if m.Media != "audio" {
				continue
			}
			if file == "" || senders[kind] != nil {
				continue
			}
			t, err := pc.AddTransceiverTrack(rtc.Track{Kind: kind, StreamIDs: []string{"disk"}}, rtc.TransceiverInit{Direction: rtc.DirectionSendOnly, StreamIDs: []string{"disk"}})
			if err != nil {
				return err
			}
			want := rtc.Codec{Name: codec, ClockRate: 90000}
			if kind == rtc.MediaKindAudio {
				want.ClockRate, want.Channels = 48000, 2
			}
			if err := t.SetCodecPreferences([]rtc.Codec{want}); err != nil {
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
	var ans rtc.SessionDescription
	if err == nil {
		ans, err = c.WaitGathering(ctx)
	}
	if err != nil {
		if cerr := c.Close(); cerr != nil {
			p.log.Debug("close", "err", cerr)
		}
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	go func() {
		select {
		case <-connected:
		case <-c.Done():
			return
		}
		if s := senders[rtc.MediaKindVideo]; s != nil {
			go p.play(c, s, p.video, playIVF)
		}
		if s := senders[rtc.MediaKindAudio]; s != nil {
			go p.play(c, s, p.audio, playOgg)
		}
	}()
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

// play opens file and runs fn on it; fn calls emit per frame.
func (p *player) play(c *driver.Conn, s *rtc.Sender, file string, fn func(io.Reader, func([]byte, time.Duration) error) error) {
	fh, err := os.Open(file)
	if err != nil {
		p.log.Warn("play", "file", file, "err", err)
		return
	}
	defer fh.Close()
	next := time.Now()
	n := 0
	err = fn(fh, func(frame []byte, dur time.Duration) error {
		// Each frame at its time: wait until it is due, then hand it
		// to the loop (WriteSample packetizes and sends it).
		time.Sleep(time.Until(next))
		next = next.Add(dur)
		n++
		return c.Do(func(*rtc.PeerConnection) error { return s.WriteSample(rtc.Sample{Data: frame, Duration: dur}) })
	})
	if err != nil && !errors.Is(err, io.EOF) {
		p.log.Warn("play", "file", file, "frames", n, "err", err)
		return
	}
	p.log.Info("played", "file", file, "frames", n)
}

// playIVF emits the frames of an IVF file, each lasting until the next
// one's timestamp.
func playIVF(r io.Reader, emit func([]byte, time.Duration) error) error {
	ivf, h, err := media.NewIVFReader(r, 0)
	if err != nil {
		return err
	}
	if h.TimebaseDenominator == 0 {
		return fmt.Errorf("IVF timebase 0")
	}
	unit := time.Second * time.Duration(max(h.TimebaseNumerator, 1)) / time.Duration(h.TimebaseDenominator)
	var buf []byte
	prev, err := ivf.ReadFrame(buf[:0])
	if err != nil {
		return err
	}
	for {
		cur, err := ivf.ReadFrame(nil)
		dur := 33 * time.Millisecond
		if err == nil && cur.Timestamp > prev.Timestamp {
			dur = time.Duration(cur.Timestamp-prev.Timestamp) * unit
		}
		if eerr := emit(prev.Data, dur); eerr != nil {
			return eerr
		}
		if err != nil {
			return err
		}
		prev = cur
	}
}

// playOgg emits the packets of an Ogg Opus file, 20 ms each.
func playOgg(r io.Reader, emit func([]byte, time.Duration) error) error {
	op, _, _, err := media.NewOpusReader(r, 0)
	if err != nil {
		return err
	}
	for {
		pkt, err := op.ReadPacket(nil)
		if err != nil {
			return err
		}
		if err := emit(pkt.Data, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

func (p *player) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

func (p *player) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}
