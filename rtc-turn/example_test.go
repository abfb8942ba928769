package turn_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
	"github.com/sansrtc/rtc/rtc-turn/turntest"
)

// A client allocates on the test server over a simulated network and
// relays one datagram to a peer, which answers.
func ExampleClient() {
	server := netip.MustParseAddrPort("203.0.113.200:3478")
	local := netip.MustParseAddrPort("192.0.2.1:5000")
	peer := netip.MustParseAddrPort("198.51.100.9:7000")

	c, err := turn.NewClient(turn.Config{Server: server, Local: local, Username: "test", Password: "test", Rand: netsim.NewRand(1, "example")})
	check(err)
	srv := turntest.New(turntest.Config{Addr: server, Users: map[string]string{"test": "test"}})
	ep := &clientEP{c: c}
	echo := &echoPeer{}
	sim := netsim.New(netsim.Config{Seed: 1})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	sim.Add(ep, local)
	sim.Add(srv, srv.Addrs()...)
	sim.Add(echo, peer)

	check(c.Allocate())
	check(sim.Run(func() bool { return ep.has(turn.EventAllocated) }, 1000))
	relayed, _ := c.RelayedAddress()
	fmt.Println("relayed", relayed)

	check(c.HandleWrite(turn.Datagram{Peer: peer, Data: []byte("hi")}))
	check(sim.Run(func() bool { return len(ep.reads) > 0 }, 1000))
	fmt.Printf("%s from %v\n", ep.reads[0].Data, ep.reads[0].Peer)

	for _, ev := range ep.events {
		fmt.Println(ev.Kind)
	}
	// Output:
	// relayed 203.0.113.200:49152
	// echo:hi from 198.51.100.9:7000
	// allocated
	// permission-created
	// channel-bound
}

func ExampleAppendChannelData() {
	b := turn.AppendChannelData(nil, 0x4000, []byte{1, 2, 3}, true)
	fmt.Printf("% x\n", b)
	ch, data, err := turn.ParseChannelData(b)
	check(err)
	fmt.Printf("%#x % x\n", ch, data)
	// Output:
	// 40 00 00 03 01 02 03 00
	// 0x4000 01 02 03
}

// check stops an example on an error; a real program handles it.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

// Long-term credentials (TURN): the key is a hash of username, realm and
// password, prepared with OpaqueString (RFC 8489 §9.2.2).
func ExampleLongTermKey() {
	key, err := turn.LongTermKey(stun.PasswordAlgorithmMD5, "user", "realm", "pass")
	check(err)
	fmt.Printf("%x\n", key)
	// Output:
	// 8493fbc53ba582fb4c044c456bdc40eb
}
