package mdns_test

import (
	"fmt"
	"log"
	"net"
	"net/netip"
	"time"

	ice "github.com/sansrtc/rtc/rtc-ice"
	"github.com/sansrtc/rtc/rtc-ice/mdns"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// fixedRand is a deterministic Config.Rand for the example.
type fixedRand byte

func (f fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f)
	}
	return len(p), nil
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

// Two hosts on one LAN, with the network played by hand: Alice publishes
// her host candidate's address under a random name, Bob resolves the name
// he got in Alice's candidate. Every datagram one side writes to the group
// is read by the other.
func Example() {
	alice := netip.MustParseAddrPort("192.168.77.2:5353")
	bob := netip.MustParseAddrPort("192.168.77.3:5353")
	lan := []netip.Prefix{netip.MustParsePrefix("192.168.77.0/24")}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	responder, err := mdns.NewResponder(mdns.Config{Locals: []netip.AddrPort{alice}, Networks: lan, Rand: fixedRand(7)})
	check(err)
	querier, err := mdns.NewQuerier(mdns.Config{Locals: []netip.AddrPort{bob}, Networks: lan})
	check(err)
	check(responder.HandleTimeout(now))
	check(querier.HandleTimeout(now))

	name, err := responder.Publish(netip.MustParseAddr("192.168.77.2"))
	check(err)
	fmt.Println("candidate:1 1 udp 2122260223", name, "50000 typ host")
	for { // Alice's announcements (Bob's querier ignores them: not asked yet)
		if _, ok := responder.PollWrite(); !ok {
			break
		}
	}

	now = now.Add(3 * time.Second) // signaling takes a while
	check(querier.HandleTimeout(now))
	check(responder.HandleTimeout(now))
	check(querier.Resolve(name))
	q, _ := querier.PollWrite()
	fmt.Println("query to", q.Transport.Peer)
	check(responder.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: q.Transport.Peer, Peer: bob}, Message: q.Message}))
	a, _ := responder.PollWrite()
	fmt.Println("answer to", a.Transport.Peer)
	check(querier.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: a.Transport.Peer, Peer: alice}, Message: a.Message}))
	ev, _ := querier.PollEvent()
	fmt.Println(ev.Kind, ev.Name, ev.Addr)
	// Output:
	// candidate:1 1 udp 2122260223 07070707-0707-4707-8707-070707070707.local 50000 typ host
	// query to 224.0.0.251:5353
	// answer to 224.0.0.251:5353
	// resolved 07070707-0707-4707-8707-070707070707.local 192.168.77.2
}

// Example_driver shows what a driver does: one UDP socket bound to
// 224.0.0.251:5353 on a given interface, read by both machines, and the
// ICE agent's EventResolveHostname answered through the Querier. It is
// compiled, not run (it would join a multicast group on a real
// interface).
func Example_driver() {
	ifi, err := net.InterfaceByName("eth0")
	if err != nil {
		panic(err)
	}
	// ListenMulticastUDP binds 0.0.0.0:5353 with SO_REUSEADDR (browsers'
	// and avahi's responders share the port) and joins the group on ifi.
	// A real driver also sets the multicast interface and IP TTL 255
	// (RFC 6762 §11) with golang.org/x/net/ipv4.
	conn, err := net.ListenMulticastUDP("udp4", ifi, net.UDPAddrFromAddrPort(mdns.GroupIPv4))
	if err != nil {
		panic(err)
	}
	local := netip.MustParseAddrPort("192.168.77.2:5353") // ifi's address
	cfg := mdns.Config{
		Locals:   []netip.AddrPort{local},
		Networks: []netip.Prefix{netip.MustParsePrefix("192.168.77.0/24")}, // ifi's prefix
	}
	querier, err := mdns.NewQuerier(cfg)
	check(err)
	responder, err := mdns.NewResponder(cfg)
	check(err)
	agent, err := ice.NewAgent(ice.Config{Role: ice.RoleControlled})
	check(err)

	type datagram struct {
		b    []byte
		from netip.AddrPort
	}
	in := make(chan datagram, 64)
	go func() {
		for {
			b := make([]byte, mdns.MaxMessageSize)
			n, from, err := conn.ReadFromUDPAddrPort(b)
			if err != nil {
				close(in)
				return
			}
			in <- datagram{b[:n], from}
		}
	}()

	flush := func() {
		for _, m := range []shared.Wire{querier, responder} {
			for {
				w, ok := m.PollWrite()
				if !ok {
					break
				}
				if _, err := conn.WriteToUDPAddrPort(w.Message, w.Transport.Peer); err != nil {
					log.Print(err)
				}
			}
		}
		for { // the agent's remote ".local" candidates: ask the LAN
			ev, ok := agent.PollEvent()
			if !ok {
				break
			}
			if ev.Kind == ice.EventResolveHostname {
				if err := querier.Resolve(ev.Hostname); err != nil { // not "<uuid>.local": fail it
					if err := agent.ResolveHostname(ev.Hostname, netip.Addr{}); err != nil {
						log.Print(err)
					}
				}
			}
		}
		for { // the Querier's answers go back to the agent
			ev, ok := querier.PollEvent()
			if !ok {
				break
			}
			if err := agent.ResolveHostname(ev.Name, ev.Addr); err != nil { // Addr is invalid for EventFailed
				log.Print(err)
			}
		}
	}

	// Our own host candidate, published under a random name.
	check(responder.HandleTimeout(time.Now()))
	name, err := responder.Publish(local.Addr())
	check(err)
	fmt.Println("signal candidate with", name)

	for {
		flush()
		deadline, ok := querier.PollTimeout()
		if d, ok2 := responder.PollTimeout(); ok2 && (!ok || d.Before(deadline)) {
			deadline, ok = d, true
		}
		wait := time.Hour
		if ok {
			wait = time.Until(deadline)
		}
		select {
		case d, open := <-in:
			if !open {
				return
			}
			msg := shared.TaggedBytes{Now: time.Now(), Transport: shared.TransportContext{Local: local, Peer: d.from}, Message: d.b}
			// Bad input (off-link, malformed) is dropped and reported.
			if err := querier.HandleRead(msg); err != nil { // responses to our queries
				log.Print(err)
			}
			if err := responder.HandleRead(msg); err != nil { // queries for our names
				log.Print(err)
			}
		case <-time.After(wait):
			check(querier.HandleTimeout(time.Now()))
			check(responder.HandleTimeout(time.Now()))
		}
	}
}
