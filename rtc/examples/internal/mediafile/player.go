package mediafile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// track is one file being sent.
type track struct {
	src    *Source
	sender *rtc.Sender
	kind   rtc.MediaKind
}

// lingerBeforeClose is how long Play waits after the last frame before it
// closes the connection.
const lingerBeforeClose = 300 * time.Millisecond

// Play is the play-from-disk peer: on a connection d runs with cfg it
// offers one sendonly track per source (video for a 90 kHz codec, audio
// for Opus), POSTs the offer to the signaling server at base, and once
// connected writes every source's frames in real time with
// Sender.WriteSample; then it closes the connection. It returns how many
// video and audio frames were sent.
func Play(ctx context.Context, d *driver.Driver, cfg rtc.Configuration, log *slog.Logger, base string, sources []*Source) (video, audio int, err error) {
	var tracks []*track
	for _, src := range sources {
		kind := rtc.MediaKindVideo
		if src.Codec().ClockRate == 48000 {
			kind = rtc.MediaKindAudio
		}
		tracks = append(tracks, &track{src: src, kind: kind})
		if kind == rtc.MediaKindAudio { // offer the file's codec only
			cfg.AudioCodecs = []rtc.Codec{src.Codec()}
		} else {
			cfg.VideoCodecs = []rtc.Codec{src.Codec()}
		}
	}
	var once sync.Once
	connected := make(chan struct{})
	failed := make(chan error, 1)
	c, err := d.NewPeerConnection(cfg, driver.Handler{OnEvent: func(c *driver.Conn, e rtc.Event) {
		if e.Kind != rtc.EventConnectionStateChange {
			return
		}
		log.Info("connection", "state", e.ConnectionState)
		switch e.ConnectionState {
		case rtc.PeerConnectionConnected:
			once.Do(func() { close(connected) })
		case rtc.PeerConnectionFailed:
			select {
			case failed <- errors.New("connection failed"):
			default:
			}
		}
	}})
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if err := c.Do(func(pc *rtc.PeerConnection) error {
		for _, t := range tracks {
			tr, err := pc.AddTransceiverTrack(rtc.Track{Kind: t.kind, StreamIDs: []string{"disk"}, Codec: t.src.Codec()},
				rtc.TransceiverInit{Direction: rtc.DirectionSendOnly, StreamIDs: []string{"disk"}})
			if err != nil {
				return err
			}
			t.sender = tr.Sender()
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	offer, err := c.OfferAfterGathering(ctx)
	if err != nil {
		return 0, 0, err
	}
	ans, err := signaling.PostOffer(ctx, base, signaling.Description{Type: "offer", SDP: offer.SDP})
	if err != nil {
		return 0, 0, err
	}
	if err := c.SetAnswer(rtc.SessionDescription{Type: rtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
		return 0, 0, err
	}
	select {
	case <-connected:
	case err := <-failed:
		return 0, 0, err
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	errs := make(chan error, len(tracks))
	for _, t := range tracks {
		go func() { errs <- play(ctx, c, t) }()
	}
	var all []error
	for range tracks {
		all = append(all, <-errs)
	}
	var nv, na int
	for _, t := range tracks {
		if t.kind == rtc.MediaKindVideo {
			nv = t.src.Frames()
		} else {
			na = t.src.Frames()
		}
	}
	// Linger before closing, so the last frame's packets (and any
	// retransmission a NACK asks for) reach the peer before our close
	// tears the session down.
	select {
	case <-time.After(lingerBeforeClose):
	case <-ctx.Done():
	}
	all = append(all, c.Close())
	return nv, na, errors.Join(all...)
}

// play writes t's frames, each at its time: the sum of the durations of
// the frames before it, from the start.
func play(ctx context.Context, c *driver.Conn, t *track) error {
	start := time.Now()
	var at time.Duration
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		frame, dur, err := t.src.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s frame %d: %w", t.kind, t.src.Frames(), err)
		}
		if wait := time.Until(start.Add(at)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := c.Do(func(*rtc.PeerConnection) error {
			return t.sender.WriteSample(rtc.Sample{Data: frame, Duration: dur})
		}); err != nil {
			return fmt.Errorf("%s frame %d: %w", t.kind, t.src.Frames(), err)
		}
		at += dur
	}
}
