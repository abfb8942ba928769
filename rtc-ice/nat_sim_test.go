package ice

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
	"github.com/sansrtc/rtc/rtc-turn/turntest"
)

// natKind names a NAT in the classic terms, as RFC 4787 behaviours.
type natKind struct {
	name      string
	none      bool
	mapping   netsim.Behavior
	filtering netsim.Behavior
}

var natKinds = []natKind{
	{name: "open", none: true},
	{name: "full-cone", mapping: netsim.EndpointIndependent, filtering: netsim.EndpointIndependent},
	{name: "restricted", mapping: netsim.EndpointIndependent, filtering: netsim.AddressDependent},
	{name: "port-restricted", mapping: netsim.EndpointIndependent, filtering: netsim.AddressAndPortDependent},
	{name: "symmetric", mapping: netsim.AddressAndPortDependent, filtering: netsim.AddressAndPortDependent},
}

// needsRelay reports whether two NATs defeat direct ICE: a symmetric NAT
// facing another symmetric or a port-restricted one (RFC 8445 §2.2 and
// RFC 4787: the peer's new mapping never passes the other's filter).
func needsRelay(x, y natKind) bool {
	sym := func(k natKind) bool { return !k.none && k.mapping == netsim.AddressAndPortDependent }
	apdf := func(k natKind) bool { return !k.none && k.filtering == netsim.AddressAndPortDependent }
	return (sym(x) && apdf(y)) || (sym(y) && apdf(x))
}

var (
	stunAddr  = ap("203.0.113.100:3478")
	turnAddr  = ap("203.0.113.200:3478")
	natPubA   = ip("203.0.113.1")
	natPubB   = ip("203.0.113.2")
	hostAddrA = ap("192.0.2.10:5000")
	hostAddrB = ap("198.51.100.20:6000")
)

type scenario struct {
	seed       uint64
	natA, natB natKind
	turn       bool // give both agents the TURN server
	relayOnly  bool
	link       netsim.LinkConfig
}

type world struct {
	sim    *netsim.Sim
	pa, pb *peer
	turn   *turntest.Server
}

func build(t testing.TB, sc scenario, ca, cb Config) *world {
	t.Helper()
	ca.STUNServers = []netip.AddrPort{stunAddr}
	cb.STUNServers = []netip.AddrPort{stunAddr}
	if sc.turn {
		ca.TURNServers = []TURNServer{{Address: turnAddr, Username: "alice", Password: "secret"}}
		cb.TURNServers = []TURNServer{{Address: turnAddr, Username: "bob", Password: "secret"}}
	}
	ca.RelayOnly, cb.RelayOnly = sc.relayOnly, sc.relayOnly
	if ca.Role == RoleControlled && cb.Role == RoleControlled {
		ca.Role = RoleControlling
	}
	pa, pb := newPeers(t, sc.seed, ca, cb)
	w := &world{pa: pa, pb: pb}
	w.sim = netsim.New(netsim.Config{Seed: sc.seed})
	w.sim.SetDefaultLink(sc.link)
	w.sim.Add(pa, hostAddrA)
	w.sim.Add(pb, hostAddrB)
	w.sim.Add(&stunServer{addr: stunAddr}, stunAddr)
	if sc.turn {
		w.turn = turntest.New(turntest.Config{Addr: turnAddr, Users: map[string]string{"alice": "secret", "bob": "secret"}})
		w.sim.Add(w.turn, w.turn.Addrs()...)
	}
	if !sc.natA.none {
		w.sim.AddNAT(netsim.NATConfig{Public: natPubA, Mapping: sc.natA.mapping, Filtering: sc.natA.filtering}, hostAddrA.Addr())
	}
	if !sc.natB.none {
		w.sim.AddNAT(netsim.NATConfig{Public: natPubB, Mapping: sc.natB.mapping, Filtering: sc.natB.filtering}, hostAddrB.Addr())
	}
	w.start()
	return w
}

func (w *world) start() {
	must(w.pa.t, w.pa.a.AddLocalAddress(hostAddrA, 0))
	w.pa.a.EndOfLocalAddresses()
	must(w.pb.t, w.pb.a.AddLocalAddress(hostAddrB, 0))
	w.pb.a.EndOfLocalAddresses()
	w.pa.drain()
	w.pb.drain()
}

func (w *world) connect(t testing.TB, name string, limit time.Duration) time.Duration {
	t.Helper()
	start := w.sim.Elapsed()
	err := w.sim.Run(func() bool {
		return (w.pa.nominated() && w.pb.nominated()) || w.sim.Elapsed()-start > limit
	}, 200000)
	if err != nil || !(w.pa.nominated() && w.pb.nominated()) {
		t.Fatalf("%s: not connected after %v: %v (A %v %v, B %v %v)", name, w.sim.Elapsed(), err,
			w.pa.a.ConnectionState(), w.pa.cands, w.pb.a.ConnectionState(), w.pb.cands)
	}
	sa, _ := w.pa.a.SelectedPair()
	sb, _ := w.pb.a.SelectedPair()
	// Both ends must agree on the pair: each side's remote candidate is the
	// other's local candidate as the path shows it (its mapped address).
	if sa.Remote.Address != sb.Local.Address || sb.Remote.Address != sa.Local.Address {
		t.Fatalf("%s: pairs disagree: A %v -> %v, B %v -> %v", name, sa.Local.Address, sa.Remote.Address, sb.Local.Address, sb.Remote.Address)
	}
	return w.sim.Elapsed() - start
}

