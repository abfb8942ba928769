package iceinterop

import "testing"

// must fails the test on an error: no test discards one.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
