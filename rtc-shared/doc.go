// Package shared holds what every sansrtc module agrees on: the sans-I/O
// contract (Protocol, Wire, TaggedBytes, TransportContext), a non-panicking
// byte Cursor and an append-style Builder for wire formats, the anti-replay
// ReplayWindow used by SRTP and DTLS, RFC 1982 serial-number arithmetic, a
// bounded Queue for the outboxes of state machines, and common errors.
//
// The subpackage netsim is a deterministic simulated network with a virtual
// clock, links, NATs and a trace, used by the tests of every module;
// netsim/echo is a tiny reference endpoint pair that shows it in use.
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
// or keeps a pseudo-random generator of its own: time and randomness are
// inputs.
//
// # Ownership
//
// A TaggedBytes handed to a Handle* method is borrowed for the call; one
// returned by a Poll* method belongs to the caller. A TransportContext names
// this end (Local) and the other end (Peer) in both directions, so a reply
// goes out with the context it came in on.
//
// # Limits
//
// Nothing here grows without bound: a Queue holds at most its limit, a
// fixed Builder never exceeds its buffer's capacity, and a ReplayWindow's
// memory is fixed by its size. Cursor, fixed Builder and ReplayWindow
// allocate nothing (TestZeroAllocs).
//
// # Known limitations
//
//   - ReplayWindow works on 64-bit sequence numbers; extending 16/32-bit
//     counters (SRTP's ROC, DTLS epochs) is the caller's job.
//   - Serial comparisons of values exactly half the space apart are
//     undefined by RFC 1982; SerialLess reports false both ways.
package shared
