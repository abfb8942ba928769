package datachannel

import (
	"testing"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A non-zero value outside a
// field's range, here or in the SCTP config, makes New fail with a clear
// error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	newFn := func(c Config) error { _, err := New(c); return err }
	contracttest.ConfigRule(t, "datachannel", newFn, []contracttest.BadConfig[Config]{
		{Field: "MaxChannels", Config: Config{MaxChannels: 70000}},
		{Field: "MaxChannels", Config: Config{MaxChannels: -1}},
		{Field: "MaxOpenLabelBytes", Config: Config{MaxOpenLabelBytes: -1}},
		{Field: "MaxLabelBytes", Config: Config{MaxLabelBytes: -1}},
		{Field: "MaxEvents", Config: Config{MaxEvents: -1}},
		{Field: "MaxReadBuffer", Config: Config{MaxReadBuffer: -1}},
	}, Config{MaxChannels: 65534})
	contracttest.ConfigRule(t, "sctp", newFn, []contracttest.BadConfig[Config]{
		{Field: "MaxEvents", Config: Config{SCTP: sctp.Config{MaxEvents: -1}}},
	})
}
