package dtls

import (
	"errors"
	"fmt"

	"github.com/sansrtc/rtc/rtc-shared"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// EventHandshakeComplete: the handshake finished. Sets State (the
	// negotiated parameters, SRTP profile and keying material).
	EventHandshakeComplete EventKind = iota + 1
	// EventAlert: an alert was received that did not close the connection
	// (a warning), or one was sent. Sets Alert, Level and Remote.
	EventAlert
	// EventClosed: the connection ended. Sets Err: nil for an orderly
	// close_notify exchange after the handshake or a local Close, an
	// *AlertError for a fatal alert (Remote says who sent it; a
	// close_notify before the handshake completed is reported this way
	// too), ErrHandshakeTimeout on timeout.
	EventClosed
	// EventPeerAddressChanged: an authenticated record carrying our
	// connection ID, newer than every record before it, came from another
	// address (RFC 9146 §6), and the Conn now sends there. Sets Transport
	// (the new path: Peer is the new address, Local where it arrived).
	// The owner of the socket or ICE agent should follow: this is how a
	// NAT rebinding is survived without a new handshake. Only with
	// Config.ConnectionIDLength set and a CID negotiated.
	EventPeerAddressChanged
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventHandshakeComplete:
		return "HandshakeComplete"
	case EventAlert:
		return "Alert"
	case EventClosed:
		return "Closed"
	case EventPeerAddressChanged:
		return "PeerAddressChanged"
	}
	return "EventKind(?)"
}

// Event is what PollEvent returns. The doc of each EventKind says which
// fields it sets.
type Event struct {
	Kind   EventKind
	State  *ConnectionState
	Alert  Alert
	Level  AlertLevel
	Remote bool
	Err    error
	// Transport is the peer's new path (EventPeerAddressChanged).
	Transport shared.TransportContext
}

// Command is what HandleEvent accepts. The zero Command does nothing.
type Command struct {
	Kind CommandKind
}

// CommandKind says what a Command asks for.
type CommandKind uint8

// Command kinds.
const (
	// CommandRetransmit resends the current handshake flight now and
	// restarts the retransmission timer with its current interval (no
	// doubling). A caller that knows the path just became usable sends
	// it: WebRTC starts DTLS before ICE has a working pair, so the first
	// ClientHello may have been lost, and waiting for the timer (1 s,
	// RetransmitInitial) costs setup time; call it when ICE selects or
	// nominates a pair, or when the peer's first connectivity check
	// arrives after the ClientHello went out. RFC 6347 §4.2.4 lets an
	// implementation retransmit on other triggers than the timer. It
	// does nothing when no flight is outstanding (a server waiting for a
	// ClientHello, or after the handshake).
	CommandRetransmit CommandKind = iota + 1
)

// handleCommand carries out a Command.
func (c *Conn) handleCommand(cmd Command) error {
	if c.state == stateClosed {
		return ErrClosed
	}
	switch cmd.Kind {
	case 0:
		return nil
	case CommandRetransmit:
		if c.v13 != nil {
			return c.sync13(c.v13.Retransmit(c.clock.Now()))
		}
		if c.state != stateHandshake || len(c.flight) == 0 || c.finalFlight {
			return nil
		}
		c.stats.Retransmits++
		c.rtxDeadline = c.clock.Now().Add(c.rtxInterval)
		return c.sendFlight()
	}
	return fmt.Errorf("dtls: unknown command %d", cmd.Kind)
}

// Stats counts what a Conn did and dropped.
type Stats struct {
	DatagramsIn, DatagramsOut uint64
	RecordsIn, RecordsOut     uint64
	// Dropped records, by reason.
	Malformed      uint64 // could not be parsed
	WrongEpoch     uint64 // an epoch we have no keys for, or epoch 0 data after the handshake
	Replayed       uint64 // already seen or left of the replay window
	AuthFailed     uint64 // failed decryption or MAC
	Unexpected     uint64 // content not acceptable in the current state
	BadHandshake   uint64 // handshake fragments that could not be used
	LimitExceeded  uint64 // fragments or messages over a configured limit
	QueueFull      uint64 // application data dropped because the read queue was full
	AfterClose     uint64 // records that arrived after the connection closed
	WrongSource    uint64 // datagrams from a source other than the peer a server bound to (see NewServer)
	Restarts       uint64 // handshakes a server restarted for a cookie-verified source (see NewServer)
	Retransmits    uint64 // flights retransmitted (timer or peer retransmission)
	HelloVerifies  uint64 // HelloVerifyRequests sent (server) or received (client)
	UnknownExtSeen uint64 // unknown hello extensions tolerated
	ConnectionID   uint64 // records dropped for their connection ID (RFC 9146): none negotiated, not ours, epoch 0, missing, or a bad DTLSInnerPlaintext
	PeerMoves      uint64 // peer address updates from authenticated CID records (EventPeerAddressChanged)
}

// Stats returns the counters. For a DTLS 1.3 connection the record and
// handshake counters come from the 1.3 machine: WrongEpoch counts records
// of epochs without keys, Unexpected plaintext alerts and ACKs ignored once
// keys exist, HelloVerifies stateless HelloRetryRequests sent.
func (c *Conn) Stats() Stats {
	s := c.stats
	if c.v13 != nil {
		e := c.v13.Stats()
		s.Malformed += e.Malformed
		s.WrongEpoch += e.UnknownEpoch
		s.Replayed += e.Replayed
		s.AuthFailed += e.AuthFailed
		s.Unexpected += e.Unauthenticated
		s.Retransmits += e.Retransmits
		s.HelloVerifies += e.HelloRetries
		s.QueueFull += e.AppDropped
	}
	return s
}

func isRemote(err error) bool {
	var ae *AlertError
	return errors.As(err, &ae) && ae.Remote
}

// pushEvent queues an event. A full queue drops the new event, counts it
// (Stats.EventsLost) and the Handle* call returns an error wrapping
// shared.ErrQueueFull (shared.EventQueue: never a silent loss).
func (c *Conn) pushEvent(e Event) {
	c.events.Push(e)
}

// State is the connection state as WebRTC reports a DTLS transport
// (RTCDtlsTransportState, W3C webrtc §5.5.1), minus "new": a Conn exists
// only once the handshake has started.
type State uint8

// States.
const (
	StateConnecting State = iota // the handshake is in progress
	StateConnected               // the handshake completed
	StateClosed                  // closed by close_notify or Close
	StateFailed                  // a fatal alert, a verification failure or a timeout
)

// String returns the RTCDtlsTransportState name.
func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateClosed:
		return "closed"
	case StateFailed:
		return "failed"
	}
	return "State(?)"
}

// State reports the connection state.
func (c *Conn) State() State {
	switch {
	case c.state == stateHandshake:
		return StateConnecting
	case c.state == stateEstablished:
		return StateConnected
	case c.err != nil:
		return StateFailed
	}
	return StateClosed
}
