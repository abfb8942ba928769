package datachannel

import (
	"errors"
	"strings"
	"testing"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConfigInvalid: the rtc-shared config rule. A non-zero value outside a
// field's range (here or in the SCTP config) makes New fail with a clear
// error wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	for _, tc := range []struct {
		want string
		cfg  Config
	}{
		{"datachannel: invalid config: MaxChannels ", Config{MaxChannels: 70000}},
		{"datachannel: invalid config: MaxChannels ", Config{MaxChannels: -1}},
		{"datachannel: invalid config: MaxOpenLabelBytes ", Config{MaxOpenLabelBytes: -1}},
		{"datachannel: invalid config: MaxLabelBytes ", Config{MaxLabelBytes: -1}},
		{"datachannel: invalid config: MaxEvents ", Config{MaxEvents: -1}},
		{"datachannel: invalid config: MaxReadBuffer ", Config{MaxReadBuffer: -1}},
		{"sctp: invalid config: MaxEvents ", Config{SCTP: sctp.Config{MaxEvents: -1}}},
	} {
		m, err := New(tc.cfg)
		if m != nil || !errors.Is(err, shared.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, %v; want %q...", tc.cfg, m, err, tc.want)
		}
	}
	if _, err := New(Config{MaxChannels: 65534}); err != nil {
		t.Errorf("New with the largest MaxChannels: %v", err)
	}
}
