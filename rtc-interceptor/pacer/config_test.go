package pacer

import (
	"math"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule, through Validate (New
// cannot fail), and New treats a refused PacingFactor as the default.
func TestConfigInvalid(t *testing.T) {
	contracttest.ConfigRule(t, "pacer", func(c Config) error { return c.Validate() }, []contracttest.BadConfig[Config]{
		{Field: "PacingFactor", Config: Config{PacingFactor: 0.5}},
		{Field: "PacingFactor", Config: Config{PacingFactor: math.NaN()}},
		{Field: "MaxPackets", Config: Config{MaxPackets: -1}},
		{Field: "MaxBytes", Config: Config{MaxBytes: -1}},
		{Field: "MaxBurst", Config: Config{MaxBurst: -time.Millisecond}},
		{Field: "PaddingSize", Config: Config{PaddingSize: -1}},
	}, Config{PacingFactor: 1, MaxPackets: 1})
	for _, f := range []float64{0.5, -1, math.NaN()} {
		if c := (Config{PacingFactor: f}); c.factor() != 2.5 {
			t.Errorf("PacingFactor %v: factor %v, want the default 2.5", f, c.factor())
		}
	}
}
