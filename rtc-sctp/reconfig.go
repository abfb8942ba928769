package sctp

import (
	"errors"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

type reconfigResponse struct {
	seq    uint32
	result reconfigResult
}

// reconfigState runs stream reconfiguration (RFC 6525): our Outgoing SSN
// Reset Requests and the peer's.
type reconfigState struct {
	// Outgoing requests.
	pending    []uint16 // streams waiting for their queues to drain
	active     bool     // a request is outstanding
	reqSeq     uint32   // its sequence number
	reqLastTSN uint32
	reqStreams []uint16
	reqDue     bool
	drained    bool   // a pending stream may have drained: try to send
	nextSeq    uint32 // RFC 6525 §5.1.1: starts at our initial TSN
	deadline   time.Time
	retries    int

	// Incoming requests.
	peerSeq       uint32 // next expected request sequence number
	lastResult    reconfigResult
	deferred      bool // a reset waits for DATA up to deferLastTSN
	deferSeq      uint32
	deferLastTSN  uint32
	deferStreams  []uint16
	responses     []reconfigResponse
	maxResponses  int
	responseDrops uint64
}

func (r *reconfigState) reset(myTSN, peerTSN uint32) {
	*r = reconfigState{nextSeq: myTSN, peerSeq: peerTSN, maxResponses: 8,
		pending: r.pending[:0], reqStreams: r.reqStreams[:0], deferStreams: r.deferStreams[:0], responses: r.responses[:0]}
}

// ResetStreams requests an outgoing SSN reset of the given streams (RFC 6525
// §5.1.2), the way a data channel is closed (RFC 8831 §6.7). New writes on
// them fail with ErrStreamResetting; messages already queued are sent
// first, then the request goes out. EventOutgoingStreamsReset reports
// completion; the peer sees EventIncomingStreamsReset.
func (a *Association) ResetStreams(ids ...uint16) error {
	if a.finished {
		return ErrClosed
	}
	if a.state != StateEstablished {
		return ErrNotEstablished
	}
	if !a.reconfig {
		return ErrReconfigUnsupported
	}
	for _, id := range ids {
		if id >= a.outStreams {
			return ErrInvalidStream
		}
	}
	for _, id := range ids {
		st := a.snd.stream(id)
		if st.resetting {
			continue
		}
		st.resetting = true
		a.rc.pending = append(a.rc.pending, id)
	}
	a.rc.trySend(a)
	return nil
}

// streamDrained is called when a stream's send queue empties, before
// the last chunk gets its TSN; the request is built with the next packet,
// so its Sender's Last Assigned TSN covers that chunk.
func (r *reconfigState) streamDrained(*Association) {
	if len(r.pending) > 0 {
		r.drained = true
	}
}

// trySend starts a request for the pending streams whose queues are empty.
func (r *reconfigState) trySend(a *Association) {
	if r.active || len(r.pending) == 0 {
		return
	}
	r.reqStreams = r.reqStreams[:0]
	keep := r.pending[:0]
	for _, id := range r.pending {
		st := a.snd.streams[id]
		if st != nil && (st.head != nil || (a.snd.cur != nil && a.snd.cur.stream == id)) {
			keep = append(keep, id)
			continue
		}
		r.reqStreams = append(r.reqStreams, id)
	}
	r.pending = keep
	if len(r.reqStreams) == 0 {
		return
	}
	r.active = true
	r.reqSeq = r.nextSeq
	r.nextSeq++
	r.reqLastTSN = a.snd.nextTSN - 1
	r.reqDue = true
	r.retries = 0
	r.deadline = a.clock.Now().Add(a.snd.rto)
}

func (r *reconfigState) onTimeout(a *Association, now time.Time) {
	if r.deadline.IsZero() || now.Before(r.deadline) {
		return
	}
	if !r.active {
		r.deadline = time.Time{}
		return
	}
	r.retries++
	if r.retries > a.cfg.maxRetransmits() {
		a.queueControl(a.buildCausePacket(a.peerTag, ctAbort, 0, 0, nil, false))
		a.terminate(ErrRetransmissionLimit)
		return
	}
	r.reqDue = true
	r.deadline = now.Add(min(a.snd.rto<<min(r.retries, 6), a.cfg.rtoMax()))
}

// handleReconfig processes the parameters of a RE-CONFIG chunk (RFC 6525 §5.2).
func (r *reconfigState) handleReconfig(a *Association, now time.Time, v []byte) error {
	if a.state < StateEstablished {
		return nil
	}
	var perr error
	err := forEachReconfigParam(v, func(p *reconfigParam) {
		switch p.typ {
		case paramReconfigResp:
			r.handleResponse(a, now, p)
		case paramOutgoingReset:
			r.handleOutgoingReset(a, p)
		default:
			// Incoming SSN Reset, SSN/TSN Reset and Add Streams are
			// not offered by this implementation: deny them (§5.2.3-5.2.6).
			r.answerSeq(a, p.reqSeq, resultDenied)
		}
	})
	if err != nil {
		a.stats.Malformed++
		return err
	}
	return perr
}

// answerSeq answers a request that needs no action other than its result.
func (r *reconfigState) answerSeq(a *Association, seq uint32, result reconfigResult) {
	switch {
	case seq == r.peerSeq:
		r.peerSeq++
		r.lastResult = result
		r.respond(seq, result)
	case seq == r.peerSeq-1:
		r.respond(seq, r.lastResult)
	default:
		r.respond(seq, resultBadSeq)
	}
}

func (r *reconfigState) respond(seq uint32, result reconfigResult) {
	for i := range r.responses {
		if r.responses[i].seq == seq {
			r.responses[i].result = result
			return
		}
	}
	if len(r.responses) >= r.maxResponses {
		r.responseDrops++
		return
	}
	r.responses = append(r.responses, reconfigResponse{seq, result})
}

// handleOutgoingReset processes the peer's Outgoing SSN Reset Request
// (RFC 6525 §5.2.2): our incoming streams restart at sequence 0 once every
// TSN up to the sender's last assigned TSN has arrived.
func (r *reconfigState) handleOutgoingReset(a *Association, p *reconfigParam) {
	switch {
	case p.reqSeq == r.peerSeq-1:
		r.respond(p.reqSeq, r.lastResult)
		return
	case p.reqSeq != r.peerSeq:
		r.respond(p.reqSeq, resultBadSeq)
		return
	}
	if r.deferred {
		// RFC 6525 §5.2.2: "In progress" until the data has arrived.
		r.respond(p.reqSeq, resultInProgress)
		return
	}
	r.deferStreams = r.deferStreams[:0]
	for i := range p.streamCount() {
		r.deferStreams = append(r.deferStreams, p.stream(i))
	}
	r.deferSeq, r.deferLastTSN = p.reqSeq, p.lastTSN
	r.deferred = true
	if !r.performDeferred(a) {
		r.respond(p.reqSeq, resultInProgress)
	}
}

// performDeferred performs a deferred incoming reset once the cumulative
// TSN has reached the sender's last assigned TSN.
func (r *reconfigState) performDeferred(a *Association) bool {
	if !r.deferred || shared.SerialLess(a.rcv.cum, r.deferLastTSN) {
		return false
	}
	r.deferred = false
	var ids []uint16
	if len(r.deferStreams) == 0 {
		// An empty list resets every stream (in id order, so the event
		// is deterministic).
		ids = a.rcv.usedStreams()
	} else {
		ids = append(ids, r.deferStreams...)
	}
	for _, id := range ids {
		a.rcv.resetStream(id)
	}
	r.peerSeq++
	r.lastResult = resultPerformed
	r.respond(r.deferSeq, resultPerformed)
	a.pushEvent(Event{Kind: EventIncomingStreamsReset, Streams: ids})
	return true
}

// handleResponse processes the response to our request (RFC 6525 §5.2.7).
func (r *reconfigState) handleResponse(a *Association, now time.Time, p *reconfigParam) {
	if !r.active || p.reqSeq != r.reqSeq {
		return
	}
	switch p.result {
	case resultInProgress:
		r.deadline = now.Add(a.snd.rto)
		return
	case resultPerformed, resultNothingToDo:
		ids := append([]uint16(nil), r.reqStreams...)
		for _, id := range ids {
			if st := a.snd.streams[id]; st != nil {
				st.resetting = false
				st.nextSSN, st.nextMID, st.nextUMID = 0, 0, 0
				if st.head == nil {
					delete(a.snd.streams, id)
				}
			}
		}
		a.pushEvent(Event{Kind: EventOutgoingStreamsReset, Streams: ids})
	default:
		ids := append([]uint16(nil), r.reqStreams...)
		for _, id := range ids {
			if st := a.snd.streams[id]; st != nil {
				st.resetting = false
			}
		}
		a.pushEvent(Event{Kind: EventStreamResetFailed, Streams: ids, Err: errors.New("sctp: stream reset " + p.result.String())})
	}
	r.active = false
	r.reqDue = false
	r.deadline = time.Time{}
	r.trySend(a)
}

// appendChunks appends RE-CONFIG chunks owed to the peer that fit in room.
// quiet reports that appendChunks has nothing to send or do (see
// Association.quiet).
func (r *reconfigState) quiet() bool {
	return !r.deferred && !r.drained && !r.reqDue && len(r.responses) == 0
}

func (r *reconfigState) appendChunks(a *Association, b []byte, limit int) []byte {
	if r.drained {
		r.drained = false
		r.trySend(a)
	}
	for len(r.responses) > 0 && len(b)+chunkHeaderSize+12 <= limit {
		resp := r.responses[0]
		var off int
		b, off = appendChunkHeader(b, ctReconfig, 0)
		b = appendReconfigResponse(b, resp.seq, resp.result)
		b = finishChunk(b, off)
		r.responses = append(r.responses[:0], r.responses[1:]...)
	}
	if r.reqDue && len(b)+chunkHeaderSize+16+padded(2*len(r.reqStreams)) <= limit {
		var off int
		b, off = appendChunkHeader(b, ctReconfig, 0)
		b = appendOutgoingReset(b, r.reqSeq, r.peerSeq-1, r.reqLastTSN, r.reqStreams)
		b = finishChunk(b, off)
		r.reqDue = false
	}
	return b
}
