package sctp

import (
	"math/bits"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// outMessage is one queued user message. Its buffer comes from the
// sender's free lists and goes back when the last chunk leaves the
// retransmission queue.
type outMessage struct {
	data      []byte
	ppid      uint32
	stream    uint16
	unordered bool
	policy    PRPolicy
	prValue   uint32
	expires   time.Time
	seq       uint32 // SSN or MID, assigned with the first fragment
	sent      int    // bytes handed to chunks
	fsn       uint32 // next I-DATA fragment sequence number
	inflight  int    // chunks in the retransmission queue
	abandoned bool
	next      *outMessage
}

// outStream is the send side of one stream.
type outStream struct {
	id           uint16
	head, tail   *outMessage
	queued       int // bytes not yet sent once: the buffered amount
	lowThreshold int
	nextSSN      uint16
	nextMID      uint32
	nextUMID     uint32
	resetting    bool // an outgoing reset is requested: no new writes
	inRR         bool
	weight       int    // scheduling weight (priority); 0 means DefaultPriority
	pass         uint64 // stride scheduling position
}

// Chunk states in the retransmission queue.
const (
	chunkOutstanding uint8 = iota
	chunkAcked             // reported in a Gap Ack Block
	chunkAbandoned         // PR-SCTP: will not be retransmitted
)

// outChunk is one DATA or I-DATA chunk with a TSN, kept until the
// cumulative TSN ack passes it (RFC 9260 §6.3.2).
type outChunk struct {
	msg      *outMessage
	off, n   int
	fsn      uint32
	flags    uint8
	state    uint8
	txCount  uint8
	missInd  uint8
	needRtx  bool
	fast     bool // marked by fast retransmit, not yet resent
	inFlight bool
	sentAt   time.Time
}

// sender is the data sender: queues, fragmentation, scheduling, the
// retransmission queue, congestion control and RTO (RFC 9260 §6, §7).
type sender struct {
	a       *Association
	streams map[uint16]*outStream
	rr      []*outStream // streams with queued messages
	vtime   uint64       // pass of the last stream picked
	cur     *outMessage  // DATA: the message being fragmented

	nextTSN uint32
	cumAck  uint32
	ring    []outChunk
	head, n int

	flight     int
	peerRwnd   int
	cwnd       int
	ssthresh   int
	pba        int
	inFR       bool
	frExit     uint32
	rtxCount   int
	fastCount  int
	buffered   int
	msgs       int // messages held (queued or unacknowledged)
	errorCount int
	// probeAnswered: a SACK that had no room for our oldest chunk (a zero
	// window) arrived since the last T3-rtx expiry.
	probeAnswered bool

	rto, srtt, rttvar time.Duration
	haveRTT           bool
	rttActive         bool
	rttTSN            uint32
	rttTime           time.Time
	t3                time.Time
	lastSent          time.Time // of the last DATA chunk, for idle decay

	advPeerAck uint32
	fwdDue     bool

	// I-DATA: the receiver holds every fragment of a message until its
	// last arrives, so the messages started and not yet sent to their end
	// (open bytes) must fit in the peer's window together, or each waits
	// for the others' ends and none completes. peerWindow is the a_rwnd
	// of the peer's INIT or INIT ACK (see mayStart).
	open       int
	peerWindow int

	// Undo of a spurious Fast Recovery (see checkSpurious).
	undoValid    bool
	undoCwnd     int
	undoSsthresh int
	undoTSNs     []uint32

	// free holds message buffers by size class (1<<class bytes); allocated
	// with the first message and let go by releaseIdle (768 bytes that
	// an association which sends nothing does not need).
	free  *[32]shared.FreeList
	spare []*outMessage // message structs, at most one per buffer kept in free
}

func (s *sender) init(a *Association) {
	s.a = a
	s.streams = make(map[uint16]*outStream)
	s.rto = a.cfg.rtoInitial()
}

// reset prepares the sender for a new association.
func (s *sender) reset(initialTSN uint32, peerRwnd uint32) {
	mtu := s.a.mtu
	s.nextTSN = initialTSN
	s.cumAck = initialTSN - 1
	s.advPeerAck = s.cumAck
	s.peerRwnd = window(peerRwnd)
	s.peerWindow = window(peerRwnd)
	// RFC 9260 §7.2.1: "The initial cwnd before data transmission MUST be
	// set to min(4*MTU, max(2*MTU, 4404))".
	s.cwnd = min(4*mtu, max(2*mtu, 4404))
	s.ssthresh = window(peerRwnd)
	s.pba = 0
	s.inFR = false
	s.errorCount = 0
	s.probeAnswered = false
}

// maxWindow caps a peer's a_rwnd: 1 GiB, far above any buffer, and an int
// on every platform, so window arithmetic never overflows.
const maxWindow = 1 << 30

// window converts a peer's a_rwnd (RFC 9260 §3.3.2, §3.3.4) to an int
// capped at maxWindow.
func window(rwnd uint32) int { return int(min(rwnd, maxWindow)) }

// discard drops every queued and outstanding message (restart).
func (s *sender) discard() {
	for s.n > 0 {
		c := &s.ring[s.head]
		s.releaseChunk(c)
		s.head = (s.head + 1) % len(s.ring)
		s.n--
	}
	for _, st := range s.streams {
		for m := st.head; m != nil; {
			next := m.next
			s.freeMsg(m)
			m = next
		}
	}
	clear(s.streams)
	s.rr = s.rr[:0]
	s.cur = nil
	s.flight, s.rtxCount, s.fastCount, s.buffered, s.msgs, s.open = 0, 0, 0, 0, 0, 0
	s.t3 = time.Time{}
	s.rttActive = false
	s.fwdDue = false
}

// releaseIdle lets go of what an idle sender keeps for reuse: the message
// buffers and structs of its free lists (while no message is held), an
// empty retransmission ring and the Fast Recovery undo list. The next
// message allocates them again.
func (s *sender) releaseIdle() {
	if s.msgs == 0 {
		s.free, s.spare = nil, nil
	}
	if s.n == 0 {
		s.ring, s.head = nil, 0
	}
	if !s.inFR && !s.undoValid {
		s.undoTSNs = nil
	}
	if len(s.rr) == 0 {
		s.rr = nil
	}
}

// stop clears the timers of an ended association.
func (s *sender) stop() { s.t3 = time.Time{} }

// idle reports whether nothing is queued or outstanding.
func (s *sender) idle() bool { return s.n == 0 && len(s.rr) == 0 && s.cur == nil }

func (s *sender) stream(id uint16) *outStream {
	st := s.streams[id]
	if st == nil {
		st = &outStream{id: id}
		s.streams[id] = st
	}
	return st
}

// allocMsg returns a message with a buffer of n bytes (n > 0) from the
// free lists.
func (s *sender) allocMsg(n int) *outMessage {
	class := bits.Len(uint(n - 1))
	var m *outMessage
	if k := len(s.spare); k > 0 {
		m = s.spare[k-1]
		s.spare[k-1] = nil
		s.spare = s.spare[:k-1]
	} else {
		m = new(outMessage)
	}
	if s.free == nil {
		s.free = new([32]shared.FreeList)
	}
	m.data = s.free[class].Get(n, s.bufferBounds(class))[:n]
	return m
}

// bufferBounds: the free list of a size class keeps buffers of exactly
// 1<<class bytes, as many as fill the send buffer (at least one).
func (s *sender) bufferBounds(class int) shared.BufferBounds {
	c := 1 << class
	return shared.BufferBounds{Count: (s.a.cfg.sendBuffer()-1)>>class + 1, MinCap: c, MaxCap: c}
}

// freeMsg gives a finished message's buffer back to its class's free list;
// the message struct is kept for reuse with it (so spare never holds more
// structs than the free lists hold buffers).
func (s *sender) freeMsg(m *outMessage) {
	s.msgs--
	class := bits.Len(uint(cap(m.data) - 1))
	if s.free != nil && s.free[class].Put(m.data, s.bufferBounds(class)) {
		*m = outMessage{}
		s.spare = append(s.spare, m)
	}
}

// write queues a user message (HandleWrite).
func (s *sender) write(m Message) error {
	a := s.a
	switch {
	case a.finished:
		return ErrClosed
	case a.state == StateShutdownPending || a.state == StateShutdownSent ||
		a.state == StateShutdownReceived || a.state == StateShutdownAckSent:
		return ErrShuttingDown
	case a.state != StateEstablished:
		return ErrNotEstablished
	case len(m.Data) == 0:
		return ErrEmptyMessage
	case len(m.Data) > a.cfg.sendMessageLimit():
		return ErrMessageTooLarge
	case m.Stream >= a.outStreams:
		return ErrInvalidStream
	case s.buffered+s.msgs*msgOverhead+len(m.Data) > a.cfg.sendBuffer():
		return ErrSendBufferFull
	}
	st := s.stream(m.Stream)
	if st.resetting {
		return ErrStreamResetting
	}
	msg := s.allocMsg(len(m.Data))
	s.msgs++
	copy(msg.data, m.Data)
	msg.ppid = uint32(m.PPID)
	msg.stream = m.Stream
	msg.unordered = m.Unordered
	if a.fwdTSN {
		msg.policy, msg.prValue = m.Policy, m.PolicyValue
		if m.Policy == PRLifetime {
			msg.expires = a.clock.Now().Add(time.Duration(m.PolicyValue) * time.Millisecond)
		}
	}
	if st.tail == nil {
		st.head, st.tail = msg, msg
	} else {
		st.tail.next, st.tail = msg, msg
	}
	st.queued += len(m.Data)
	s.buffered += len(m.Data)
	if !st.inRR {
		st.inRR = true
		// A stream that becomes active starts at the current virtual
		// time, so it neither starves nor bursts.
		if st.pass < s.vtime {
			st.pass = s.vtime
		}
		s.rr = append(s.rr, st)
	}
	a.stats.MessagesSent++
	a.stats.BytesSent += uint64(len(m.Data))
	return nil
}

// hasNewData reports whether new data is waiting and the windows allow it.
func (s *sender) hasNewData() bool {
	return (len(s.rr) > 0 || s.cur != nil || s.rtxCount > 0) && s.flight < s.cwnd
}

// popStream removes the head message of st after it was fully sent or
// abandoned.
func (s *sender) popStream(st *outStream) {
	m := st.head
	st.head = m.next
	m.next = nil
	if st.head == nil {
		st.tail = nil
		s.removeRR(st)
	}
}

func (s *sender) removeRR(st *outStream) {
	if !st.inRR {
		return
	}
	st.inRR = false
	for i, x := range s.rr {
		if x == st {
			copy(s.rr[i:], s.rr[i+1:])
			s.rr[len(s.rr)-1] = nil
			s.rr = s.rr[:len(s.rr)-1]
			break
		}
	}
	s.a.rc.streamDrained(s.a)
}

// decQueued lowers a stream's buffered amount and fires the low-threshold
// event when it crosses the threshold.
func (s *sender) decQueued(st *outStream, n int) {
	before := st.queued
	st.queued -= n
	if before > st.lowThreshold && st.queued <= st.lowThreshold {
		s.a.pushEvent(Event{Kind: EventBufferedAmountLow, Stream: st.id})
	}
}

// pickStream chooses the stream to send from next: stride scheduling by
// weight (the data channel priority), so with equal weights streams take
// turns and a stream of weight 1024 gets four times the bytes of one of
// weight 256.
func (s *sender) pickStream() *outStream {
	var best *outStream
	for _, st := range s.rr {
		if (best == nil || st.pass < best.pass) && s.mayStart(st.head) {
			best = st
		}
	}
	if best != nil {
		s.vtime = best.pass
	}
	return best
}

// mayStart reports whether m may be sent now: with I-DATA a new message of
// several fragments starts only if the messages in progress and it fit in
// the peer's window together (see open). A message of one fragment is
// complete on arrival and always may, and so may any message when none is
// in progress, so one larger than the window is not held back forever.
func (s *sender) mayStart(m *outMessage) bool {
	return !s.a.idata || m.sent > 0 || s.open == 0 || s.open+len(m.data) <= s.peerWindow ||
		len(m.data) <= s.a.mtu-commonHeaderSize-idataHeaderSize
}

// charge advances a stream's pass by n bytes at its weight.
func (s *sender) charge(st *outStream, n int) {
	w := st.weight
	if w <= 0 {
		w = DefaultPriority
	}
	st.pass += uint64(n) * 65536 / uint64(w)
}

// DefaultPriority is the weight of a stream whose priority was not set:
// the DCEP "normal" priority (RFC 8832 §5.1).
const DefaultPriority = 256

// SetStreamPriority sets the scheduling weight of an outgoing stream: the
// data channel priority (RFC 8832: 128 below normal, 256 normal, 512 high,
// 1024 extra high). Backlogged streams share the link in proportion to
// their weights. Zero restores DefaultPriority.
func (a *Association) SetStreamPriority(stream uint16, priority uint16) {
	a.snd.stream(stream).weight = int(priority)
}

// nextFragment picks the next fragment to send with at most room payload
// bytes. With DATA, a message is sent to its end before another starts
// (its fragments need consecutive TSNs); with I-DATA, streams take turns
// chunk by chunk (RFC 8260 §1).
func (s *sender) nextFragment(now time.Time, room, full int) (m *outMessage, off, n int, flags uint8, fsn uint32, ok bool) {
	for {
		var st *outStream
		if s.cur != nil {
			m = s.cur
			st = s.streams[m.stream]
		} else {
			st = s.pickStream()
			if st == nil {
				return nil, 0, 0, 0, 0, false
			}
			m = st.head
		}
		if m.policy == PRLifetime && now.After(m.expires) {
			if m.sent == 0 {
				// RFC 3758 §4: an expired message that was never sent
				// is dropped without using a TSN.
				s.decQueued(st, len(m.data))
				s.popStream(st)
				s.a.stats.AbandonedMessages++
				s.buffered -= len(m.data)
				s.freeMsg(m)
				continue
			}
			if m.inflight > 0 {
				// Partly sent: abandon the sent fragments, drop the
				// rest; FORWARD TSN will carry its sequence number.
				s.abandon(m)
				continue
			}
			// Every sent fragment is already acknowledged, so no FORWARD
			// TSN could skip the message: finish sending it.
		}
		remaining := len(m.data) - m.sent
		n = min(remaining, room)
		if n < remaining && n < full/2 {
			// Leave the fragment for a fresh packet rather than sending a
			// sliver.
			return nil, 0, 0, 0, 0, false
		}
		s.charge(st, n)
		if m.sent == 0 {
			flags |= flagBegin
			if n < len(m.data) {
				s.open += len(m.data)
			}
			switch {
			case s.a.idata && m.unordered:
				m.seq = st.nextUMID
				st.nextUMID++
			case s.a.idata:
				m.seq = st.nextMID
				st.nextMID++
			case !m.unordered:
				m.seq = uint32(st.nextSSN)
				st.nextSSN++
			}
		}
		if m.unordered {
			flags |= flagUnordered
		}
		off = m.sent
		fsn = m.fsn
		m.fsn++
		m.sent += n
		s.decQueued(st, n)
		if m.sent == len(m.data) {
			flags |= flagEnd
			if off > 0 {
				s.open -= len(m.data)
			}
			s.cur = nil
			s.popStream(st)
		} else if !s.a.idata {
			s.cur = m
		}
		return m, off, n, flags, fsn, true
	}
}

func (s *sender) at(i int) *outChunk { return &s.ring[(s.head+i)%len(s.ring)] }

// push appends a chunk with the next TSN to the retransmission queue.
func (s *sender) push() *outChunk {
	if s.n == len(s.ring) {
		// Starts at 8 chunks (after releaseIdle too), then doubles.
		nr := make([]outChunk, max(8, 2*len(s.ring)))
		for i := range s.n {
			nr[i] = *s.at(i)
		}
		s.ring, s.head = nr, 0
	}
	c := s.at(s.n)
	s.n++
	return c
}

// appendChunk encodes c (with TSN tsn) into b.
func (s *sender) appendChunk(b []byte, c *outChunk, tsn uint32) []byte {
	m := c.msg
	d := dataChunk{
		idata:   s.a.idata,
		flags:   c.flags,
		tsn:     tsn,
		stream:  m.stream,
		ssn:     uint16(m.seq),
		mid:     m.seq,
		fsn:     c.fsn,
		ppid:    m.ppid,
		payload: m.data[c.off : c.off+c.n],
	}
	return d.appendTo(b)
}

func (s *sender) headerSize() int {
	if s.a.idata {
		return idataHeaderSize
	}
	return dataHeaderSize
}

// appendData adds retransmissions and new DATA to the packet b, which must
// not grow past limit (RFC 9260 §6.1, §7.2.4).
func (s *sender) appendData(now time.Time, b []byte, limit int) []byte {
	hdr := s.headerSize()
	sent := false
	// Fast retransmit: one packet, regardless of cwnd (RFC 9260 §7.2.4 3).
	if s.fastCount > 0 {
		for i := 0; i < s.n && s.fastCount > 0; i++ {
			c := s.at(i)
			if !c.fast {
				continue
			}
			if s.maybeAbandon(now, c) {
				continue
			}
			if len(b)+padded(hdr+c.n) > limit {
				break
			}
			b = s.retransmit(now, b, c, i)
			s.a.stats.FastRetransmits++
			sent = true
		}
		if sent {
			s.armT3(now, false)
			return b
		}
	}
	if s.flight >= s.cwnd {
		return b
	}
	for i := 0; i < s.n && s.rtxCount > 0; i++ {
		c := s.at(i)
		if !c.needRtx {
			continue
		}
		if s.maybeAbandon(now, c) {
			continue
		}
		if len(b)+padded(hdr+c.n) > limit {
			s.armT3(now, false)
			return b
		}
		b = s.retransmit(now, b, c, i)
		sent = true
	}
	if s.flight == 0 && len(s.rr)+s.n > 0 {
		s.decayIdle(now)
	}
	full := s.a.mtu - commonHeaderSize - hdr
	for {
		room := limit - len(b) - hdr
		if room <= 0 || (s.peerRwnd <= 0 && s.flight > 0) {
			break
		}
		room = min(room, full)
		m, off, n, flags, fsn, ok := s.nextFragment(now, room, full)
		if !ok {
			break
		}
		tsn := s.nextTSN
		s.nextTSN++
		c := s.push()
		*c = outChunk{msg: m, off: off, n: n, fsn: fsn, flags: flags, txCount: 1, inFlight: true, sentAt: now}
		m.inflight++
		s.flight += n
		s.peerRwnd -= n
		if !s.rttActive {
			s.rttActive, s.rttTSN, s.rttTime = true, tsn, now
		}
		b = s.appendChunk(b, c, tsn)
		s.a.stats.DataChunksSent++
		sent = true
	}
	if sent {
		s.lastSent = now
		s.armT3(now, false)
		if !s.a.hbPending {
			s.a.armHeartbeat(now)
		}
	}
	return b
}

// decayIdle applies RFC 9260 §7.2.1: "When the endpoint does not
// transmit data on a given transport address, the cwnd of the transport
// address SHOULD be adjusted to max(cwnd/2, 4*MTU) per RTO", so a sender
// that was idle does not burst a stale window into the network.
func (s *sender) decayIdle(now time.Time) {
	if s.lastSent.IsZero() || s.rto <= 0 {
		return
	}
	floor := 4 * s.a.mtu
	for now.Sub(s.lastSent) >= s.rto {
		s.lastSent = s.lastSent.Add(s.rto)
		if s.cwnd <= floor {
			s.lastSent = now
			break
		}
		s.cwnd = max(s.cwnd/2, floor)
	}
}

// retransmit resends chunk c at index i.
func (s *sender) retransmit(now time.Time, b []byte, c *outChunk, i int) []byte {
	tsn := s.cumAck + 1 + uint32(i)
	if c.fast {
		c.fast = false
		s.fastCount--
		if s.undoValid && len(s.undoTSNs) < cap(s.undoTSNs) {
			s.undoTSNs = append(s.undoTSNs, tsn)
		} else {
			s.undoValid = false
		}
	}
	c.needRtx = false
	s.rtxCount--
	c.inFlight = true
	c.txCount++
	c.sentAt = now
	c.missInd = 0
	s.flight += c.n
	if s.rttActive && s.rttTSN == tsn {
		s.rttActive = false // Karn's algorithm (RFC 9260 §6.3.1 C5)
	}
	s.a.stats.Retransmissions++
	s.a.stats.DataChunksSent++
	return s.appendChunk(b, c, tsn)
}

// armT3 starts T3-rtx if it is not running (or restarts it).
func (s *sender) armT3(now time.Time, restart bool) {
	if s.t3.IsZero() || restart {
		s.t3 = now.Add(s.rto)
	}
}

// maybeAbandon applies the PR-SCTP policy of c's message before a
// retransmission (RFC 3758 §3.5 A1, RFC 7496 §4).
func (s *sender) maybeAbandon(now time.Time, c *outChunk) bool {
	m := c.msg
	if c.state == chunkAbandoned {
		return true
	}
	switch m.policy {
	case PRRetransmits:
		if uint32(c.txCount) <= m.prValue {
			return false
		}
	case PRLifetime:
		if !now.After(m.expires) {
			return false
		}
	default:
		return false
	}
	s.abandon(m)
	return true
}

// abandon marks every chunk of m abandoned and drops its unsent rest.
func (s *sender) abandon(m *outMessage) {
	if m.abandoned {
		return
	}
	m.abandoned = true
	s.a.stats.AbandonedMessages++
	for i := 0; i < s.n; i++ {
		c := s.at(i)
		if c.msg != m || c.state == chunkAbandoned {
			continue
		}
		if c.state == chunkOutstanding {
			s.dropFromFlight(c)
		}
		c.state = chunkAbandoned
	}
	if m.sent < len(m.data) {
		if m.sent > 0 {
			s.open -= len(m.data)
		}
		st := s.streams[m.stream]
		s.decQueued(st, len(m.data)-m.sent)
		m.sent = len(m.data)
		if s.cur == m {
			s.cur = nil
		}
		if st.head == m {
			s.popStream(st)
		}
	}
	s.fwdDue = s.updateAdvPeerAck() || s.fwdDue
}

// releaseChunk drops a chunk leaving the retransmission queue; the last
// chunk of a finished message frees it.
func (s *sender) releaseChunk(c *outChunk) {
	m := c.msg
	m.inflight--
	if m.inflight == 0 && m.sent == len(m.data) {
		s.buffered -= len(m.data)
		s.freeMsg(m)
	}
	*c = outChunk{}
}

// rttSample updates SRTT, RTTVAR and RTO (RFC 9260 §6.3.1).
func (s *sender) rttSample(r time.Duration) {
	cfg := &s.a.cfg
	if r < 0 {
		return
	}
	if !s.haveRTT {
		s.srtt, s.rttvar, s.haveRTT = r, r/2, true
	} else {
		d := s.srtt - r
		if d < 0 {
			d = -d
		}
		s.rttvar = s.rttvar - s.rttvar/4 + d/4
		s.srtt = s.srtt - s.srtt/8 + r/8
	}
	s.rto = min(max(s.srtt+4*s.rttvar, cfg.rtoMin()), cfg.rtoMax())
}

// handleCumAck processes a cumulative ack without gap blocks (SHUTDOWN).
func (s *sender) handleCumAck(now time.Time, cum uint32) {
	sk := sackChunk{cumTSN: cum, rwnd: uint32(max(0, s.peerRwnd+s.flight))}
	s.handleSack(now, &sk)
}

// checkSpurious undoes the congestion window reduction of the last Fast
// Recovery when the peer reports every chunk it fast-retransmitted as a
// duplicate: the originals had only been reordered (the DSACK-based
// detection of RFC 3708 with the response of RFC 4015).
func (s *sender) checkSpurious(dups []uint32) {
	if len(s.undoTSNs) == 0 {
		return
	}
	for _, d := range dups {
		for i, t := range s.undoTSNs {
			if t == d {
				s.undoTSNs = append(s.undoTSNs[:i], s.undoTSNs[i+1:]...)
				break
			}
		}
	}
	if len(s.undoTSNs) == 0 {
		s.cwnd = max(s.cwnd, s.undoCwnd)
		s.ssthresh = max(s.ssthresh, s.undoSsthresh)
		s.inFR = false
		s.undoValid = false
		s.a.stats.SpuriousRecoveries++
	}
}

// sampleChunk takes an RTT measurement from a chunk acked for the first
// time, if it was the one being timed and was never retransmitted.
func (s *sender) sampleChunk(now time.Time, c *outChunk, tsn uint32) {
	if s.rttActive && s.rttTSN == tsn {
		s.rttActive = false
		if c.txCount == 1 {
			s.rttSample(now.Sub(c.sentAt))
		}
	}
}

func (s *sender) dropFromFlight(c *outChunk) {
	if c.inFlight {
		s.flight -= c.n
		c.inFlight = false
	}
	if c.needRtx {
		c.needRtx = false
		s.rtxCount--
	}
	if c.fast {
		c.fast = false
		s.fastCount--
	}
}

// updateAdvPeerAck moves the Advanced.Peer.Ack.Point over abandoned chunks
// (RFC 3758 §3.5 C1, C2); it reports whether it moved past cumAck.
func (s *sender) updateAdvPeerAck() bool {
	if shared.SerialLess(s.advPeerAck, s.cumAck) {
		s.advPeerAck = s.cumAck
	}
	moved := false
	for {
		i := int(s.advPeerAck - s.cumAck)
		if i >= s.n || s.at(i).state != chunkAbandoned {
			break
		}
		s.advPeerAck++
		moved = true
	}
	return moved
}

// onTimeout handles T3-rtx expiry (RFC 9260 §6.3.3, §7.2.3).
func (s *sender) onTimeout(now time.Time) {
	a := s.a
	if s.t3.IsZero() || now.Before(s.t3) {
		return
	}
	a.stats.T3Expirations++
	// RFC 9260 §6.1 (A): "If the sender continues to receive SACKs from
	// the peer while doing zero window probing, the unacknowledged window
	// probes SHOULD NOT increment the error counter".
	if !s.probeAnswered {
		s.errorCount++
	}
	s.probeAnswered = false
	if s.errorCount > a.cfg.maxRetransmits() {
		a.queueControl(a.buildCausePacket(a.peerTag, ctAbort, 0, 0, nil, false))
		a.terminate(ErrRetransmissionLimit)
		return
	}
	s.rto = min(2*s.rto, a.cfg.rtoMax()) // E2
	s.undoValid = false
	s.ssthresh = max(s.cwnd/2, 4*a.mtu)
	s.cwnd = a.mtu
	s.pba = 0
	s.inFR = false
	s.rttActive = false
	for i := 0; i < s.n; i++ {
		c := s.at(i)
		if c.state != chunkOutstanding {
			continue
		}
		if s.maybeAbandon(now, c) {
			continue
		}
		if c.inFlight {
			s.flight -= c.n
			c.inFlight = false
		}
		if !c.needRtx {
			c.needRtx = true
			s.rtxCount++
		}
		if c.fast {
			c.fast = false
			s.fastCount--
		}
		c.missInd = 0
	}
	if a.fwdTSN && shared.SerialLess(s.cumAck, s.advPeerAck) {
		s.fwdDue = true
	}
	s.t3 = now.Add(s.rto)
	if s.n == 0 {
		s.t3 = time.Time{}
	}
}

// appendForwardTSN builds the FORWARD TSN (or I-FORWARD-TSN) for the
// abandoned chunks up to the Advanced.Peer.Ack.Point (RFC 3758 §3.5 C4,
// RFC 8260 §2.3.1), if it fits in room.
func (s *sender) appendForwardTSN(b []byte, room int) []byte {
	if !shared.SerialLess(s.cumAck, s.advPeerAck) {
		s.fwdDue = false
		return b
	}
	f := &s.a.fwd
	f.idata = s.a.idata
	f.newCum = s.advPeerAck
	f.streams = f.streams[:0]
	for i := 0; i < int(s.advPeerAck-s.cumAck) && i < s.n; i++ {
		c := s.at(i)
		m := c.msg
		if !s.a.idata && m.unordered {
			continue
		}
		found := false
		for j := range f.streams {
			e := &f.streams[j]
			if e.stream != m.stream || e.unordered != m.unordered {
				continue
			}
			// Ordered: the highest sequence number skips everything
			// before it. Unordered (I-DATA): one entry per message.
			if !m.unordered || e.seq == m.seq {
				e.seq = m.seq
				found = true
				break
			}
		}
		if !found {
			f.streams = append(f.streams, fwdStream{stream: m.stream, unordered: m.unordered, seq: m.seq})
		}
	}
	if f.size() > room {
		return b
	}
	s.fwdDue = false
	s.a.stats.ForwardTSNsSent++
	return f.appendTo(b)
}
