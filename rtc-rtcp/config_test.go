package rtcp

import (
	"testing"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule, through Validate
// (NewDecoder cannot fail).
func TestConfigInvalid(t *testing.T) {
	contracttest.ConfigRule(t, "rtcp", func(c Config) error { return c.Validate() }, []contracttest.BadConfig[Config]{
		{Field: "MaxPackets", Config: Config{MaxPackets: -1}},
	}, Config{MaxPackets: 1})
}
