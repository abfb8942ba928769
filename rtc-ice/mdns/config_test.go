package mdns

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule, for both constructors. A
// negative duration or limit used to be replaced by the default silently, a
// MaxInterval or TTL under 1 s raised to 1 s; both now fail with a clear
// error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	nine := make([]netip.AddrPort, 9)
	for i := range nine {
		nine[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}), Port)
	}
	bad := []contracttest.BadConfig[Config]{
		{Field: "Locals", Config: Config{Locals: nine}},
		{Field: "Locals", Config: Config{Locals: []netip.AddrPort{{}}}},
		{Field: "Timeout", Config: Config{Timeout: -time.Second}},
		{Field: "MaxInterval", Config: Config{MaxInterval: 500 * time.Millisecond}},
		{Field: "MaxNames", Config: Config{MaxNames: -1}},
		{Field: "MaxCache", Config: Config{MaxCache: -1}},
		{Field: "MaxEvents", Config: Config{MaxEvents: -1}},
		{Field: "TTL", Config: Config{TTL: 500 * time.Millisecond}},
	}
	good := Config{Locals: nine[:8], MaxInterval: time.Second, TTL: time.Second}
	contracttest.ConfigRule(t, "mdns", func(c Config) error { _, err := NewQuerier(c); return err }, bad, good)
	contracttest.ConfigRule(t, "mdns", func(c Config) error { _, err := NewResponder(c); return err }, bad, good)
}
