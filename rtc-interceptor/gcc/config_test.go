package gcc

import (
	"testing"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A negative bitrate or
// interval used to be replaced by the default silently; NewChain now fails
// with a clear error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	newFn := func(c Config) error { _, _, err := NewChain(interceptor.Config{SSRC: 1}, c); return err }
	contracttest.ConfigRule(t, "gcc", newFn, []contracttest.BadConfig[Config]{
		{Field: "StartBitrate", Config: Config{StartBitrate: -1}},
		{Field: "MinBitrate", Config: Config{MinBitrate: -1}},
		{Field: "MaxBitrate", Config: Config{MaxBitrate: -1}},
		{Field: "ALRProbeInterval", Config: Config{ALRProbeInterval: -time.Second}},
	}, Config{MinBitrate: 1, ALRProbeInterval: time.Millisecond})
}
