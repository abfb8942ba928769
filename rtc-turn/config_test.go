package turn

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A value out of range used
// to be replaced by the default silently (or, for a Lifetime under 1 s, sent
// as LIFETIME 0, which deallocates); NewClient now fails with a clear error
// naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	newFn := func(c Config) error {
		c.Server, c.Local = netip.MustParseAddrPort("203.0.113.1:3478"), netip.MustParseAddrPort("192.0.2.1:5000")
		c.Username, c.Password = "u", "p"
		_, err := NewClient(c)
		return err
	}
	contracttest.ConfigRule(t, "turn", newFn, []contracttest.BadConfig[Config]{
		{Field: "Lifetime", Config: Config{Lifetime: 500 * time.Millisecond}},
		{Field: "Lifetime", Config: Config{Lifetime: -time.Minute}},
		{Field: "Family", Config: Config{Family: 3}},
		{Field: "RTO", Config: Config{RTO: -1}},
		{Field: "MaxPermissions", Config: Config{MaxPermissions: -1}},
		{Field: "MaxChannels", Config: Config{MaxChannels: -1}},
		{Field: "MaxPending", Config: Config{MaxPending: -1}},
		{Field: "MaxQueue", Config: Config{MaxQueue: -1}},
		{Field: "MaxStreamBuffer", Config: Config{MaxStreamBuffer: -1}},
	}, Config{KeepaliveInterval: -1, Lifetime: time.Second, Family: FamilyIPv6})
	if _, err := NewClient(Config{}); !errors.Is(err, ErrBadConfig) || !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("NewClient(Config{}): %v, want ErrBadConfig wrapping shared.ErrInvalidConfig", err)
	}
}
