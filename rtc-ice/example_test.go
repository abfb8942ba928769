package ice_test

import (
	"fmt"
	"net/netip"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// Two agents connect over a perfect in-memory network: the loop below is
// the drive loop a PeerConnection runs, with the "network" being a direct
// hand-over of each datagram to the agent that owns its destination.
func ExampleAgent() {
	check := func(err error) {
		if err != nil {
			panic(err) // a real program handles it; here it would be a bug
		}
	}
	alice, err := ice.NewAgent(ice.Config{Role: ice.RoleControlling, Rand: netsim.NewRand(1, "alice")})
	check(err)
	bob, err := ice.NewAgent(ice.Config{Rand: netsim.NewRand(1, "bob")})
	check(err)
	addrA := netip.MustParseAddrPort("192.0.2.1:5000")
	addrB := netip.MustParseAddrPort("198.51.100.2:6000")
	agents := map[netip.AddrPort]*ice.Agent{addrA: alice, addrB: bob}
	peerOf := map[*ice.Agent]*ice.Agent{alice: bob, bob: alice}
	name := map[*ice.Agent]string{alice: "alice", bob: "bob"}

	// Signalling: credentials, then addresses; candidates trickle below.
	u, p := bob.LocalCredentials()
	check(alice.SetRemoteCredentials(u, p))
	u, p = alice.LocalCredentials()
	check(bob.SetRemoteCredentials(u, p))
	check(alice.AddLocalAddress(addrA, shared.UDP))
	alice.EndOfLocalAddresses()
	check(bob.AddLocalAddress(addrB, shared.UDP))
	bob.EndOfLocalAddresses()

	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for step := 0; step < 1000; step++ {
		for _, a := range []*ice.Agent{alice, bob} {
			for {
				ev, ok := a.PollEvent()
				if !ok {
					break
				}
				switch ev.Kind {
				case ice.EventLocalCandidate:
					check(peerOf[a].AddRemoteCandidateString(ev.Candidate.String()))
				case ice.EventGatheringState:
					if ev.GatheringState == ice.GatheringComplete {
						check(peerOf[a].AddRemoteCandidateString("")) // end-of-candidates
					}
				case ice.EventConnectionState:
					fmt.Println(name[a], ev.ConnectionState)
				}
			}
			for {
				m, ok := a.PollWrite()
				if !ok {
					break
				}
				m.Now = now
				m.Transport = m.Transport.Reverse() // as the receiver sees it
				check(agents[m.Transport.Local].HandleRead(m))
			}
			for {
				m, ok := a.PollRead()
				if !ok {
					break
				}
				fmt.Printf("%s got %q from %v\n", name[a], m.Message, m.Transport.Peer)
				return
			}
		}
		if sp, ok := alice.SelectedPair(); ok && sp.Nominated && bob.ConnectionState() == ice.StateCompleted {
			check(alice.HandleWrite([]byte("hello")))
			continue
		}
		next := now.Add(time.Second)
		for _, a := range []*ice.Agent{alice, bob} {
			if d, ok := a.PollTimeout(); ok && d.Before(next) {
				next = d
			}
		}
		if next.After(now) {
			now = next
		}
		check(alice.HandleTimeout(now))
		check(bob.HandleTimeout(now))
	}
	// Output:
	// bob checking
	// alice checking
	// alice connected
	// bob connected
	// bob completed
	// alice completed
	// bob got "hello" from 192.0.2.1:5000
}

func ExampleParseCandidate() {
	c, err := ice.ParseCandidate("candidate:842163049 1 udp 1677729535 198.51.100.7 54400 typ srflx raddr 192.0.2.10 rport 5000 generation 0 ufrag EsAw network-id 1")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Type, c.Address, c.Related, c.Priority)
	u, _ := c.Extension("ufrag")
	fmt.Println("ufrag", u)
	fmt.Println(c)
	// Output:
	// srflx 198.51.100.7:54400 192.0.2.10:5000 1677729535
	// ufrag EsAw
	// candidate:842163049 1 udp 1677729535 198.51.100.7 54400 typ srflx raddr 192.0.2.10 rport 5000 generation 0 ufrag EsAw network-id 1
}

func ExamplePriority() {
	fmt.Println(ice.Priority(ice.CandidateHost, 65535, 1))
	fmt.Println(ice.PairPriority(2130706431, 1694498815))
	// Output:
	// 2130706431
	// 7277816997797167103
}
