package rtc

import (
	"errors"
	"fmt"

	datachannel "github.com/sansrtc/rtc/rtc-datachannel"
)

// This file is the receive half of the data part: the Manager's events
// become W3C channel events and received messages go to the read queue.

// drainEvents moves the Manager's events into the sink; it reports whether
// there were any.
func (d *data) drainEvents(out *sink) bool {
	if d.mgr == nil || !d.fed {
		return false
	}
	got := false
	for {
		e, ok := d.mgr.PollEvent()
		if !ok {
			return got
		}
		got = true
		d.event(e, out)
	}
}

// event maps one Manager event to the channels' W3C events.
func (d *data) event(e datachannel.Event, out *sink) {
	c := d.byID(e.Channel)
	switch e.Kind {
	case datachannel.EventConnected:
		d.setState(SCTPTransportConnected, out)
	case datachannel.EventOpen:
		if c != nil && c.state == DataChannelConnecting {
			c.state = DataChannelOpen
			out.emit(Event{Kind: EventDataChannelOpen, Channel: c})
		}
	case datachannel.EventDataChannel:
		if c == nil {
			d.remoteOpened(e.Channel, out)
		}
	case datachannel.EventClosing:
		if c != nil && c.state != DataChannelClosing && c.state != DataChannelClosed {
			c.state = DataChannelClosing
			out.emit(Event{Kind: EventDataChannelClosing, Channel: c})
		}
	case datachannel.EventClose:
		if c != nil {
			d.finish(c, out)
		}
	case datachannel.EventBufferedAmountLow:
		if c != nil {
			out.emit(Event{Kind: EventBufferedAmountLow, Channel: c})
		}
	case datachannel.EventError:
		out.stats.Dropped++
		if c != nil {
			out.emit(Event{Kind: EventDataChannelError, Channel: c, Err: layerErr("datachannel", e.Err)})
		} else {
			out.emitError("datachannel", e.Err)
		}
	case datachannel.EventClosed:
		d.closed(e.Err, out)
	}
}

// closed: the association ended. An ABORT or SHUTDOWN from the peer is
// reported at once (issue 11, Teardown); our own end is not an error.
func (d *data) closed(err error, out *sink) {
	if err != nil && !d.quiet {
		out.emitError("sctp", err)
	}
	d.setState(SCTPTransportClosed, out)
	d.finishAll(out)
}

// setState moves the SCTP transport to s and reports it; closed is final.
func (d *data) setState(s SCTPTransportState, out *sink) {
	if d.state == s || d.state == SCTPTransportClosed {
		return
	}
	d.state = s
	out.emit(Event{Kind: EventSCTPStateChange, SCTPState: s})
}

// remoteOpened makes a handle for a channel the peer opened with DCEP
// (W3C ondatachannel), or refuses it above MaxDataChannels.
func (d *data) remoteOpened(id uint16, out *sink) {
	info, ok := d.mgr.Channel(id)
	if !ok {
		return
	}
	if len(d.channels) >= d.maxChannels {
		out.emitError("datachannel", fmt.Errorf("%w: refusing channel %q from the peer", ErrTooManyChannels, info.Label))
		out.emitError("datachannel", d.manager().CloseChannel(id))
		return
	}
	c := &DataChannel{pc: d.owner, label: info.Label, init: initFromInfo(info), id: info.ID, hasID: true,
		opened: true, remote: true, state: DataChannelOpen}
	d.channels = append(d.channels, c)
	out.emit(Event{Kind: EventDataChannel, Channel: c})
	out.emit(Event{Kind: EventDataChannelOpen, Channel: c})
}

// pullReads moves received messages from SCTP to the read queue while it
// has room. What does not fit stays in SCTP, counted against the receive
// window it advertises (RFC 9260 §6.2: a_rwnd), so a reader that falls
// behind slows the sender down instead of losing messages. It reports
// whether it moved any: SCTP may then owe the peer a window update.
func (d *data) pullReads(out *sink) bool {
	if d.mgr == nil || !d.fed {
		return false
	}
	moved := false
	for !out.reads.Full() {
		m, ok := d.manager().PollRead()
		if !ok {
			break
		}
		moved = true
		d.deliver(m, out)
	}
	return moved
}

func (d *data) deliver(m datachannel.Message, out *sink) {
	c := d.byID(m.Channel)
	if c == nil || c.state == DataChannelClosed {
		out.stats.Dropped++
		return
	}
	c.messagesReceived++
	c.bytesReceived += uint64(len(m.Data))
	if err := out.reads.Push(Message{Channel: c, Binary: m.Binary, Data: m.Data}); err != nil {
		out.stats.Dropped++
		out.pendingErr = errors.Join(out.pendingErr, fmt.Errorf("rtc: read queue full, message on %q lost: %w", c.label, err))
	}
}

// initFromInfo turns a remote channel's parameters into W3C options.
func initFromInfo(info datachannel.Info) DataChannelInit {
	id := info.ID
	init := DataChannelInit{Protocol: info.Protocol, Unordered: !info.Ordered(), ID: &id}
	v := uint16(min(info.Reliability, 65535))
	switch info.Type {
	case datachannel.ChannelPartialReliableRexmit, datachannel.ChannelPartialReliableRexmitUnordered:
		init.MaxRetransmits = &v
	case datachannel.ChannelPartialReliableTimed, datachannel.ChannelPartialReliableTimedUnordered:
		init.MaxPacketLifeTime = &v
	}
	switch {
	case info.Priority <= 128:
		init.Priority = PriorityVeryLow
	case info.Priority <= 256:
		init.Priority = PriorityLow
	case info.Priority <= 512:
		init.Priority = PriorityMedium
	default:
		init.Priority = PriorityHigh
	}
	return init
}
