package netsim_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-shared/netsim/echo"
)

var (
	clientAddr = netip.MustParseAddrPort("192.0.2.1:5000")
	serverAddr = netip.MustParseAddrPort("198.51.100.1:7")
)

// echoRun runs the reference pair over a link config and returns the sim
// and the client.
func echoRun(t testing.TB, seed uint64, link netsim.LinkConfig, count int) (*netsim.Sim, *echo.Client, error) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed})
	c := echo.NewClient(echo.ClientConfig{Local: clientAddr, Peer: serverAddr, Count: count, Size: 200})
	s := echo.NewServer(0)
	sim.Add(c, clientAddr)
	sim.Add(s, serverAddr)
	sim.SetDefaultLink(link)
	c.Start(sim.Now())
	err := sim.Run(c.Done, 1_000_000)
	return sim, c, err
}

// TestEchoUnderLoss: the stop-and-wait pair completes every message at 30%
// loss in each direction, retransmitting on timeout.
func TestEchoUnderLoss(t *testing.T) {
	const n = 200
	sim, c, err := echoRun(t, 1, netsim.LinkConfig{Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 0.3}, n)
	if err != nil {
		t.Fatalf("seed 1: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("seed 1: client: %v %+v\n%s", c.Err(), c.Stats(), sim.TraceString())
	}
	st := c.Stats()
	if st.Completed != n {
		t.Fatalf("completed %d, want %d", st.Completed, n)
	}
	// Round-trip success is 0.7*0.7 = 0.49, so about one retransmission
	// per message.
	if st.Retransmissions < n/2 || st.Retransmissions > 2*n {
		t.Errorf("retransmissions = %d, want about %d", st.Retransmissions, n)
	}
	t.Logf("%d messages, %d retransmissions, virtual time %v, %d steps", st.Completed, st.Retransmissions, sim.Elapsed(), sim.Stats().Steps)
}
