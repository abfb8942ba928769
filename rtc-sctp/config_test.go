package sctp

import (
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A non-zero value outside a
// field's range makes New fail with a clear error naming the field and
// wrapping shared.ErrInvalidConfig: negative limits used to be taken as
// given, an MTU under 256 and a DelayedAckTimeout over 500 ms clamped. The
// documented negative values (PeerMaxMessageSize, HeartbeatInterval) are
// accepted.
func TestConfigInvalid(t *testing.T) {
	contracttest.ConfigRule(t, "sctp", func(c Config) error { _, err := New(c); return err }, []contracttest.BadConfig[Config]{
		{Field: "MTU", Config: Config{MTU: 100}},
		{Field: "MTU", Config: Config{MTU: 70000}},
		{Field: "MaxMessageSize", Config: Config{MaxMessageSize: -1}},
		{Field: "ReceiveBufferSize", Config: Config{ReceiveBufferSize: 1000}},
		{Field: "SendBufferSize", Config: Config{SendBufferSize: -5}},
		{Field: "RTOMin", Config: Config{RTOMin: -time.Second}},
		{Field: "MaxRetransmits", Config: Config{MaxRetransmits: -1}},
		{Field: "DelayedAckTimeout", Config: Config{DelayedAckTimeout: 501 * time.Millisecond}},
		{Field: "MaxEvents", Config: Config{MaxEvents: -1}},
		{Field: "MaxGapBlocks", Config: Config{MaxGapBlocks: -1}},
	}, Config{PeerMaxMessageSize: -1, HeartbeatInterval: -1}, Config{MTU: 256, ReceiveBufferSize: 1500})
}
