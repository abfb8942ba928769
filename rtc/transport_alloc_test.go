package rtc

import "testing"

// TestTransportHandleTimeoutNoAlloc: running due ICE and DTLS timers
// allocates nothing when neither layer fails (it used to build an error
// slice for errors.Join on every call).
func TestTransportHandleTimeoutNoAlloc(t *testing.T) {
	sim, a, _, _ := connectedPair(t, 16, 1, Configuration{}, Configuration{})
	now := sim.Now()
	tr := &a.pc.tr
	due := func() {
		tr.iceTimer.stale, tr.dtlsTimer.stale = true, true
		if !tr.iceTimer.due(now) || !tr.dtlsTimer.due(now) {
			t.Fatal("timers not due")
		}
	}
	due()
	if err := tr.handleTimeout(now); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		due()
		if err := tr.handleTimeout(now); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("transport.handleTimeout with due timers allocates %v", n)
	}
}
