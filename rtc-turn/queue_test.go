package turn

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// A full event queue is reported by the next Handle* call (shared contract:
// a bounded queue returns an error, nothing is dropped silently), once.
func TestEventQueueFullReported(t *testing.T) {
	c, err := NewClient(Config{
		Server: netip.MustParseAddrPort("203.0.113.1:3478"), Local: netip.MustParseAddrPort("192.0.2.1:5000"),
		Username: "u", Password: "p", MaxQueue: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.event(Event{Kind: EventRefreshed})
	c.event(Event{Kind: EventRefreshed}) // the queue holds one: this one is lost
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := c.HandleTimeout(now); !errors.Is(err, shared.ErrQueueFull) {
		t.Fatalf("HandleTimeout after a lost event = %v, want ErrQueueFull", err)
	}
	if c.Stats().Dropped != 1 {
		t.Errorf("Stats.Dropped = %d, want 1", c.Stats().Dropped)
	}
	if err := c.HandleTimeout(now); err != nil {
		t.Fatalf("HandleTimeout after the loss was reported = %v, want nil", err)
	}
}
