package rtc

import (
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
	"strconv"
	"testing"
	"time"
)

// TestJunkDoesNotStallEcho (issue 11): junk on the session's own 5-tuple
// (random datagrams from the peer's address, every first-byte range of
// RFC 7983) must not delay an echo by more than 20 ms beyond the path's
// round trip. Virtual time: this measures protocol stalls (a record
// dropped, a retransmission timer), not CPU.
func TestJunkDoesNotStallEcho(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 81, 1, Configuration{}, Configuration{})
	b.echo = true
	r := contracttest.NewRand(81)
	const rtt = 10 * time.Millisecond // 5 ms each way (connectedPair)
	var worst time.Duration
	for i := range 200 {
		for range 10 {
			dg := randomDatagram(r, sim.Now())
			sim.Inject(addrB, addrA, dg.Message)
			sim.Inject(addrA, addrB, randomDatagram(r, sim.Now()).Message)
		}
		sent := sim.Now()
		want := len(a.Reads) + 1
		if err := dcs[0].SendText(strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		if err := sim.Run(func() bool { return len(a.Reads) >= want }, 100000); err != nil {
			t.Fatalf("echo %d lost under junk: %v", i, err)
		}
		worst = max(worst, sim.Now().Sub(sent))
	}
	if worst > rtt+20*time.Millisecond {
		t.Errorf("longest echo under junk: %v (round trip %v)", worst, rtt)
	}
	t.Logf("longest echo under junk: %v; a dropped %d datagrams", worst, a.pc.Stats().Dropped)
}