// exchange sends data both ways on the selected pairs, again every 200 ms
// while nothing arrives (the path is lossy), and checks it arrives.
func (w *world) exchange(t testing.TB, name string) {
	t.Helper()
	na, nb := len(w.pa.reads), len(w.pb.reads)
	for round := 0; len(w.pa.reads) == na || len(w.pb.reads) == nb; round++ {
		if round == 50 {
			t.Fatalf("%s: data did not flow (A got %d, B got %d)", name, len(w.pa.reads)-na, len(w.pb.reads)-nb)
		}
		if err := w.pa.a.HandleWrite([]byte(fmt.Sprintf("a%d", round))); err != nil {
			t.Fatalf("%s: A write: %v", name, err)
		}
		if err := w.pb.a.HandleWrite([]byte(fmt.Sprintf("b%d", round))); err != nil {
			t.Fatalf("%s: B write: %v", name, err)
		}
		if err := w.sim.RunFor(200*time.Millisecond, 20000); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestNATMatrixDirect(t *testing.T) {
	for _, x := range natKinds {
		for _, y := range natKinds {
			if needsRelay(x, y) {
				continue
			}
			for seed := uint64(1); seed <= seeds(); seed++ {
				name := fmt.Sprintf("%s-%s/seed%d", x.name, y.name, seed)
				link := netsim.LinkConfig{Delay: 15 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 0.05 * float64(seed%3)}
				w := build(t, scenario{seed: seed, natA: x, natB: y, link: link}, Config{Role: RoleControlling}, Config{})
				d := w.connect(t, name, 20*time.Second)
				w.exchange(t, name)
				sa, _ := w.pa.a.SelectedPair()
				if seed == 1 {
					t.Logf("%s: %v, A local %s remote %s", name, d, sa.Local.Type, sa.Remote.Type)
				}
			}
		}
	}
}

func TestSymmetricWithoutRelayFails(t *testing.T) {
	sym := natKinds[4]
	w := build(t, scenario{seed: 1, natA: sym, natB: sym, link: netsim.LinkConfig{Delay: 15 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
	err := w.sim.Run(func() bool {
		return w.pa.a.ConnectionState() == StateFailed && w.pb.a.ConnectionState() == StateFailed
	}, 100000)
	if err != nil {
		t.Fatalf("symmetric-symmetric without TURN: want failed, got %v/%v: %v", w.pa.a.ConnectionState(), w.pb.a.ConnectionState(), err)
	}
	t.Logf("failed after %v", w.sim.Elapsed())
}

func TestNATMatrixWithRelay(t *testing.T) {
	for _, x := range natKinds {
		for _, y := range natKinds {
			if !needsRelay(x, y) {
				continue
			}
			for seed := uint64(1); seed <= seeds(); seed++ {
				name := fmt.Sprintf("%s-%s/seed%d", x.name, y.name, seed)
				link := netsim.LinkConfig{Delay: 15 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 0.05 * float64(seed%3)}
				w := build(t, scenario{seed: seed, natA: x, natB: y, turn: true, link: link}, Config{Role: RoleControlling}, Config{})
				d := w.connect(t, name, 20*time.Second)
				w.exchange(t, name)
				sa, _ := w.pa.a.SelectedPair()
				if seed == 1 {
					t.Logf("%s: %v, A local %s remote %s", name, d, sa.Local.Type, sa.Remote.Type)
				}
			}
		}
	}
}

func TestRelayOnlyPolicy(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		name := fmt.Sprintf("relay-only/seed%d", seed)
		w := build(t, scenario{seed: seed, natA: natKinds[0], natB: natKinds[0], turn: true, relayOnly: true, link: netsim.LinkConfig{Delay: 10 * time.Millisecond}}, Config{Role: RoleControlling}, Config{})
		w.connect(t, name, 20*time.Second)
		w.exchange(t, name)
		sa, _ := w.pa.a.SelectedPair()
		sb, _ := w.pb.a.SelectedPair()
		if sa.Local.Type != CandidateRelay || sb.Local.Type != CandidateRelay || sa.Remote.Type != CandidateRelay {
			t.Fatalf("%s: selected %v/%v", name, sa.Local.Type, sa.Remote.Type)
		}
		for _, c := range append(w.pa.cands, w.pb.cands...) {
			if !strings.Contains(c, "typ relay") {
				t.Fatalf("%s: relay-only agent signalled %q", name, c)
			}
		}
	}
}

// seeds is how many seeds each NAT combination runs: 10, or 100 with
// SANSRTC_LONG=1.
func seeds() uint64 {
	if os.Getenv("SANSRTC_LONG") == "1" {
		return 100
	}
	return 10
}
