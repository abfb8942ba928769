package media

import (
	"errors"
	"strings"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	shared "github.com/sansrtc/rtc/rtc-shared"
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
	for _, tc := range []struct {
		field string
		cfg   Config
	}{
		{"MaxPackets", Config{MaxPackets: 40000}},
		{"MaxPackets", Config{MaxPackets: -1}},
		{"MaxPacketSize", Config{MaxPacketSize: -1}},
		{"MinDelay", Config{MinDelay: -time.Millisecond}},
		{"MaxDelay", Config{MaxDelay: -time.Millisecond}},
		{"NACKDelay", Config{NACKDelay: -time.Millisecond}},
		{"MaxNACKs", Config{MaxNACKs: -1}},
		{"MaxEvents", Config{MaxEvents: -1}},
	} {
		tc.cfg.Codec = codec
		jb, err := NewJitterBuffer(tc.cfg)
		if jb != nil || !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), "media: invalid config: "+tc.field+" ") {
			t.Errorf("%s: NewJitterBuffer = %v, %v; want an error naming the field", tc.field, jb, err)
		}
	}
	if _, err := NewJitterBuffer(Config{}); !errors.Is(err, ErrConfig) || !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("NewJitterBuffer without a codec: %v, want ErrConfig wrapping shared.ErrInvalidConfig", err)
	}
	if _, err := NewJitterBuffer(Config{Codec: codec, MaxPackets: 32768}); err != nil {
		t.Errorf("NewJitterBuffer with MaxPackets 32768: %v", err)
	}
}
