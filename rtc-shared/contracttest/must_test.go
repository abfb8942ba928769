package contracttest

import (
	"errors"
	"testing"
)

func TestMustAllow(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	fails := func(f func(tb testing.TB)) bool {
		r := &recorder{}
		done := make(chan struct{})
		go func() { defer close(done); f(r) }()
		<-done
		return len(r.failures) > 0
	}
	for name, tc := range map[string]struct {
		f    func(tb testing.TB)
		want bool
	}{
		"must nil":          {func(tb testing.TB) { Must(tb, nil) }, false},
		"must error":        {func(tb testing.TB) { Must(tb, errA) }, true},
		"allow nil":         {func(tb testing.TB) { Allow(tb, nil, errA) }, false},
		"allow allowed":     {func(tb testing.TB) { Allow(tb, errors.Join(errA), errB, errA) }, false},
		"allow other":       {func(tb testing.TB) { Allow(tb, errB, errA) }, true},
		"allow none listed": {func(tb testing.TB) { Allow(tb, errA) }, true},
	} {
		if got := fails(tc.f); got != tc.want {
			t.Errorf("%s: failed %v, want %v", name, got, tc.want)
		}
	}
}
