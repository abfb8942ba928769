package ice

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-turn/turntest"
)

// One server as both STUN and TURN server (as coturn is): the srflx
// Binding response must reach the gathering transaction, not the TURN
// client, and the candidates come with gathering state events.
func TestSameServerForSTUNAndTURN(t *testing.T) {
	cfg := Config{Role: RoleControlling, STUNServers: []netip.AddrPort{turnAddr},
		TURNServers: []TURNServer{{Address: turnAddr, Username: "alice", Password: "secret"}}}
	pa, pb := newPeers(t, 9, cfg, Config{})
	sim := netsim.New(netsim.Config{Seed: 9})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	sim.Add(pa, hostAddrA)
	sim.Add(pb, hostAddrB)
	srv := turntest.New(turntest.Config{Addr: turnAddr, Users: map[string]string{"alice": "secret"}})
	sim.Add(srv, srv.Addrs()...)
	sim.AddNAT(netsim.NATConfig{Public: natPubA, Mapping: netsim.EndpointIndependent, Filtering: netsim.AddressAndPortDependent}, hostAddrA.Addr())
	must(t, pa.a.AddLocalAddress(hostAddrA, shared.UDP))
	pa.a.EndOfLocalAddresses()
	if err := sim.Run(func() bool { return pa.a.GatheringState() == GatheringComplete }, 10000); err != nil {
		t.Fatal(err)
	}
	var srflx, relay int
	for _, c := range pa.cands {
		srflx += strings.Count(c, "typ srflx")
		relay += strings.Count(c, "typ relay")
	}
	if srflx != 1 || relay != 1 {
		t.Fatalf("candidates %v", pa.cands)
	}
	// Close deallocates on the server.
	must(t, pa.a.Close())
	if err := sim.RunFor(time.Second, 1000); err != nil {
		t.Fatal(err)
	}
	if srv.Allocations() != 0 {
		t.Fatal("allocation left after Close")
	}
}

// An unreachable STUN server delays gathering completion until its
// transaction times out, but checks on host candidates proceed meanwhile.
func TestUnreachableSTUNServer(t *testing.T) {
	dead := ap("203.0.113.99:3478")
	pa, pb := newPeers(t, 10, Config{Role: RoleControlling, STUNServers: []netip.AddrPort{dead}}, Config{})
	sim := netsim.New(netsim.Config{Seed: 10})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	sim.Add(pa, hostAddrA)
	sim.Add(pb, hostAddrB)
	w := &world{sim: sim, pa: pa, pb: pb}
	w.start()
	w.connect(t, "host while gathering", 5*time.Second)
	if pa.a.GatheringState() != GatheringGathering {
		t.Fatalf("gathering %v", pa.a.GatheringState())
	}
	if err := sim.Run(func() bool { return pa.a.GatheringState() == GatheringComplete }, 100000); err != nil {
		t.Fatal(err)
	}
	if e := sim.Elapsed(); e < 5*time.Second || e > 15*time.Second {
		t.Fatalf("gathering completed after %v", e)
	}
	if pa.a.ConnectionState() != StateCompleted && pa.a.ConnectionState() != StateConnected {
		t.Fatal(pa.a.ConnectionState())
	}
}
