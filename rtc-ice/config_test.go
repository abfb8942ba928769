package ice

import (
	"errors"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConfigInvalid: the rtc-shared config rule. A negative duration or
// limit used to be replaced by the default silently; NewAgent now fails
// with a clear error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"Ta", Config{Ta: -time.Millisecond}},
		{"CheckRTO", Config{CheckRTO: -1}},
		{"MaxCheckTransmissions", Config{MaxCheckTransmissions: -1}},
		{"ConsentTimeout", Config{ConsentTimeout: -time.Second}},
		{"MaxCandidates", Config{MaxCandidates: -1}},
		{"MaxPairs", Config{MaxPairs: -100}},
		{"MaxQueue", Config{MaxQueue: -1}},
	} {
		a, err := NewAgent(tc.cfg)
		if a != nil || !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), "ice: invalid config: "+tc.field+" ") {
			t.Errorf("%s: NewAgent(%+v) = %v, %v; want an error naming the field", tc.field, tc.cfg, a, err)
		}
	}
	if _, err := NewAgent(Config{Rand: strings.NewReader(strings.Repeat("x", 64)), MaxPairs: 1}); err != nil {
		t.Errorf("NewAgent with MaxPairs 1: %v", err)
	}
}
