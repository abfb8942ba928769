package sctp

// buildPacket assembles the next packet into b: handshake chunks, or the
// control chunks owed to the peer (SACK, HEARTBEAT, SHUTDOWN*, FORWARD
// TSN, RE-CONFIG) followed by retransmissions and new DATA (RFC 9260 §6.10
// bundling). It reports false when there is nothing to send.
func (a *Association) buildPacket(b []byte) ([]byte, bool) {
	if a.finished || a.state == StateClosed {
		return b, false
	}
	now := a.clock.Now()
	start := len(b)
	limit := start + a.mtu
	vtag := a.peerTag
	if a.state == StateCookieWait {
		vtag = 0 // RFC 9260 §8.5.1: INIT carries tag 0
	}
	b = appendCommonHeader(b, a.cfg.localPort(), a.cfg.remotePort(), vtag)
	hdrEnd := len(b)
	if a.state == StateCookieWait || a.state == StateCookieEchoed {
		var ok bool
		b, ok = a.appendHandshake(b)
		if !ok {
			return b[:start], false
		}
		putChecksum(b[start:])
		a.stats.PacketsSent++
		return b, true
	}
	r := &a.rcv
	if a.rc.deferred {
		a.rc.performDeferred(a)
	}
	if r.sackDue() || (r.sackPending() && a.snd.hasNewData()) {
		// Leave room for the small control chunks that follow.
		r.buildSack(&a.sack, limit-len(b)-64)
		b = a.sack.appendTo(b)
		r.sackSent()
	}
	if a.hbDue {
		a.hbDue = false
		b = a.appendHeartbeatChunk(b)
	}
	if a.shutdownDue {
		a.shutdownDue = false
		b = appendShutdown(b, r.cum)
	}
	if a.shutdownAckDue {
		a.shutdownAckDue = false
		b = appendEmptyChunk(b, ctShutdownAck, 0)
	}
	if a.snd.fwdDue {
		b = a.snd.appendForwardTSN(b, limit-len(b))
	}
	b = a.rc.appendChunks(a, b, limit)
	switch a.state {
	case StateEstablished, StateShutdownPending, StateShutdownReceived:
		b = a.snd.appendData(now, b, limit)
	}
	if len(b) == hdrEnd {
		return b[:start], false
	}
	a.seal(b[start:], false)
	a.stats.PacketsSent++
	return b, true
}
