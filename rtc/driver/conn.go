package driver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// ErrSendQueueFull reports a Send that would queue more than
// Config.MaxSendQueue bytes for the loop; nothing was queued.
var ErrSendQueueFull = errors.New("driver: send queue full")

// SendError is a queued message the PeerConnection refused when the loop
// handed it over (delivered to Handler.OnError).
type SendError struct {
	Label string // the channel's label
	Size  int
	Err   error
}

// Error formats the refusal.
func (e *SendError) Error() string {
	return fmt.Sprintf("driver: send of %d bytes on %q: %v", e.Size, e.Label, e.Err)
}

// Unwrap returns the PeerConnection's error.
func (e *SendError) Unwrap() error { return e.Err }

// Conn is a goroutine-safe handle on one PeerConnection run by a Driver.
type Conn struct {
	d     *Driver
	s     *shard // the loop that runs it
	pc    *rtc.PeerConnection
	h     Handler
	id    int64
	log   *slog.Logger
	socks []*socket
	// writers[i] writes on socks[i]; own says whether the sockets are the
	// connection's (else the driver's shared ones).
	writers []*writer
	own     bool
	start   time.Time
	done    chan struct{}
	err     error // why the connection ended; set before done is closed
	// release hands sent datagrams back to the PeerConnection for reuse,
	// if it offers that (ReleaseWrite); nil otherwise.
	release func([]byte)

	// The send queue, filled by Send on any goroutine.
	sendMu      sync.Mutex
	sendQ       []queued
	sendData    []byte // the queued messages' bytes, back to back
	sendWaiting bool   // in Driver.sendReady (or being handed over)
	sendClosed  bool

	streams streams // TURN over TCP/TLS connections (turn_tcp.go)

	// Loop-goroutine state.
	asked       map[string]struct{} // hostnames given to Config.Resolver (resolve.go)
	serverNames int                 // ICE server names looked up (resolve.go)
	closed      bool
	dirty       bool
	ending      *ending // a terminal state seen during a drive
	lastErr     error   // the last EventError, for the close reason
	waiters     []func() bool
	hidx        int      // index in the timer heap, -1 if not in it
	due         int64    // the deadline last scheduled, before coalescing (Unix ns)
	spareQ      []queued // the other half of the send queue's double buffer
	spareData   []byte
	// On shared sockets: the 5-tuples and local ufrags routed to c, and
	// the current ufrag.
	tuples map[portKey]struct{}
	ufrags []string
	ufrag  string
	// On shared sockets with ICE servers (portservers.go): c's own TURN
	// socket beside each shared one, and its latest STUN server
	// transactions.
	turnSocks map[*socket]*socket
	serverTxs [][12]byte
}

// queued is one message waiting in a send queue: a data channel message
// (dc set), an RTP packet (sender set) or a keyframe request (keyframe
// set, no bytes).
type queued struct {
	dc       *rtc.DataChannel
	sender   *rtc.Sender
	keyframe *rtc.Transceiver
	rid      string
	off, n   int
	binary   bool
}

type ending struct{ reason error }

// writeReleaser is a PeerConnection that takes back the datagrams
// PollWrite returned once they are sent, to reuse them.
type writeReleaser interface{ ReleaseWrite([]byte) }

func (c *Conn) closeSockets() {
	if !c.own {
		return
	}
	for _, so := range c.socks {
		so.close() // its reader ends
	}
}

// LocalAddresses returns the host addresses of the connection's sockets
// as its PeerConnection knows them (Config.PublicIP replaces the bound
// address).
func (c *Conn) LocalAddresses() []netip.AddrPort {
	out := make([]netip.AddrPort, len(c.socks))
	for i, so := range c.socks {
		out[i] = so.adv
	}
	return out
}

// Done is closed once the connection has ended (see the package doc's
// Teardown) and its sockets are closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, once Done is closed: nil after a
// local Close or the driver's, otherwise the remote close or failure
// (IsNormalClose tells a peer's normal close from a failure).
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Do runs f with the PeerConnection on the driver goroutine, then drives it
// (sends what it produced, delivers events). f must not block. Do waits for
// the loop: never call it from a callback.
func (c *Conn) Do(f func(pc *rtc.PeerConnection) error) error {
	var ferr error
	err := c.s.do(func() {
		if c.closed {
			ferr = ErrClosed
			return
		}
		ferr = f(c.pc)
		if !c.own || c.d.cfg.TCPPort != 0 {
			c.d.learnUfrag(c) // port.go: routes the shared UDP and TCP ports
		}
		c.s.drive(c)
		c.resolveNames()
	})
	if err != nil {
		return err
	}
	return ferr
}

