package sctp

import (
	"encoding/binary"
	"io"
	"strconv"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// State is the state of an association (RFC 9260 §4).
type State uint8

const (
	// StateClosed: no association. A new Association starts here and
	// answers INIT with INIT ACK without keeping state (RFC 9260 §5.1);
	// after a shutdown, abort or failure it stays here for good.
	StateClosed State = iota
	// StateCookieWait: INIT sent, waiting for INIT ACK (RFC 9260 §5.1 A).
	StateCookieWait
	// StateCookieEchoed: COOKIE ECHO sent, waiting for COOKIE ACK (§5.1 D).
	StateCookieEchoed
	// StateEstablished: data flows both ways (§5.1 E).
	StateEstablished
	// StateShutdownPending: Close was called; outstanding data is being
	// delivered before SHUTDOWN is sent (§9.2).
	StateShutdownPending
	// StateShutdownSent: SHUTDOWN sent, waiting for SHUTDOWN ACK (§9.2).
	StateShutdownSent
	// StateShutdownReceived: the peer sent SHUTDOWN; our outstanding data is
	// being delivered before SHUTDOWN ACK (§9.2).
	StateShutdownReceived
	// StateShutdownAckSent: SHUTDOWN ACK sent, waiting for SHUTDOWN
	// COMPLETE (§9.2).
	StateShutdownAckSent
)

// String returns the RFC 9260 name of the state.
func (s State) String() string {
	switch s {
	case StateClosed:
		return "CLOSED"
	case StateCookieWait:
		return "COOKIE-WAIT"
	case StateCookieEchoed:
		return "COOKIE-ECHOED"
	case StateEstablished:
		return "ESTABLISHED"
	case StateShutdownPending:
		return "SHUTDOWN-PENDING"
	case StateShutdownSent:
		return "SHUTDOWN-SENT"
	case StateShutdownReceived:
		return "SHUTDOWN-RECEIVED"
	case StateShutdownAckSent:
		return "SHUTDOWN-ACK-SENT"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// PPID is a Payload Protocol Identifier (RFC 9260 §3.3.1). WebRTC's values
// are defined by package datachannel.
type PPID uint32

// PRPolicy is a partial reliability policy of one message (RFC 3758,
// RFC 7496).
type PRPolicy uint8

const (
	// PRReliable: retransmit until acknowledged (the zero value).
	PRReliable PRPolicy = iota
	// PRRetransmits: abandon after PolicyValue retransmissions (RFC 7496 §4.2).
	PRRetransmits
	// PRLifetime: abandon PolicyValue milliseconds after HandleWrite
	// (RFC 3758 §4, "timed reliability"). HandleWrite takes no time
	// argument: the lifetime starts at the latest time the association was
	// given (HandleRead, HandleTimeout, Connect).
	PRLifetime
)

// Message is one user message. HandleWrite takes one to send; PollRead
// returns the ones received. Policy and PolicyValue are used on send only.
type Message struct {
	Stream    uint16
	PPID      PPID
	Unordered bool
	Data      []byte
	// Policy and PolicyValue select partial reliability (when the peer
	// supports FORWARD-TSN; otherwise every message is reliable).
	Policy      PRPolicy
	PolicyValue uint32
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventConnected: the association is established. No fields.
	EventConnected EventKind = iota + 1
	// EventRestarted: the peer restarted the association (RFC 9260 §5.2.4
	// case A); stream state and queued data were discarded. No fields.
	EventRestarted
	// EventIncomingStreamsReset: the peer reset these incoming streams
	// (RFC 6525 §5.2.2); sequence numbers restart at 0. Sets Streams.
	EventIncomingStreamsReset
	// EventOutgoingStreamsReset: our reset of these outgoing streams was
	// performed (RFC 6525 §5.2.7). Sets Streams.
	EventOutgoingStreamsReset
	// EventStreamResetFailed: the peer denied our reset. Sets Streams, Err.
	EventStreamResetFailed
	// EventBufferedAmountLow: a stream's buffered amount fell to or below
	// its threshold (see SetBufferedAmountLowThreshold). Sets Stream.
	EventBufferedAmountLow
	// EventShutdown: the peer started a graceful shutdown; no more writes
	// are accepted. No fields.
	EventShutdown
	// EventClosed: the association ended; it is the last event. Err is
	// nil after a graceful shutdown, an *AbortError after an ABORT,
	// ErrRetransmissionLimit or ErrInitFailed after a failure.
	EventClosed
	// EventPeerError: the peer sent an ERROR chunk. Sets Cause.
	EventPeerError
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventConnected:
		return "Connected"
	case EventRestarted:
		return "Restarted"
	case EventIncomingStreamsReset:
		return "IncomingStreamsReset"
	case EventOutgoingStreamsReset:
		return "OutgoingStreamsReset"
	case EventStreamResetFailed:
		return "StreamResetFailed"
	case EventBufferedAmountLow:
		return "BufferedAmountLow"
	case EventShutdown:
		return "Shutdown"
	case EventClosed:
		return "Closed"
	case EventPeerError:
		return "PeerError"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is a state change or notification returned by PollEvent. The doc
// of each EventKind lists the fields it sets.
type Event struct {
	Kind    EventKind
	Stream  uint16
	Streams []uint16
	Cause   ErrorCause
	Err     error
}

// CommandKind selects what HandleEvent does.
type CommandKind uint8

const (
	// CommandConnect starts the association (Connect).
	CommandConnect CommandKind = iota + 1
	// CommandResetStreams resets the outgoing Streams (ResetStreams).
	CommandResetStreams
	// CommandAbort aborts with Reason (Abort).
	CommandAbort
	// CommandShutdown starts a graceful shutdown (Close).
	CommandShutdown
)

// Command is a control event for HandleEvent. Each kind mirrors a method.
type Command struct {
	Kind    CommandKind
	Now     time.Time
	Streams []uint16
	Reason  string
}

// Stats are counters of an association. Network faults are counted here
// and the packet dropped.
type Stats struct {
	PacketsReceived, PacketsSent   uint64
	BadChecksum, BadTag, Malformed uint64
	OutOfWindow, DuplicateTSNs     uint64
	DataChunksSent, DataChunksRecv uint64
	Retransmissions                uint64
	FastRetransmits, T3Expirations uint64
	MessagesSent, MessagesReceived uint64
	BytesSent, BytesReceived       uint64
	AbandonedMessages              uint64
	Stale                          uint64 // late fragments of delivered or skipped messages
	DroppedAfterClose              uint64 // messages that completed after Close
	BadTransitions                 uint64 // state changes outside RFC 9260 §4 (bugs)
	SpuriousRecoveries             uint64 // Fast Recoveries undone (all retransmissions were duplicates)
	ForwardTSNsSent, ControlDrops  uint64
	// Current congestion state (bytes and durations).
	CWND, SSThresh, FlightSize, PeerRwnd int
	RTO, SRTT                            time.Duration
	Interleaving, PartialReliability     bool
	ZeroChecksum                         bool
}

// An Association is a full sans-I/O machine of the shared contract.
var _ shared.Protocol[Message, Message, Command, Event] = (*Association)(nil)

// Association is one SCTP association over DTLS (RFC 8261), as a sans-I/O
// state machine.
//
// HandleRead takes one SCTP packet (the payload of a DTLS application data
// record); PollWrite returns SCTP packets for the DTLS layer. The zero value
// is not usable: create one with New.
type Association struct {
	cfg       Config
	rand      io.Reader
	clock     shared.Clock
	transport shared.TransportContext
	state     State
	prevState State // before the last transition (lastTransition, for debugging)
	finished  bool
	// userClosed: Close or Abort was called. EventClosed has then been
	// queued (closeEvent) and nothing more is read or notified.
	userClosed bool
	closeEvent bool
	closeErr   error

	cookieKey [32]byte
	mtu       int

	myTag, peerTag   uint32
	myInitialTSN     uint32
	peerInitialTSN   uint32
	outStreams       uint16 // negotiated outbound stream count
	inStreams        uint16
	fwdTSN, reconfig bool // negotiated extensions
	idata, zeroCsum  bool // zeroCsum: we may send packets with zero checksum
	acceptZeroCsum   bool

	// handshake
	initDue     bool
	initRetries int
	t1          time.Time
	cookieEcho  []byte // the cookie to echo (owned copy)

	ctrl      shared.Queue[[]byte] // prebuilt one-off packets
	ctrlBytes int                  // their size, at most MaxControlPackets*MTU
	events    shared.EventQueue[Event]
	reads     shared.Queue[Message]
	// peek is a packet built by PollTimeout to learn whether output is
	// pending (the drain rule); PollWrite returns it first. peekBuf is
	// its reused storage.
	peek    []byte
	peekBuf []byte

	snd sender
	rcv receiver
	rc  reconfigState

	// shutdown
	t2            time.Time
	shutdownTries int

	// heartbeat
	hbDeadline time.Time
	hbSentAt   time.Time
	hbNonce    uint64

	// Flags of the shutdown and heartbeat sections, kept together so the
	// struct has no padding holes (issue 18: 2040 bytes, a 2048-byte size
	// class; 2920 before).
	shutdownDue    bool
	shutdownAckDue bool
	hbDue          bool
	hbPending      bool
	// quietBuilds counts the packets of control chunks that may still
	// be built without taking a scratch buffer back after ReleaseIdle
	// (see build).
	quietBuilds uint8

	stats Stats

	scratch []byte // packet being built
	sack    sackChunk
	fwd     forwardTSNChunk
	data    dataChunk
}

// New returns an association in StateClosed. Call Connect to send INIT, or
// leave it to answer the peer's INIT; in WebRTC both sides call Connect and
// the INIT collision resolves (RFC 9260 §5.2.1).
func New(cfg Config) (*Association, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Association{
		cfg:       cfg,
		rand:      cfg.rand(),
		transport: shared.TransportContext{},
		mtu:       cfg.mtu(),
		ctrl:      shared.NewQueue[[]byte](cfg.maxControlPackets()),
		events:    shared.NewEventQueue[Event](cfg.maxEvents()),
		// Each unread message is charged at least rxMsgOverhead against
		// the receive buffer, which holds at most 1.5 times its size:
		// that bounds their number.
		reads: shared.NewQueue[Message](2*cfg.receiveBuffer()/rxMsgOverhead + 1),
	}
	a.events.SetName("sctp events")
	a.acceptZeroCsum = !cfg.DisableZeroChecksum
	if _, err := io.ReadFull(a.rand, a.cookieKey[:]); err != nil {
		return nil, err
	}
	a.snd.init(a)
	a.rcv.init(a)
	return a, nil
}

// SetTransport sets the transport context stamped on packets from
// PollWrite. HandleRead also learns it from each packet and keeps it
// unchanged: Local and Peer of a received context already name this end and
// the other end, so replies reuse it as is (see shared.TransportContext.Reverse).
func (a *Association) SetTransport(t shared.TransportContext) { a.transport = t }

// State returns the current state.
func (a *Association) State() State { return a.state }

// Err returns why the association ended, or nil.
func (a *Association) Err() error { return a.closeErr }

// Stats returns a snapshot of the counters.
func (a *Association) Stats() Stats {
	s := a.stats
	s.CWND, s.SSThresh, s.FlightSize, s.PeerRwnd = a.snd.cwnd, a.snd.ssthresh, a.snd.flight, a.snd.peerRwnd
	s.RTO, s.SRTT = a.snd.rto, a.snd.srtt
	s.Interleaving, s.PartialReliability, s.ZeroChecksum = a.idata, a.fwdTSN, a.zeroCsum
	return s
}

// Interleaving reports whether I-DATA (RFC 8260) was negotiated.
func (a *Association) Interleaving() bool { return a.idata }

// MaxMessageSize returns the largest message HandleWrite accepts.
func (a *Association) MaxMessageSize() int { return a.cfg.sendMessageLimit() }

// OutboundStreams returns the negotiated number of outgoing streams (zero
// before the association is established).
func (a *Association) OutboundStreams() uint16 { return a.outStreams }

func (a *Association) randUint32() uint32 {
	var b [4]byte
	if _, err := io.ReadFull(a.rand, b[:]); err != nil {
		return 0
	}
	return binary.BigEndian.Uint32(b[:])
}

func (a *Association) randTag() uint32 {
	for range 16 {
		if v := a.randUint32(); v != 0 {
			return v
		}
	}
	return 1
}

// pushEvent queues an event. After EventClosed nothing more is notified
// (after Close, PollEvent reports false once what Close produced is
// drained). A full queue drops the event and counts it; the Handle* call
// returns the loss (events.Report).
func (a *Association) pushEvent(e Event) {
	if a.closeEvent {
		return
	}
	if e.Kind == EventClosed {
		a.closeEvent = true
	}
	a.events.Push(e)
}

// transitions lists the state changes of the RFC 9260 §4 state diagram
// (plus restart, §5.2.4 A, and the return to COOKIE-WAIT on a stale cookie,
// §5.2.6). Moving to CLOSED is always allowed.
var transitions = [...][]State{
	StateClosed:           {StateCookieWait, StateEstablished},
	StateCookieWait:       {StateCookieEchoed, StateEstablished},
	StateCookieEchoed:     {StateEstablished, StateCookieWait},
	StateEstablished:      {StateEstablished, StateShutdownPending, StateShutdownReceived},
	StateShutdownPending:  {StateEstablished, StateShutdownSent, StateShutdownReceived},
	StateShutdownSent:     {StateEstablished, StateShutdownAckSent},
	StateShutdownReceived: {StateEstablished, StateShutdownAckSent},
	StateShutdownAckSent:  {},
}

// setState moves to s. A transition the state diagram does not have is a
// bug; it is counted in Stats.BadTransitions (and still made).
func (a *Association) setState(s State) {
	ok := s == StateClosed
	for _, t := range transitions[a.state] {
		ok = ok || t == s
	}
	if !ok {
		a.stats.BadTransitions++
	}
	a.prevState, a.state = a.state, s
}

// lastTransition names the last state change, for debugging (built on
// demand: a string per transition was kept before).
func (a *Association) lastTransition() string {
	return a.prevState.String() + " -> " + a.state.String()
}

// Connect starts the association: it sends INIT and enters COOKIE-WAIT
// (RFC 9260 §5.1 A). It is an error to call it twice.
func (a *Association) Connect(now time.Time) error {
	a.clock.Advance(now)
	if a.finished || a.userClosed {
		return ErrClosed
	}
	if a.state != StateClosed {
		return nil
	}
	a.myTag = a.randTag()
	a.myInitialTSN = a.randUint32()
	a.setState(StateCookieWait)
	a.initRetries = 0
	a.initDue = true
	a.t1 = a.clock.Now().Add(a.cfg.rtoInitial())
	a.snd.rto = a.cfg.rtoInitial()
	return nil
}

// HandleEvent runs a Command; see CommandKind. After Close it fails with
// ErrClosed.
func (a *Association) HandleEvent(c Command) error {
	if a.userClosed || a.finished {
		return ErrClosed
	}
	return a.events.Report(a.command(c))
}

func (a *Association) command(c Command) error {
	switch c.Kind {
	case CommandConnect:
		return a.Connect(c.Now)
	case CommandResetStreams:
		return a.ResetStreams(c.Streams...)
	case CommandAbort:
		return a.Abort(c.Reason)
	case CommandShutdown:
		return a.Close()
	}
	return errBadValue
}

// PollEvent returns the next event. The Streams slice belongs to the caller.
func (a *Association) PollEvent() (Event, bool) { return a.events.Pop() }

// Pending reports whether PollEvent or PollRead has something to return.
// It changes nothing: an owner that drains after every call it makes
// (rtc-datachannel) tests it first instead of polling two empty queues.
func (a *Association) Pending() bool { return a.events.Len() > 0 || a.reads.Len() > 0 }

// PollRead returns the next received message. Data belongs to the caller.
// Reading frees receive buffer space; when the window opens enough, a
// window update SACK is queued (RFC 9260 §6.2).
func (a *Association) PollRead() (Message, bool) {
	m, ok := a.reads.Pop()
	if ok {
		a.rcv.release(msgCost(&m))
	}
	return m, ok
}

// HandleWrite queues a message. Data is copied; the caller may reuse it
// when the call returns. It fails with ErrMessageTooLarge, ErrEmptyMessage,
// ErrInvalidStream, ErrStreamResetting, ErrSendBufferFull, or a state error
// (after Close: ErrShuttingDown or ErrClosed, both wrapping shared.ErrClosed).
func (a *Association) HandleWrite(m Message) error {
	if a.userClosed && !a.finished {
		return ErrShuttingDown
	}
	return a.events.Report(a.snd.write(m))
}

// BufferedAmount returns the bytes queued on stream and not yet sent for
// the first time (the RTCDataChannel bufferedAmount).
func (a *Association) BufferedAmount(stream uint16) int {
	if s := a.snd.streams[stream]; s != nil {
		return s.queued
	}
	return 0
}

// BufferedAmountTotal returns the bytes held by the send buffer: queued or
// sent and not yet acknowledged.
func (a *Association) BufferedAmountTotal() int { return a.snd.buffered }

// SetBufferedAmountLowThreshold sets the threshold of stream below or at
// which EventBufferedAmountLow fires when its buffered amount decreases.
func (a *Association) SetBufferedAmountLowThreshold(stream uint16, n int) {
	a.snd.stream(stream).lowThreshold = n
}

// HandleTimeout runs every timer due at now.
func (a *Association) HandleTimeout(now time.Time) error {
	now = a.clock.Advance(now)
	if a.finished {
		return nil
	}
	if !a.t1.IsZero() && !now.Before(a.t1) {
		a.onT1(now)
	}
	if !a.t2.IsZero() && !now.Before(a.t2) {
		a.onT2(now)
	}
	a.rcv.onTimeout(now)
	a.snd.onTimeout(now)
	a.rc.onTimeout(a, now)
	a.onHeartbeatTimer(now)
	return a.events.Report(nil)
}

// PollTimeout returns the earliest deadline, or the latest time seen while
// output is pending (the drain rule of the shared contract): a packet
// PollWrite would return (such as the window update SACK owed after
// PollRead freed receive buffer) or an event. Unread messages are not
// pending output: a caller may hold reading back, and the receive window
// then closes. TimeoutReason names the deadline.
func (a *Association) PollTimeout() (time.Time, bool) {
	d, _ := a.deadline()
	return a.clock.Timeout(d, a.pending())
}

// TimeoutReason names why PollTimeout reports its deadline: "pending"
// (output waits to be polled), "init" (T1: INIT or COOKIE ECHO), "shutdown"
// (T2), "sack" (delayed SACK), "rtx" (T3-rtx), "reconfig" (stream reset
// request), "heartbeat", or "" when there is none.
func (a *Association) TimeoutReason() string {
	if a.pending() {
		return "pending"
	}
	_, why := a.deadline()
	return why
}

// deadline returns the earliest timer and its name.
func (a *Association) deadline() (time.Time, string) {
	if a.finished {
		return time.Time{}, ""
	}
	var d time.Time
	why := ""
	for _, t := range [...]struct {
		at   time.Time
		name string
	}{{a.t1, "init"}, {a.t2, "shutdown"}, {a.rcv.ackDeadline, "sack"}, {a.snd.t3, "rtx"}, {a.rc.deadline, "reconfig"}, {a.hbDeadline, "heartbeat"}} {
		if !t.at.IsZero() && (d.IsZero() || t.at.Before(d)) {
			d, why = t.at, t.name
		}
	}
	return d, why
}

// pending reports whether PollWrite or PollEvent has something. To know
// exactly whether a packet is owed, it builds it (into peek, which
// PollWrite returns next): a guess could differ from what PollWrite
// does, and the caller would spin.
func (a *Association) pending() bool {
	if a.ctrl.Len() > 0 || a.events.Len() > 0 || a.peek != nil {
		return true
	}
	p, fresh, ok := a.build()
	if !ok {
		return false
	}
	if fresh {
		a.peek = p // a buffer of its own: no copy
		return true
	}
	a.peekBuf = append(a.peekBuf[:0], p...)
	a.peek = a.peekBuf
	return true
}

// build builds the next packet, if one is owed, into the scratch buffer.
// An association that let its scratch go (ReleaseIdle) takes a new one
// only when a packet may be owed (quiet), so polling it while it is idle
// allocates nothing. Its first quietAfterRelease packets of control
// chunks alone (the HEARTBEAT of an idle path, RFC 9260 §8.3, and a
// SACK) are built into buffers of controlBuf bytes of their own instead
// (fresh): an idle association would otherwise take back its MTU-sized
// scratch every 30 s for a packet of under 100 bytes and keep it until
// its owner's next ReleaseIdle, and the associations of a server set up
// together do it together (issue 18: 1.2 KB each, at the same moment).
// More such packets, or one with DATA, mean traffic: the scratch is taken
// back.
func (a *Association) build() (p []byte, fresh, ok bool) {
	if a.scratch == nil {
		if a.quiet() {
			return nil, false, false
		}
		if a.quietBuilds > 0 && a.controlOnly() {
			a.quietBuilds--
			p, ok = a.buildPacket(make([]byte, 0, controlBuf))
			return p, true, ok
		}
		a.scratch = make([]byte, 0, a.mtu)
	}
	p, ok = a.buildPacket(a.scratch[:0])
	return p, false, ok
}

// After ReleaseIdle, up to quietAfterRelease packets of control chunks are
// built into buffers of controlBuf bytes (see build). A HEARTBEAT chunk
// with our heartbeat information and a SACK without gap blocks take 52
// bytes with the common header; a larger packet grows its buffer.
const (
	quietAfterRelease = 4
	controlBuf        = 96
)

// controlOnly reports that the next packet can hold only control chunks
// (a SACK, a HEARTBEAT): established, nothing queued or outstanding,
// no FORWARD TSN, RE-CONFIG or shutdown chunk due.
func (a *Association) controlOnly() bool {
	return a.state == StateEstablished && a.snd.idle() && !a.snd.fwdDue && a.rc.quiet() &&
		!a.shutdownDue && !a.shutdownAckDue
}

// quiet reports that buildPacket has nothing to build and nothing to do:
// an established association with no SACK, HEARTBEAT, SHUTDOWN, FORWARD-TSN
// or RE-CONFIG chunk due and no message queued or outstanding. It errs on
// the side of false (a packet may be owed), which only costs the scratch
// buffer.
func (a *Association) quiet() bool {
	if a.finished || a.state == StateClosed {
		return true
	}
	return a.state == StateEstablished && !a.rcv.sackPending() && !a.hbDue && !a.shutdownDue && !a.shutdownAckDue &&
		!a.snd.fwdDue && a.snd.idle() && a.rc.quiet()
}

// ReleaseIdle lets go of what the association keeps only for reuse: its
// packet scratch buffers, the chunk scratch (which aliases the last packet
// received), the sender's free lists of message buffers (while
// no message is held), an empty retransmission ring, and the storage of
// its empty queues (see shared.Queue.Release). Nothing queued or
// outstanding is touched, and no protocol state changes. The owner calls
// it when the association has been idle a while (rtc: shared.IdleAfter
// without a record); the next packet or message allocates again. About
// 2.5 KB per idle association (issue 18).
func (a *Association) ReleaseIdle() {
	a.scratch = nil
	a.quietBuilds = quietAfterRelease
	if a.peek == nil {
		a.peekBuf = nil
	}
	// The chunk scratch: a DATA chunk's payload aliases the last packet
	// received, a DTLS record buffer (1.5 KB) its
	// owner took back, which they would keep alive.
	a.sack, a.fwd, a.data = sackChunk{}, forwardTSNChunk{}, dataChunk{}
	a.snd.releaseIdle()
	a.rcv.releaseIdle()
	a.ctrl.Release()
	a.events.Release()
	a.reads.Release()
}

// popPeek returns the packet built by pending, if any.
func (a *Association) popPeek() ([]byte, bool) {
	p := a.peek
	a.peek = nil
	return p, p != nil
}

// PollWrite returns the next SCTP packet to send. The bytes belong to the
// caller. Use AppendPacket to build into a caller's buffer without
// allocating.
func (a *Association) PollWrite() (shared.TaggedBytes, bool) {
	if c, ok := a.popControl(); ok {
		return shared.TaggedBytes{Now: a.clock.Now(), Transport: a.transport, Message: c}, true
	}
	p, ok := a.popPeek()
	fresh := false
	if !ok {
		p, fresh, ok = a.build()
	}
	if !ok {
		return shared.TaggedBytes{}, false
	}
	if !fresh {
		p = append([]byte(nil), p...) // the scratch or the peek storage stays ours
	}
	return shared.TaggedBytes{Now: a.clock.Now(), Transport: a.transport, Message: p}, true
}

// AppendPacket appends the next SCTP packet to dst and reports whether there
// was one. It is PollWrite without the allocation: give it a buffer with at
// least MTU bytes of spare capacity to stay allocation-free.
func (a *Association) AppendPacket(dst []byte) ([]byte, bool) {
	if c, ok := a.popControl(); ok {
		return append(dst, c...), true
	}
	p, ok := a.popPeek()
	if !ok {
		p, _, ok = a.build()
	}
	if !ok {
		return dst, false
	}
	return append(dst, p...), true
}

// Close starts a graceful shutdown (RFC 9260 §9.2): queued data is
// delivered, then SHUTDOWN is sent. EventClosed follows. Before the
// association is established, Close ends it at once.
//
// For the application the association is closed when Close returns:
// EventClosed (Err nil) is queued at once, and after it nothing more is
// read (messages still arriving are counted in Stats.DroppedAfterClose) or
// notified; writes fail with ErrShuttingDown. The SHUTDOWN exchange goes
// on through HandleRead, HandleTimeout and PollWrite; State and Err tell
// how it ended. Closing twice is harmless.
func (a *Association) Close() error {
	if a.finished || a.userClosed {
		return nil
	}
	a.userClosed = true
	switch a.state {
	case StateClosed, StateCookieWait, StateCookieEchoed:
		a.terminate(nil)
		return a.events.Report(nil)
	case StateEstablished:
		a.setState(StateShutdownPending)
		a.maybeShutdown()
	}
	a.pushEvent(Event{Kind: EventClosed})
	return a.events.Report(nil)
}

// Abort sends ABORT with a User-Initiated Abort cause carrying reason
// (RFC 9260 §9.1) and ends the association.
func (a *Association) Abort(reason string) error {
	if a.finished {
		return nil
	}
	a.userClosed = true
	if a.state != StateClosed && a.state != StateCookieWait {
		a.queueControl(a.buildCausePacket(a.peerTag, ctAbort, 0, CauseUserInitiatedAbort, []byte(reason), true))
	}
	a.terminate(&AbortError{Remote: false, Cause: CauseUserInitiatedAbort, Info: reason})
	return nil
}

// terminate ends the association for good and emits EventClosed.
func (a *Association) terminate(err error) {
	if a.finished {
		return
	}
	a.finished = true
	a.closeErr = err
	a.setState(StateClosed)
	a.t1, a.t2, a.hbDeadline = time.Time{}, time.Time{}, time.Time{}
	a.snd.stop()
	a.rcv.ackDeadline = time.Time{}
	a.rc.deadline = time.Time{}
	a.pushEvent(Event{Kind: EventClosed, Err: err})
}

// queueControl queues a prebuilt packet; it counts a drop when full.
func (a *Association) queueControl(p []byte) error {
	if p == nil {
		return nil
	}
	// The queue is bounded in packets and in bytes: a peer sending large
	// HEARTBEATs without reading the answers cannot make it hold more than
	// MaxControlPackets full-size packets.
	if a.ctrlBytes+len(p) > a.cfg.maxControlPackets()*a.mtu {
		a.stats.ControlDrops++
		return ErrQueueFull
	}
	if err := a.ctrl.Push(p); err != nil {
		a.stats.ControlDrops++
		return ErrQueueFull
	}
	a.ctrlBytes += len(p)
	return nil
}

// popControl returns the next prebuilt control packet.
func (a *Association) popControl() ([]byte, bool) {
	c, ok := a.ctrl.Pop()
	if ok {
		a.ctrlBytes -= len(c)
		a.stats.PacketsSent++
	}
	return c, ok
}

// buildCausePacket builds a packet with one ABORT or ERROR chunk.
func (a *Association) buildCausePacket(vtag uint32, t chunkType, flags uint8, code ErrorCause, info []byte, csum bool) []byte {
	b := make([]byte, 0, commonHeaderSize+chunkHeaderSize+4+padded(len(info)))
	b = appendCommonHeader(b, a.cfg.localPort(), a.cfg.remotePort(), vtag)
	b = appendCauseChunk(b, t, flags, code, info)
	a.seal(b, csum)
	return b
}

// seal writes the checksum, or leaves it zero when RFC 9653 allows it.
func (a *Association) seal(p []byte, mandatory bool) {
	if a.zeroCsum && !mandatory {
		return
	}
	putChecksum(p)
}
