package media

import (
	"errors"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A negative limit or
// duration used to be replaced by the default silently, and a MaxPackets
// over 32768 lowered; NewJitterBuffer now fails with a clear error naming
// the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	codec, ok := rtp.LookupCodec("video/VP8")
	if !ok {
		t.Fatal("no VP8 codec")
	}
	newFn := func(c Config) error { c.Codec = codec; _, err := NewJitterBuffer(c); return err }
	contracttest.ConfigRule(t, "media", newFn, []contracttest.BadConfig[Config]{
		{Field: "MaxPackets", Config: Config{MaxPackets: 40000}},
		{Field: "MaxPackets", Config: Config{MaxPackets: -1}},
		{Field: "MaxPacketSize", Config: Config{MaxPacketSize: -1}},
		{Field: "MinDelay", Config: Config{MinDelay: -time.Millisecond}},
		{Field: "MaxDelay", Config: Config{MaxDelay: -time.Millisecond}},
		{Field: "NACKDelay", Config: Config{NACKDelay: -time.Millisecond}},
		{Field: "MaxNACKs", Config: Config{MaxNACKs: -1}},
		{Field: "MaxEvents", Config: Config{MaxEvents: -1}},
	}, Config{MaxPackets: 32768})
	if _, err := NewJitterBuffer(Config{}); !errors.Is(err, ErrConfig) || !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("NewJitterBuffer without a codec: %v, want ErrConfig wrapping shared.ErrInvalidConfig", err)
	}
}
