package rtc

import (
	"errors"
	"fmt"

	datachannel "github.com/sansrtc/rtc/rtc-datachannel"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
)

// CreateDataChannel creates a data channel (W3C createDataChannel). The
// first one fires negotiationneeded (an m=application section is needed).
// An in-band channel opens with DCEP (RFC 8832) once SCTP is up; a
// negotiated one (init.Negotiated, init.ID set) opens when SCTP is up,
// without DCEP. DCEP and the stream bookkeeping are rtc-datachannel's.
func (pc *PeerConnection) CreateDataChannel(label string, init DataChannelInit) (*DataChannel, error) {
	if pc.closed {
		return nil, ErrClosed
	}
	// W3C createDataChannel validation steps.
	if len(label) > 65535 || len(init.Protocol) > 65535 {
		return nil, fmt.Errorf("rtc: label or protocol longer than 65535 bytes")
	}
	if init.MaxPacketLifeTime != nil && init.MaxRetransmits != nil {
		return nil, fmt.Errorf("rtc: both MaxPacketLifeTime and MaxRetransmits set")
	}
	if init.Negotiated && init.ID == nil {
		return nil, fmt.Errorf("rtc: negotiated channel without ID")
	}
	if init.ID != nil && *init.ID == 65535 {
		return nil, fmt.Errorf("rtc: stream id 65535 is reserved")
	}
	if len(pc.channels) >= pc.cfg.maxDataChannels() {
		return nil, ErrTooManyChannels
	}
	d := &DataChannel{pc: pc, label: label, init: init}
	if init.Negotiated {
		if pc.channelByID(*init.ID) != nil {
			return nil, fmt.Errorf("rtc: stream id %d in use", *init.ID)
		}
		d.id, d.hasID = *init.ID, true
	}
	pc.channels = append(pc.channels, d)
	if !pc.wantData {
		pc.wantData = true
		if pc.dataSection() == nil {
			pc.needNegotiation()
		}
	}
	if pc.transport.dc != nil {
		pc.openChannel(d)
		pc.transport.drainSCTP(pc)
	}
	return d, nil
}

func (pc *PeerConnection) channelByID(id uint16) *DataChannel {
	for _, d := range pc.channels {
		if d.hasID && d.id == id {
			return d
		}
	}
	return nil
}

// openChannel hands a channel to the data channel manager, which assigns
// an in-band id with our parity (RFC 8832 §6) and sends DATA_CHANNEL_OPEN
// once the association is up.
func (pc *PeerConnection) openChannel(d *DataChannel) {
	if d.opened || d.state != DataChannelConnecting {
		return
	}
	opts := datachannel.Options{Label: d.label, Protocol: d.init.Protocol, Unordered: d.init.Unordered,
		MaxRetransmits: d.init.MaxRetransmits, MaxPacketLifeTime: d.init.MaxPacketLifeTime,
		Negotiated: d.init.Negotiated, Priority: d.init.Priority.dcepPriority()}
	if d.init.Negotiated {
		opts.ID = d.id
	}
	id, err := pc.transport.dc.Open(opts)
	pc.timeouts.mark(layerSCTP)
	if err != nil {
		if errors.Is(err, datachannel.ErrNoFreeStream) || errors.Is(err, datachannel.ErrTooManyChannels) {
			err = fmt.Errorf("%w: %w", ErrTooManyChannels, err)
		}
		pc.failChannel(d, layerErr("datachannel", err))
		return
	}
	d.id, d.hasID, d.opened = id, true, true
	pc.applyThreshold(d)
}

func (pc *PeerConnection) failChannel(d *DataChannel, err error) {
	pc.emit(Event{Kind: EventDataChannelError, Channel: d, Err: err})
	pc.finishClose(d)
}

// openPending hands every channel created before SCTP existed to the manager.
func (pc *PeerConnection) openPending() {
	// Negotiated channels first: their ids are fixed, in-band ones pick free ids.
	for _, neg := range []bool{true, false} {
		for _, d := range append([]*DataChannel(nil), pc.channels...) {
			if d.init.Negotiated == neg && !d.remote {
				pc.openChannel(d)
			}
		}
	}
}

