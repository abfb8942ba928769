package rtc

import (
	"fmt"
	"time"

	datachannel "github.com/sansrtc/rtc/rtc-datachannel"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// This file is the one place that moves output between the parts, and the
// Poll* side of the contract.

// step moves output between the parts after any call, in a fixed order,
// each call going downward into one part:
//
//  1. transport.drain: ICE events (candidates, states, the selected pair,
//     relayed DTLS) and DTLS output and events (handshake, close);
//  2. settle: what follows from the parts' states (start SCTP over a
//     connected DTLS, end it when DTLS ended, the connection state);
//  3. records: each DTLS record decrypted goes to the data part (SCTP);
//  4. data: SCTP events become channel events, received messages go to
//     the read queue while it has room;
//  5. pump: SCTP packets go through DTLS to the outbox while it has room.
//
// Steps 2-5 repeat while they make progress (an SCTP event can queue a
// packet, a packet can end the association), at most four times; what is
// left then is output that PollWrite pulls (pump) and PollTimeout reports.
func (pc *PeerConnection) step() {
	now := pc.clock.Now()
	pc.tr.drain(now, &pc.out)
	pc.takeAgentMedia()
	pc.media.pumpChain(pc.tr.send, &pc.out)
	records, quiet := false, false
	for range 4 {
		pc.settle()
		moved := pc.records()
		records = records || moved
		moved = pc.data.drainEvents(&pc.out) || moved
		moved = pc.data.pullReads(&pc.out) || moved
		sent := pc.pump()
		records = records || sent
		moved = sent || moved
		pc.tr.drain(now, &pc.out)
		pc.takeAgentMedia()
		if !moved {
			quiet = true
			break
		}
	}
	// The Manager had nothing more to give, and nothing held its output
	// back (the reads queue or the outbox full): until the next call
	// through manager(), it has nothing (data.fed).
	if quiet && !pc.out.reads.Full() && pc.tr.canWrite() {
		pc.data.fed = false
	}
	pc.settle()
	pc.noteIdle(now, records)
}

// noteIdle lets the parts give back what they keep for reuse (buffers,
// scratch, queue storage: ICE, DTLS, SCTP and the PeerConnection's own
// queues) once no DTLS record went either way for shared.IdleAfter: about
// 7 KB per connected, idle PeerConnection (issue 18). Consent checks (STUN)
// do not count as traffic; after the release they take back a buffer and a
// queue slot or two once, and allocate nothing after that. The parts
// cannot tell by themselves: DTLS and SCTP see no time pass while they get
// no input.
func (pc *PeerConnection) noteIdle(now time.Time, records bool) {
	if records || pc.tr.phase != DTLSTransportConnected {
		pc.idle.Busy(now)
		return
	}
	if !pc.idle.Due(now) {
		return
	}
	pc.tr.ice.ReleaseIdle()
	pc.tr.outbox.Release()
	pc.out.events.Release()
	pc.out.reads.Release()
	pc.tr.conn.ReleaseIdle()
	if pc.data.mgr != nil {
		pc.data.mgr.ReleaseIdle()
		pc.data.pkt = nil
	}
}

// takeAgentMedia gives the RTP and RTCP that came through the ICE agent
// (a relayed or ICE-TCP selected pair) to the media part.
func (pc *PeerConnection) takeAgentMedia() {
	for i, tb := range pc.tr.agentMedia {
		k := stun.Classify(tb.Message)
		pc.out.emitError("media", pc.handleMedia(k, tb, true))
		pc.tr.ice.ReleaseRead(tb.Message)
		pc.tr.agentMedia[i] = shared.TaggedBytes{}
	}
	pc.tr.agentMedia = pc.tr.agentMedia[:0]
}

// settle derives what follows from the parts' states: SCTP starts over a
// connected DTLS transport once a data section is negotiated (RFC 8261)
// and ends when DTLS ends under it; the connection state follows ICE and
// DTLS (W3C §4.3.3).
func (pc *PeerConnection) settle() {
	switch pc.tr.phase {
	case DTLSTransportConnected:
		if pc.media.in == nil && pc.tr.srtpProfile != 0 && pc.neg.hasMedia() {
			// RFC 5764 §4.2: SRTP keys come from the DTLS exporter, once
			// an RTP section is negotiated (a data-only connection
			// keeps no SRTP state; use_srtp is always offered, as
			// browsers do, so media can be added later).
			pc.out.emitError("srtp", pc.media.key(pc.tr.srtpProfile, pc.tr.conn, pc.tr.client))
		}
		if pc.data.mgr == nil && !pc.data.failed && pc.neg.dataSection() != nil && pc.neg.complete() {
			cfg, err := pc.sctpConfig()
			if err != nil {
				pc.data.failed = true
				pc.out.emitError("sctp", err)
			} else {
				pc.data.start(pc.clock.Now(), cfg, &pc.out)
			}
		}
	case DTLSTransportClosed, DTLSTransportFailed:
		if pc.data.running() {
			pc.data.end("DTLS transport "+pc.tr.phase.String(), &pc.out)
			pc.data.discard() // nothing can carry its ABORT any more
		}
	}
	pc.updateConnectionState()
}

// sctpConfig is the association's configuration from ours and the remote
// description's (RFC 8841).
func (pc *PeerConnection) sctpConfig() (datachannel.Config, error) {
	mtu, err := sctpMTU(pc.tr.conn.MaxPayload())
	if err != nil {
		return datachannel.Config{}, err
	}
	return datachannel.Config{
		DTLSClient:  pc.tr.client,
		MaxChannels: pc.cfg.maxDataChannels(),
		SCTP: sctp.Config{
			Rand:               pc.cfg.rand(),
			LocalPort:          pc.cfg.sctpPort(),
			RemotePort:         pc.neg.remote.sctpPort,
			MaxMessageSize:     pc.cfg.maxMessageSize(),
			PeerMaxMessageSize: peerMaxMessageSize(pc.neg.remote.maxMessage),
			SendBufferSize:     max(pc.cfg.maxBufferedAmount(), minSCTPSendBuffer),
			ReceiveBufferSize:  receiveBuffer(pc.cfg.maxMessageSize()),
			MTU:                mtu,
		},
	}, nil
}

// receiveBuffer is the association's receive buffer (and window) for a
// MaxMessageSize of maxMessage: rtc-sctp's default of 1 MiB, or room for
// one message of the largest size we advertise (a=max-message-size, RFC
// 8841 §6) and 256 KiB of other traffic. A message is held whole until its
// last fragment arrives, so with a buffer smaller than the message it never
// completes: before, a MaxMessageSize of 4 MiB let the peer send 2 MiB
// messages that stalled the association for good.
func receiveBuffer(maxMessage int) int { return max(1<<20, maxMessage+256<<10) }

// minSCTPSendBuffer is the least the association's send buffer takes.
// MaxBufferedAmount bounds each channel (data.send); the association also
// carries the DCEP messages (RFC 8832 §5.1: an OPEN holds the label and
// protocol, up to 64 KiB each), so a small MaxBufferedAmount must not
// leave it without room for them: with 1 byte no channel ever opened.
const minSCTPSendBuffer = 256 << 10

// peerMaxMessageSize maps the remote a=max-message-size to the SCTP config
// (RFC 8841 §6.1: absent means 64 KiB; 0 means no limit).
func peerMaxMessageSize(remote int) int {
	switch {
	case remote < 0:
		return 65536
	case remote == 0:
		return -1
	}
	return remote
}

// records hands every decrypted DTLS record to the data part.
func (pc *PeerConnection) records() bool {
	moved := false
	for {
		rec, ok := pc.tr.pollRecord()
		if !ok {
			return moved
		}
		moved = true
		pc.data.handleRecord(pc.clock.Now(), pc.tr.selected, rec, &pc.out)
		pc.tr.releaseRecord(rec) // SCTP copied what it keeps
	}
}

// pump moves SCTP packets through DTLS to the outbox while the outbox has
// room, one packet at a time so no queue between them fills (flow control
// by pulling: SCTP's send queue is the buffer).
func (pc *PeerConnection) pump() bool {
	moved := false
	for pc.tr.canWrite() {
		pkt, ok := pc.data.appendPacket()
		if !ok {
			break
		}
		moved = true
		pc.tr.writeRecord(pkt, &pc.out)
	}
	return moved
}

// updateConnectionState derives the W3C RTCPeerConnectionState from ICE
// and DTLS (W3C §4.3.3).
func (pc *PeerConnection) updateConnectionState() {
	ice, d := pc.tr.iceState, pc.tr.phase
	s := PeerConnectionConnecting
	switch {
	case pc.closed:
		s = PeerConnectionClosed
	case ice == ICEConnectionFailed || d == DTLSTransportFailed:
		s = PeerConnectionFailed
	case ice == ICEConnectionDisconnected:
		s = PeerConnectionDisconnected
	case (ice == ICEConnectionConnected || ice == ICEConnectionCompleted) && (d == DTLSTransportConnected || d == DTLSTransportClosed):
		// W3C: "all RTCDtlsTransports are in the connected or closed state".
		s = PeerConnectionConnected
	case ice == ICEConnectionNew && d == DTLSTransportNew:
		s = PeerConnectionNew
	}
	if s == pc.connectionState {
		return
	}
	pc.connectionState = s
	pc.out.emit(Event{Kind: EventConnectionStateChange, ConnectionState: s})
}

// PollEvent returns the next event.
func (pc *PeerConnection) PollEvent() (Event, bool) {
	e, ok := pc.out.events.Pop()
	if !ok {
		pc.out.polledEvents = false
	}
	return e, ok
}

// PollRead returns the next message: a data channel message now, RTP and
// RTCP with media (see Message for who owns Data). Messages that did not
// fit in the read queue (MaxQueuedMessages) wait in SCTP and are pulled
// here; reading them may open the receive window, so SCTP may owe the
// peer a window update: it is moved to PollWrite at once and PollTimeout
// then returns now, so the documented loop never stalls.
func (pc *PeerConnection) PollRead() (Message, bool) {
	if pc.out.reads.Len() == 0 && !pc.closed && pc.data.pullReads(&pc.out) {
		n := pc.out.events.Len()
		pc.step()
		pc.out.polledEvents = pc.out.polledEvents || pc.out.events.Len() > n
	}
	return pc.out.reads.Pop()
}

// ReleaseRead gives back a Message returned by PollRead once the caller is
// done with it. For a data channel message it does nothing (its Data
// belongs to the caller); an RTP or RTCP message's Data is a view of a
// receive buffer that ReleaseRead recycles. Optional for data channels.
func (pc *PeerConnection) ReleaseRead(m Message) {
	if m.Kind != MessageData {
		pc.media.release(m)
	}
}

// PollWrite returns the next datagram to send from Transport.Local to
// Transport.Peer. The bytes belong to the caller (see ReleaseWrite).
func (pc *PeerConnection) PollWrite() (shared.TaggedBytes, bool) {
	if pc.tr.outbox.Len() == 0 && !pc.closed {
		n := pc.out.events.Len()
		pc.pump() // pull the next SCTP packets (flow control by pulling)
		pc.out.polledEvents = pc.out.polledEvents || pc.out.events.Len() > n
	}
	tb, ok := pc.tr.pollWrite()
	if !ok {
		return shared.TaggedBytes{}, false
	}
	if tb.Now.IsZero() {
		tb.Now = pc.clock.Now()
	}
	pc.out.stats.DatagramsOut++
	pc.out.stats.BytesOut += uint64(len(tb.Message))
	return tb, true
}

// ReleaseWrite gives back a datagram returned by PollWrite once it was sent
// and will not be touched again, so the layer that built it can reuse it.
// Optional: it only saves allocations (rtc/driver calls it after each
// send). STUN and TURN ChannelData datagrams (first byte 0–3 and 64–79,
// RFC 7983 §7) go back to the ICE agent, so an idle connection's consent
// checks and answers allocate no buffer; DTLS records to the DTLS layer.
func (pc *PeerConnection) ReleaseWrite(b []byte) {
	if pc.media.recycle(b) {
		return
	}
	if len(b) > 0 && (b[0] <= 3 || b[0] >= 64 && b[0] <= 79) {
		pc.tr.ice.ReleaseWrite(b) // no deadline changes: no agent() needed
		return
	}
	if pc.tr.conn != nil {
		pc.tr.conn.ReleaseWrite(b)
	}
}

// HandleWrite sends a Message: a data channel message (the same as
// Channel.Send or SendText), or RTP or RTCP for a transceiver (refused
// with ErrNoMedia until media is wired). Data is borrowed for the call.
func (pc *PeerConnection) HandleWrite(m Message) error {
	if pc.closed {
		return ErrClosed
	}
	var err error
	switch m.Kind {
	case MessageData:
		err = ErrUnknownChannel
		if m.Channel != nil {
			err = pc.send(m.Channel, m.Data, m.Binary)
		}
	case MessageRTP, MessageRTCP:
		err = pc.writeMessage(m)
	default:
		err = fmt.Errorf("rtc: unknown message kind %v", m.Kind)
	}
	return pc.out.report(err)
}
