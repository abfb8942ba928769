package contracttest

import (
	"errors"
	"strings"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// BadConfig is a Config with one field out of its documented range.
type BadConfig[C any] struct {
	Field  string // the field the error must name, e.g. "MTU"
	Config C
}

// ConfigRule checks the config-default rule of rtc-shared for one module.
// newFn is the module's New reduced to its error (or Config.Validate where
// New cannot fail). For each bad config, newFn must fail with an error that
// wraps shared.ErrInvalidConfig, carries a *shared.ConfigError for layer
// and the named field, and says so in its text ("sctp: invalid config: MTU
// is 100, ..."). The zero Config and each good one must be accepted.
//
//	contracttest.ConfigRule(t, "sctp", func(c sctp.Config) error { _, err := sctp.New(c); return err },
//		[]contracttest.BadConfig[sctp.Config]{{"MTU", sctp.Config{MTU: 100}}})
func ConfigRule[C any](tb testing.TB, layer string, newFn func(C) error, bad []BadConfig[C], good ...C) {
	tb.Helper()
	for _, b := range bad {
		err := newFn(b.Config)
		var ce *shared.ConfigError
		switch {
		case !errors.Is(err, shared.ErrInvalidConfig):
			tb.Errorf("%s: %+v: got %v, want an error wrapping shared.ErrInvalidConfig", b.Field, b.Config, err)
		case !errors.As(err, &ce) || ce.Layer != layer || ce.Field != b.Field:
			tb.Errorf("%s: %+v: got %v, want a *shared.ConfigError for %s.%s", b.Field, b.Config, err, layer, b.Field)
		case !strings.Contains(err.Error(), layer+": invalid config: "+b.Field+" "):
			tb.Errorf("%s: %+v: the error %q does not name the field", b.Field, b.Config, err)
		}
	}
	var zero C
	for _, g := range append([]C{zero}, good...) {
		if err := newFn(g); err != nil {
			tb.Errorf("%+v: got %v, want it accepted", g, err)
		}
	}
}
