package rtc

import (
	"errors"
	"fmt"
	"time"

	datachannel "github.com/sansrtc/rtc/rtc-datachannel"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// data is the data part of the PeerConnection: the SCTP association (held
// by rtc-datachannel's Manager, RFC 8261) and the data channels. It owns
// the channels, the SCTP state and the SCTP deadline; it takes decrypted
// records from the PeerConnection, hands it SCTP packets to encrypt
// (appendPacket), and reports W3C events and received messages into the
// sink. It never calls the PeerConnection.
type data struct {
	mgr      *datachannel.Manager // reached through manager(): marks the timer stale
	channels []*DataChannel       // every channel created and not yet closed
	state    SCTPTransportState
	// failed: the association could not be created (reported once, not
	// retried at every step).
	failed bool
	// quiet: the association ends by our decision (Close, or DTLS ended
	// under it), so its end is not reported as an error.
	quiet bool
	// fed: the Manager got a call through manager() since a step last
	// found it with nothing to return and room for its output (see step).
	fed   bool
	pkt   []byte // SCTP packet scratch: appendPacket, then DTLS copies it
	timer partTimer

	// owner is stamped into the DataChannel handles of channels the peer
	// opens, so that their methods reach the PeerConnection. The data part
	// never calls it.
	owner       *PeerConnection
	maxChannels int
	maxBuffered int
}

// manager returns the Manager for a call that may change its deadline or
// queue output: every call but PollEvent and the read-only ones goes
// through it, and drainEvents, pullReads and appendPacket look at the
// Manager only after one (fed), so that a step for a consent check does
// not touch the association (issue 18).
func (d *data) manager() *datachannel.Manager {
	d.timer.stale, d.fed = true, true
	return d.mgr
}

// running reports whether the association exists and has not ended.
func (d *data) running() bool { return d.mgr != nil && d.state != SCTPTransportClosed }

// deadline returns the SCTP deadline (zero: none).
func (d *data) deadline() time.Time {
	if d.mgr == nil {
		return time.Time{}
	}
	return d.timer.get(d.mgr.PollTimeout)
}

// start creates the association over a connected DTLS transport and hands
// it every channel created so far. The DTLS client sends INIT, so that two
// sansrtc peers do not collide (RFC 9260 §5.2.1 resolves a collision;
// browsers and Pion send INIT from either role).
func (d *data) start(now time.Time, cfg datachannel.Config, out *sink) {
	m, err := datachannel.New(cfg)
	if err != nil {
		d.failed = true
		out.emitError("datachannel", err)
		return
	}
	d.mgr = m
	d.timer.stale, d.fed = true, true
	if cfg.DTLSClient {
		out.emitError("sctp", d.manager().Connect(now))
	}
	d.openPending(out)
}

// openPending hands every local channel not yet opened to the manager:
// negotiated ones first (their ids are fixed), then in-band ones.
func (d *data) openPending(out *sink) {
	for _, neg := range []bool{true, false} {
		for _, c := range append([]*DataChannel(nil), d.channels...) {
			if c.init.Negotiated == neg && !c.remote {
				d.open(c, out)
			}
		}
	}
}

// open hands a channel to the manager, which assigns an in-band id with
// our parity (RFC 8832 §6) and sends DATA_CHANNEL_OPEN.
func (d *data) open(c *DataChannel, out *sink) {
	if !d.running() || c.opened || c.state != DataChannelConnecting {
		return
	}
	opts := datachannel.Options{Label: c.label, Protocol: c.init.Protocol, Unordered: c.init.Unordered,
		MaxRetransmits: c.init.MaxRetransmits, MaxPacketLifeTime: c.init.MaxPacketLifeTime,
		Negotiated: c.init.Negotiated, Priority: c.init.Priority.dcepPriority()}
	if c.init.Negotiated {
		opts.ID = c.id
	}
	id, err := d.manager().Open(opts)
	if err != nil {
		if errors.Is(err, datachannel.ErrNoFreeStream) || errors.Is(err, datachannel.ErrTooManyChannels) {
			err = fmt.Errorf("%w: %w", ErrTooManyChannels, err)
		}
		d.fail(c, layerErr("datachannel", err), out)
		return
	}
	c.id, c.hasID, c.opened = id, true, true
	d.applyThreshold(c)
}

// send queues one message on an open channel.
func (d *data) send(c *DataChannel, b []byte, binary bool, maxBuffered int) error {
	if !d.running() || c.state != DataChannelOpen {
		return ErrChannelNotOpen
	}
	if limit := d.mgr.Association().MaxMessageSize(); len(b) > limit {
		return fmt.Errorf("%w: %d > %d", ErrMessageTooLarge, len(b), limit)
	}
	if d.mgr.BufferedAmount(c.id)+len(b) > maxBuffered {
		return ErrBufferFull
	}
	if err := d.manager().Send(c.id, b, binary); err != nil {
		switch {
		case errors.Is(err, sctp.ErrSendBufferFull):
			return fmt.Errorf("%w: %w", ErrBufferFull, err)
		case errors.Is(err, sctp.ErrMessageTooLarge):
			return fmt.Errorf("%w: %w", ErrMessageTooLarge, err)
		case errors.Is(err, datachannel.ErrNotOpen):
			return fmt.Errorf("%w: %w", ErrChannelNotOpen, err)
		}
		return layerErr("datachannel", err)
	}
	c.messagesSent++
	c.bytesSent += uint64(len(b))
	return nil
}

// bufferedAmount of a channel: bytes queued and not yet sent.
func (d *data) bufferedAmount(c *DataChannel) int {
	if d.mgr == nil || !c.opened {
		return 0
	}
	return d.mgr.BufferedAmount(c.id)
}

func (d *data) applyThreshold(c *DataChannel) {
	if d.mgr != nil && c.opened {
		d.manager().SetBufferedAmountLowThreshold(c.id, c.lowMark)
	}
}

// closeChannel starts the closing procedure (RFC 8831 §6.7): queued data
// is sent, the outgoing stream is reset; the peer resets its side in turn.
func (d *data) closeChannel(c *DataChannel, out *sink) error {
	if c.state == DataChannelClosing || c.state == DataChannelClosed {
		return nil
	}
	if !c.opened || !d.running() {
		d.finish(c, out)
		return nil
	}
	c.state = DataChannelClosing
	out.emit(Event{Kind: EventDataChannelClosing, Channel: c})
	if err := d.manager().CloseChannel(c.id); err != nil {
		d.finish(c, out)
		return layerErr("datachannel", err)
	}
	return nil
}

func (d *data) fail(c *DataChannel, err error, out *sink) {
	out.emit(Event{Kind: EventDataChannelError, Channel: c, Err: err})
	d.finish(c, out)
}

// finish closes a channel for good and forgets it.
func (d *data) finish(c *DataChannel, out *sink) {
	if c.state == DataChannelClosed {
		return
	}
	c.state = DataChannelClosed
	for i, x := range d.channels {
		if x == c {
			d.channels = append(d.channels[:i], d.channels[i+1:]...)
			break
		}
	}
	out.emit(Event{Kind: EventDataChannelClose, Channel: c})
}

func (d *data) finishAll(out *sink) {
	for len(d.channels) > 0 {
		d.finish(d.channels[0], out)
	}
}

// failAll fails every channel with err (the answer rejected the data
// m-section: no association will carry them).
func (d *data) failAll(err error, out *sink) {
	for _, c := range d.channels {
		out.emit(Event{Kind: EventDataChannelError, Channel: c, Err: err})
	}
	d.finishAll(out)
}

func (d *data) byID(id uint16) *DataChannel {
	for _, c := range d.channels {
		if c.hasID && c.id == id {
			return c
		}
	}
	return nil
}

// handleRecord feeds one decrypted DTLS record (an SCTP packet).
func (d *data) handleRecord(now time.Time, tr shared.TransportContext, rec []byte, out *sink) {
	if d.mgr == nil { // a closing association still answers (SHUTDOWN COMPLETE)
		out.stats.Dropped++
		return
	}
	err := d.manager().HandleRead(shared.TaggedBytes{Now: now, Transport: tr, Message: rec})
	if err != nil && !errors.Is(err, sctp.ErrClosed) {
		out.stats.Dropped++
		out.emitError("sctp", err)
	}
}

// appendPacket appends the next SCTP packet to send (flow control by
// pulling: what is not pulled stays in SCTP's send queue).
func (d *data) appendPacket() ([]byte, bool) {
	if d.mgr == nil || !d.fed { // an ended association may still have its ABORT to send
		return nil, false
	}
	pkt, ok := d.manager().AppendPacket(d.pkt[:0])
	if ok {
		d.pkt = pkt[:0]
	}
	return pkt, ok
}

// handleTimeout runs the SCTP timers if due.
func (d *data) handleTimeout(now time.Time) error {
	if d.mgr == nil || !d.timer.due(now) {
		return nil
	}
	return layerErr("sctp", d.manager().HandleTimeout(now))
}

// discard drops the packets the association still has to send: DTLS
// under it ended, so they can never leave, and a machine with output
// pending asks to be polled at once (the drain rule).
func (d *data) discard() {
	for d.mgr != nil {
		if _, ok := d.manager().AppendPacket(d.pkt[:0]); !ok {
			return
		}
	}
}

// end ends the association at once because DTLS under it ended (no ABORT
// can reach the peer) or because we close; its channels close.
func (d *data) end(reason string, out *sink) {
	d.quiet = true
	if d.running() {
		out.emitError("sctp", d.manager().Association().Abort(reason))
	}
	d.drainEvents(out)
	d.finishAll(out)
}
