// Package shared holds what every sansrtc module agrees on: the sans-I/O
// contract (Protocol, Wire, TaggedBytes, TransportContext), a non-panicking
// byte Cursor and an append-style Builder for wire formats, the anti-replay
// ReplayWindow used by SRTP and DTLS, RFC 1982 serial-number arithmetic, a
// bounded Queue for the outboxes of state machines, and common errors.
//
// The subpackage netsim is a deterministic simulated network with a virtual
// clock, used by the tests of every module.
//
// # The drive loop
//
// Every protocol machine is driven the same way: feed it what arrived and
// the current time, then drain everything it has to say.
//
//	m.HandleRead(shared.TaggedBytes{Now: now, Transport: tc, Message: datagram})
//	for { out, ok := m.PollWrite(); if !ok { break }; send(out) }
//	for { ev, ok := m.PollEvent(); if !ok { break }; handle(ev) }
//	for { msg, ok := m.PollRead(); if !ok { break }; deliver(msg) }
//	deadline, ok := m.PollTimeout() // wait until then, or the next datagram
//	m.HandleTimeout(deadline)
//
// Protocol code never reads a clock, sleeps, starts goroutines, opens sockets
// or uses math/rand: time and randomness are inputs.
package shared
