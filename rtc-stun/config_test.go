package stun

import (
	"errors"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConfigInvalid: the rtc-shared config rule. A negative value used to
// be replaced by the default silently; Validate now names the field in an
// error wrapping shared.ErrInvalidConfig, and accepts zero (the default).
func TestConfigInvalid(t *testing.T) {
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"RTO", Config{RTO: -time.Millisecond}},
		{"MaxRTO", Config{MaxRTO: -1}},
		{"Rc", Config{Rc: -1}},
		{"Rm", Config{Rm: -1}},
		{"Ti", Config{Ti: -time.Second}},
		{"MaxTransactions", Config{MaxTransactions: -1}},
		{"MaxEvents", Config{MaxEvents: -1}},
	} {
		err := tc.cfg.Validate()
		if !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), "stun: invalid config: "+tc.field+" ") {
			t.Errorf("%s: Validate(%+v) = %v; want an error naming the field", tc.field, tc.cfg, err)
		}
	}
	for _, cfg := range []Config{{}, {RTO: time.Millisecond, Rc: 1}} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", cfg, err)
		}
	}
}
