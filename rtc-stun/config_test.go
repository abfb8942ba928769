package stun

import (
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule, through Validate (NewClient
// cannot fail).
func TestConfigInvalid(t *testing.T) {
	contracttest.ConfigRule(t, "stun", func(c Config) error { return c.Validate() }, []contracttest.BadConfig[Config]{
		{Field: "RTO", Config: Config{RTO: -time.Millisecond}},
		{Field: "MaxRTO", Config: Config{MaxRTO: -1}},
		{Field: "Rc", Config: Config{Rc: -1}},
		{Field: "Rm", Config: Config{Rm: -1}},
		{Field: "Ti", Config: Config{Ti: -time.Second}},
		{Field: "MaxTransactions", Config: Config{MaxTransactions: -1}},
		{Field: "MaxEvents", Config: Config{MaxEvents: -1}},
	}, Config{RTO: time.Millisecond, Rc: 1})
}
