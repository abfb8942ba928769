package contracttest

import (
	"errors"
	"strings"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

type toyConfig struct{ Limit, Other int }

func (c toyConfig) validate() error {
	return errors.Join(shared.CheckMin("toy", "Limit", c.Limit, 1), shared.CheckMin("toy", "Other", c.Other, 1))
}

func TestConfigRule(t *testing.T) {
	ConfigRule(t, "toy", toyConfig.validate,
		[]BadConfig[toyConfig]{{"Limit", toyConfig{Limit: -1}}, {"Other", toyConfig{Other: -1}}},
		toyConfig{Limit: 1, Other: 5})
}

// TestConfigRuleCatches: a module that ignores a bad value, names the wrong
// field, does not wrap shared.ErrInvalidConfig, or refuses a good value
// fails the check.
func TestConfigRuleCatches(t *testing.T) {
	for name, tc := range map[string]struct {
		newFn func(toyConfig) error
		want  string
	}{
		"ignores":    {func(toyConfig) error { return nil }, "want an error wrapping shared.ErrInvalidConfig"},
		"plainerror": {func(toyConfig) error { return errors.New("toy: bad") }, "want an error wrapping"},
		"wrongfield": {func(c toyConfig) error { return shared.CheckMin("toy", "Other", c.Limit, 1) }, "want a *shared.ConfigError for toy.Limit"},
		"refuses": {func(c toyConfig) error {
			return errors.Join(c.validate(), shared.CheckMin("toy", "Limit", c.Limit, 2))
		}, "want it accepted"},
	} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{}
			ConfigRule(r, "toy", tc.newFn, []BadConfig[toyConfig]{{"Limit", toyConfig{Limit: -1}}}, toyConfig{Limit: 1})
			if len(r.failures) == 0 || !strings.Contains(strings.Join(r.failures, "\n"), tc.want) {
				t.Errorf("failures %q, want one with %q", r.failures, tc.want)
			}
		})
	}
}
