package ice

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// hostPair returns a controlling and a controlled agent, each with one
// host address on a netsim network of 10 ms links, gathering done, not yet
// connected; and A's address.
func hostPair(t *testing.T, seed uint64) (pa, pb *peer, sim *netsim.Sim, addrA netip.AddrPort) {
	t.Helper()
	pa, pb = newPeers(t, seed, Config{Role: RoleControlling}, Config{})
	sim = netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	addrA, addrB := ap("192.0.2.1:5000"), ap("198.51.100.1:6000")
	sim.Add(pa, addrA)
	sim.Add(pb, addrB)
	must(t, pa.a.AddLocalAddress(addrA, 0))
	pa.a.EndOfLocalAddresses()
	must(t, pb.a.AddLocalAddress(addrB, 0))
	pb.a.EndOfLocalAddresses()
	pa.drain()
	pb.drain()
	return pa, pb, sim, addrA
}

func TestHostToHost(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		pa, pb, sim, addrA := hostPair(t, seed)
		err := sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 10000)
		if err != nil {
			t.Fatalf("seed %d: %v (A %v, B %v)\n%s", seed, err, pa.a.ConnectionState(), pb.a.ConnectionState(), sim.TraceString())
		}
		t.Logf("seed %d: nominated after %v; A states %v B states %v", seed, sim.Elapsed(), pa.states, pb.states)
		if err := pa.a.HandleWrite([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := sim.Run(func() bool { return len(pb.reads) > 0 }, 1000); err != nil {
			t.Fatal(err)
		}
		if string(pb.reads[0].Message) != "hello" || pb.reads[0].Transport.Peer != addrA {
			t.Fatalf("got %+v", pb.reads[0])
		}
	}
}
