package sdp

import (
	"testing"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule, through Validate
// (Config.Parse treats a refused value as zero).
func TestConfigInvalid(t *testing.T) {
	contracttest.ConfigRule(t, "sdp", func(c Config) error { return c.Validate() }, []contracttest.BadConfig[Config]{
		{Field: "MaxSize", Config: Config{MaxSize: -1}},
		{Field: "MaxMediaSections", Config: Config{MaxMediaSections: -1}},
		{Field: "MaxLines", Config: Config{MaxLines: -1}},
	}, Config{MaxSize: 1, MaxLines: 1})
}
