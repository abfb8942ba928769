package sctp

import (
	"encoding/binary"
	"time"
)

// ourInit fills the INIT or INIT ACK fields this side offers.
func (a *Association) ourInit(in *initChunk, ack bool, tag, tsn uint32) {
	*in = initChunk{
		ack:      ack,
		tag:      tag,
		rwnd:     uint32(a.cfg.receiveBuffer()),
		os:       a.cfg.outboundStreams(),
		mis:      a.cfg.inboundStreams(),
		tsn:      tsn,
		fwdTSN:   !a.cfg.DisablePartialReliability,
		reconfig: true,
		idata:    !a.cfg.DisableInterleaving,
		zeroCsum: a.acceptZeroCsum,
	}
}

// handleInit answers an INIT (RFC 9260 §5.1 B, §5.2.1, §5.2.2). In CLOSED
// no state is kept: everything goes into the signed cookie.
func (a *Association) handleInit(now time.Time, h *commonHeader, v []byte) error {
	var scr initChunk // on the stack: parseInit keeps no pointer
	in := &scr
	if err := parseInit(false, v, in); err != nil {
		a.stats.Malformed++
		return err
	}
	if h.vtag != 0 {
		// RFC 9260 §8.5.1 A: an INIT must carry verification tag 0.
		a.stats.BadTag++
		return ErrVerificationTag
	}
	if in.tag == 0 || in.os == 0 || in.mis == 0 {
		// RFC 9260 §3.3.2: a zero Initiate Tag or stream count is invalid; ABORT.
		a.queueControl(a.buildCausePacket(in.tag, ctAbort, 0, CauseInvalidMandatoryParameter, nil, true))
		a.stats.Malformed++
		return ErrProtocolViolation
	}
	cs := cookieState{
		created:  now.UnixNano(),
		peerTag:  in.tag,
		peerTSN:  in.tsn,
		peerRwnd: in.rwnd,
		peerOS:   in.os,
		peerMIS:  in.mis,
		features: featuresOf(in),
	}
	switch a.state {
	case StateClosed:
		cs.myTag, cs.myTSN = a.randTag(), a.randUint32()
	case StateCookieWait, StateCookieEchoed:
		// RFC 9260 §5.2.1: "respond with an INIT ACK using the same
		// parameters it sent in its original INIT chunk (including its
		// Initiate Tag, unchanged)". The association itself is untouched.
		cs.myTag, cs.myTSN = a.myTag, a.myInitialTSN
		if a.state == StateCookieEchoed {
			cs.tieMy, cs.tiePeer = a.myTag, a.peerTag
		}
	case StateShutdownAckSent:
		// RFC 9260 §9.2: retransmit SHUTDOWN ACK instead.
		a.shutdownAckDue = true
		return nil
	default:
		// RFC 9260 §5.2.2: a new random tag, with the current tags as
		// Tie-Tags so that a COOKIE ECHO reveals a restart.
		cs.myTag, cs.myTSN = a.randTag(), a.randUint32()
		cs.tieMy, cs.tiePeer = a.myTag, a.peerTag
	}
	var ack initChunk
	a.ourInit(&ack, true, cs.myTag, cs.myTSN)
	ack.unrecognized = in.unrecognized
	ack.cookie = appendCookie(make([]byte, 0, cookieSize), a.cookieKey[:], &cs)
	p := make([]byte, 0, 128+cookieSize)
	p = appendCommonHeader(p, a.cfg.localPort(), a.cfg.remotePort(), in.tag)
	p = ack.appendTo(p)
	putChecksum(p) // the peer may not accept zero checksums yet
	return a.queueControl(p)
}

// handleInitAck processes an INIT ACK in COOKIE-WAIT (RFC 9260 §5.1 C).
func (a *Association) handleInitAck(now time.Time, v []byte) error {
	if a.state != StateCookieWait {
		return nil // RFC 9260 §5.2.3: discard
	}
	var scr initChunk // on the stack: parseInit keeps no pointer
	in := &scr
	if err := parseInit(true, v, in); err != nil {
		a.stats.Malformed++
		return err
	}
	if in.tag == 0 || in.os == 0 || in.mis == 0 || len(in.cookie) == 0 {
		a.queueControl(a.buildCausePacket(in.tag, ctAbort, 0, CauseInvalidMandatoryParameter, nil, true))
		a.terminate(&AbortError{Cause: CauseInvalidMandatoryParameter})
		return ErrProtocolViolation
	}
	a.adopt(in.tag, in.tsn, in.rwnd, in.os, in.mis, featuresOf(in))
	a.cookieEcho = append(a.cookieEcho[:0], in.cookie...)
	a.setState(StateCookieEchoed)
	a.initRetries = 0
	a.initDue = true
	a.t1 = now.Add(a.snd.rto)
	return nil
}

// adopt records the peer's parameters and negotiates the extensions.
func (a *Association) adopt(peerTag, peerTSN, peerRwnd uint32, peerOS, peerMIS uint16, features uint8) {
	a.peerTag = peerTag
	a.peerInitialTSN = peerTSN
	a.outStreams = min(a.cfg.outboundStreams(), peerMIS)
	a.inStreams = min(a.cfg.inboundStreams(), peerOS)
	a.fwdTSN = !a.cfg.DisablePartialReliability && features&featureFwdTSN != 0
	a.reconfig = features&featureReconfig != 0
	a.idata = !a.cfg.DisableInterleaving && features&featureIData != 0
	a.zeroCsum = features&featureZeroChecksum != 0
	a.rcv.reset(peerTSN - 1)
	a.snd.reset(a.myInitialTSN, peerRwnd)
	a.rc.reset(a.myInitialTSN, peerTSN)
}

