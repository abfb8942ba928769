package interceptor

import (
	"errors"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConfigInvalid: the rtc-shared config rule. A negative interval or
// limit used to be replaced by the default silently; NewChain now fails with
// a clear error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"ReportInterval", Config{ReportInterval: -time.Second}},
		{"SessionBandwidth", Config{SessionBandwidth: -1}},
		{"MaxStreams", Config{MaxStreams: -1}},
		{"MaxEvents", Config{MaxEvents: -1}},
		{"MaxOutput", Config{MaxOutput: -1}},
	} {
		c, err := NewChain(tc.cfg)
		if c != nil || !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), "interceptor: invalid config: "+tc.field+" ") {
			t.Errorf("%s: NewChain(%+v) = %v, %v; want an error naming the field", tc.field, tc.cfg, c, err)
		}
	}
	if _, err := NewChain(Config{SSRC: 1, MaxOutput: 1}); err != nil {
		t.Errorf("NewChain with MaxOutput 1: %v", err)
	}
}
