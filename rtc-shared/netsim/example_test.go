package netsim_test

import (
	"fmt"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-shared/netsim/echo"
)

// Two endpoints over a lossy link: a stop-and-wait client that retransmits
// on timeout, and an echo server. The seed fixes every random choice, so the
// output never changes.
func Example() {
	client := netip.MustParseAddrPort("192.0.2.1:5000")
	server := netip.MustParseAddrPort("198.51.100.1:7")

	sim := netsim.New(netsim.Config{Seed: 42})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 20 * time.Millisecond, Loss: 0.3})
	c := echo.NewClient(echo.ClientConfig{Local: client, Peer: server, Count: 20})
	sim.Add(c, client)
	sim.Add(echo.NewServer(0), server)

	c.Start(sim.Now())
	if err := sim.Run(c.Done, 10_000); err != nil {
		fmt.Println("seed 42:", err)
		return
	}
	st := c.Stats()
	ls := sim.LinkStats(client.Addr(), server.Addr())
	fmt.Printf("echoed %d messages with %d retransmissions in %v of virtual time\n", st.Completed, st.Retransmissions, sim.Elapsed())
	fmt.Printf("client->server: %d sent, %d lost\n", ls.Sent, ls.Lost)
	// Output:
	// echoed 20 messages with 10 retransmissions in 2.1s of virtual time
	// client->server: 30 sent, 7 lost
}

// counter is the smallest endpoint: it counts what it receives and never
// sends or sets a timer.
type counter struct{ n int }

func (c *counter) HandleRead(shared.TaggedBytes) error   { c.n++; return nil }
func (c *counter) PollWrite() (shared.TaggedBytes, bool) { return shared.TaggedBytes{}, false }
func (c *counter) HandleTimeout(time.Time) error         { return nil }
func (c *counter) PollTimeout() (time.Time, bool)        { return time.Time{}, false }

// A host behind a NAT with address-and-port-dependent filtering: a server
// it talked to can answer, another one cannot.
func ExampleSim_AddNAT() {
	host := netip.MustParseAddrPort("10.0.0.1:5000")
	stun := netip.MustParseAddrPort("198.51.100.1:3478")
	other := netip.MustParseAddrPort("198.51.100.2:3478")

	sim := netsim.New(netsim.Config{Seed: 1})
	h := &counter{}
	sim.Add(h, host)
	sim.Add(echo.NewServer(0), stun)
	sim.Add(echo.NewServer(0), other)
	nat := sim.AddNAT(netsim.NATConfig{
		Public:    netip.MustParseAddr("203.0.113.1"),
		Mapping:   netsim.EndpointIndependent,
		Filtering: netsim.AddressAndPortDependent,
	}, host.Addr())

	sim.Inject(host, stun, []byte("binding request")) // as if the host sent it
	_ = sim.RunFor(time.Millisecond, 100)
	m := nat.Mappings()[0]
	fmt.Println("mapping:", m.Internal, "->", m.External)

	sim.Inject(other, m.External, []byte("unsolicited"))
	_ = sim.RunFor(time.Millisecond, 100)
	for _, r := range sim.Trace() {
		fmt.Println(r.From, "->", r.To, r.Fate)
	}
	fmt.Println("host received", h.n)
	// Output:
	// mapping: 10.0.0.1:5000 -> 203.0.113.1:25101
	// 203.0.113.1:25101 -> 198.51.100.1:3478 delivered
	// 198.51.100.1:3478 -> 203.0.113.1:25101 delivered
	// 198.51.100.2:3478 -> 203.0.113.1:25101 nat-filtered
	// host received 1
}
