package sctp

import (
	"errors"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConfigInvalid: the rtc-shared config rule. A non-zero value outside a
// field's range makes New fail with a clear error naming the field and
// wrapping shared.ErrInvalidConfig, instead of being replaced or clamped.
func TestConfigInvalid(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"MTU", Config{MTU: 100}},
		{"MTU", Config{MTU: 70000}},
		{"MaxMessageSize", Config{MaxMessageSize: -1}},
		{"ReceiveBufferSize", Config{ReceiveBufferSize: 1000}},
		{"SendBufferSize", Config{SendBufferSize: -5}},
		{"RTOMin", Config{RTOMin: -time.Second}},
		{"MaxRetransmits", Config{MaxRetransmits: -1}},
		{"DelayedAckTimeout", Config{DelayedAckTimeout: 501 * time.Millisecond}},
		{"MaxEvents", Config{MaxEvents: -1}},
		{"MaxGapBlocks", Config{MaxGapBlocks: -1}},
	} {
		a, err := New(tc.cfg)
		if a != nil || !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), "sctp: invalid config: "+tc.field+" ") {
			t.Errorf("%s: New(%+v) = %v, %v; want an error naming the field", tc.field, tc.cfg, a, err)
		}
	}
	// Zero means the default; the documented negative values are accepted.
	for _, cfg := range []Config{{}, {PeerMaxMessageSize: -1, HeartbeatInterval: -1}, {MTU: 256, ReceiveBufferSize: 1500}} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}
