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
// The drive loop, which one pass of makes a fixed point:
//
//  1. Call one Handle* (HandleRead, HandleWrite, HandleEvent, HandleTimeout
//     or Close).
//  2. Drain PollWrite until it reports false, then PollEvent until it
//     reports false, then PollRead until it reports false.
//  3. Ask PollTimeout. If it reports a deadline, wait until then (or until
//     the next datagram or user call) and go to 1 with HandleTimeout.
//
// A Poll* may create new output: PollRead can free receive buffer, so a
// window update is owed to the peer. The rule that makes one pass enough:
// while a machine holds output that a Poll* would return, PollTimeout
// reports the latest time it has seen (its "now"), so the caller calls
// HandleTimeout at once and drains again. A machine never reports a later
// deadline, or none, while output is pending; Clock.Timeout implements the
// rule. Conversely, when PollTimeout reports a deadline after now (or none),
// every Poll* reports false until the next Handle*.
//
// Rules every implementation follows (package contracttest checks them):
//   - A Handle* call never blocks and never calls back into user code; results
//     queue until polled.
//   - Queues are bounded and nothing is lost silently. Outboxes refuse work
//     with an error (ErrQueueFull or a layer error wrapping it). Events go
//     into an EventQueue: when it is full the new event is dropped and
//     counted, and the Handle* call during which it was lost (or the next
//     one, if it was lost during a Poll*) returns an error wrapping
//     ErrQueueFull. The input itself is still processed.
//   - A Poll* method that reports false returns the zero value.
//   - Time never moves backwards: an implementation keeps the latest time it
//     has seen (Clock) and never reports a deadline before it. A
//     HandleTimeout with an earlier time is harmless: it fires nothing that
//     is not due at the latest time seen and moves no deadline back.
//   - After Close, and once what Close produced has been drained, PollRead
//     and PollEvent report false forever; HandleWrite and HandleEvent return
//     errors wrapping ErrClosed. HandleRead and HandleTimeout may still be
//     needed to finish an orderly shutdown (the peer's answer to it, a
//     retransmission), and PollWrite may still return what that shutdown
//     sends. Closing twice is harmless (nil or an ErrClosed error).
//   - Layer sentinels for shared conditions wrap the shared sentinels (see
//     ErrClosed), so errors.Is(err, ErrClosed) holds for every layer.
//   - Every machine implements TimeoutReasoner.
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
	// comes out of PollWrite; after it, HandleWrite and HandleEvent return
	// errors wrapping ErrClosed and nothing more comes out of PollRead and
	// PollEvent once what Close itself produced has been drained.
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
	// PollTimeout returns the next deadline, if any. It is never before the
	// latest time the protocol has seen, and it is exactly that time while
	// output is pending (see the drive loop on Protocol).
	PollTimeout() (time.Time, bool)
}

// TimeoutReasoner is implemented by every machine: TimeoutReason names why
// its current PollTimeout deadline exists, for logs and tests. Reasons are
// short lowercase words naming the timer that set the deadline: "rtx"
// (retransmission), "sack" (delayed acknowledgement), "consent",
// "keepalive", "refresh", "heartbeat", ...; "pending" when PollTimeout
// reports now because output is waiting to be polled; "" exactly when
// PollTimeout reports no deadline. A machine composed of parts returns the
// reason of the part whose deadline won, prefixed when that helps
// ("sctp/rtx").
type TimeoutReasoner interface {
	TimeoutReason() string
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

// Timeout is the drain rule of the contract in one call: the answer of a
// PollTimeout whose own earliest deadline is deadline (zero: none) and
// which has output waiting to be polled if pending. While output is
// pending it reports the latest time seen, so the caller calls
// HandleTimeout at once and drains again; otherwise deadline clamped to
// the latest time seen, and false for a zero deadline.
//
//	func (a *Association) PollTimeout() (time.Time, bool) {
//		return a.clock.Timeout(a.deadline(), a.outbox.Len() > 0)
//	}
func (c *Clock) Timeout(deadline time.Time, pending bool) (time.Time, bool) {
	if pending {
		return c.now, true
	}
	if deadline.IsZero() {
		return time.Time{}, false
	}
	return c.Clamp(deadline), true
}

// Clamp returns deadline, or the latest time seen if deadline is before it;
// a zero deadline stays zero. Use it in PollTimeout so a machine never
// reports a deadline in its own past.
func (c *Clock) Clamp(deadline time.Time) time.Time {
	if deadline.IsZero() || !deadline.Before(c.now) {
		return deadline
	}
	return c.now
}
