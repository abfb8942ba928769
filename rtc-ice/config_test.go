package ice

import (
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A negative duration or
// limit used to be replaced by the default silently; NewAgent now fails
// with a clear error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	newFn := func(c Config) error {
		c.Rand = strings.NewReader(strings.Repeat("x", 64))
		_, err := NewAgent(c)
		return err
	}
	contracttest.ConfigRule(t, "ice", newFn, []contracttest.BadConfig[Config]{
		{Field: "Ta", Config: Config{Ta: -time.Millisecond}},
		{Field: "CheckRTO", Config: Config{CheckRTO: -1}},
		{Field: "MaxCheckTransmissions", Config: Config{MaxCheckTransmissions: -1}},
		{Field: "ConsentTimeout", Config: Config{ConsentTimeout: -time.Second}},
		{Field: "MaxCandidates", Config: Config{MaxCandidates: -1}},
		{Field: "MaxPairs", Config: Config{MaxPairs: -100}},
		{Field: "MaxQueue", Config: Config{MaxQueue: -1}},
	}, Config{MaxPairs: 1})
}
