package ice

import (
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestLiteCheckBeforeFirstTimeout (issue 18, found with the driver's
// ICE-lite mode): a lite agent without Config.Now gets the remote
// credentials before any Handle* call (its clock is still zero) and the
// full peer's first check before its first HandleTimeout. The PAC timer
// (RFC 8863 §4) must run from the first time seen: before the fix it ran
// from the zero time and the lite agent failed on that first check.
func TestLiteCheckBeforeFirstTimeout(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	pa, pb := newPeers(t, 1, Config{Role: RoleControlling, Now: t0}, Config{Lite: true})
	must(t, pa.a.AddLocalAddress(hostAddrA, shared.UDP))
	pa.a.EndOfLocalAddresses()
	must(t, pb.a.AddLocalAddress(hostAddrB, shared.UDP))
	pb.a.EndOfLocalAddresses()
	pa.drain()
	pb.drain()
	pa.drain()
	checks := 0
	for at := t0; at.Before(t0.Add(time.Second)) && checks == 0; at = at.Add(10 * time.Millisecond) {
		must(t, pa.a.HandleTimeout(at))
		for {
			m, ok := pa.a.PollWrite()
			if !ok {
				break
			}
			checks++
			m.Now = at
			m.Transport = m.Transport.Reverse()
			must(t, pb.a.HandleRead(m))
		}
	}
	if checks == 0 {
		t.Fatal("the full agent sent no check")
	}
	pb.drain()
	if s := pb.a.ConnectionState(); s == StateFailed {
		t.Fatalf("lite agent failed on the full agent's first check (states %v)", pb.states)
	}
}
