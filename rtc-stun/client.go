package stun

import (
	"crypto/rand"
	"io"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// NewTransactionID reads a random transaction ID from r, or from
// crypto/rand when r is nil (RFC 8489 §5: "The transaction ID MUST be
// uniformly and randomly chosen from the interval 0 .. 2**96-1, and MUST
// be cryptographically random.").
func NewTransactionID(r io.Reader) (TransactionID, error) {
	if r == nil {
		r = rand.Reader
	}
	var id TransactionID
	_, err := io.ReadFull(r, id[:])
	return id, err
}

// EventKind says how a client transaction ended.
type EventKind uint8

// Event kinds.
const (
	// EventResponse: a success or error response matched the transaction.
	// Sets TransactionID, Transport, Response, RTT and Transmissions.
	EventResponse EventKind = iota + 1
	// EventTimeout: no response came in time (RFC 8489 §6.2.1, §6.2.2).
	// Sets TransactionID, Transport (the request's path) and Transmissions.
	EventTimeout
	// EventFailed: a response matched but carried unknown
	// comprehension-required attributes, so "the transaction is considered
	// to have failed" (RFC 8489 §6.3.3, §6.3.4). Sets the fields of
	// EventResponse and Unknown.
	EventFailed
)

// String returns the name of the kind.
func (k EventKind) String() string {
	switch k {
	case EventResponse:
		return "response"
	case EventTimeout:
		return "timeout"
	case EventFailed:
		return "failed"
	}
	return "EventKind(?)"
}

// Event is the outcome of one client transaction, returned by PollEvent.
type Event struct {
	Kind          EventKind
	TransactionID TransactionID
	// Transport is the path the response came on (Local: where it
	// arrived; Peer: where it came from), or the request's path for a
	// timeout.
	Transport shared.TransportContext
	// Response is the whole response message. It belongs to the caller.
	// Check its integrity with the credential the request used.
	Response []byte
	// RTT is the time from the first transmission to the response.
	RTT time.Duration
	// Transmissions is how many times the request was sent.
	Transmissions int
	// Unknown lists the unknown comprehension-required attributes
	// (EventFailed).
	Unknown []AttrType
}

// Command is a control event for HandleEvent.
type Command struct {
	// Cancel stops retransmitting the transaction with this ID and forgets
	// it, without an event (RFC 8489 §6.2.1 lets a client stop early, e.g.
	// when ICE has what it needs).
	Cancel TransactionID
}

// ClientStats counts what a Client did.
type ClientStats struct {
	Requests      uint64 // transactions started
	Transmissions uint64 // datagrams queued, retransmissions included
	Responses     uint64 // responses matched
	Timeouts      uint64 // transactions timed out
	Failed        uint64 // responses with unknown comprehension-required attributes
	Unmatched     uint64 // responses matching no transaction (late duplicates)
	Malformed     uint64 // datagrams that were not STUN responses
}

// Schedule is the retransmission schedule of one transaction (RFC 8489
// §6.2.1); a zero field takes the Client's Config value. ICE uses it to give
// each connectivity check the RTO of RFC 8445 §14.3 and consent checks
// their own count.
type Schedule struct {
	RTO    time.Duration // initial retransmission timeout
	MaxRTO time.Duration // cap of the doubling RTO (zero: Config.MaxRTO)
	Rc     int           // transmissions over UDP
	// LastWait is the wait after the last transmission before the
	// transaction times out. If zero, Rm times RTO (RFC 8489 §6.2.1).
	LastWait time.Duration
	Ti       time.Duration // timeout over a reliable transport
}

// transaction is one outstanding request.
type transaction struct {
	id        TransactionID
	sched     Schedule // with the Config defaults filled in
	transport shared.TransportContext
	raw       []byte        // the request, owned
	sent      int           // transmissions so far
	interval  time.Duration // the wait after the latest transmission
	start     time.Time     // first transmission
	deadline  time.Time     // next retransmission or timeout
}

// Client runs STUN client transactions (RFC 8489 §6.2) on the sans-I/O
// contract. It implements shared.Protocol[struct{}, shared.TaggedBytes,
// Command, Event].
//
//   - HandleWrite(request): starts a transaction for a request the caller
//     built (with a fresh transaction ID, integrity and fingerprint as
//     needed); the bytes are copied. Transport says where it goes; over
//     shared.TCP it is sent once and times out after Ti.
//   - PollWrite: the first transmission and every retransmission; the bytes
//     belong to the caller, who may give them back with ReleaseWrite.
//   - HandleRead: a datagram that arrived on the path; responses are
//     matched by transaction ID, anything else is counted and refused.
//   - PollEvent: one Event per finished transaction.
//   - HandleTimeout / PollTimeout: retransmissions and timeouts.
//   - PollRead never returns anything; HandleEvent takes a Command.
//
// A Client holds no keys: the caller checks the integrity of a response
// with the key the request used.
type Client struct {
	cfg    Config
	clock  shared.Clock
	txs    []transaction
	writes shared.Queue[shared.TaggedBytes]
	events shared.EventQueue[Event]
	msg    Message
	stats  ClientStats
	closed bool
	// free keeps the request copies of finished transactions and the
	// transmissions given back with ReleaseWrite, so a client in steady
	// state (ICE consent checks) allocates nothing.
	free shared.FreeList
}

// clientBuffers bounds Client.free: a few buffers of up to a large STUN
// message each.
var clientBuffers = shared.BufferBounds{Count: 8, MinCap: 128, MaxCap: 2048}

// NewClient returns a client with cfg.
func NewClient(cfg Config) *Client {
	c := &Client{cfg: cfg}
	c.writes = shared.NewQueue[shared.TaggedBytes](cfg.maxTransactions())
	c.events = shared.NewEventQueue[Event](cfg.maxEvents())
	c.events.SetName("stun client events")
	return c
}

// Stats returns the counters.
func (c *Client) Stats() ClientStats { return c.stats }

// Outstanding returns the number of transactions in progress.
func (c *Client) Outstanding() int { return len(c.txs) }

func (c *Client) find(id TransactionID) int {
	for i := range c.txs {
		if c.txs[i].id == id {
			return i
		}
	}
	return -1
}

func (c *Client) remove(i int) {
	c.free.Put(c.txs[i].raw, clientBuffers)
	last := len(c.txs) - 1
	c.txs[i] = c.txs[last]
	c.txs[last] = transaction{}
	c.txs = c.txs[:last]
}

// HandleWrite starts a transaction for the request in req.Message, sent on
// req.Transport at req.Now, with the Config's schedule. The bytes are copied.
func (c *Client) HandleWrite(req shared.TaggedBytes) error { return c.Start(req, Schedule{}) }

// schedule fills the zero fields of s from the Config.
func (c *Client) schedule(s Schedule) Schedule {
	if s.RTO <= 0 {
		s.RTO = c.cfg.rto()
	}
	if s.MaxRTO <= 0 {
		s.MaxRTO = c.cfg.MaxRTO
	}
	if s.Rc <= 0 {
		s.Rc = c.cfg.rc()
	}
	if s.LastWait <= 0 {
		s.LastWait = time.Duration(c.cfg.rm()) * s.RTO
	}
	if s.Ti <= 0 {
		s.Ti = c.cfg.ti()
	}
	return s
}

// Start is HandleWrite with a schedule of its own for this transaction.
func (c *Client) Start(req shared.TaggedBytes, s Schedule) error {
	if c.closed {
		return ErrClosed
	}
	now := c.clock.Advance(req.Now)
	if err := ParseWithLimits(req.Message, &c.msg, c.cfg.Limits); err != nil {
		return err
	}
	if c.msg.Type.Class != ClassRequest {
		return ErrNotRequest
	}
	if c.find(c.msg.TransactionID) >= 0 {
		return ErrTransactionExists
	}
	if len(c.txs) >= c.cfg.maxTransactions() {
		return ErrTooManyTransactions
	}
	if c.writes.Full() {
		return shared.ErrQueueFull
	}
	tx := transaction{
		id:        c.msg.TransactionID,
		sched:     c.schedule(s),
		transport: req.Transport,
		raw:       append(c.free.Get(len(req.Message), clientBuffers), req.Message...),
		start:     now,
	}
	c.transmit(now, &tx)
	c.txs = append(c.txs, tx)
	c.stats.Requests++
	return nil
}

// transmit queues one transmission of tx and sets its next deadline
// (RFC 8489 §6.2.1: "the client SHOULD retransmit a STUN request message
// starting with an interval of RTO ("Retransmission TimeOut"), doubling
// after each retransmission ... Retransmissions continue until a response
// is received or until a total of Rc requests have been sent ... If, after
// the last request, a duration equal to Rm times the RTO has passed
// without a response ... the client SHOULD consider the transaction to
// have failed."). The caller checked that the write queue has room.
func (c *Client) transmit(now time.Time, tx *transaction) {
	b := append(c.free.Get(len(tx.raw), clientBuffers), tx.raw...)
	_ = c.writes.Push(shared.TaggedBytes{Now: now, Transport: tx.transport, Message: b})
	c.stats.Transmissions++
	tx.sent++
	base := tx.deadline
	if base.IsZero() {
		base = now
	}
	s := &tx.sched
	switch {
	case tx.transport.Protocol == shared.TCP:
		// RFC 8489 §6.2.2: over a reliable transport the request is not
		// retransmitted; the transaction fails after Ti.
		tx.interval = s.Ti
		tx.sent = s.Rc
	case tx.sent >= s.Rc:
		tx.interval = s.LastWait
	case tx.sent == 1:
		tx.interval = s.RTO
	default:
		tx.interval *= 2
		if s.MaxRTO > 0 && tx.interval > s.MaxRTO {
			tx.interval = s.MaxRTO
		}
	}
	tx.deadline = base.Add(tx.interval)
}

// HandleRead takes a datagram that arrived on the path. A success or error
// response whose transaction ID matches an outstanding request ends that
// transaction with an event. msg.Message is borrowed for the call (the
// event gets a copy).
func (c *Client) HandleRead(msg shared.TaggedBytes) error {
	if c.closed {
		return ErrClosed
	}
	now := c.clock.Advance(msg.Now)
	if err := ParseWithLimits(msg.Message, &c.msg, c.cfg.Limits); err != nil {
		c.stats.Malformed++
		return err
	}
	if cl := c.msg.Type.Class; cl != ClassSuccess && cl != ClassError {
		c.stats.Malformed++
		return ErrNotResponse
	}
	i := c.find(c.msg.TransactionID)
	if i < 0 {
		c.stats.Unmatched++
		return c.events.Report(ErrUnmatchedResponse)
	}
	tx := &c.txs[i]
	ev := Event{
		Kind:          EventResponse,
		TransactionID: tx.id,
		Transport:     msg.Transport,
		Response:      append([]byte(nil), msg.Message...),
		RTT:           now.Sub(tx.start),
		Transmissions: tx.sent,
	}
	if tx.transport.Protocol == shared.TCP {
		ev.Transmissions = 1
	}
	if unknown := c.msg.UnknownRequired(nil); len(unknown) > 0 {
		ev.Kind, ev.Unknown = EventFailed, unknown
		c.stats.Failed++
	} else {
		c.stats.Responses++
	}
	// The shared event rule: a full queue drops and counts the event and
	// this call reports it; the transaction still ends.
	c.events.Push(ev)
	c.remove(i)
	return c.events.Report(nil)
}

// HandleTimeout retransmits the requests that are due and times out the
// transactions whose last wait has passed. Calling it early does nothing.
// If the write queue is full, a retransmission that is due stays due and
// shared.ErrQueueFull is returned; drain it and call again. A timeout event
// the full event queue drops is counted and reported (shared.EventQueue).
func (c *Client) HandleTimeout(now time.Time) error {
	if c.closed {
		return nil // nothing runs after Close; an early or late call is harmless
	}
	now = c.clock.Advance(now)
	var err error
	for i := 0; i < len(c.txs); i++ {
		tx := &c.txs[i]
		if now.Before(tx.deadline) {
			continue
		}
		if tx.sent >= tx.sched.Rc {
			n := tx.sent
			if tx.transport.Protocol == shared.TCP {
				n = 1
			}
			c.events.Push(Event{Kind: EventTimeout, TransactionID: tx.id, Transport: tx.transport, Transmissions: n})
			c.stats.Timeouts++
			c.remove(i)
			i--
			continue
		}
		if c.writes.Full() {
			err = shared.ErrQueueFull
			continue
		}
		c.transmit(now, tx)
	}
	return c.events.Report(err)
}

// PollTimeout returns the earliest retransmission or timeout deadline, or
// the latest time seen while a datagram or an event waits to be polled
// (the shared drain rule).
func (c *Client) PollTimeout() (time.Time, bool) {
	d, _ := c.deadline()
	return c.clock.Timeout(d, c.pending())
}

// TimeoutReason names why PollTimeout reports its deadline: "pending"
// (output waits to be polled), "rtx" (a retransmission), "timeout" (the
// last wait of a transaction, RFC 8489 §6.2.1 Rm or Ti), or "" for none.
func (c *Client) TimeoutReason() string {
	if c.pending() {
		return "pending"
	}
	_, why := c.deadline()
	return why
}

func (c *Client) pending() bool { return c.writes.Len() > 0 || c.events.Len() > 0 }

// deadline returns the earliest transaction deadline and what it is for.
func (c *Client) deadline() (time.Time, string) {
	var d time.Time
	why := ""
	for i := range c.txs {
		tx := &c.txs[i]
		if e := shared.Earliest(d, tx.deadline); e != d {
			d = e
			why = "rtx"
			if tx.sent >= tx.sched.Rc {
				why = "timeout"
			}
		}
	}
	return d, why
}

// PollWrite returns the next datagram to send. The bytes belong to the caller.
func (c *Client) PollWrite() (shared.TaggedBytes, bool) { return c.writes.Pop() }

// ReleaseWrite gives a buffer returned by PollWrite back to the client for
// reuse, once the caller has sent it (or copied it) and will not touch it
// again. Optional: it only saves allocations.
func (c *Client) ReleaseWrite(b []byte) { c.free.Put(b, clientBuffers) }

// PollEvent returns the next finished transaction.
func (c *Client) PollEvent() (Event, bool) { return c.events.Pop() }

// PollRead never returns anything: responses come out of PollEvent.
func (c *Client) PollRead() (struct{}, bool) { return struct{}{}, false }

// HandleEvent applies a Command: cancel a transaction.
func (c *Client) HandleEvent(cmd Command) error {
	if c.closed {
		return ErrClosed
	}
	i := c.find(cmd.Cancel)
	if i < 0 {
		return ErrUnknownTransaction
	}
	c.remove(i)
	return nil
}

// Close forgets every transaction without events; datagrams and events
// queued before can still be polled. Later HandleRead, HandleWrite and
// HandleEvent calls return ErrClosed; HandleTimeout does nothing.
func (c *Client) Close() error {
	c.closed = true
	for i := range c.txs {
		c.txs[i] = transaction{}
	}
	c.txs = c.txs[:0]
	return nil
}

var _ shared.Protocol[struct{}, shared.TaggedBytes, Command, Event] = (*Client)(nil)
