package rtp

import (
	"testing"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule, through Validate
// (NewFrameAssembler cannot fail).
func TestConfigInvalid(t *testing.T) {
	contracttest.ConfigRule(t, "rtp", func(c Config) error { return c.Validate() }, []contracttest.BadConfig[Config]{
		{Field: "MaxFrameSize", Config: Config{MaxFrameSize: -1}},
		{Field: "MaxPacketsPerFrame", Config: Config{MaxPacketsPerFrame: -1}},
	}, Config{MaxFrameSize: 1, MaxPacketsPerFrame: 1})
}
