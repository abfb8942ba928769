package rtc

import (
	"errors"
	"fmt"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
)

// CreateDataChannel creates a data channel (W3C createDataChannel). The
// first one fires negotiationneeded (an m=application section is needed).
// An in-band channel opens with DCEP once SCTP is up; a negotiated one
// (init.Negotiated, init.ID set) opens when SCTP is up without DCEP.
func (pc *PeerConnection) CreateDataChannel(label string, init DataChannelInit) (*DataChannel, error) {
	if pc.closed {
		return nil, ErrClosed
	}
	// W3C createDataChannel steps: validation.
	if len(label) > maxDCEPLabel || len(init.Protocol) > maxDCEPLabel {
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
	if init.ID != nil {
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
	if pc.sctpUp() {
		pc.openChannel(d)
		pc.drainAll()
	}
	return d, nil
}

func (pc *PeerConnection) sctpUp() bool {
	return pc.transport.sctp != nil && pc.transport.sctp.State() == sctp.StateEstablished
}

func (pc *PeerConnection) channelByID(id uint16) *DataChannel {
	for _, d := range pc.channels {
		if d.hasID && d.id == id {
			return d
		}
	}
	return nil
}

// allocateID picks a free stream id with our parity (RFC 8832 §6: "the
// DTLS client MUST use even stream identifiers, the DTLS server odd").
func (pc *PeerConnection) allocateID() (uint16, bool) {
	limit := 65534
	if n := int(pc.transport.sctp.OutboundStreams()); n > 0 {
		limit = n - 1
	}
	start := 1
	if pc.dtlsClient {
		start = 0
	}
	for id := start; id <= limit; id += 2 {
		if pc.channelByID(uint16(id)) == nil {
			return uint16(id), true
		}
	}
	return 0, false
}

// openChannel assigns an id and sends DATA_CHANNEL_OPEN, or opens a
// negotiated channel at once.
func (pc *PeerConnection) openChannel(d *DataChannel) {
	if d.state != DataChannelConnecting {
		return
	}
	if !d.hasID {
		id, ok := pc.allocateID()
		if !ok {
			pc.failChannel(d, ErrTooManyChannels)
			return
		}
		d.id, d.hasID = id, true
	}
	pc.applyThreshold(d)
	if !d.init.Negotiated && !d.remote {
		open := openMsgFor(d.label, d.init)
		// RFC 8832 §6: the OPEN is sent reliable and ordered.
		err := pc.transport.sctp.HandleWrite(sctp.Message{Stream: d.id, PPID: ppidDCEP, Data: open.marshal()})
		pc.timeouts.mark(layerSCTP)
		if err != nil {
			pc.failChannel(d, layerErr("sctp", err))
			return
		}
	}
	d.state = DataChannelOpen
	pc.emit(Event{Kind: EventDataChannelOpen, Channel: d})
}

func (pc *PeerConnection) failChannel(d *DataChannel, err error) {
	pc.emit(Event{Kind: EventDataChannelError, Channel: d, Err: err})
	pc.finishClose(d)
}

// openPending opens every channel created before SCTP was up.
func (pc *PeerConnection) openPending() {
	// IDs first for channels that have them, so allocation skips them.
	for _, d := range pc.channels {
		if d.state == DataChannelConnecting && !d.remote {
			pc.openChannel(d)
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
	limit := pc.transport.sctp.MaxMessageSize()
	if len(data) > limit {
		return fmt.Errorf("%w: %d > %d", ErrMessageTooLarge, len(data), limit)
	}
	m := sctp.Message{Stream: d.id, PPID: ppidBinary, Data: data}
	if !binary {
		m.PPID = ppidString
	}
	if len(data) == 0 {
		// RFC 8831 §6.6: an empty message is sent as one zero byte with the
		// "Empty" PPID.
		m.Data = []byte{0}
		m.PPID = map[bool]sctp.PPID{true: ppidBinaryEmpty, false: ppidStringEmpty}[binary]
	}
	// RFC 8832 §6: until the ACK arrives messages are sent ordered.
	m.Unordered = d.init.Unordered && (d.acked || d.init.Negotiated || d.remote)
	switch {
	case d.init.MaxRetransmits != nil:
		m.Policy, m.PolicyValue = sctp.PRRetransmits, uint32(*d.init.MaxRetransmits)
	case d.init.MaxPacketLifeTime != nil:
		m.Policy, m.PolicyValue = sctp.PRLifetime, uint32(*d.init.MaxPacketLifeTime)
	}
	if pc.transport.sctp.BufferedAmount(d.id)+len(data) > pc.cfg.maxBufferedAmount() {
		return ErrBufferFull
	}
	err := pc.transport.sctp.HandleWrite(m)
	pc.timeouts.mark(layerSCTP)
	if err != nil {
		if errors.Is(err, sctp.ErrSendBufferFull) {
			return fmt.Errorf("%w: %w", ErrBufferFull, err)
		}
		return layerErr("sctp", err)
	}
	d.messagesSent++
	d.bytesSent += uint64(len(data))
	pc.transport.drainSCTP(pc)
	return nil
}

// BufferedAmount of a channel, in bytes queued and not yet acknowledged.
func (pc *PeerConnection) bufferedAmount(d *DataChannel) int {
	if pc.transport.sctp == nil || !d.hasID {
		return 0
	}
	return pc.transport.sctp.BufferedAmount(d.id)
}

func (pc *PeerConnection) applyThreshold(d *DataChannel) {
	if pc.transport.sctp != nil && d.hasID {
		pc.transport.sctp.SetBufferedAmountLowThreshold(d.id, d.lowMark)
	}
}

// closeChannel starts the closing procedure (RFC 8831 §6.7): reset the
// outgoing stream; the peer resets its side in turn.
func (pc *PeerConnection) closeChannel(d *DataChannel) error {
	if d.state == DataChannelClosing || d.state == DataChannelClosed {
		return nil
	}
	if !d.hasID || !pc.sctpUp() {
		pc.finishClose(d)
		return nil
	}
	d.state = DataChannelClosing
	pc.emit(Event{Kind: EventDataChannelClosing, Channel: d})
	err := pc.transport.sctp.ResetStreams(d.id)
	pc.timeouts.mark(layerSCTP)
	pc.transport.drainSCTP(pc)
	if err != nil && !errors.Is(err, sctp.ErrStreamResetting) {
		pc.finishClose(d)
		return layerErr("sctp", err)
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

func (pc *PeerConnection) handleSCTPEvent(e sctp.Event) {
	switch e.Kind {
	case sctp.EventConnected:
		pc.openPending()
	case sctp.EventIncomingStreamsReset:
		for _, id := range e.Streams {
			d := pc.channelByID(id)
			if d == nil {
				continue
			}
			d.inReset = true
			if d.state == DataChannelOpen || d.state == DataChannelConnecting {
				// RFC 8831 §6.7: reset our outgoing stream in turn.
				d.state = DataChannelClosing
				pc.emit(Event{Kind: EventDataChannelClosing, Channel: d})
				if err := pc.transport.sctp.ResetStreams(id); err != nil && !errors.Is(err, sctp.ErrStreamResetting) {
					pc.finishClose(d)
					continue
				}
			}
			if d.outReset {
				pc.finishClose(d)
			}
		}
	case sctp.EventOutgoingStreamsReset:
		for _, id := range e.Streams {
			d := pc.channelByID(id)
			if d == nil {
				continue
			}
			d.outReset = true
			if d.inReset {
				pc.finishClose(d)
			}
		}
	case sctp.EventStreamResetFailed:
		for _, id := range e.Streams {
			if d := pc.channelByID(id); d != nil {
				pc.failChannel(d, layerErr("sctp", e.Err))
			}
		}
	case sctp.EventBufferedAmountLow:
		if d := pc.channelByID(e.Stream); d != nil {
			pc.emit(Event{Kind: EventBufferedAmountLow, Channel: d})
		}
	case sctp.EventClosed:
		if e.Err != nil {
			pc.emitError("sctp", e.Err)
		}
		pc.closeAllChannels()
	case sctp.EventPeerError:
		pc.emitError("sctp", fmt.Errorf("peer sent ERROR cause %v", e.Cause))
	case sctp.EventRestarted, sctp.EventShutdown:
	}
}

func (pc *PeerConnection) handleSCTPMessage(m sctp.Message) {
	d := pc.channelByID(m.Stream)
	switch m.PPID {
	case ppidDCEP:
		pc.handleDCEP(d, m)
		return
	case ppidString, ppidBinary, ppidStringEmpty, ppidBinaryEmpty:
	default:
		pc.stats.Dropped++
		pc.emitError("datachannel", fmt.Errorf("message with unknown PPID %d on stream %d", m.PPID, m.Stream))
		return
	}
	if d == nil || d.state == DataChannelClosed {
		pc.stats.Dropped++
		return
	}
	// RFC 8832 §6: any message on the stream counts as the ACK.
	d.acked = true
	data := m.Data
	if m.PPID == ppidStringEmpty || m.PPID == ppidBinaryEmpty {
		data = data[:0]
	}
	d.messagesReceived++
	d.bytesReceived += uint64(len(data))
	msg := Message{Channel: d, Binary: m.PPID == ppidBinary || m.PPID == ppidBinaryEmpty, Data: data}
	if err := pc.reads.Push(msg); err != nil {
		pc.stats.Dropped++
		pc.pendingErr = errors.Join(pc.pendingErr, fmt.Errorf("rtc: read queue full, message on %q lost: %w", d.label, err))
	}
}

func (pc *PeerConnection) handleDCEP(d *DataChannel, m sctp.Message) {
	if len(m.Data) == 0 {
		pc.stats.Dropped++
		return
	}
	switch m.Data[0] {
	case dcepAck:
		if d != nil {
			d.acked = true
		}
	case dcepOpen:
		open, err := parseDCEPOpen(m.Data)
		if err != nil {
			pc.stats.Dropped++
			pc.emitError("datachannel", err)
			return
		}
		if d != nil {
			// RFC 8832 §6: an OPEN on a stream in use is a protocol error.
			pc.stats.Dropped++
			pc.emitError("datachannel", fmt.Errorf("DATA_CHANNEL_OPEN on stream %d already in use", m.Stream))
			return
		}
		if len(pc.channels) >= pc.cfg.maxDataChannels() {
			pc.emitError("datachannel", ErrTooManyChannels)
			_ = pc.transport.sctp.ResetStreams(m.Stream)
			return
		}
		nd := &DataChannel{pc: pc, label: open.Label, init: initFromOpen(open, m.Stream), id: m.Stream, hasID: true, remote: true, acked: true}
		pc.channels = append(pc.channels, nd)
		if err := pc.transport.sctp.HandleWrite(sctp.Message{Stream: m.Stream, PPID: ppidDCEP, Data: []byte{dcepAck}}); err != nil {
			pc.failChannel(nd, layerErr("sctp", err))
			return
		}
		nd.state = DataChannelOpen
		pc.emit(Event{Kind: EventDataChannel, Channel: nd})
		pc.emit(Event{Kind: EventDataChannelOpen, Channel: nd})
	default:
		pc.stats.Dropped++
		pc.emitError("datachannel", fmt.Errorf("unknown DCEP message type %#x", m.Data[0]))
	}
}

// drainAll moves output between layers after any change.
func (pc *PeerConnection) drainAll() {
	pc.transport.drainDTLS(pc)
	pc.transport.drainSCTP(pc)
}
