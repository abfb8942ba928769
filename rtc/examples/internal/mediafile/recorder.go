package mediafile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// NewRecorder returns a Recorder whose connections d runs with cfg (its
// codec lists are replaced by the two codecs), writing video in
// videoCodec to video and audio in audioCodec to audio; a nil writer
// ignores that kind.
func NewRecorder(d *driver.Driver, cfg rtc.Configuration, log *slog.Logger, video io.Writer, videoCodec rtc.Codec, audio io.Writer, audioCodec rtc.Codec) *Recorder {
	if video != nil {
		cfg.VideoCodecs = []rtc.Codec{videoCodec}
	}
	if audio != nil {
		cfg.AudioCodecs = []rtc.Codec{audioCodec}
	}
	return &Recorder{d: d, cfg: cfg, log: log, videoFile: video, videoCodec: videoCodec, audioFile: audio, audioCodec: audioCodec, ended: make(chan struct{})}
}

// Ended is closed when the recorded session ends.
func (r *Recorder) Ended() <-chan struct{} { return r.ended }

// Recorder is the save-to-disk peer, a signaling.Handler: it answers the
// first offer, and writes the session's video and audio (each in the
// codec NewRecorder was given) with a Saver each.
type Recorder struct {
	d   *driver.Driver
	cfg rtc.Configuration
	log *slog.Logger

	videoCodec, audioCodec rtc.Codec
	videoFile, audioFile   io.Writer

	mu           sync.Mutex
	c            *driver.Conn
	video, audio *Saver
	errs         []error
	ignored      int
	ended        chan struct{}
	endOnce      sync.Once
}

func (r *Recorder) Conn() *driver.Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c
}

// Answer implements signaling.Handler: the first offer is answered, later
// ones are refused.
func (r *Recorder) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	r.mu.Lock()
	busy := r.c != nil
	r.mu.Unlock()
	if busy {
		return signaling.Description{}, fmt.Errorf("%w: already recording a session", signaling.ErrUnprocessable)
	}
	c, err := r.d.NewPeerConnection(r.cfg, driver.Handler{OnEvent: r.onEvent, OnMessage: r.onMessage, OnError: r.onError})
	if err != nil {
		return signaling.Description{}, err
	}
	r.mu.Lock()
	if r.c != nil {
		r.mu.Unlock()
		return signaling.Description{}, errors.Join(fmt.Errorf("%w: already recording a session", signaling.ErrUnprocessable), c.Close())
	}
	r.c = c
	r.mu.Unlock()
	go func() { <-c.Done(); r.end() }()
	ans, err := c.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer.SDP})
	if err != nil {
		r.end()
		return signaling.Description{}, fmt.Errorf("%w: %w", signaling.ErrUnprocessable, err)
	}
	return signaling.Description{Type: "answer", SDP: ans.SDP}, nil
}

// Offer implements signaling.Handler: this peer only answers.
func (r *Recorder) Offer(context.Context) (signaling.Description, error) {
	return signaling.Description{}, signaling.ErrCannotOffer
}

// Accept implements signaling.Handler.
func (r *Recorder) Accept(context.Context, signaling.Description) error {
	return signaling.ErrUnknownID
}

func (r *Recorder) end() { r.endOnce.Do(func() { close(r.ended) }) }

func (r *Recorder) onEvent(c *driver.Conn, e rtc.Event) {
	switch {
	case e.Kind == rtc.EventTrack:
		r.log.Info("track", "kind", e.Transceiver.Kind(), "mid", e.Transceiver.Mid(), "streams", e.Streams)
	case e.Kind == rtc.EventConnectionStateChange:
		r.log.Info("connection", "state", e.ConnectionState)
		if e.ConnectionState == rtc.PeerConnectionFailed || e.ConnectionState == rtc.PeerConnectionClosed {
			r.end()
		}
	case e.Kind == rtc.EventDTLSStateChange && e.DTLSState == rtc.DTLSTransportClosed:
		r.end() // the sender said close_notify: it is done
	}
}

func (r *Recorder) onError(c *driver.Conn, err error) { r.log.Debug("error", "err", err) }

// onMessage runs on the driver goroutine for each received RTP packet.
func (r *Recorder) onMessage(c *driver.Conn, m rtc.Message) {
	if m.Kind != rtc.MessageRTP || m.Transceiver == nil || len(m.Data) < 2 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.saverLocked(m.Transceiver, m.Data[1]&0x7f)
	if err == nil && s != nil {
		err = s.HandleRTP(time.Now(), m.Data)
	}
	if err != nil {
		if len(r.errs) < 10 {
			r.errs = append(r.errs, err)
		}
		r.log.Debug("rtp dropped", "err", err)
	}
}

// saverLocked returns the Saver of t's kind, made at the first packet
// with the wanted codec; nil for packets of another codec (counted).
func (r *Recorder) saverLocked(t *rtc.Transceiver, pt uint8) (*Saver, error) {
	sp, file, want := &r.video, r.videoFile, r.videoCodec
	if t.Kind() == rtc.MediaKindAudio {
		sp, file, want = &r.audio, r.audioFile, r.audioCodec
	}
	if file == nil {
		r.ignored++
		return nil, nil
	}
	if *sp == nil {
		for _, c := range t.Codecs() {
			if c.PayloadType == pt && strings.EqualFold(c.Name, want.Name) {
				s, err := NewSaver(c, file)
				if err != nil {
					return nil, err
				}
				*sp = s
			}
		}
		if *sp == nil {
			r.ignored++
			return nil, nil
		}
	}
	return *sp, nil
}

// finish flushes the savers and reports the frame counts.
func (r *Recorder) Finish() (video, audio int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, s := range []*Saver{r.video, r.audio} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	if r.video != nil {
		video = r.video.Frames()
	}
	if r.audio != nil {
		audio = r.audio.Frames()
	}
	if len(r.errs) > 0 {
		r.log.Warn("packets dropped", "first", r.errs[0], "count", len(r.errs))
	}
	return video, audio, errors.Join(errs...)
}