// send queues one message on a channel.
func (pc *PeerConnection) send(d *DataChannel, data []byte, binary bool) error {
	if pc.closed {
		return ErrClosed
	}
	if d.pc != pc {
		return ErrUnknownChannel
	}
	if d.state != DataChannelOpen {
		return ErrChannelNotOpen
	}
	m := pc.transport.dc
	if limit := m.Association().MaxMessageSize(); len(data) > limit {
		return fmt.Errorf("%w: %d > %d", ErrMessageTooLarge, len(data), limit)
	}
	if m.BufferedAmount(d.id)+len(data) > pc.cfg.maxBufferedAmount() {
		return ErrBufferFull
	}
	err := m.Send(d.id, data, binary)
	pc.timeouts.mark(layerSCTP)
	if err != nil {
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
	d.messagesSent++
	d.bytesSent += uint64(len(data))
	pc.transport.drainSCTP(pc)
	return nil
}

// bufferedAmount of a channel: bytes queued and not yet sent.
func (pc *PeerConnection) bufferedAmount(d *DataChannel) int {
	if pc.transport.dc == nil || !d.opened {
		return 0
	}
	return pc.transport.dc.BufferedAmount(d.id)
}

func (pc *PeerConnection) applyThreshold(d *DataChannel) {
	if pc.transport.dc != nil && d.opened {
		pc.transport.dc.SetBufferedAmountLowThreshold(d.id, d.lowMark)
	}
}

// closeChannel starts the closing procedure (RFC 8831 §6.7): queued data is
// sent, the outgoing stream is reset; the peer resets its side in turn.
func (pc *PeerConnection) closeChannel(d *DataChannel) error {
	if d.state == DataChannelClosing || d.state == DataChannelClosed {
		return nil
	}
	if !d.opened || pc.transport.dc == nil {
		pc.finishClose(d)
		return nil
	}
	d.state = DataChannelClosing
	pc.emit(Event{Kind: EventDataChannelClosing, Channel: d})
	err := pc.transport.dc.CloseChannel(d.id)
	pc.timeouts.mark(layerSCTP)
	pc.transport.drainSCTP(pc)
	if err != nil {
		pc.finishClose(d)
		return layerErr("datachannel", err)
	}
	return nil
}

func (pc *PeerConnection) finishClose(d *DataChannel) {
	if d.state == DataChannelClosed {
		return
	}
	d.state = DataChannelClosed
	for i, c := range pc.channels {
		if c == d {
			pc.channels = append(pc.channels[:i], pc.channels[i+1:]...)
			break
		}
	}
	pc.emit(Event{Kind: EventDataChannelClose, Channel: d})
}

func (pc *PeerConnection) closeAllChannels() {
	for len(pc.channels) > 0 {
		pc.finishClose(pc.channels[0])
	}
}

// handleDCEvent maps a data channel manager event to PeerConnection events.
func (pc *PeerConnection) handleDCEvent(e datachannel.Event) {
	d := pc.channelByID(e.Channel)
	switch e.Kind {
	case datachannel.EventConnected:
		pc.transport.setSCTPState(pc, SCTPTransportConnected)
	case datachannel.EventOpen:
		if d != nil && d.state == DataChannelConnecting {
			d.state = DataChannelOpen
			pc.emit(Event{Kind: EventDataChannelOpen, Channel: d})
		}
	case datachannel.EventDataChannel:
		info, ok := pc.transport.dc.Channel(e.Channel)
		if !ok || d != nil {
			return
		}
		if len(pc.channels) >= pc.cfg.maxDataChannels() {
			pc.emitError("datachannel", fmt.Errorf("%w: refusing channel %q from the peer", ErrTooManyChannels, info.Label))
			if err := pc.transport.dc.CloseChannel(e.Channel); err != nil {
				pc.emitError("datachannel", err)
			}
			return
		}
		nd := &DataChannel{pc: pc, label: info.Label, init: initFromInfo(info), id: info.ID, hasID: true,
			opened: true, remote: true, state: DataChannelOpen}
		pc.channels = append(pc.channels, nd)
		pc.emit(Event{Kind: EventDataChannel, Channel: nd})
		pc.emit(Event{Kind: EventDataChannelOpen, Channel: nd})
	case datachannel.EventClosing:
		if d != nil && d.state != DataChannelClosing && d.state != DataChannelClosed {
			d.state = DataChannelClosing
			pc.emit(Event{Kind: EventDataChannelClosing, Channel: d})
		}
	case datachannel.EventClose:
		if d != nil {
			pc.finishClose(d)
		}
	case datachannel.EventBufferedAmountLow:
		if d != nil {
			pc.emit(Event{Kind: EventBufferedAmountLow, Channel: d})
		}
	case datachannel.EventError:
		pc.stats.Dropped++
		if d != nil {
			pc.emit(Event{Kind: EventDataChannelError, Channel: d, Err: layerErr("datachannel", e.Err)})
		} else {
			pc.emitError("datachannel", e.Err)
		}
	case datachannel.EventClosed:
		// An ABORT or SHUTDOWN from the peer: reported at once (issue 11,
		// Teardown). Our own close, or DTLS ending under SCTP, is not an error.
		if e.Err != nil && !pc.closing && pc.transport.phase == dtlsConnected {
			pc.emitError("sctp", e.Err)
		}
		pc.transport.setSCTPState(pc, SCTPTransportClosed)
		pc.closeAllChannels()
	}
}

func (pc *PeerConnection) handleDCMessage(m datachannel.Message) {
	d := pc.channelByID(m.Channel)
	if d == nil || d.state == DataChannelClosed {
		pc.stats.Dropped++
		return
	}
	d.messagesReceived++
	d.bytesReceived += uint64(len(m.Data))
	msg := Message{Channel: d, Binary: m.Binary, Data: m.Data}
	if err := pc.reads.Push(msg); err != nil {
		pc.stats.Dropped++
		pc.pendingErr = errors.Join(pc.pendingErr, fmt.Errorf("rtc: read queue full, message on %q lost: %w", d.label, err))
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

// drainAll moves output between layers after any change.
func (pc *PeerConnection) drainAll() {
	pc.transport.drainDTLS(pc)
	pc.transport.drainSCTP(pc)
}
