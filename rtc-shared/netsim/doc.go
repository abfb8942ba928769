// Package netsim is a deterministic simulated network for testing sans-I/O
// endpoints: anything that implements shared.Wire (HandleRead, PollWrite,
// HandleTimeout, PollTimeout). It has a virtual clock, links between hosts
// with delay, jitter, loss (random and Gilbert-Elliott bursts), reordering,
// duplication, bit corruption, an MTU and a bandwidth limit with a drop-tail
// queue and optional ECN CE marking, and NAT
// boxes with the RFC 4787 mapping and filtering behaviours. Minutes of
// virtual time run in milliseconds; nothing touches a real socket or clock.
//
// # Use
//
//	sim := netsim.New(netsim.Config{Seed: 42}) // the clock starts at 2026-01-01T00:00:00Z
//	sim.Add(alice, netip.MustParseAddrPort("192.0.2.1:5000"))
//	sim.Add(bob, netip.MustParseAddrPort("198.51.100.1:6000"))
//	sim.SetDefaultLink(netsim.LinkConfig{Delay: 20 * time.Millisecond, Loss: 0.05})
//	err := sim.Run(func() bool { return alice.Done() && bob.Done() }, 100_000)
//	if err != nil {
//		t.Fatalf("seed 42: %v\n%s", err, sim.TraceString())
//	}
//
// # Stepping
//
// Each step first drains PollWrite of every endpoint (in the order they were
// added), then performs the earliest event: it delivers the datagram due
// soonest (deliveries win ties, then send order), or fires the earliest
// endpoint deadline (the first-added endpoint wins ties) by calling
// HandleTimeout with exactly that deadline, or with the current time if the
// deadline is already past. The clock moves to the event, never backwards.
// Then every endpoint is drained again and each datagram is routed by its
// Transport.Peer, leaving from Transport.Local. A datagram to an address no
// endpoint or NAT owns is dropped and counted (NoRoute). A datagram whose
// Local is not one of the sender's addresses is dropped and counted
// (WrongSource) unless Config.AllowSpoofing is set: it catches the classic
// mistake of replying with msg.Transport.Reverse() instead of msg.Transport.
//
// Run stops when its condition holds, and fails with ErrStepLimit after
// maxSteps steps, so an endpoint whose deadline never moves forward (a
// livelock) fails the test instead of hanging it, and with ErrIdle when
// nothing is left to happen. RunFor runs a span of virtual time.
//
// A delivered message is a scratch copy that is valid only during
// HandleRead (the contract's ownership rule, enforced: an endpoint that keeps
// it without copying will see it change). Errors an endpoint returns from
// HandleRead or HandleTimeout are counted (Stats, LastError) and the run goes
// on, unless Config.StopOnError is set.
//
// # Determinism
//
// Every random choice (loss, jitter, reordering, duplication, corruption,
// NAT ports)
// comes from one PCG generator seeded with Config.Seed, drawn in event
// order. The same seed with the same endpoints gives the same run, byte for
// byte: compare Trace() of two runs. For the endpoints' own randomness use
// NewRand(seed, label) as their Config.Rand. Put the seed in failing test
// names and messages.
//
// # Links
//
// A link is one direction between two host IP addresses; SetLink configures
// one, SetDefaultLink all the others. Sizes are UDP payload sizes (headers
// are not counted in MTU or bandwidth). See LinkConfig for the order of
// the stages a datagram goes through, and LinkStats for the counters.
//
// # NATs
//
// AddNAT puts a NAT in front of private hosts; see NAT. The source address
// on the wire (and in the trace) of a datagram leaving a NAT is its external
// mapping, so links toward and from hosts behind a NAT are keyed by the
// NAT's public address.
//
// # Trace
//
// Trace returns the most recent datagrams (Config.TraceLimit) with their
// fate; TraceString formats them for a failing test (LogOnFailure does it
// for you, with the seed); WritePcap writes them as a pcap file
// (LINKTYPE_RAW, IPv4/IPv6 + UDP) that Wireshark opens.
//
// # Known limitations
//
//   - Everything is a datagram: TCP framing (RFC 4571) is not modelled, and
//     the Protocol and ECN fields are passed through unchanged.
//   - NATs do not nest, do not time out filter permissions separately from
//     their mapping's timeout, and have no per-host port quotas.
//   - There is no ICMP: a datagram to nowhere or over the MTU vanishes, as
//     with a firewall that drops ICMP.
//   - Bandwidth is per link; there is no shared bottleneck between
//     different host pairs.
package netsim
