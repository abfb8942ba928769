// Package shared holds what every sansrtc module agrees on: the sans-I/O
// contract (Protocol, Wire, TaggedBytes, TransportContext), a non-panicking
// byte Cursor and an append-style Builder for wire formats, the anti-replay
// ReplayWindow used by SRTP and DTLS, RFC 1982 serial-number arithmetic, a
// bounded Queue for the outboxes of state machines, the EventQueue with the
// one overflow rule for events, the FreeList that keeps released buffers
// for reuse, the one config-default rule (OrDefault, CheckMin, CheckRange,
// ErrInvalidConfig; see config.go), and common errors.
//
// The subpackage netsim is a deterministic simulated network with a virtual
// clock, links, NATs and a trace, used by the tests of every module;
// netsim/echo is a tiny reference endpoint pair that shows it in use. The
// subpackage contracttest is the conformance suite every machine runs in
// its tests.
//
// # The drive loop
//
// Every protocol machine is driven the same way: feed it what arrived and
// the current time, then drain everything it has to say, in one pass.
//
//	err := m.HandleRead(shared.TaggedBytes{Now: now, Transport: tc, Message: datagram})
//	for { out, ok := m.PollWrite(); if !ok { break }; send(out) }
//	for { ev, ok := m.PollEvent(); if !ok { break }; handle(ev) }
//	for { msg, ok := m.PollRead(); if !ok { break }; deliver(msg) }
//	deadline, ok := m.PollTimeout() // wait until then, or the next datagram
//	err = m.HandleTimeout(deadline)
//
// One pass is enough: if a Poll* created new output (PollRead freed receive
// buffer, so a window update is owed), PollTimeout reports the latest time
// the machine has seen, and the caller calls HandleTimeout at once and
// drains again. PollTimeout never reports a later deadline while output is
// pending (Clock.Timeout implements the rule). See Protocol for every rule.
//
// # The shared contract
//
//   - Events: one bounded EventQueue per machine. Push never refuses; when
//     full, the new event is dropped and counted, and the Handle* call during
//     which it was lost (or the next one, if it was lost during a Poll*)
//     returns an error wrapping ErrQueueFull (EventQueue.Report). The input
//     itself is still processed.
//   - Sentinels: a layer's own sentinel for a shared condition wraps the
//     shared one, var ErrClosed = fmt.Errorf("sctp: association closed: %w",
//     shared.ErrClosed), so errors.Is(err, shared.ErrClosed) holds in every
//     layer.
//   - The drain rule above.
//   - Timeout reason: every machine implements TimeoutReasoner, naming why
//     its deadline exists ("rtx", "sack", "consent", "pending", "" for none).
//   - Conformance: every machine runs contracttest.Run in its tests.
//
// # Config
//
// Every module's Config follows one rule. Each field documents its default
// ("If zero, X is used") and an unexported accessor applies it, usually
// with OrDefault. Zero always means the default. A non-zero value outside
// the documented range is never replaced or clamped in silence: the
// module's Config.Validate (CheckMin, CheckRange) returns a *ConfigError
// wrapping ErrInvalidConfig, naming the field, the value and the range,
// and New returns it. contracttest.ConfigRule checks a module against the
// rule.
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
// Nothing here grows without bound: a Queue or EventQueue holds at most its
// limit (an EventQueue counts what it drops in a uint64), a
// fixed Builder never exceeds its buffer's capacity, and a ReplayWindow's
// memory is fixed by its size. Cursor, fixed Builder and ReplayWindow
// allocate nothing (TestZeroAllocs), and neither does an EventQueue in
// steady state (TestEventQueueZeroAllocs); only an OverflowError allocates,
// once per reported loss. A FreeList keeps at most BufferBounds.Count
// buffers of at most MaxCap bytes each, and Get/Put allocate nothing
// (TestFreeListZeroAllocs).
//
// # Known limitations
//
//   - ReplayWindow works on 64-bit sequence numbers; extending 16/32-bit
//     counters (SRTP's ROC, DTLS epochs) is the caller's job.
//   - Serial comparisons of values exactly half the space apart are
//     undefined by RFC 1982; SerialLess reports false both ways.
package shared
