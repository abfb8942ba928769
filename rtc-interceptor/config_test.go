package interceptor

import (
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A negative interval or
// limit used to be replaced by the default silently; NewChain now fails with
// a clear error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	newFn := func(c Config) error { c.SSRC = 1; _, err := NewChain(c); return err }
	contracttest.ConfigRule(t, "interceptor", newFn, []contracttest.BadConfig[Config]{
		{Field: "ReportInterval", Config: Config{ReportInterval: -time.Second}},
		{Field: "SessionBandwidth", Config: Config{SessionBandwidth: -1}},
		{Field: "MaxStreams", Config: Config{MaxStreams: -1}},
		{Field: "MaxEvents", Config: Config{MaxEvents: -1}},
		{Field: "MaxOutput", Config: Config{MaxOutput: -1}},
	}, Config{MaxOutput: 1})
}
