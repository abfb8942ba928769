// Package probe is the scenario every data channel interop test runs: a
// prober (headless Chromium, Pion, or sansrtc) connects to an echo peer that
// speaks rtc/driver/signaling/SIGNALING.md, opens channels, checks byte-exact echoes and
// closes from either side.
package probe

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Channel labels of the scenario.
const (
	Probe      = "probe"      // ordered, reliable, in-band
	Unordered  = "unordered"  // ordered: false, in-band
	Negotiated = "negotiated" // negotiated: true, id NegotiatedID
	CloseMine  = "close-mine" // closed by the prober; the echo peer must see it
	CloseYours = "close-yours"
	// CloseCommand sent as text makes an echo peer close the channel it came on.
	CloseCommand = "__close__"
)

// NegotiatedID is the stream id of the negotiated channel.
const NegotiatedID = 100

// InBand lists the in-band channels a prober opens.
var InBand = []string{Probe, Unordered, CloseMine, CloseYours}

// Sizes are the message sizes that must echo byte-exact.
var Sizes = []int{1, 1 << 10, 16 << 10, 64 << 10, 256 << 10}

// Prober is one side of the scenario.
type Prober interface {
	// Offer creates the channels and returns an offer after gathering.
	Offer(ctx context.Context) (string, error)
	// Accept applies the answer to Offer.
	Accept(ctx context.Context, sdp string) error
	// Answer applies a remote offer and returns the answer after gathering.
	Answer(ctx context.Context, sdp string) (string, error)
	// OpenChannels creates the in-band and negotiated channels (after Answer).
	OpenChannels(ctx context.Context) error
	// WaitOpen waits until the channel is open.
	WaitOpen(ctx context.Context, label string) error
	// Echo sends one message of size bytes and checks the echo.
	Echo(ctx context.Context, label string, size int, binary bool) error
	// Close closes the channel.
	Close(ctx context.Context, label string) error
	// Send sends a text message without waiting for anything.
	SendText(ctx context.Context, label, text string) error
	// WaitClosed waits until the channel is closed.
	WaitClosed(ctx context.Context, label string) error
	// Shutdown closes the peer connection.
	Shutdown()
}

// Pattern returns size deterministic bytes; printable ASCII so the same
// bytes can go as a string.
func Pattern(size int, seed int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte('!' + (i*7+seed*13)%90)
	}
	return b
}

// LoopbackOnly removes every a=candidate line whose address is not loopback
// (both sides use loopback candidates only: no test sends a packet off
// this machine).
func LoopbackOnly(sdp string) string {
	lines := strings.Split(sdp, "\r\n")
	out := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(l, "a=candidate:") {
			f := strings.Fields(l)
			if len(f) < 6 {
				continue
			}
			ip, err := netip.ParseAddr(f[4])
			if err != nil || !ip.IsLoopback() {
				continue
			}
			if _, err := strconv.Atoi(f[5]); err != nil {
				continue
			}
			if strings.ToLower(f[2]) != "udp" {
				continue
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\r\n")
}

// Failf formats a scenario failure.
func Failf(format string, args ...any) error { return fmt.Errorf("probe: "+format, args...) }
