package sctp

import (
	"encoding/binary"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// HandleRead processes one SCTP packet. msg.Message is borrowed for the
// duration of the call; received user data is copied. A malformed packet,
// a bad checksum or verification tag is counted in Stats and dropped, and
// the error is returned; the association carries on.
func (a *Association) HandleRead(msg shared.TaggedBytes) error {
	now := a.clock.Advance(msg.Now)
	a.stats.PacketsReceived++
	p := msg.Message
	var h commonHeader
	cur, err := parsePacket(p, &h)
	if err != nil {
		a.stats.Malformed++
		return err
	}
	// Find the first chunk to decide the checksum and tag rules.
	var first rawChunk
	peek := cur
	if ok, err := nextChunk(&peek, &first); !ok || err != nil {
		a.stats.Malformed++
		if err == nil {
			err = &shared.ParseError{Layer: "sctp", Type: "packet", Offset: commonHeaderSize, Err: shared.ErrTruncated}
		}
		return err
	}
	if h.checksum != packetChecksum(p) {
		// RFC 9653 §5.3: once we offered it, a zero checksum is accepted,
		// except on a packet carrying INIT.
		if !(h.checksum == 0 && a.acceptZeroCsum && first.typ != ctInit) {
			a.stats.BadChecksum++
			return ErrChecksum
		}
	}
	// Replies go where this packet came from; a corrupted packet does not
	// get to redirect them.
	if msg.Transport.Peer.IsValid() {
		a.transport = msg.Transport
	}
	if a.finished {
		// The association is gone: the peer's packets are out of the
		// blue (RFC 9260 §8.4), so a SHUTDOWN ACK retransmitted because
		// our SHUTDOWN COMPLETE was lost still gets one.
		a.handleOOTB(&h, first.typ, first.flags)
		return ErrClosed
	}
	if first.typ == ctInit {
		// RFC 9260 §6.10: INIT must be the only chunk in its packet.
		if !peek.Empty() {
			a.stats.Malformed++
			return ErrProtocolViolation
		}
		return a.handleInit(now, &h, first.value)
	}
	if a.state == StateClosed && first.typ != ctCookieEcho {
		return a.handleOOTB(&h, first.typ, first.flags)
	}
	if err := a.checkTag(&h, &first); err != nil {
		return err
	}
	var firstErr error
	hadData := false
	var ch rawChunk
	for {
		ok, err := nextChunk(&cur, &ch)
		if err != nil {
			a.stats.Malformed++
			if firstErr == nil {
				firstErr = err
			}
			break
		}
		if !ok || a.finished {
			break
		}
		stop, isData, err := a.handleChunk(now, &h, &ch)
		hadData = hadData || isData
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if stop {
			break
		}
	}
	if !a.finished {
		a.rcv.afterPacket(now, hadData)
		if a.rc.deferred {
			a.rc.performDeferred(a)
		}
		if hadData && a.state == StateShutdownSent {
			// RFC 9260 §9.2: answer DATA with SHUTDOWN and restart T2.
			a.shutdownDue = true
			a.t2 = now.Add(a.snd.rto)
		}
	}
	return a.events.Report(firstErr)
}

// checkTag applies the verification tag rules of RFC 9260 §8.5.
func (a *Association) checkTag(h *commonHeader, first *rawChunk) error {
	switch first.typ {
	case ctCookieEcho:
		return nil // checked against the cookie
	case ctAbort, ctShutdownComplete:
		// RFC 9260 §8.5.1 B, C: with the T bit the tag is the peer's own.
		if first.flags&flagTBit != 0 {
			if h.vtag == a.peerTag && a.peerTag != 0 {
				return nil
			}
		} else if h.vtag == a.myTag {
			return nil
		}
		a.stats.BadTag++
		return ErrVerificationTag
	}
	if h.vtag != a.myTag {
		a.stats.BadTag++
		return ErrVerificationTag
	}
	return nil
}

// handleOOTB answers an out-of-the-blue packet (RFC 9260 §8.4).
func (a *Association) handleOOTB(h *commonHeader, t chunkType, flags uint8) error {
	switch t {
	case ctAbort, ctShutdownComplete, ctCookieAck, ctError:
		// §8.4 items 2, 6, 7: silently discard.
	case ctShutdownAck:
		// §8.4 item 5: SHUTDOWN COMPLETE with the T bit.
		p := make([]byte, 0, 16)
		p = appendCommonHeader(p, a.cfg.localPort(), a.cfg.remotePort(), h.vtag)
		p = appendEmptyChunk(p, ctShutdownComplete, flagTBit)
		putChecksum(p)
		a.queueControl(p)
	default:
		// §8.4 item 8: ABORT with the T bit set.
		a.queueControl(a.buildCausePacket(h.vtag, ctAbort, flagTBit, 0, nil, true))
	}
	a.stats.BadTag++
	return ErrVerificationTag
}

// handleChunk dispatches one chunk. stop ends processing of the packet.
func (a *Association) handleChunk(now time.Time, h *commonHeader, ch *rawChunk) (stop, isData bool, err error) {
	switch ch.typ {
	case ctData, ctIData:
		if a.state < StateEstablished || a.state == StateShutdownAckSent {
			return false, false, nil
		}
		if (ch.typ == ctIData) != a.idata {
			// RFC 8260 §2.2: DATA when I-DATA was negotiated (or the
			// reverse) is a protocol violation.
			a.abortWith(CauseProtocolViolation, "wrong DATA chunk type")
			return true, false, ErrProtocolViolation
		}
		return false, true, a.rcv.handleData(now, ch)
	case ctSack:
		if a.state < StateEstablished {
			return false, false, nil
		}
		if err := parseSack(ch.value, &a.sack); err != nil {
			a.stats.Malformed++
			return false, false, err
		}
		a.snd.handleSack(now, &a.sack)
		a.maybeShutdown()
	case ctInitAck:
		return true, false, a.handleInitAck(now, ch.value)
	case ctCookieEcho:
		return false, false, a.handleCookieEcho(now, h, ch.value)
	case ctCookieAck:
		a.handleCookieAck(now)
	case ctHeartbeat:
		info, err := parseHeartbeat(ch.value)
		if err != nil {
			a.stats.Malformed++
			return false, false, err
		}
		// RFC 9260 §8.3: echo the Heartbeat Info in HEARTBEAT ACK.
		p := make([]byte, 0, commonHeaderSize+chunkHeaderSize+4+padded(len(info)))
		p = appendCommonHeader(p, a.cfg.localPort(), a.cfg.remotePort(), a.peerTag)
		p = appendHeartbeat(p, ctHeartbeatAck, info)
		a.seal(p, false)
		return false, false, a.queueControl(p)
	case ctHeartbeatAck:
		info, err := parseHeartbeat(ch.value)
		if err != nil {
			a.stats.Malformed++
			return false, false, err
		}
		a.handleHeartbeatAck(now, info)
	case ctAbort:
		ae := &AbortError{Remote: true}
		forEachCause(ch.value, func(c errorCause) {
			if ae.Cause == 0 {
				ae.Cause = c.code
				if c.code == CauseUserInitiatedAbort || c.code == CauseProtocolViolation {
					ae.Info = string(c.info)
				}
			}
		})
		a.terminate(ae)
		return true, false, nil
	case ctError:
		return false, false, a.handleError(now, ch.value)
	case ctShutdown:
		cum, err := parseShutdown(ch.value)
		if err != nil {
			a.stats.Malformed++
			return false, false, err
		}
		a.handleShutdown(now, cum)
	case ctShutdownAck:
		if a.state == StateShutdownSent || a.state == StateShutdownAckSent {
			// RFC 9260 §9.2: answer with SHUTDOWN COMPLETE and close.
			p := make([]byte, 0, 16)
			p = appendCommonHeader(p, a.cfg.localPort(), a.cfg.remotePort(), a.peerTag)
			p = appendEmptyChunk(p, ctShutdownComplete, 0)
			a.seal(p, false)
			a.queueControl(p)
			a.terminate(nil)
			return true, false, nil
		}
	case ctShutdownComplete:
		if a.state == StateShutdownAckSent {
			a.terminate(nil)
			return true, false, nil
		}
	case ctForwardTSN, ctIForwardTSN:
		if !a.fwdTSN || (ch.typ == ctIForwardTSN) != a.idata {
			a.abortWith(CauseProtocolViolation, "unexpected FORWARD TSN type")
			return true, false, ErrProtocolViolation
		}
		if err := parseForwardTSN(ch.typ == ctIForwardTSN, ch.value, &a.fwd); err != nil {
			a.stats.Malformed++
			return false, false, err
		}
		a.rcv.handleForwardTSN(now, &a.fwd)
	case ctReconfig:
		return false, false, a.rc.handleReconfig(a, now, ch.value)
	default:
		return a.handleUnknownChunk(ch)
	}
	return false, false, nil
}

// handleUnknownChunk applies RFC 9260 §3.2: the upper two bits of the type
// say whether to skip the chunk and whether to report it.
func (a *Association) handleUnknownChunk(ch *rawChunk) (stop, isData bool, err error) {
	action := uint8(ch.typ) >> 6
	if action == 1 || action == 3 {
		// The cause carries the chunk (RFC 9260 §3.3.10.6), cut to fit
		// one packet of our MTU.
		value := ch.value[:min(len(ch.value), a.mtu-commonHeaderSize-2*chunkHeaderSize-4)]
		info := make([]byte, 0, chunkHeaderSize+len(value))
		info = append(info, byte(ch.typ), ch.flags, 0, 0)
		binary.BigEndian.PutUint16(info[2:], uint16(chunkHeaderSize+len(value)))
		info = append(info, value...)
		a.queueControl(a.buildCausePacket(a.peerTag, ctError, 0, CauseUnrecognizedChunkType, info, false))
	}
	return action < 2, false, nil
}

// handleError reports the causes of an ERROR chunk (RFC 9260 §3.3.10).
func (a *Association) handleError(now time.Time, v []byte) error {
	return forEachCause(v, func(c errorCause) {
		if c.code == CauseStaleCookie && a.state == StateCookieEchoed {
			// RFC 9260 §5.2.6: start over with a new INIT.
			a.setState(StateCookieWait)
			a.peerTag = 0
			a.initDue = true
			a.t1 = now.Add(a.snd.rto)
			return
		}
		a.pushEvent(Event{Kind: EventPeerError, Cause: c.code})
	})
}

// abortWith sends ABORT with a cause and ends the association.
func (a *Association) abortWith(code ErrorCause, info string) {
	a.queueControl(a.buildCausePacket(a.peerTag, ctAbort, 0, code, []byte(info), false))
	a.terminate(&AbortError{Remote: false, Cause: code, Info: info})
}

// handleShutdown processes SHUTDOWN (RFC 9260 §9.2).
func (a *Association) handleShutdown(now time.Time, cum uint32) {
	switch a.state {
	case StateEstablished, StateShutdownPending, StateShutdownReceived:
		a.snd.handleCumAck(now, cum)
		if a.state != StateShutdownReceived {
			a.setState(StateShutdownReceived)
			a.pushEvent(Event{Kind: EventShutdown})
		}
		a.maybeShutdown()
	case StateShutdownSent:
		// Both sides sent SHUTDOWN: answer with SHUTDOWN ACK.
		a.snd.handleCumAck(now, cum)
		a.setState(StateShutdownAckSent)
		a.shutdownAckDue = true
		a.t2 = now.Add(a.snd.rto)
	}
}

// maybeShutdown sends SHUTDOWN or SHUTDOWN ACK once all our data is
// acknowledged (RFC 9260 §9.2).
func (a *Association) maybeShutdown() {
	if !a.snd.idle() {
		return
	}
	now := a.clock.Now()
	switch a.state {
	case StateShutdownPending:
		a.setState(StateShutdownSent)
		a.shutdownDue = true
		a.shutdownTries = 0
		a.t2 = now.Add(a.snd.rto)
	case StateShutdownReceived:
		a.setState(StateShutdownAckSent)
		a.shutdownAckDue = true
		a.shutdownTries = 0
		a.t2 = now.Add(a.snd.rto)
	}
}

// onT2 retransmits SHUTDOWN or SHUTDOWN ACK (RFC 9260 §9.2).
func (a *Association) onT2(now time.Time) {
	a.shutdownTries++
	if a.shutdownTries > a.cfg.maxRetransmits() {
		a.queueControl(a.buildCausePacket(a.peerTag, ctAbort, 0, 0, nil, false))
		a.terminate(ErrRetransmissionLimit)
		return
	}
	a.snd.rto = min(2*a.snd.rto, a.cfg.rtoMax())
	a.t2 = now.Add(a.snd.rto)
	switch a.state {
	case StateShutdownSent:
		a.shutdownDue = true
	case StateShutdownAckSent:
		a.shutdownAckDue = true
	default:
		a.t2 = time.Time{}
	}
}

// armHeartbeat schedules the next HEARTBEAT of an idle path (RFC 9260 §8.3).
func (a *Association) armHeartbeat(now time.Time) {
	if a.cfg.heartbeatInterval() < 0 || a.state < StateEstablished {
		a.hbDeadline = time.Time{}
		return
	}
	a.hbDeadline = a.nextHeartbeat(now)
}

// heartbeatGrid: a heartbeat deadline is rounded up to a multiple of this
// (of the clock's time), or of half the RTO if that is less, so that the
// heartbeats of associations that fall due within one such slot come due
// at the same instant: an owner running many of them (rtc/driver) wakes
// once for all of them and sends their packets in one batch (issue 18:
// connections set up together send their heartbeats together, and each
// used to wake the driver on its own). RFC 9260 §8.3 recommends jittering
// the interval by ±50% of the RTO; the rounding stays within +50%.
const heartbeatGrid = 100 * time.Millisecond

// nextHeartbeat is when the next HEARTBEAT of an idle path is due: one RTO
// plus HB.interval from now (RFC 9260 §8.3), on the heartbeat grid.
func (a *Association) nextHeartbeat(now time.Time) time.Time {
	at := now.Add(a.cfg.heartbeatInterval() + a.snd.rto)
	grid := int64(min(heartbeatGrid, a.snd.rto/2))
	if grid <= 0 {
		return at
	}
	r := at.UnixNano() % grid
	if r < 0 {
		r += grid
	}
	if r != 0 {
		at = at.Add(time.Duration(grid - r))
	}
	return at
}

func (a *Association) onHeartbeatTimer(now time.Time) {
	if a.hbDeadline.IsZero() || now.Before(a.hbDeadline) {
		return
	}
	if a.state != StateEstablished && a.state != StateShutdownPending {
		// Once SHUTDOWN is exchanged, T2-shutdown watches the peer.
		a.hbDeadline = time.Time{}
		return
	}
	if a.hbPending {
		// RFC 9260 §8.3: an unanswered HEARTBEAT counts as an error.
		a.snd.errorCount++
		if a.snd.errorCount > a.cfg.maxRetransmits() {
			a.queueControl(a.buildCausePacket(a.peerTag, ctAbort, 0, 0, nil, false))
			a.terminate(ErrRetransmissionLimit)
			return
		}
		a.snd.rto = min(2*a.snd.rto, a.cfg.rtoMax())
	}
	a.hbPending = true
	a.hbDue = true
	a.hbSentAt = now
	a.hbNonce = uint64(a.randUint32())<<32 | uint64(a.randUint32())
	// RFC 9260 §8.3: one HEARTBEAT per RTO plus HB.interval, with the
	// RTO backed off while they go unanswered.
	a.hbDeadline = a.nextHeartbeat(now)
}

func (a *Association) appendHeartbeatChunk(b []byte) []byte {
	var info [16]byte
	binary.BigEndian.PutUint64(info[:8], uint64(a.hbSentAt.UnixNano()))
	binary.BigEndian.PutUint64(info[8:], a.hbNonce)
	return appendHeartbeat(b, ctHeartbeat, info[:])
}

func (a *Association) handleHeartbeatAck(now time.Time, info []byte) {
	if len(info) != 16 || !a.hbPending || binary.BigEndian.Uint64(info[8:]) != a.hbNonce {
		return
	}
	a.hbPending = false
	a.snd.errorCount = 0
	a.snd.rttSample(now.Sub(a.hbSentAt))
	a.armHeartbeat(now)
}