// Close closes the PeerConnection (messages already queued by Send are
// handed to it first) and its sockets. Closing a closed connection does
// nothing.
func (c *Conn) Close() error {
	select {
	case <-c.done:
		return nil
	default:
	}
	var perr error
	err := c.s.do(func() {
		if c.closed {
			return
		}
		c.handSends()
		perr = c.s.teardown(c, nil)
	})
	if errors.Is(err, ErrClosed) {
		<-c.done // the driver closed it
		return nil
	}
	if err != nil {
		return err
	}
	return perr
}

// Send queues a message for dc: binary, or text (UTF-8) when binary is
// false. It copies data and returns without waiting for the loop, so it
// may be called from any goroutine and from inside a callback. Messages
// queued on one connection keep their order. It fails at once with
// ErrClosed or ErrSendQueueFull; a refusal found when the loop hands the
// message to the PeerConnection goes to Handler.OnError as a *SendError.
func (c *Conn) Send(dc *rtc.DataChannel, data []byte, binary bool) error {
	if dc == nil {
		return fmt.Errorf("driver: Send on a nil channel: %w", rtc.ErrUnknownChannel)
	}
	c.sendMu.Lock()
	if c.sendClosed {
		c.sendMu.Unlock()
		return ErrClosed
	}
	if limit := c.d.cfg.maxSendQueue(); len(c.sendData)+len(data) > limit {
		c.sendMu.Unlock()
		return fmt.Errorf("%w: %d bytes queued, limit %d", ErrSendQueueFull, len(c.sendData), limit)
	}
	c.sendQ = append(c.sendQ, queued{dc: dc, off: len(c.sendData), n: len(data), binary: binary})
	c.sendData = append(c.sendData, data...)
	c.notifyLocked()
	return nil
}

// WriteRTP queues one RTP packet for s (Sender.WriteRTP with rid) the way
// Send queues a message: from any goroutine or callback (an SFU forwarding
// a publisher's packet to viewers run by other loops), never blocking,
// copying pkt into the queue's reused buffer (no allocation in steady
// state). It fails at once with ErrClosed or ErrSendQueueFull; a refusal
// when the loop hands it over goes to Handler.OnError as a *SendError.
func (c *Conn) WriteRTP(s *rtc.Sender, rid string, pkt []byte) error {
	if s == nil {
		return fmt.Errorf("driver: WriteRTP on a nil sender: %w", rtc.ErrUnknownTransceiver)
	}
	c.sendMu.Lock()
	if c.sendClosed {
		c.sendMu.Unlock()
		return ErrClosed
	}
	if limit := c.d.cfg.maxSendQueue(); len(c.sendData)+len(pkt) > limit {
		c.sendMu.Unlock()
		return fmt.Errorf("%w: %d bytes queued, limit %d", ErrSendQueueFull, len(c.sendData), limit)
	}
	c.sendQ = append(c.sendQ, queued{sender: s, rid: rid, off: len(c.sendData), n: len(pkt)})
	c.sendData = append(c.sendData, pkt...)
	c.notifyLocked()
	return nil
}

// RequestKeyframe queues PeerConnection.RequestKeyframe(t, 0) (a PLI or
// FIR to the remote sender of t's streams) like Send: an SFU passes a
// viewer's keyframe request (EventKeyframeRequest) to the publisher's
// connection with it.
func (c *Conn) RequestKeyframe(t *rtc.Transceiver) error {
	c.sendMu.Lock()
	if c.sendClosed {
		c.sendMu.Unlock()
		return ErrClosed
	}
	c.sendQ = append(c.sendQ, queued{keyframe: t})
	c.notifyLocked()
	return nil
}

