package srtp

import (
	"errors"
	"strings"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConfigInvalid: the rtc-shared config rule. A ReplayWindow below 64
// used to be raised to 64 and a negative MaxSSRCs replaced by the default;
// NewContext now fails with a clear error naming the field and wrapping
// shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	key, salt := testKeys(AEADAES128GCM)
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"ReplayWindow", Config{ReplayWindow: 32}},
		{"ReplayWindow", Config{ReplayWindow: -1}},
		{"ReplayWindow", Config{ReplayWindow: 1 << 20}},
		{"MaxSSRCs", Config{MaxSSRCs: -1}},
	} {
		tc.cfg.Profile, tc.cfg.MasterKey, tc.cfg.MasterSalt = AEADAES128GCM, key, salt
		c, err := NewContext(tc.cfg)
		if c != nil || !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), "srtp: invalid config: "+tc.field+" ") {
			t.Errorf("%s: NewContext = %v, %v; want an error naming the field", tc.field, c, err)
		}
	}
	if _, err := NewContext(Config{}); !errors.Is(err, ErrBadConfig) || !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("NewContext(Config{}): %v, want ErrBadConfig wrapping shared.ErrInvalidConfig", err)
	}
	if _, err := NewContext(Config{Profile: AEADAES128GCM, MasterKey: key, MasterSalt: salt, ReplayWindow: 1 << 15}); err != nil {
		t.Errorf("NewContext with the largest ReplayWindow: %v", err)
	}
}
