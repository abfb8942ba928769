package browser

import (
	"context"
	"fmt"
	"sync"

	"github.com/chromedp/chromedp"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/interop/probe"
)

// EchoPeer makes one Chromium tab an echo peer speaking rtc/driver/signaling/SIGNALING.md (one
// connection at a time): every message comes back on its channel, and
// "__close__" closes the channel it came on.
type EchoPeer struct {
	tab *Prober
	mu  sync.Mutex
}

// NewEchoPeer opens a tab in echo mode.
func (b *Browser) NewEchoPeer() (*EchoPeer, error) {
	t, err := b.NewProber()
	if err != nil {
		return nil, err
	}
	return &EchoPeer{tab: t}, nil
}

// Close closes the tab.
func (e *EchoPeer) Close() { e.tab.Shutdown() }

// Answer implements signaling.Handler.
func (e *EchoPeer) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sdp, err := call[string](ctx, e.tab, "echoAnswer", probe.LoopbackOnly(offer.SDP), scenario())
	if err != nil {
		return signaling.Description{}, fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	return signaling.Description{Type: "answer", SDP: probe.LoopbackOnly(sdp)}, nil
}

// Offer implements signaling.Handler.
func (e *EchoPeer) Offer(ctx context.Context) (signaling.Description, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sdp, err := call[string](ctx, e.tab, "echoOffer", scenario())
	if err != nil {
		return signaling.Description{}, err
	}
	return signaling.Description{Type: "offer", SDP: probe.LoopbackOnly(sdp), ID: "1"}, nil
}

// Accept implements signaling.Handler.
func (e *EchoPeer) Accept(ctx context.Context, ans signaling.Description) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := call[chromedp.Void](ctx, e.tab, "accept", probe.LoopbackOnly(ans.SDP)); err != nil {
		return fmt.Errorf("%w: %v", signaling.ErrUnprocessable, err)
	}
	return nil
}

// ClosedCount reports how many channels with label closed in the tab.
func (e *EchoPeer) ClosedCount(label string) int {
	n, err := call[int](context.Background(), e.tab, "closedFor", label)
	if err != nil {
		return -1
	}
	return n
}
