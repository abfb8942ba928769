package shared

import (
	"cmp"
	"errors"
	"fmt"
)

// The config-default rule, the same in every module:
//
//   - Each module has one Config struct. Each field documents its default:
//     "If zero, X is used." An unexported accessor applies it, usually with
//     OrDefault: func (c *Config) maxEvents() int { return
//     shared.OrDefault(c.MaxEvents, 256) }.
//   - Zero always means the documented default, never "nothing" (a field
//     for which zero means "none" or "off" says so instead of naming a
//     default, and a field where a negative value has a meaning, such as
//     "disabled", documents it).
//   - A non-zero value outside the documented range is an error, never
//     silently replaced by the default or clamped: the module's New returns
//     a *ConfigError, which wraps ErrInvalidConfig, naming the field, the
//     value and the range. Each Config has a Validate method that New
//     calls, built from CheckMin and CheckRange.
//
// So a typo such as MaxEvents: -1 fails at once, in New, instead of running
// with a limit the caller did not ask for.

// ErrInvalidConfig reports a Config field outside its documented range.
// Every module's ConfigError unwraps to it.
var ErrInvalidConfig = errors.New("shared: invalid config")

// ConfigError describes a Config field that New refused.
type ConfigError struct {
	Layer string // "sctp", "ice", ...
	Field string // the Config field, e.g. "MTU"
	Value string // the value given, formatted
	Want  string // the accepted values, e.g. "at least 256"
}

// Error formats the error as "sctp: invalid config: MTU is 100, want at
// least 256 (or zero for the default)".
func (e *ConfigError) Error() string {
	return e.Layer + ": invalid config: " + e.Field + " is " + e.Value + ", want " + e.Want +
		" (or zero for the default)"
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// OrDefault returns v, or def if v is the zero value: the accessor of a
// Config field whose documentation says "If zero, def is used".
func OrDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// CheckMin returns a *ConfigError for field when v is neither zero (the
// default) nor at least lo, and nil otherwise.
func CheckMin[T cmp.Ordered](layer, field string, v, lo T) error {
	var zero T
	if v == zero || v >= lo {
		return nil
	}
	return &ConfigError{Layer: layer, Field: field, Value: fmt.Sprint(v), Want: fmt.Sprint("at least ", lo)}
}

// CheckRange returns a *ConfigError for field when v is neither zero (the
// default) nor within [lo, hi], and nil otherwise.
func CheckRange[T cmp.Ordered](layer, field string, v, lo, hi T) error {
	var zero T
	if v == zero || v >= lo && v <= hi {
		return nil
	}
	return &ConfigError{Layer: layer, Field: field, Value: fmt.Sprint(v),
		Want: fmt.Sprint("between ", lo, " and ", hi)}
}
