package interceptor

import (
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigInvalid: the rtc-shared config rule. A negative interval or
// limit used to be replaced by the default silently; NewChain now fails with
// a clear error naming the field and wrapping shared.ErrInvalidConfig.
func TestConfigInvalid(t *testing.T) {
	newFn := func(c Config) error { c.SSRC = 1; _, err := NewChain(c); return err }
	contracttest.ConfigRule(t, "interceptor", newFn, []contracttest.BadConfig[Config]{
		{Field: "ReportInterval", Config: Config{ReportInterval: -time.Second}},
		{Field: "SessionBandwidth", Config: Config{SessionBandwidth: -1}},
		{Field: "MaxStreams", Config: Config{MaxStreams: -1}},
		{Field: "MaxEvents", Config: Config{MaxEvents: -1}},
		{Field: "MaxOutput", Config: Config{MaxOutput: -1}},
		// The units' configs: a ring over 32768 used to be rounded down,
		// negative values replaced by the default.
		{Field: "NACKGenerator.Size", Config: Config{NACKGenerator: NACKGeneratorConfig{Size: 1 << 16}}},
		{Field: "NACKGenerator.MaxAge", Config: Config{NACKGenerator: NACKGeneratorConfig{MaxAge: -1}}},
		{Field: "NACKResponder.HistorySize", Config: Config{NACKResponder: NACKResponderConfig{HistorySize: -1}}},
		{Field: "NACKResponder.MaxBitrate", Config: Config{NACKResponder: NACKResponderConfig{MaxBitrate: -1}}},
		{Field: "TWCCReceiver.Interval", Config: Config{TWCCReceiver: TWCCReceiverConfig{Interval: -time.Millisecond}}},
		{Field: "TWCCSender.History", Config: Config{TWCCSender: TWCCSenderConfig{History: 1 << 16}}},
		{Field: "Keyframe.MinInterval", Config: Config{Keyframe: KeyframeRequesterConfig{MinInterval: -1}}},
	}, Config{MaxOutput: 1}, Config{NACKGenerator: NACKGeneratorConfig{Size: 1 << 15}, TWCCSender: TWCCSenderConfig{History: 1}})
	contracttest.ConfigRule(t, "interceptor", func(c NACKGeneratorConfig) error { return c.Validate() },
		[]contracttest.BadConfig[NACKGeneratorConfig]{{Field: "MaxRetries", Config: NACKGeneratorConfig{MaxRetries: -1}}})
}
