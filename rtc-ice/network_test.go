package ice

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// The controlled agent selects the best valid pair when its own check
// succeeds, before the controlling agent nominates it; the nomination
// then comes as EventPairNominated (once), and the pair carries the RTT
// of a check answered without retransmission.
func TestPairNominatedAfterSelection(t *testing.T) {
	pa, pb := newPeers(t, 11, Config{Role: RoleControlling}, Config{})
	sim := netsim.New(netsim.Config{Seed: 11})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 15 * time.Millisecond})
	sim.Add(pa, hostAddrA)
	sim.Add(pb, hostAddrB)
	must(t, pa.a.AddLocalAddress(hostAddrA, shared.UDP))
	pa.a.EndOfLocalAddresses()
	must(t, pb.a.AddLocalAddress(hostAddrB, shared.UDP))
	pb.a.EndOfLocalAddresses()
	pa.drain()
	pb.drain()
	must(t, sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 20000))
	must(t, sim.RunFor(2*time.Second, 20000))
	if len(pb.selected) != 1 || pb.selected[0].Nominated {
		t.Fatalf("B selected %+v: want one selection before the nomination", pb.selected)
	}
	if len(pb.nominations) != 1 || !pb.nominations[0].Nominated || pb.nominations[0].Transport != pb.selected[0].Transport {
		t.Fatalf("B nominated events %+v", pb.nominations)
	}
	if rtt := pb.selected[0].RTT; rtt != 30*time.Millisecond {
		t.Errorf("B's pair RTT %v, want 30ms", rtt)
	}
	if len(pa.selected) != 1 || len(pa.nominations) > 1 {
		t.Errorf("A: %d selections, %d nominations", len(pa.selected), len(pa.nominations))
	}
}

// A server name the caller resolves (Config.AwaitServers): gathering does
// not complete before AddServers, then gathers from the resolved address;
// a failed resolution (no addresses) completes it.
func TestAwaitServers(t *testing.T) {
	stunAt := ap("203.0.113.7:3478")
	for _, resolved := range []bool{true, false} {
		a, err := NewAgent(Config{Now: time.Unix(1000, 0), AwaitServers: 1, Rand: netsim.NewRand(12, "A")})
		must(t, err)
		must(t, a.AddLocalAddress(hostAddrA, shared.UDP))
		a.EndOfLocalAddresses()
		if a.GatheringState() == GatheringComplete {
			t.Fatal("gathering complete before the server name was answered")
		}
		for {
			if _, ok := a.PollWrite(); !ok {
				break
			}
		}
		var servers []netip.AddrPort
		if resolved {
			servers = []netip.AddrPort{stunAt}
		}
		must(t, a.AddServers(servers, nil))
		sent := 0
		for {
			m, ok := a.PollWrite()
			if !ok {
				break
			}
			if m.Transport.Peer == stunAt && m.Transport.Local == hostAddrA && stun.Classify(m.Message) == stun.KindSTUN {
				sent++
			}
		}
		if resolved && (sent != 1 || a.GatheringState() != GatheringGathering) {
			t.Errorf("resolved: %d requests, gathering %v", sent, a.GatheringState())
		}
		if !resolved && a.GatheringState() != GatheringComplete {
			t.Errorf("failed resolution: gathering %v", a.GatheringState())
		}
		if d, ok := a.PollTimeout(); ok && d.Before(time.Unix(1000, 0)) {
			t.Errorf("PollTimeout %v before the agent's time (Config.Now)", d)
		}
		must(t, a.Close())
		if err := a.AddServers(servers, nil); !errors.Is(err, ErrClosed) {
			t.Errorf("after Close: %v", err)
		}
	}
	if _, err := NewAgent(Config{AwaitServers: -1}); !errors.Is(err, shared.ErrInvalidConfig) {
		t.Errorf("AwaitServers -1: %v", err)
	}
}

// With Config.Now the agent never reports the epoch: its first work starts
// at that time.
func TestConfigNowNoEpoch(t *testing.T) {
	now := time.Unix(5000, 0)
	a, err := NewAgent(Config{Now: now, Role: RoleControlling, Rand: netsim.NewRand(13, "A")})
	must(t, err)
	must(t, a.AddLocalAddress(hostAddrA, shared.UDP))
	a.EndOfLocalAddresses()
	must(t, a.SetRemoteCredentials("ufrag", "passwordpasswordpassword"))
	must(t, a.AddRemoteCandidateString("candidate:1 1 udp 2130706431 198.51.100.1 6000 typ host"))
	d, ok := a.PollTimeout()
	if !ok || d.Before(now) || a.TimeoutReason() == "start" {
		t.Fatalf("PollTimeout %v %v (%q)", d, ok, a.TimeoutReason())
	}
}