// handleCookieEcho processes a COOKIE ECHO (RFC 9260 §5.1 D, §5.2.4).
func (a *Association) handleCookieEcho(now time.Time, h *commonHeader, v []byte) error {
	var cs cookieState
	stale, err := openCookie(v, a.cookieKey[:], now, a.cfg.cookieLifetime(), &cs)
	if err == ErrCookie {
		a.stats.Malformed++
		return err
	}
	if h.vtag != cs.myTag {
		a.stats.BadTag++
		return ErrVerificationTag
	}
	if err != nil {
		// RFC 9260 §5.1.5 step 3: report the staleness in microseconds.
		var info [4]byte
		binary.BigEndian.PutUint32(info[:], uint32(min(stale.Microseconds(), 1<<32-1)))
		a.queueControl(a.buildCausePacket(cs.peerTag, ctError, 0, CauseStaleCookie, info[:], true))
		return ErrCookie
	}
	switch {
	case a.state == StateClosed:
		a.myTag, a.myInitialTSN = cs.myTag, cs.myTSN
		a.adoptCookie(&cs)
		a.enterEstablished(now, false)
	case cs.myTag != a.myTag && cs.peerTag != a.peerTag && cs.tieMy == a.myTag && cs.tiePeer == a.peerTag:
		// Case A: the peer restarted.
		if a.state == StateShutdownAckSent {
			a.shutdownAckDue = true
			a.queueControl(a.buildCausePacket(cs.peerTag, ctError, 0, CauseCookieWhileShuttingDown, nil, false))
			return nil
		}
		a.myTag, a.myInitialTSN = cs.myTag, cs.myTSN
		a.snd.discard()
		a.rcv.discard()
		a.adoptCookie(&cs)
		a.enterEstablished(now, true)
	case cs.myTag == a.myTag && cs.peerTag != a.peerTag:
		// Case B: INIT collision; take the peer's tag from the cookie.
		if a.state == StateCookieWait || a.state == StateCookieEchoed {
			a.adoptCookie(&cs)
		} else {
			a.peerTag = cs.peerTag
		}
		a.enterEstablished(now, false)
	case cs.myTag != a.myTag && cs.peerTag == a.peerTag && cs.tieMy == 0 && cs.tiePeer == 0:
		// Case C: a late cookie; discard.
		return nil
	case cs.myTag == a.myTag && cs.peerTag == a.peerTag:
		// Case D: both tags match.
		if a.state == StateCookieWait {
			a.adoptCookie(&cs)
		}
		a.enterEstablished(now, false)
	default:
		return nil
	}
	p := make([]byte, 0, commonHeaderSize+4)
	p = appendCommonHeader(p, a.cfg.localPort(), a.cfg.remotePort(), a.peerTag)
	p = appendEmptyChunk(p, ctCookieAck, 0)
	a.seal(p, false)
	return a.queueControl(p)
}

func (a *Association) adoptCookie(cs *cookieState) {
	a.adopt(cs.peerTag, cs.peerTSN, cs.peerRwnd, cs.peerOS, cs.peerMIS, cs.features)
}

// enterEstablished moves to ESTABLISHED from a handshake state.
func (a *Association) enterEstablished(now time.Time, restarted bool) {
	a.t1 = time.Time{}
	a.initDue = false
	a.cookieEcho = nil
	switch {
	case restarted:
		a.setState(StateEstablished)
		a.pushEvent(Event{Kind: EventRestarted})
	case a.state == StateClosed || a.state == StateCookieWait || a.state == StateCookieEchoed:
		a.setState(StateEstablished)
		a.pushEvent(Event{Kind: EventConnected})
	default:
		return
	}
	a.hbPending = false
	a.armHeartbeat(now)
}

// handleCookieAck completes the handshake in COOKIE-ECHOED (RFC 9260 §5.1 E).
func (a *Association) handleCookieAck(now time.Time) {
	if a.state == StateCookieEchoed {
		a.enterEstablished(now, false)
	}
}

// onT1 retransmits INIT or COOKIE ECHO (RFC 9260 §5.1 C, D; §6.3.3).
func (a *Association) onT1(now time.Time) {
	a.initRetries++
	if a.initRetries > a.cfg.maxInitRetransmits() {
		a.terminate(ErrInitFailed)
		return
	}
	a.snd.rto = min(a.cfg.rtoInitial()<<a.initRetries, a.cfg.rtoMax())
	a.t1 = now.Add(a.snd.rto)
	a.initDue = true
}

// appendHandshake appends INIT or COOKIE ECHO when due; it reports whether
// the packet carries a chunk that needs a checksum.
func (a *Association) appendHandshake(b []byte) ([]byte, bool) {
	if !a.initDue {
		return b, false
	}
	a.initDue = false
	if a.state == StateCookieWait {
		var in initChunk
		a.ourInit(&in, false, a.myTag, a.myInitialTSN)
		return in.appendTo(b), true
	}
	return appendBytesChunk(b, ctCookieEcho, a.cookieEcho), true
}
