// Command save-to-disk records one peer's VP8 video to an IVF file and its
// Opus audio to an Ogg file (rtc-media writers). It answers POST /offer
// (SIGNALING.md) for one connection at a time (another gets 503 until the
// recording ends); the files are closed when the connection ends.
//
//	go run ./rtc/examples/save-to-disk -addr 127.0.0.1:8080 -video out.ivf -audio out.ogg
//
// Video frames are reassembled from RTP with rtc-rtp's FrameAssembler
// (VP8, RFC 7741); a frame with a lost packet is dropped and counted, not
// written half. Opus packets are written as they come (RFC 7587: one
// packet per RTP payload).
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
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	media "github.com/sansrtc/rtc/rtc-media"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/rtc/examples/internal/cli"
)

func main() {
	var f cli.Flags
	f.Register(flag.CommandLine)
	addr := flag.String("addr", "127.0.0.1:8080", "HTTP signaling address")
	video := flag.String("video", "out.ivf", "IVF file for the VP8 video")
	audio := flag.String("audio", "out.ogg", "Ogg file for the Opus audio")
	flag.Parse()
	log := f.Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &f, log, *addr, *video, *audio, os.Stdout); err != nil {
		log.Error("save-to-disk", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f *cli.Flags, log *slog.Logger, addr, video, audio string, out io.Writer) error {
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
	r := &recorder{d: d, cfg: cfg, log: log, video: video, audio: audio}
	srv := signaling.HTTPServer(signaling.ServerWithLimits(r, lim), lim)
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
	r.wait()
	return nil
}

type recorder struct {
	d            *driver.Driver
	cfg          rtc.Configuration
	log          *slog.Logger
	video, audio string

	mu   sync.Mutex
	busy bool
	done sync.WaitGroup
}

// wait waits until the recording under way, if any, closed its files.
func (r *recorder) wait() { r.done.Wait() }

// files are one recording's writers (used on the connection's loop).
type files struct {
	fv, fa *os.File
	ivf    *media.IVFWriter
	opus   *media.OpusWriter
	asm    *rtp.FrameAssembler
	frames uint64
	ts0    uint32 // the first frame's RTP timestamp
	pkts   uint64
	errs   uint64
}

func (r *recorder) open() (*files, error) {
	fv, err := os.Create(r.video)
	if err != nil {
		return nil, err
	}
	fa, err := os.Create(r.audio)
	if err != nil {
		return nil, errors.Join(err, fv.Close())
	}
	ivf, err := media.NewIVFWriter(fv, media.IVFHeader{FourCC: media.FourCCVP8, Width: 640, Height: 480, TimebaseDenominator: 90000, TimebaseNumerator: 1})
	if err != nil {
		return nil, errors.Join(err, fv.Close(), fa.Close())
	}
	op, err := media.NewOpusWriter(fa, 1, media.OpusHead{Version: 1, Channels: 2, InputSampleRate: 48000}, media.OpusTags{Vendor: "sansrtc save-to-disk"})
	if err != nil {
		return nil, errors.Join(err, fv.Close(), fa.Close())
	}
	return &files{fv: fv, fa: fa, ivf: ivf, opus: op, asm: rtp.NewFrameAssembler(&rtp.VP8Depayloader{}, rtp.Config{})}, nil
}

func (f *files) close() error {
	return errors.Join(f.ivf.Close(), f.opus.Close(), f.fv.Close(), f.fa.Close())
}

// write records one RTP packet of kind.
func (f *files) write(kind rtc.MediaKind, b []byte) error {
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil {
		return err
	}
	if kind == rtc.MediaKindAudio {
		f.pkts++
		return f.opus.WritePacket(p.Payload)
	}
	fr, ok, err := f.asm.Push(&p)
	if err != nil || !ok {
		return err
	}
	if f.frames == 0 {
		f.ts0 = fr.Timestamp
	}
	f.frames++
	return f.ivf.WriteFrame(fr.Data, uint64(fr.Timestamp-f.ts0))
}

func (r *recorder) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	r.mu.Lock()
	if r.busy {
		r.mu.Unlock()
		return signaling.Description{}, fmt.Errorf("%w: a recording is under way", signaling.ErrBusy)
	}
	r.busy = true
	r.done.Add(1)
	r.mu.Unlock()
	release := func() {
		r.mu.Lock()
		r.busy = false
		r.mu.Unlock()
		r.done.Done()
	}
	fs, err := r.open()
	if err != nil {
		release()
		return signaling.Description{}, err
	}
	c, err := r.d.NewPeerConnection(r.cfg, driver.Handler{OnMessage: func(c *driver.Conn, m rtc.Message) {
		if m.Kind == rtc.MessageRTP && m.Transceiver != nil {
			if err := fs.write(m.Transceiver.Kind(), m.Data); err != nil {
				fs.errs++
				r.log.Debug("record", "err", err)
			}
		}
	}})
	if err != nil {
		release()
		return signaling.Description{}, errors.Join(err, fs.close())
	}
	err = c.Do(func(pc *rtc.PeerConnection) error {
		// Receive-only transceivers with the files' codecs, associated
		// with the offer's sections (W3C webrtc §4.4.1.6).
		for _, want := range []rtc.Codec{{Name: "opus", ClockRate: 48000, Channels: 2}, {Name: "VP8", ClockRate: 90000}} {
			kind := rtc.MediaKindAudio
			if want.Name == "VP8" {
				kind = rtc.MediaKindVideo
			}
			t, err := pc.AddTransceiverTrack(rtc.Track{Kind: kind}, rtc.TransceiverInit{Direction: rtc.DirectionRecvOnly})
			if err != nil {
				return err
			}
			if err := t.SetCodecPreferences([]rtc.Codec{want}); err != nil {
				return err
			}
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
	go func() {
		<-c.Done() // after the last callback: fs is ours
		if err := fs.close(); err != nil {
			r.log.Warn("closing the recording", "err", err)
		}
		r.log.Info("recorded", "video_frames", fs.frames, "audio_packets", fs.pkts, "errors", fs.errs, "dropped_frames", fs.asm.Stats().DroppedFrames)
		release()
	}()
	if err != nil {
		if cerr := c.Close(); cerr != nil {
			r.log.Debug("close", "err", cerr)
		}
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

func (r *recorder) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

func (r *recorder) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}
