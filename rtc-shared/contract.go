package shared

import (
	"net/netip"
	"strconv"
	"time"
)

// TransportProtocol is the transport a datagram or stream segment travelled on.
type TransportProtocol uint8

// Transport protocols.
const (
	UDP TransportProtocol = iota // datagrams
	TCP                          // a byte stream (RFC 4571 / RFC 6544 framing is the layer's job)
)

// String returns "UDP" or "TCP".
func (p TransportProtocol) String() string {
	switch p {
	case UDP:
		return "UDP"
	case TCP:
		return "TCP"
	}
	return "TransportProtocol(" + strconv.Itoa(int(p)) + ")"
}

// ECN is the two-bit Explicit Congestion Notification codepoint (RFC 3168 §5).
type ECN uint8

// ECN codepoints.
const (
	ECNNotECT ECN = 0 // Not ECN-Capable Transport
	ECNECT1   ECN = 1 // ECN Capable Transport, ECT(1)
	ECNECT0   ECN = 2 // ECN Capable Transport, ECT(0)
	ECNCE     ECN = 3 // Congestion Experienced
)

// String returns the RFC 3168 name of the codepoint.
func (e ECN) String() string {
	switch e {
	case ECNNotECT:
		return "Not-ECT"
	case ECNECT1:
		return "ECT(1)"
	case ECNECT0:
		return "ECT(0)"
	case ECNCE:
		return "CE"
	}
	return "ECN(" + strconv.Itoa(int(e)) + ")"
}

// TransportContext names the path a message travelled on: the local and remote
// transport addresses, the transport protocol and the ECN marking.
//
// For a message handed to HandleRead, Local is the address it arrived on and
// Peer the address it came from. For a message returned by PollWrite, Local is
// the address it must leave from and Peer the address it must go to.
type TransportContext struct {
	Local    netip.AddrPort
	Peer     netip.AddrPort
	Protocol TransportProtocol
	ECN      ECN
}

// Reverse returns the context with Local and Peer swapped: the same path as
// seen from the other end (what the peer's HandleRead sees for a datagram
// sent with t). A reply to a received message does not need it: Local and
// Peer already name this end and the other end, in both directions, so a
// reply goes out with the received context unchanged.
func (t TransportContext) Reverse() TransportContext {
	t.Local, t.Peer = t.Peer, t.Local
	return t
}

// String formats the context as "UDP 192.0.2.1:5000->192.0.2.2:6000".
func (t TransportContext) String() string {
	return t.Protocol.String() + " " + t.Local.String() + "->" + t.Peer.String()
}

// TaggedBytes is one message with the time it was seen and the path it took.
//
// Ownership: a TaggedBytes handed to a Handle* method is borrowed for the
// duration of the call; the callee copies anything it keeps. A TaggedBytes
// returned by a Poll* method belongs to the caller, who may modify or retain
// Message.
type TaggedBytes struct {
	Now       time.Time
	Transport TransportContext
	Message   []byte
}

// Protocol is the sans-I/O contract that every layer of the stack, and the
// PeerConnection itself, satisfies. A protocol never reads a clock, sleeps,
// starts a goroutine or touches a socket: the caller feeds it bytes and time,
// and polls it for what to send, what came out and when to call it next.
//
// The type parameters are the application-side types of a layer:
//   - Rout: what PollRead returns (decrypted records, reassembled messages, ...)
//   - Win: what HandleWrite accepts (application data to send)
//   - Ein: control events HandleEvent accepts
//   - Eout: state changes and notifications PollEvent returns
//
// The drive loop: after any Handle* call, drain PollWrite, PollEvent and
// PollRead until each reports false, then wait until the time PollTimeout
// reports (or until the next datagram arrives) and call HandleTimeout.
//
// Rules every implementation follows:
//   - A Handle* call never blocks and never calls back into user code; results
//     queue until polled. Queues are bounded: when one is full the Handle*
//     call returns an error (ErrQueueFull or a layer-specific one) rather than
//     dropping anything silently.
//   - A Poll* method that reports false returns the zero value.
//   - Time never moves backwards: an implementation keeps the latest time it
//     has seen and never reports a deadline before it.
//   - Bad network input never panics: it is counted and dropped, and an error
//     is returned where the caller can act on it.
type Protocol[Rout, Win, Ein, Eout any] interface {
	Wire

	// PollRead returns the next application message that came out of the
	// protocol. The message belongs to the caller.
	PollRead() (Rout, bool)
	// HandleWrite queues an application message for sending. The callee
	// copies what it keeps; msg may be reused after the call returns.
	HandleWrite(msg Win) error
	// HandleEvent feeds a user or control event in.
	HandleEvent(evt Ein) error
	// PollEvent returns the next state change or notification.
	PollEvent() (Eout, bool)
	// Close starts an orderly shutdown. Whatever must be sent to finish it
	// comes out of PollWrite; further Handle* calls return an error.
	Close() error
}

// Wire is the network-facing part of Protocol: bytes in, bytes out and time.
// It is all a simulated network (package netsim) needs to drive an endpoint.
type Wire interface {
	// HandleRead feeds one datagram (or stream segment) that arrived from
	// the network. msg.Message is borrowed for the duration of the call.
	HandleRead(msg TaggedBytes) error
	// PollWrite returns the next datagram to put on the wire. The returned
	// bytes belong to the caller.
	PollWrite() (TaggedBytes, bool)
	// HandleTimeout tells the protocol that time now has been reached.
	// Calling it early is harmless: nothing that is not due fires.
	HandleTimeout(now time.Time) error
	// PollTimeout returns the next deadline, if any.
	PollTimeout() (time.Time, bool)
}

// Earliest returns the earlier of two deadlines, where a zero time means "no
// deadline".
func Earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}

// Clock keeps the latest time a machine has been told and never lets it move
// backwards. Embed it (as a value) in a state machine and call Advance with
// every time that comes in.
type Clock struct {
	now time.Time
}

// Advance records t if it is later than the latest time seen, and returns the
// latest time seen.
func (c *Clock) Advance(t time.Time) time.Time {
	if t.After(c.now) {
		c.now = t
	}
	return c.now
}

// Now returns the latest time seen (the zero time before the first Advance).
func (c *Clock) Now() time.Time { return c.now }

// Clamp returns deadline, or the latest time seen if deadline is before it;
// a zero deadline stays zero. Use it in PollTimeout so a machine never
// reports a deadline in its own past.
func (c *Clock) Clamp(deadline time.Time) time.Time {
	if deadline.IsZero() || !deadline.Before(c.now) {
		return deadline
	}
	return c.now
}
