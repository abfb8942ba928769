package mediafile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// Viewer is a receiving peer (the tests' stand-in for a browser that
// watches): it offers recvonly video and audio to a SIGNALING.md
// answerer and rebuilds what arrives into frames.
type Viewer struct {
	c         *driver.Conn
	id        string
	codecs    [2]rtc.Codec
	connected chan struct{}
	once      sync.Once

	mu     sync.Mutex
	savers [2]*Saver
	bufs   [2]bytes.Buffer
	seqs   [2][]uint16
	ssrcs  [2]map[uint32]bool
	errs   []error
}

// NewViewer connects a Viewer (run by d) to the answerer at base,
// receiving video in video's codec and audio in Opus.
func NewViewer(ctx context.Context, d *driver.Driver, base string, video rtc.Codec) (*Viewer, error) {
	v := &Viewer{codecs: [2]rtc.Codec{video, Opus}, connected: make(chan struct{})}
	for i := range v.savers {
		s, err := NewSaver(v.codecs[i], &v.bufs[i])
		if err != nil {
			return nil, err
		}
		v.savers[i] = s
		v.ssrcs[i] = map[uint32]bool{}
	}
	cfg := rtc.Configuration{VideoCodecs: []rtc.Codec{video}, AudioCodecs: []rtc.Codec{Opus}}
	c, err := d.NewPeerConnection(cfg, driver.Handler{OnEvent: v.onEvent, OnMessage: v.onMessage})
	if err != nil {
		return nil, err
	}
	v.c = c
	err = c.Do(func(pc *rtc.PeerConnection) error {
		for _, k := range []rtc.MediaKind{rtc.MediaKindVideo, rtc.MediaKindAudio} {
			if _, err := pc.AddTransceiver(k, rtc.TransceiverInit{Direction: rtc.DirectionRecvOnly}); err != nil {
				return err
			}
		}
		return nil
	})
	var offer rtc.SessionDescription
	if err == nil {
		offer, err = c.OfferAfterGathering(ctx)
	}
	var ans signaling.Description
	if err == nil {
		ans, err = signaling.PostOffer(ctx, base, signaling.Description{Type: "offer", SDP: offer.SDP})
	}
	if err == nil {
		err = c.SetAnswer(rtc.SessionDescription{Type: rtc.SDPTypeAnswer, SDP: ans.SDP})
	}
	if err != nil {
		return nil, errors.Join(err, c.Close())
	}
	v.id = ans.ID
	return v, nil
}

// ID returns the id the answerer gave its answer (SIGNALING.md), if any.
func (v *Viewer) ID() string { return v.id }

// Connected is closed once the connection is up.
func (v *Viewer) Connected() <-chan struct{} { return v.connected }

func (v *Viewer) onEvent(c *driver.Conn, e rtc.Event) {
	if e.Kind == rtc.EventConnectionStateChange && e.ConnectionState == rtc.PeerConnectionConnected {
		v.once.Do(func() { close(v.connected) })
	}
}

func (v *Viewer) onMessage(c *driver.Conn, m rtc.Message) {
	if m.Kind != rtc.MessageRTP || m.Transceiver == nil || len(m.Data) < 12 {
		return
	}
	k := 0
	if m.Transceiver.Kind() == rtc.MediaKindAudio {
		k = 1
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seqs[k] = append(v.seqs[k], uint16(m.Data[2])<<8|uint16(m.Data[3]))
	v.ssrcs[k][uint32(m.Data[8])<<24|uint32(m.Data[9])<<16|uint32(m.Data[10])<<8|uint32(m.Data[11])] = true
	if err := v.savers[k].HandleRTP(time.Now(), m.Data); err != nil && len(v.errs) < 10 {
		v.errs = append(v.errs, err)
	}
}

// Received is what a Viewer got.
type Received struct {
	// Video and Audio are the rebuilt frames.
	Video, Audio [][]byte
	// VideoSeqs and AudioSeqs are the RTP sequence numbers in arrival
	// order; VideoSSRCs and AudioSSRCs count the distinct SSRCs.
	VideoSeqs, AudioSeqs   []uint16
	VideoSSRCs, AudioSSRCs int
}

// Close ends the connection and returns what arrived; the error joins
// those of packets the jitter buffer refused.
func (v *Viewer) Close() (Received, error) {
	errs := []error{v.c.Close()}
	v.mu.Lock()
	defer v.mu.Unlock()
	errs = append(errs, v.errs...)
	var frames [2][][]byte
	for i, s := range v.savers {
		errs = append(errs, s.Close())
		ext := map[string]string{"vp8": "x.ivf", "opus": "x.ogg", "h264": "x.h264"}[strings.ToLower(v.codecs[i].Name)]
		src, err := Open(ext, bytes.NewReader(v.bufs[i].Bytes()), 30)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for {
			f, _, err := src.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					errs = append(errs, err)
				}
				break
			}
			frames[i] = append(frames[i], append([]byte(nil), f...))
		}
	}
	return Received{Video: frames[0], Audio: frames[1], VideoSeqs: v.seqs[0], AudioSeqs: v.seqs[1],
		VideoSSRCs: len(v.ssrcs[0]), AudioSSRCs: len(v.ssrcs[1])}, errors.Join(errs...)
}
