package turn

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConfigInvalid: the rtc-shared config rule. A value out of range used
// to be replaced by the default silently (or, for a Lifetime under 1 s, sent
// as LIFETIME 0, which deallocates); NewClient now fails with a clear error
// naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	base := Config{Server: netip.MustParseAddrPort("203.0.113.1:3478"),
		Local: netip.MustParseAddrPort("192.0.2.1:5000"), Username: "u", Password: "p"}
	for _, tc := range []struct {
		field string
		set   func(*Config)
	}{
		{"Lifetime", func(c *Config) { c.Lifetime = 500 * time.Millisecond }},
		{"Lifetime", func(c *Config) { c.Lifetime = -time.Minute }},
		{"Family", func(c *Config) { c.Family = 3 }},
		{"RTO", func(c *Config) { c.RTO = -1 }},
		{"MaxPermissions", func(c *Config) { c.MaxPermissions = -1 }},
		{"MaxChannels", func(c *Config) { c.MaxChannels = -1 }},
		{"MaxPending", func(c *Config) { c.MaxPending = -1 }},
		{"MaxQueue", func(c *Config) { c.MaxQueue = -1 }},
		{"MaxStreamBuffer", func(c *Config) { c.MaxStreamBuffer = -1 }},
	} {
		cfg := base
		tc.set(&cfg)
		c, err := NewClient(cfg)
		if c != nil || !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), "turn: invalid config: "+tc.field+" ") {
			t.Errorf("%s: NewClient = %v, %v; want an error naming the field", tc.field, c, err)
		}
	}
	if _, err := NewClient(Config{}); !errors.Is(err, ErrBadConfig) || !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("NewClient(Config{}): %v, want ErrBadConfig wrapping shared.ErrInvalidConfig", err)
	}
	cfg := base
	cfg.KeepaliveInterval, cfg.Lifetime, cfg.Family = -1, time.Second, FamilyIPv6
	if _, err := NewClient(cfg); err != nil {
		t.Errorf("NewClient with a disabled keepalive, 1 s lifetime and IPv6: %v", err)
	}
}
