package srtp

import (
	"errors"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A ReplayWindow below 64
// used to be raised to 64 and a negative MaxSSRCs replaced by the default;
// NewContext now fails with a clear error naming the field and wrapping
// shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	key, salt := testKeys(AEADAES128GCM)
	newFn := func(c Config) error {
		c.Profile, c.MasterKey, c.MasterSalt = AEADAES128GCM, key, salt
		_, err := NewContext(c)
		return err
	}
	contracttest.ConfigRule(t, "srtp", newFn, []contracttest.BadConfig[Config]{
		{Field: "ReplayWindow", Config: Config{ReplayWindow: 32}},
		{Field: "ReplayWindow", Config: Config{ReplayWindow: -1}},
		{Field: "ReplayWindow", Config: Config{ReplayWindow: 1 << 20}},
		{Field: "MaxSSRCs", Config: Config{MaxSSRCs: -1}},
	}, Config{ReplayWindow: 1 << 15})
	if _, err := NewContext(Config{}); !errors.Is(err, ErrBadConfig) || !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("NewContext(Config{}): %v, want ErrBadConfig wrapping shared.ErrInvalidConfig", err)
	}
}
