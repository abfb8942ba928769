package sidebyside

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
)

// driverLink is a sansrtc sender and receiver on rtc/driver: real UDP
// sockets on 127.0.0.1, each end on its own driver (its own loop goroutine,
// as two processes would), for the figures Pion can be compared with
// socket for socket.
type driverLink struct {
	da, db *driver.Driver
	a, b   *driver.Conn
	sender *rtc.Sender
	src    *source
	got    *counter
}

func newDriverLink(ctx context.Context) (*driverLink, error) {
	cfg := driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	l := &driverLink{da: driver.New(cfg), db: driver.New(cfg), src: newSource(), got: newCounter()}
	var err error
	if l.b, err = l.db.NewPeerConnection(rtc.Configuration{}, driver.Handler{
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			if m.Kind == rtc.MessageRTP {
				l.got.add()
			}
		},
	}); err != nil {
		return nil, err
	}
	if l.a, err = l.da.NewPeerConnection(rtc.Configuration{}, driver.Handler{}); err != nil {
		return nil, err
	}
	if err := l.a.Do(func(pc *rtc.PeerConnection) error {
		l.sender, err = pc.AddTrack(videoTrack)
		return err
	}); err != nil {
		return nil, err
	}
	off, err := l.a.OfferAfterGathering(ctx)
	if err != nil {
		return nil, err
	}
	ans, err := l.b.AnswerAfterGathering(ctx, off)
	if err != nil {
		return nil, err
	}
	if err := l.a.SetAnswer(ans); err != nil {
		return nil, err
	}
	// Packets before SRTP is keyed are refused: retry until one arrives.
	for l.got.get() == 0 {
		_ = l.send() // refused until keyed; the loop ends when one arrives
		select {
		case <-ctx.Done():
			return nil, errors.New("sansrtc driver link: no media")
		case <-time.After(10 * time.Millisecond):
		}
	}
	return l, nil
}

// send queues the next packet for the driver's loop (Conn.WriteRTP copies
// it: the source's buffer is reused at once).
func (l *driverLink) send() error {
	return l.a.WriteRTP(l.sender, "", l.src.next(90))
}

func (l *driverLink) close() {
	_ = l.a.Close()
	_ = l.b.Close()
	_ = l.da.Close()
	_ = l.db.Close()
}