// notifyLocked tells the loop that c's queue is not empty, and unlocks
// sendMu.
func (c *Conn) notifyLocked() {
	notify := !c.sendWaiting
	c.sendWaiting = true
	c.sendMu.Unlock()
	if notify {
		s := c.s
		s.sendMu.Lock()
		s.sendReady = append(s.sendReady, c)
		s.sendMu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// takeSends marks the connections with queued sends ready (loop goroutine).
func (s *shard) takeSends() {
	s.sendMu.Lock()
	list := s.sendReady
	s.sendReady = s.sendSpare[:0]
	s.sendMu.Unlock()
	for _, c := range list {
		if !c.closed {
			s.markReady(c)
		}
	}
	clear(list)
	s.sendSpare = list[:0]
}

// handSends gives the queued messages to the PeerConnection (loop
// goroutine) and reports whether there were any.
func (c *Conn) handSends() bool {
	c.sendMu.Lock()
	c.sendWaiting = false
	if len(c.sendQ) == 0 {
		c.sendMu.Unlock()
		return false
	}
	q, data := c.sendQ, c.sendData
	c.sendQ, c.sendData = c.spareQ[:0], c.spareData[:0]
	c.sendMu.Unlock()
	for _, m := range q {
		// HandleWrite and WriteRTP copy the message (rtc-sctp, SRTP), so
		// the buffer is reused.
		b := data[m.off : m.off+m.n]
		switch {
		case m.sender != nil:
			if err := m.sender.WriteRTP(m.rid, b); err != nil {
				c.report(&SendError{Label: "rtp mid " + m.sender.Transceiver().Mid(), Size: m.n, Err: err})
			}
		case m.keyframe != nil:
			if err := c.pc.RequestKeyframe(m.keyframe, 0); err != nil {
				c.report(&SendError{Label: "keyframe request mid " + m.keyframe.Mid(), Err: err})
			}
		default:
			if err := c.pc.HandleWrite(rtc.OutgoingMessage{Channel: m.dc, Data: b, Binary: m.binary}); err != nil {
				c.report(&SendError{Label: m.dc.Label(), Size: m.n, Err: err})
			}
		}
	}
	clear(q)
	if cap(data) > 1<<20 && len(data) < cap(data)/4 {
		data = nil // do not keep a burst's buffer for good
	}
	c.spareQ, c.spareData = q[:0], data[:0]
	return true
}

// CreateDataChannel creates a channel.
func (c *Conn) CreateDataChannel(label string, init rtc.DataChannelInit) (*rtc.DataChannel, error) {
	var dc *rtc.DataChannel
	err := c.Do(func(pc *rtc.PeerConnection) error {
		var err error
		dc, err = pc.CreateDataChannel(label, init)
		return err
	})
	return dc, err
}

// await runs check on the loop now and after every drive of c until it
// reports done, and returns its error; it fails with ErrClosed when the
// connection ends first, or with ctx's error.
func (c *Conn) await(ctx context.Context, check func() (bool, error)) error {
	res := make(chan error, 1)
	var gone atomic.Bool // the caller stopped waiting
	err := c.s.do(func() {
		if c.closed {
			res <- ErrClosed
			return
		}
		w := func() bool {
			switch {
			case gone.Load():
				return true
			case c.closed:
				res <- fmt.Errorf("%w (%v)", ErrClosed, closeText(c.err))
				return true
			}
			done, err := check()
			if done {
				res <- err
			}
			return done
		}
		if !w() {
			c.waiters = append(c.waiters, w)
		}
	})
	if err != nil {
		return err
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		gone.Store(true)
		return ctx.Err()
	}
}

// runWaiters runs the waiting checks and keeps those not done.
func (c *Conn) runWaiters() {
	if len(c.waiters) == 0 {
		return
	}
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w() {
			kept = append(kept, w)
		}
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
}

// WaitOpen waits until dc is open. It fails if the channel closes first,
// if the connection ends, or when ctx ends.
func (c *Conn) WaitOpen(ctx context.Context, dc *rtc.DataChannel) error {
	return c.await(ctx, func() (bool, error) {
		switch dc.State() {
		case rtc.DataChannelOpen:
			return true, nil
		case rtc.DataChannelClosing, rtc.DataChannelClosed:
			return true, fmt.Errorf("driver: channel %q closed before it opened: %w", dc.Label(), rtc.ErrClosed)
		}
		return false, nil
	})
}

// PeerConnection returns the connection's PeerConnection. Use it only on
// the driver goroutine: inside a Handler callback or a Do function (an
// SFU writing RTP to another connection of the same loop from a callback
// is the reason it exists). From other goroutines use Do.
func (c *Conn) PeerConnection() *rtc.PeerConnection { return c.pc }

// WaitGathering waits until ICE gathering completed, then returns the
// local description (with every candidate, as SIGNALING.md wants). With
// Do it builds a custom answer: Do(SetRemoteDescription, add tracks,
// CreateAnswer, SetLocalDescription), then WaitGathering.
func (c *Conn) WaitGathering(ctx context.Context) (rtc.SessionDescription, error) {
	return c.waitGathering(ctx)
}

// waitGathering waits until ICE gathering completed, then returns the
// local description (with every candidate, as rtc/driver/signaling/SIGNALING.md wants).
func (c *Conn) waitGathering(ctx context.Context) (rtc.SessionDescription, error) {
	var desc rtc.SessionDescription
	err := c.await(ctx, func() (bool, error) {
		if c.pc.ICEGatheringState() != rtc.ICEGatheringComplete {
			return false, nil
		}
		desc = c.pc.LocalDescription()
		return true, nil
	})
	return desc, err
}

// OfferAfterGathering creates and applies an offer and returns it once
// gathering completed.
func (c *Conn) OfferAfterGathering(ctx context.Context) (rtc.SessionDescription, error) {
	err := c.Do(func(pc *rtc.PeerConnection) error {
		o, err := pc.CreateOffer()
		if err != nil {
			return err
		}
		return pc.SetLocalDescription(o)
	})
	if err != nil {
		return rtc.SessionDescription{}, err
	}
	return c.waitGathering(ctx)
}

// AnswerAfterGathering applies a remote offer (a zero Type means offer),
// creates and applies the answer and returns it once gathering completed.
func (c *Conn) AnswerAfterGathering(ctx context.Context, offer rtc.SessionDescription) (rtc.SessionDescription, error) {
	if offer.Type == rtc.SDPTypeNone {
		offer.Type = rtc.SDPTypeOffer
	}
	if offer.Type != rtc.SDPTypeOffer {
		return rtc.SessionDescription{}, fmt.Errorf("driver: AnswerAfterGathering needs an offer, got %v: %w", offer.Type, rtc.ErrInvalidState)
	}
	err := c.Do(func(pc *rtc.PeerConnection) error {
		if err := pc.SetRemoteDescription(offer); err != nil {
			return err
		}
		c.trickleHostnames(pc, offer.SDP)
		a, err := pc.CreateAnswer()
		if err != nil {
			return err
		}
		return pc.SetLocalDescription(a)
	})
	if err != nil {
		return rtc.SessionDescription{}, err
	}
	return c.waitGathering(ctx)
}

// SetAnswer applies the remote answer (a zero Type means answer) to the
// offer OfferAfterGathering made.
func (c *Conn) SetAnswer(answer rtc.SessionDescription) error {
	if answer.Type == rtc.SDPTypeNone {
		answer.Type = rtc.SDPTypeAnswer
	}
	if answer.Type != rtc.SDPTypeAnswer && answer.Type != rtc.SDPTypePranswer {
		return fmt.Errorf("driver: SetAnswer needs an answer, got %v: %w", answer.Type, rtc.ErrInvalidState)
	}
	return c.Do(func(pc *rtc.PeerConnection) error {
		if err := pc.SetRemoteDescription(answer); err != nil {
			return err
		}
		c.trickleHostnames(pc, answer.SDP)
		return nil
	})
}

// handleErr reports an error of a Handle* call (a datagram the stack
// dropped, a full queue).
func (c *Conn) handleErr(err error) {
	if err != nil {
		c.report(err)
	}
}

// report hands err to OnError and logs it at Debug (remote input can
// cause any number of them).
func (c *Conn) report(err error) {
	if c.h.OnError != nil {
		c.h.OnError(c, err)
	}
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug("error", "err", err)
	}
}

// sendErr reports a socket write error (an unreachable peer: ICE and SCTP
// retransmit or fail on their own); nothing is dropped silently.
func (c *Conn) sendErr(err error) {
	if err != nil {
		c.report(fmt.Errorf("driver: send: %w", err))
	}
}

// sockIndex is the index of the socket PollWrite's local address names,
// or -1.
func (c *Conn) sockIndex(local netip.AddrPort) int {
	for i, so := range c.socks {
		if so.adv == local {
			return i
		}
	}
	if len(c.socks) == 1 {
		return 0
	}
	return -1
}
