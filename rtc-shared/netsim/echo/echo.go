// Package echo is a tiny reference pair of sans-I/O endpoints for the
// simulated network: a stop-and-wait Client that sends numbered messages
// and retransmits each one until its echo comes back, and a stateless Server
// that echoes every datagram. They implement shared.Wire and exist to show
// (and test) netsim in use; they are not a protocol anyone should deploy.
//
// A message is a 4-byte big-endian sequence number followed by Size-4
// bytes of filler derived from the sequence number.
package echo

import (
	"errors"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Errors.
var (
	ErrMalformed = errors.New("echo: malformed message")
	ErrGaveUp    = errors.New("echo: too many retransmissions")
)

// ClientConfig configures a Client.
type ClientConfig struct {
	Local, Peer netip.AddrPort
	// Count is how many messages to send. If zero, 100 is used.
	Count int
	// Size is the message size in bytes (at least 4). If zero, 100 is used.
	Size int
	// RTO is the initial retransmission timeout; it doubles on every
	// retransmission of the same message, up to MaxRTO. If zero, 100 ms is
	// used.
	RTO time.Duration
	// MaxRTO caps the backoff. If zero, 2 s is used.
	MaxRTO time.Duration
	// MaxRetransmits is how many times one message is retransmitted before
	// the client gives up. If zero, 30 is used.
	MaxRetransmits int
}

// ClientStats counts what a Client did.
type ClientStats struct {
	Sent            int // datagrams sent, retransmissions included
	Retransmissions int
	Completed       int // messages echoed back
	Stale           int // echoes of messages already completed (duplicates, late copies)
	Malformed       int
}

// Client sends Count messages one at a time, waiting for each echo.
type Client struct {
	cfg      ClientConfig
	clock    shared.Clock
	seq      uint32 // message in progress
	tries    int    // retransmissions of it
	rto      time.Duration
	deadline time.Time // retransmission timer; zero when idle
	out      shared.Queue[shared.TaggedBytes]
	started  bool
	done     bool
	err      error
	finished time.Time
	stats    ClientStats
}

// NewClient returns a client; call Start to send the first message.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Count <= 0 {
		cfg.Count = 100
	}
	if cfg.Size < 4 {
		if cfg.Size == 0 {
			cfg.Size = 100
		} else {
			cfg.Size = 4
		}
	}
	if cfg.RTO <= 0 {
		cfg.RTO = 100 * time.Millisecond
	}
	if cfg.MaxRTO <= 0 {
		cfg.MaxRTO = 2 * time.Second
	}
	if cfg.MaxRetransmits <= 0 {
		cfg.MaxRetransmits = 30
	}
	return &Client{cfg: cfg, out: shared.NewQueue[shared.TaggedBytes](4)}
}

// Start sends the first message at now.
func (c *Client) Start(now time.Time) {
	if c.started {
		return
	}
	c.started = true
	c.clock.Advance(now)
	c.rto = c.cfg.RTO
	c.transmit()
}

// Done reports whether every message was echoed, or the client gave up.
func (c *Client) Done() bool { return c.done }

// Err returns ErrGaveUp if the client gave up.
func (c *Client) Err() error { return c.err }

// Finished returns when the last echo arrived.
func (c *Client) Finished() time.Time { return c.finished }

// Stats returns the counters.
func (c *Client) Stats() ClientStats { return c.stats }

func (c *Client) message(seq uint32) []byte {
	b := make([]byte, c.cfg.Size)
	b[0], b[1], b[2], b[3] = byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
	for i := 4; i < len(b); i++ {
		b[i] = byte(seq) + byte(i)
	}
	return b
}

func (c *Client) transmit() {
	c.deadline = c.clock.Now().Add(c.rto)
	c.stats.Sent++
	// The queue holds at most one message at a time in practice; a full
	// queue only means the previous copy was not polled yet.
	_ = c.out.Push(shared.TaggedBytes{
		Now:       c.clock.Now(),
		Transport: shared.TransportContext{Local: c.cfg.Local, Peer: c.cfg.Peer},
		Message:   c.message(c.seq),
	})
}

// HandleRead takes an echo. msg.Message is only read during the call.
func (c *Client) HandleRead(msg shared.TaggedBytes) error {
	c.clock.Advance(msg.Now)
	var cur = shared.NewCursor(msg.Message)
	var seq uint32
	if !cur.ReadUint32(&seq) || len(msg.Message) != c.cfg.Size {
		c.stats.Malformed++
		return ErrMalformed
	}
	if c.done || seq != c.seq {
		c.stats.Stale++
		return nil
	}
	c.stats.Completed++
	c.seq++
	c.tries = 0
	c.rto = c.cfg.RTO
	if int(c.seq) >= c.cfg.Count {
		c.done, c.deadline, c.finished = true, time.Time{}, c.clock.Now()
		return nil
	}
	c.transmit()
	return nil
}

// PollWrite returns the next datagram; it belongs to the caller.
func (c *Client) PollWrite() (shared.TaggedBytes, bool) { return c.out.Pop() }

// HandleTimeout retransmits the current message if its timer expired.
func (c *Client) HandleTimeout(now time.Time) error {
	now = c.clock.Advance(now)
	if c.done || c.deadline.IsZero() || now.Before(c.deadline) {
		return nil
	}
	if c.tries >= c.cfg.MaxRetransmits {
		c.done, c.deadline, c.err = true, time.Time{}, ErrGaveUp
		return ErrGaveUp
	}
	c.tries++
	c.stats.Retransmissions++
	c.rto = min(2*c.rto, c.cfg.MaxRTO)
	c.transmit()
	return nil
}

// PollTimeout returns the retransmission deadline while a message is
// outstanding.
func (c *Client) PollTimeout() (time.Time, bool) {
	if c.deadline.IsZero() {
		return time.Time{}, false
	}
	return c.clock.Clamp(c.deadline), true
}

// Server echoes every datagram back to where it came from.
type Server struct {
	out   shared.Queue[shared.TaggedBytes]
	Stats struct{ Echoed, Dropped int }
}

// NewServer returns a server with an outbox of queueLimit datagrams (64 if
// zero).
func NewServer(queueLimit int) *Server {
	if queueLimit <= 0 {
		queueLimit = 64
	}
	return &Server{out: shared.NewQueue[shared.TaggedBytes](queueLimit)}
}

// HandleRead queues a copy of the datagram back to its sender. It returns
// shared.ErrQueueFull (and drops the echo) if the outbox is full.
func (s *Server) HandleRead(msg shared.TaggedBytes) error {
	reply := shared.TaggedBytes{
		Now:       msg.Now,
		Transport: msg.Transport, // Local is us, Peer the sender: the reply path
		Message:   append([]byte(nil), msg.Message...),
	}
	if err := s.out.Push(reply); err != nil {
		s.Stats.Dropped++
		return err
	}
	s.Stats.Echoed++
	return nil
}

// PollWrite returns the next echo; it belongs to the caller.
func (s *Server) PollWrite() (shared.TaggedBytes, bool) { return s.out.Pop() }

// HandleTimeout does nothing: the server has no timers.
func (s *Server) HandleTimeout(time.Time) error { return nil }

// PollTimeout reports no deadline.
func (s *Server) PollTimeout() (time.Time, bool) { return time.Time{}, false }
