package turn

import (
	"errors"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// WantDropped accepts nil or an error the client returns for server input
// it drops and counts (malformed, unsolicited, unmatched, over a limit);
// any other error, a new failure mode, fails the test. Exported for the
// external tests of this package only (it lives in a _test.go file).
func WantDropped(t testing.TB, err error) {
	t.Helper()
	var pe *shared.ParseError
	if err == nil || errors.As(err, &pe) {
		return
	}
	for _, e := range []error{ErrBadMessage, ErrNoPermission, ErrStreamOverflow, shared.ErrQueueFull,
		stun.ErrNotSTUN, stun.ErrBadLength, stun.ErrBadAttribute, stun.ErrTooManyAttributes, stun.ErrMessageTooLarge,
		stun.ErrFingerprintNotLast, stun.ErrUnmatchedResponse, stun.ErrNotResponse} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("unexpected error for dropped input: %v", err)
}

// Must fails the test on an error: no test discards one (the shared helper).
var Must = contracttest.Must
