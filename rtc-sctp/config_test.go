package sctp

import (
	"strconv"
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
	good := []Config{{PeerMaxMessageSize: -1, HeartbeatInterval: -1}, {MTU: 256, ReceiveBufferSize: 1500}}
	var wide []contracttest.BadConfig[Config]
	if strconv.IntSize == 64 { // a window past 32 bits (a_rwnd) needs a 64-bit int
		w := int64(1) << 32
		wide = append(wide, contracttest.BadConfig[Config]{Field: "ReceiveBufferSize", Config: Config{ReceiveBufferSize: int(w)}})
		good = append(good, Config{ReceiveBufferSize: int(w - 1)})
	}
	contracttest.ConfigRule(t, "sctp", func(c Config) error { _, err := New(c); return err }, append(wide, []contracttest.BadConfig[Config]{
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
	}...), good...)
}
