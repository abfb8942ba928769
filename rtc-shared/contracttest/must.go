package contracttest

import (
	"errors"
	"testing"
)

// Must fails the test on an error a call was not expected to return, so no
// test discards one. Modules alias it: var must = contracttest.Must.
func Must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%v", err)
	}
}

// Allow fails the test on an error other than nil or one wrapping an
// allowed error (input a machine drops and counts, say).
func Allow(tb testing.TB, err error, allowed ...error) {
	tb.Helper()
	for _, a := range allowed {
		if errors.Is(err, a) {
			return
		}
	}
	if err != nil {
		tb.Fatalf("%v", err)
	}
}
