package probe

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// Direction says who offers.
type Direction int

// Directions.
const (
	ProberOffers Direction = iota // POST /offer
	PeerOffers                    // GET /offer + POST /answer
)

func (d Direction) String() string {
	if d == PeerOffers {
		return "peer-offers"
	}
	return "prober-offers"
}

// Debug, if set, receives the descriptions exchanged.
var Debug func(format string, args ...any)

// Connect runs signaling between the prober and the echo peer at base.
func Connect(ctx context.Context, p Prober, base string, dir Direction) error {
	_, err := connect(ctx, p, base, dir)
	return err
}

// connect is Connect that also returns the echo peer's description.
func connect(ctx context.Context, p Prober, base string, dir Direction) (string, error) {
	switch dir {
	case ProberOffers:
		off, err := p.Offer(ctx)
		if err != nil {
			return "", fmt.Errorf("prober offer: %w", err)
		}
		ans, err := signaling.PostOffer(ctx, base, signaling.Description{SDP: LoopbackOnly(off)})
		if err != nil {
			return "", fmt.Errorf("POST /offer: %w", err)
		}
		if err := p.Accept(ctx, LoopbackOnly(ans.SDP)); err != nil {
			return "", fmt.Errorf("prober accepting answer: %w", err)
		}
		return ans.SDP, nil
	case PeerOffers:
		off, err := signaling.GetOffer(ctx, base)
		if err != nil {
			return "", fmt.Errorf("GET /offer: %w", err)
		}
		ans, err := p.Answer(ctx, LoopbackOnly(off.SDP))
		if err != nil {
			return "", fmt.Errorf("prober answer: %w", err)
		}
		if Debug != nil {
			Debug("offer:\n%s\nanswer:\n%s", off.SDP, ans)
		}
		if err := signaling.PostAnswer(ctx, base, signaling.Description{SDP: LoopbackOnly(ans), ID: off.ID}); err != nil {
			return "", fmt.Errorf("POST /answer: %w", err)
		}
		if err := p.OpenChannels(ctx); err != nil {
			return "", fmt.Errorf("prober channels: %w", err)
		}
		return off.SDP, nil
	}
	return "", fmt.Errorf("unknown direction %d", dir)
}

// MaxMessageSize reads a=max-message-size from a description (RFC 8841
// §6): 64 KiB when absent (§6.1), 0 when the peer takes any size.
func MaxMessageSize(sdp string) int {
	for _, l := range strings.Split(sdp, "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(l), "a=max-message-size:")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 31)
		if err != nil {
			break // malformed: assume the default
		}
		return int(n)
	}
	return 64 << 10
}

// Run connects p to the echo peer at base and runs the whole scenario as
// subtests. closedCount reports how many channels with a label the echo peer
// saw close.
func Run(t *testing.T, p Prober, base string, dir Direction, closedCount func(string) int) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	remote, err := connect(ctx, p, base, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Never send more than the echo peer accepts (RFC 8841 §6.1).
	limit := MaxMessageSize(remote)
	for _, l := range append([]string{Negotiated}, InBand...) {
		if err := p.WaitOpen(ctx, l); err != nil {
			t.Fatalf("open: %v", err)
		}
	}
	t.Logf("%s: channels open after %v", dir, time.Since(start).Round(time.Millisecond))
	for _, l := range []string{Probe, Unordered, Negotiated} {
		for _, binary := range []bool{false, true} {
			name := fmt.Sprintf("%s/string", l)
			if binary {
				name = fmt.Sprintf("%s/binary", l)
			}
			t.Run(name, func(t *testing.T) {
				for _, size := range Sizes {
					if limit > 0 && size > limit {
						t.Logf("%d B skipped: above the peer's max-message-size %d", size, limit)
						continue
					}
					if err := p.Echo(ctx, l, size, binary); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
	t.Run("close-by-prober", func(t *testing.T) {
		before := closedCount(CloseMine)
		if err := p.Close(ctx, CloseMine); err != nil {
			t.Fatal(err)
		}
		for closedCount(CloseMine) == before {
			select {
			case <-ctx.Done():
				t.Fatal("echo peer did not see the close")
			case <-time.After(10 * time.Millisecond):
			}
		}
		if err := p.WaitClosed(ctx, CloseMine); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("close-by-peer", func(t *testing.T) {
		if err := p.SendText(ctx, CloseYours, CloseCommand); err != nil {
			t.Fatal(err)
		}
		if err := p.WaitClosed(ctx, CloseYours); err != nil {
			t.Fatal(err)
		}
	})
}
