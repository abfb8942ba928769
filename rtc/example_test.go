package rtc_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// check stops the example on an error from a call that must succeed.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

// inputErrors counts HandleRead errors. They report a datagram that was
// counted and dropped, and the connection goes on; here a late answer to a
// connectivity check ICE had already cancelled. rtc/driver hands them to
// Handler.OnError.
var inputErrors int

// pump moves datagrams between two PeerConnections in memory and runs their
// timers on a virtual clock: the whole drive loop of a sans-I/O machine.
func pump(now time.Time, a, b *rtc.PeerConnection, done func() bool) {
	for step := 0; step < 100000 && !done(); step++ {
		moved := false
		for _, p := range [][2]*rtc.PeerConnection{{a, b}, {b, a}} {
			for {
				dg, ok := p[0].PollWrite()
				if !ok {
					break
				}
				moved = true
				// What left a from Local to Peer arrives at b on Peer from Local.
				dg.Now, dg.Transport = now, dg.Transport.Reverse()
				if err := p[1].HandleRead(dg); err != nil {
					inputErrors++
				}
			}
		}
		if moved {
			continue
		}
		// Nothing in flight: jump to the earliest deadline.
		next := time.Time{}
		for _, pc := range []*rtc.PeerConnection{a, b} {
			if t, ok := pc.PollTimeout(); ok && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() {
			return
		}
		if next.After(now) {
			now = next
		}
		check(a.HandleTimeout(now))
		check(b.HandleTimeout(now))
	}
}

// Two PeerConnections negotiate a data channel and exchange a message over
// an in-memory network.
func Example() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	addrA := netip.MustParseAddrPort("192.0.2.1:5000")
	addrB := netip.MustParseAddrPort("198.51.100.1:6000")
	alice, err := rtc.NewPeerConnection(rtc.Configuration{Now: start, LocalAddresses: []netip.AddrPort{addrA}})
	check(err)
	bob, err := rtc.NewPeerConnection(rtc.Configuration{Now: start, LocalAddresses: []netip.AddrPort{addrB}})
	check(err)

	dc, err := alice.CreateDataChannel("chat", rtc.DataChannelInit{})
	check(err)
	offer, err := alice.CreateOffer()
	check(err)
	check(alice.SetLocalDescription(offer))
	// The description carries the host candidates once gathering completes.
	check(bob.SetRemoteDescription(alice.LocalDescription()))
	answer, err := bob.CreateAnswer()
	check(err)
	check(bob.SetLocalDescription(answer))
	check(alice.SetRemoteDescription(bob.LocalDescription()))

	pump(start, alice, bob, func() bool { return dc.State() == rtc.DataChannelOpen })
	fmt.Println("alice:", alice.ConnectionState(), dc.Label(), dc.State())
	check(dc.SendText("hello bob"))

	var got rtc.Message
	received := false
	pump(start, alice, bob, func() bool {
		if !received {
			got, received = bob.PollRead()
		}
		return received
	})
	fmt.Printf("bob got %q on %q\n", got.Data, got.Channel.Label())
	for {
		e, ok := bob.PollEvent()
		if !ok {
			break
		}
		if e.Kind == rtc.EventDataChannel || e.Kind == rtc.EventConnectionStateChange {
			fmt.Println("bob event:", e)
		}
	}
	// Output:
	// alice: connected chat open
	// bob got "hello bob" on "chat"
	// bob event: connectionstatechange connecting
	// bob event: connectionstatechange connected
	// bob event: datachannel chat
}
