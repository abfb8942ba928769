package sctp

import (
	"sort"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// tsnRange is an inclusive range of received TSNs above the cumulative TSN.
type tsnRange struct{ start, end uint32 }

// maxTSNAhead bounds how far above the cumulative TSN a DATA chunk may be:
// Gap Ack Block offsets are 16 bits (RFC 9260 §3.3.4).
const maxTSNAhead = 65535

// msgOverhead is what a queued message costs beyond its bytes, counted
// against the send buffer.
const msgOverhead = 64

// The receive buffer charges what it holds at its real cost (issue 11: a
// flood of one-byte fragments charged one byte each held 60 times more).
// A held run of fragments costs its bytes plus fragOverhead: its rxFrag in
// a list that grows by doubling (2×48 bytes) and the rounding of a small
// allocation (up to 16 bytes); see TestChargedOverheads. An unread message
// costs its bytes plus rxMsgOverhead: its Message in the read queue, which
// also grows by doubling (2×48 bytes), and the same rounding.
//
// Capacity beyond the bytes is bounded rather than charged (charging it
// would close the window on space the next fragment fills): a run grows by
// a quarter (appendGrow), and one run at a time may start with the size of
// the stream's last message, at most a quarter of the buffer (maxSized).
// Gap fills may pass the limit by a quarter. So what is held stays under
// (1.25×1.25 + 0.25) times ReceiveBufferSize, plus the per-stream state.
const (
	fragOverhead  = 128
	rxMsgOverhead = 128
)

// runCost is what a held run is charged against the receive buffer.
func runCost(f *rxFrag) int { return len(f.data) + fragOverhead }

// msgCost is what an unread message is charged against the receive buffer.
func msgCost(m *Message) int { return len(m.Data) + rxMsgOverhead }

// maxDups bounds the duplicate TSNs reported in one SACK.
const maxDups = 16

// rxFrag is a run of consecutive fragments of one message: fsn..last. For
// DATA, key is the SSN (ordered) or 0 (unordered) and fsn the TSN; for
// I-DATA, key is the MID and fsn the FSN. flags has B if the run starts the
// message and E if it ends it; ppid comes from the B fragment.
type rxFrag struct {
	tsn   uint32 // of the first fragment
	key   uint32
	fsn   uint32
	last  uint32
	ppid  uint32
	flags uint8
	data  []byte
}

// inStream holds the fragments of one stream. It exists only while it
// holds some (each run is charged fragOverhead, which covers it); what a
// stream keeps between messages is its streamSeq.
type inStream struct {
	ordered   []rxFrag
	unordered []rxFrag
}

// streamSeq is what an incoming stream keeps between messages, 8 bytes in
// a dense table indexed by stream id: a peer that sends one message on
// each of 65535 streams makes us hold 512 KiB, not a map entry and struct
// for each.
type streamSeq struct {
	next uint32 // next SSN (DATA, 16-bit) or MID (I-DATA) to deliver in order
	// lastSize is the size of the last message reassembled on the stream:
	// the capacity a new message's buffer starts with (see accept).
	lastSize uint32
}

// maxSpareStreams bounds the emptied inStreams kept for reuse.
const maxSpareStreams = 8

// flagSized marks a run whose buffer was sized from the stream's last
// message (internal; not a chunk flag).
const flagSized = 0x80

// maxSized bounds the runs with a buffer sized ahead of their bytes; each
// reserves at most a quarter of the receive buffer (see accept).
const maxSized = 1

// receiver is the data receiver: TSN tracking, SACK scheduling, reassembly
// and ordered delivery (RFC 9260 §6.2, §6.5, §6.9; RFC 8260 §2.1).
type receiver struct {
	a        *Association
	cum      uint32
	gaps     []tsnRange
	dups     []uint32
	streams  map[uint16]*inStream
	seqs     []streamSeq // by stream id, grown to the highest id seen
	used     []uint64    // bitmap of the streams that received DATA since their last reset
	spare    []*inStream // emptied, small, for reuse
	buffered int         // charged for held runs and unread messages (runCost, msgCost)
	limit    int
	maxGaps  int

	// SACK scheduling (RFC 9260 §6.2).
	packets     int
	ackNow      bool
	ackDeadline time.Time
	lastRwnd    int
	highest     uint32 // highest TSN received

	haveUnordered bool // unordered fragments are held (DATA)
	sized         int  // runs with flagSized
	sweptCum      uint32
	skipped       *[64]skippedMsg // allocated on the first skip (rare)
	skipNext      int
}

type skippedMsg struct {
	stream uint16
	mid    uint32
	set    bool
}

func (r *receiver) init(a *Association) {
	r.a = a
	r.limit = a.cfg.receiveBuffer()
	r.maxGaps = a.cfg.maxGapBlocks()
	r.streams = make(map[uint16]*inStream)
}

// releaseIdle lets go of empty gap and duplicate lists and the spare
// stream structs (ReleaseIdle).
func (r *receiver) releaseIdle() {
	if len(r.gaps) == 0 {
		r.gaps = nil
	}
	if len(r.dups) == 0 {
		r.dups = nil
	}
	clear(r.spare)
	r.spare = nil
}

// reset starts tracking at cum (the peer's initial TSN minus one).
func (r *receiver) reset(cum uint32) {
	r.cum, r.highest = cum, cum
	r.gaps = r.gaps[:0]
	r.dups = r.dups[:0]
	r.lastRwnd = r.limit
}

// discard drops every stream (association restart).
func (r *receiver) discard() {
	clear(r.streams)
	clear(r.seqs)
	clear(r.used)
	r.buffered = 0
	r.sized = 0
	for r.a.reads.Len() > 0 {
		r.a.reads.Pop()
	}
	r.ackNow, r.ackDeadline, r.packets = false, time.Time{}, 0
}

func (r *receiver) rwnd() int { return max(0, r.limit-r.buffered) }

func (r *receiver) stream(id uint16) *inStream {
	s := r.streams[id]
	if s == nil {
		if k := len(r.spare); k > 0 {
			s = r.spare[k-1]
			r.spare = r.spare[:k-1]
		} else {
			s = &inStream{}
		}
		r.streams[id] = s
	}
	return s
}

// tidy removes the inStream of id once it holds no fragments, keeping a
// few small ones for reuse.
func (r *receiver) tidy(id uint16, s *inStream) {
	if s == nil || len(s.ordered) > 0 || len(s.unordered) > 0 {
		return
	}
	delete(r.streams, id)
	if len(r.spare) < maxSpareStreams && cap(s.ordered)+cap(s.unordered) <= 16 {
		r.spare = append(r.spare, s)
	}
}

// seq returns the state stream id keeps between messages.
func (r *receiver) seq(id uint16) *streamSeq {
	if int(id) >= len(r.seqs) {
		n := min(max(2*len(r.seqs), int(id)+1, 16), 1<<16)
		r.seqs = append(r.seqs, make([]streamSeq, n-len(r.seqs))...)
		r.used = append(r.used, make([]uint64, (n+63)/64-len(r.used))...)
	}
	return &r.seqs[id]
}

// seen reports whether tsn was already received.
func (r *receiver) seen(tsn uint32) bool {
	if shared.SerialLessOrEqual(tsn, r.cum) {
		return true
	}
	i := sort.Search(len(r.gaps), func(i int) bool { return shared.SerialLessOrEqual(tsn, r.gaps[i].end) })
	return i < len(r.gaps) && shared.SerialLessOrEqual(r.gaps[i].start, tsn)
}

// mark records tsn as received; it must not have been seen. It returns
// false when the gap list is full.
func (r *receiver) mark(tsn uint32) bool {
	if tsn == r.cum+1 {
		r.cum = tsn
		if len(r.gaps) > 0 && r.gaps[0].start == r.cum+1 {
			r.cum = r.gaps[0].end
			r.gaps = append(r.gaps[:0], r.gaps[1:]...)
		}
		return true
	}
	i := sort.Search(len(r.gaps), func(i int) bool { return shared.SerialLess(tsn, r.gaps[i].start) })
	// r.gaps[i-1].start < tsn < r.gaps[i].start
	joinLeft := i > 0 && r.gaps[i-1].end+1 == tsn
	joinRight := i < len(r.gaps) && r.gaps[i].start == tsn+1
	switch {
	case joinLeft && joinRight:
		r.gaps[i-1].end = r.gaps[i].end
		r.gaps = append(r.gaps[:i], r.gaps[i+1:]...)
	case joinLeft:
		r.gaps[i-1].end = tsn
	case joinRight:
		r.gaps[i].start = tsn
	default:
		if len(r.gaps) >= r.maxGaps {
			return false
		}
		r.gaps = append(r.gaps, tsnRange{})
		copy(r.gaps[i+1:], r.gaps[i:])
		r.gaps[i] = tsnRange{tsn, tsn}
	}
	return true
}

// handleData processes one DATA or I-DATA chunk (RFC 9260 §6.2).
func (r *receiver) handleData(now time.Time, ch *rawChunk) error {
	a := r.a
	d := &a.data
	if err := parseDataChunk(ch.typ == ctIData, ch.flags, ch.value, d); err != nil {
		a.stats.Malformed++
		return err
	}
	if len(d.payload) == 0 {
		// RFC 9260 §6.2: ABORT with "No User Data".
		var info [4]byte
		info[0], info[1], info[2], info[3] = byte(d.tsn>>24), byte(d.tsn>>16), byte(d.tsn>>8), byte(d.tsn)
		a.abortWith(CauseNoUserData, string(info[:]))
		return ErrProtocolViolation
	}
	if d.flags&flagImmediate != 0 {
		r.ackNow = true
	}
	a.stats.DataChunksRecv++
	if r.seen(d.tsn) {
		a.stats.DuplicateTSNs++
		if len(r.dups) < maxDups {
			r.dups = append(r.dups, d.tsn)
		}
		r.ackNow = true // RFC 9260 §6.2: SACK immediately on a duplicate
		return nil
	}
	// Not seen, so not at or behind the cumulative TSN in RFC 1982 order.
	// The unsigned offset makes the half-way point (2^31 ahead, undefined
	// in RFC 1982) and everything past the Gap Ack Block range out of
	// window.
	if d.tsn-r.cum > maxTSNAhead {
		a.stats.OutOfWindow++
		return ErrOutOfWindow
	}
	// RFC 9260 §6.2: with no window left, drop TSNs above the highest
	// received; gap fills are still taken (up to a quarter of the window
	// more) so the cumulative TSN can advance although what is held costs
	// more than its payload. The charge checked is the most a fragment
	// can add (a new run).
	n := len(d.payload) + fragOverhead
	if r.buffered+n > r.limit && (shared.SerialLess(r.highest, d.tsn) || r.buffered+n > r.limit+r.limit/4) {
		a.stats.OutOfWindow++
		r.ackNow = true
		return ErrOutOfWindow
	}
	if d.stream >= a.inStreams {
		// RFC 9260 §6.5: report an invalid stream, but take the TSN.
		if !r.mark(d.tsn) {
			a.stats.OutOfWindow++
			return ErrOutOfWindow
		}
		var info [4]byte
		info[0], info[1] = byte(d.stream>>8), byte(d.stream)
		a.queueControl(a.buildCausePacket(a.peerTag, ctError, 0, CauseInvalidStreamIdentifier, info[:], false))
		return nil
	}
	if !r.mark(d.tsn) {
		a.stats.OutOfWindow++
		r.ackNow = true
		return ErrOutOfWindow
	}
	if shared.SerialLess(r.highest, d.tsn) {
		r.highest = d.tsn
	}
	return r.accept(d)
}

// accept stores or delivers a new fragment.
func (r *receiver) accept(d *dataChunk) error {
	a := r.a
	q := r.seq(d.stream)
	r.used[d.stream/64] |= 1 << (d.stream % 64)
	f := rxFrag{tsn: d.tsn, ppid: d.ppid, flags: d.flags}
	if d.idata {
		f.key, f.fsn = d.mid, d.fsn
	} else {
		f.fsn = d.tsn
		if !d.unordered() {
			f.key = uint32(d.ssn)
		}
	}
	n := len(d.payload)
	if !d.unordered() && !r.keyAhead(f.key, q.next) {
		// A late fragment of a message that was delivered or skipped by
		// FORWARD TSN: it can never be delivered. A key half-way or more
		// ahead (2^15 for SSNs, 2^31 for MIDs; RFC 1982 leaves that
		// undefined) counts as late too, so every key held on a stream
		// lies within half the sequence space ahead of nextSeq and the
		// serial order of the held keys is always defined.
		a.stats.Stale++
		return nil
	}
	if d.idata && d.unordered() && r.wasSkipped(d.stream, d.mid) {
		a.stats.Stale++
		return nil
	}
	if d.idata && d.fsn > uint32(a.cfg.maxMessageSize()) {
		// Every fragment carries at least one byte, so a message with
		// this FSN is larger than the maximum message size. This also
		// keeps the FSNs held within the range where their order is
		// defined.
		a.abortWith(CauseProtocolViolation, "message too large")
		return ErrMessageTooLarge
	}
	whole := d.begin() && d.end()
	if whole && (d.unordered() || f.key == q.next) {
		// Fast path: a complete message that can be delivered now.
		if n > a.cfg.maxMessageSize() {
			a.abortWith(CauseProtocolViolation, "message too large")
			return ErrMessageTooLarge
		}
		data := make([]byte, n)
		copy(data, d.payload)
		r.deliver(Message{Stream: d.stream, PPID: PPID(d.ppid), Unordered: d.unordered(), Data: data})
		if !d.unordered() {
			q.next = r.nextSeq(q.next)
			if s := r.streams[d.stream]; s != nil {
				r.deliverOrdered(s, d.stream)
				r.tidy(d.stream, s)
			}
		}
		return nil
	}
	s := r.stream(d.stream)
	f.last = f.fsn
	list := &s.ordered
	if d.unordered() {
		r.haveUnordered = true
		list = &s.unordered
	}
	// A message in several fragments grows its buffer as they arrive; it
	// starts with the size of the stream's last message (messages on a
	// channel tend to be alike), so a message of that size costs one
	// buffer of its size instead of doubling up to it. The bytes reserved
	// ahead stay within the receive buffer and are bounded by maxSized.
	hint := 0
	if last := int(q.lastSize); d.begin() && last > n && r.sized < maxSized && last <= r.limit/4 &&
		r.buffered+last <= r.limit {
		hint = last
	}
	i, ok := r.insert(list, f, d.payload, hint, !d.unordered())
	if !ok {
		// The same fragment under another TSN (I-DATA): drop it.
		a.stats.Stale++
		r.tidy(d.stream, s)
		return nil
	}
	run := &(*list)[i]
	if len(run.data) > a.cfg.maxMessageSize() {
		a.abortWith(CauseProtocolViolation, "message too large")
		return ErrMessageTooLarge
	}
	if d.unordered() {
		if run.flags&(flagBegin|flagEnd) == flagBegin|flagEnd {
			r.take(s, list, i, d.stream, true)
		}
	} else {
		r.deliverOrdered(s, d.stream)
	}
	r.tidy(d.stream, s)
	return nil
}

func (r *receiver) nextSeq(v uint32) uint32 {
	if r.a.idata {
		return v + 1
	}
	return uint32(uint16(v + 1))
}

// keyLess orders message keys: SSNs are 16-bit serial numbers, MIDs 32-bit.
func (r *receiver) keyLess(x, y uint32) bool {
	if r.a.idata {
		return shared.SerialLess(x, y)
	}
	return shared.SerialLess(uint16(x), uint16(y))
}

// keyAhead reports whether key is base or comes after it by less than half
// the sequence space (2^15 for SSNs, 2^31 for MIDs). Exactly half-way is
// not ahead: RFC 1982 leaves it undefined, and this picks "behind".
func (r *receiver) keyAhead(key, base uint32) bool {
	if r.a.idata {
		return key-base < 1<<31
	}
	return uint16(key-base) < 1<<15
}

// fragLess orders runs by key, then first fragment. Ordered keys are
// serial numbers (all held ones lie within half the space ahead of the
// stream's next key, see accept). Unordered I-DATA MIDs have no order:
// they are compared as plain numbers, so the order of the list never
// depends on an undefined serial comparison. FSNs are plain too: an I-DATA
// FSN counts from zero and is bounded by the message size, and a DATA FSN
// is a TSN within the receive window.
func (r *receiver) fragLess(x, y *rxFrag, ordered bool) bool {
	if x.key != y.key {
		if ordered {
			return r.keyLess(x.key, y.key)
		}
		return x.key < y.key
	}
	return shared.SerialLess(x.fsn, y.fsn)
}

// joins reports whether run y directly continues run x within one message.
func joins(x, y *rxFrag) bool {
	return x.key == y.key && x.last+1 == y.fsn && x.flags&flagEnd == 0 && y.flags&flagBegin == 0
}

// insert adds the single fragment f (payload p, borrowed) to the sorted
// list of runs. A fragment that continues a run is appended to it and
// joins the following run when it fills the hole between them, so a
// message arriving in order grows one buffer and a complete message is one
// run with both B and E. It returns the index of the run holding f, or
// false for a duplicate. A fragment that starts a new run gets a buffer of
// capacity hint if that is larger than p.
func (r *receiver) insert(list *[]rxFrag, f rxFrag, p []byte, hint int, ordered bool) (int, bool) {
	l := *list
	i := len(l)
	if i > 0 && !r.fragLess(&l[i-1], &f, ordered) {
		i = sort.Search(len(l), func(j int) bool { return !r.fragLess(&l[j], &f, ordered) })
	}
	if i < len(l) && l[i].key == f.key && l[i].fsn == f.fsn {
		return 0, false
	}
	if i > 0 && l[i-1].key == f.key && !shared.SerialLess(l[i-1].last, f.fsn) {
		return 0, false // inside the previous run
	}
	if i > 0 && joins(&l[i-1], &f) {
		prev := &l[i-1]
		r.buffered -= runCost(prev)
		prev.data = appendGrow(prev.data, p)
		prev.last = f.last
		prev.flags |= f.flags & flagEnd
		if i < len(l) && joins(prev, &l[i]) {
			next := l[i]
			r.buffered -= runCost(&next)
			prev.data = appendGrow(prev.data, next.data)
			prev.last = next.last
			prev.flags |= next.flags & flagEnd
			r.forget(&next)
			removeRun(list, i)
		}
		r.buffered += runCost(prev)
		return i - 1, true
	}
	if i < len(l) && joins(&f, &l[i]) {
		next := &l[i]
		r.buffered -= runCost(next)
		data := make([]byte, 0, len(p)+len(next.data))
		next.data = append(append(data, p...), next.data...)
		r.buffered += runCost(next)
		next.fsn, next.tsn = f.fsn, f.tsn
		if f.flags&flagBegin != 0 {
			next.flags |= flagBegin
			next.ppid = f.ppid
		}
		return i, true
	}
	if hint > len(p) {
		f.data = append(make([]byte, 0, hint), p...)
		f.flags |= flagSized
		r.sized++
	} else {
		f.data = append([]byte(nil), p...)
	}
	r.buffered += runCost(&f)
	l = append(l, rxFrag{})
	copy(l[i+1:], l[i:])
	l[i] = f
	*list = l
	return i, true
}

// appendGrow appends p to b, growing the capacity by a quarter when it
// must grow: a message reassembled in order costs O(log n) allocations
// (and copies about five times its bytes), and a buffer never holds more
// than a quarter beyond its bytes, which the receive buffer does not
// charge.
func appendGrow(b, p []byte) []byte {
	if need := len(b) + len(p); need > cap(b) {
		nb := make([]byte, len(b), need+need/4)
		copy(nb, b)
		b = nb
	}
	return append(b, p...)
}

// deliverOrdered delivers the in-order messages of s that are complete.
func (r *receiver) deliverOrdered(s *inStream, id uint16) {
	q := r.seq(id)
	for len(s.ordered) > 0 {
		l := s.ordered
		i := sort.Search(len(l), func(j int) bool { return !r.keyLess(l[j].key, q.next) })
		if i == len(l) || l[i].key != q.next || l[i].flags&(flagBegin|flagEnd) != flagBegin|flagEnd {
			return
		}
		r.take(s, &s.ordered, i, id, false)
		q.next = r.nextSeq(q.next)
	}
}

// take delivers the complete message held by run i of stream s and
// removes it.
func (r *receiver) take(s *inStream, list *[]rxFrag, i int, id uint16, unordered bool) {
	l := *list
	data := l[i].data
	r.buffered -= runCost(&l[i])
	if l[i].flags&flagSized != 0 {
		r.sized--
		if cap(data) > len(data)+len(data)/4 {
			// Smaller than the last message: do not hand out (and keep
			// alive, uncharged) a buffer over a quarter larger.
			data = append([]byte(nil), data...)
		}
	}
	r.seq(id).lastSize = uint32(len(data))
	m := Message{Stream: id, PPID: PPID(l[i].ppid), Unordered: unordered, Data: data}
	removeRun(list, i)
	r.deliver(m)
}

// removeRun removes run i from the list, clearing the vacated slot so it
// holds no buffer.
func removeRun(list *[]rxFrag, i int) {
	l := *list
	copy(l[i:], l[i+1:])
	l[len(l)-1] = rxFrag{}
	*list = l[:len(l)-1]
}

// deliver queues a message for PollRead; it is charged msgCost (bytes and
// bookkeeping, so a peer sending one-byte messages cannot queue a window's
// worth of them) until read.
func (r *receiver) deliver(m Message) {
	if r.a.userClosed {
		r.a.stats.DroppedAfterClose++
		return
	}
	if err := r.a.reads.Push(m); err != nil {
		// Cannot happen: the queue holds every message the buffer can
		// be charged for (see New). Counted, not silent.
		r.a.stats.ControlDrops++
		return
	}
	r.buffered += msgCost(&m)
	r.a.stats.MessagesReceived++
	r.a.stats.BytesReceived += uint64(len(m.Data))
}

// release frees n bytes read by the application and schedules a window
// update when the window reopens (RFC 9260 §6.2).
func (r *receiver) release(n int) {
	r.buffered -= n
	if r.buffered < 0 {
		r.buffered = 0
	}
	if w := r.rwnd(); w-r.lastRwnd >= max(r.limit/4, r.a.mtu) && r.a.state >= StateEstablished {
		r.ackNow = true
	}
}

// afterPacket schedules the SACK for a packet that carried DATA: every
// second packet, with gaps or duplicates at once, otherwise within the
// delayed ACK timeout (RFC 9260 §6.2).
func (r *receiver) afterPacket(now time.Time, hadData bool) {
	if !hadData {
		return
	}
	r.sweepUnordered()
	r.packets++
	if r.packets >= 2 || len(r.gaps) > 0 || len(r.dups) > 0 {
		r.ackNow = true
	}
	if r.ackDeadline.IsZero() {
		r.ackDeadline = now.Add(r.a.cfg.delayedAck())
	}
}

func (r *receiver) onTimeout(now time.Time) {
	if !r.ackDeadline.IsZero() && !now.Before(r.ackDeadline) {
		r.ackNow = true
	}
}

// sackPending reports whether a SACK should be sent now (due) or may be
// bundled (pending).
func (r *receiver) sackDue() bool     { return r.ackNow }
func (r *receiver) sackPending() bool { return r.ackNow || !r.ackDeadline.IsZero() }

// buildSack fills s with the current state, fitting in room bytes.
func (r *receiver) buildSack(s *sackChunk, room int) {
	s.cumTSN = r.cum
	s.rwnd = uint32(r.rwnd())
	s.gaps = s.gaps[:0]
	s.dups = s.dups[:0]
	room -= chunkHeaderSize + 12
	for _, g := range r.gaps {
		if room < 4 {
			break
		}
		start, end := g.start-r.cum, g.end-r.cum
		if end > 0xffff {
			break
		}
		s.gaps = append(s.gaps, gapBlock{uint16(start), uint16(end)})
		room -= 4
	}
	for _, d := range r.dups {
		if room < 4 {
			break
		}
		s.dups = append(s.dups, d)
		room -= 4
	}
}

// sackSent clears the SACK schedule.
func (r *receiver) sackSent() {
	r.ackNow = false
	r.ackDeadline = time.Time{}
	r.packets = 0
	r.dups = r.dups[:0]
	r.lastRwnd = r.rwnd()
}

// handleForwardTSN moves the cumulative TSN past abandoned messages
// (RFC 3758 §3.6, RFC 8260 §2.3.1).
func (r *receiver) handleForwardTSN(now time.Time, f *forwardTSNChunk) {
	r.ackNow = true
	if shared.SerialLessOrEqual(f.newCum, r.cum) {
		return // old or duplicate (RFC 3758 §3.6)
	}
	// Ahead by the unsigned offset: past the window, and the half-way
	// point that RFC 1982 leaves undefined, are dropped and counted.
	if f.newCum-r.cum > maxTSNAhead {
		r.a.stats.OutOfWindow++
		return
	}
	// RFC 3758 §3.6: treat every TSN up to the new cumulative TSN as received.
	r.cum = f.newCum
	k := 0
	for k < len(r.gaps) && shared.SerialLessOrEqual(r.gaps[k].start, r.cum+1) {
		if shared.SerialLess(r.cum, r.gaps[k].end) {
			r.cum = r.gaps[k].end
		}
		k++
	}
	r.gaps = append(r.gaps[:0], r.gaps[k:]...) // in place: keeps the capacity
	if shared.SerialLess(r.highest, r.cum) {
		r.highest = r.cum
	}
	if !r.a.idata {
		// DATA: drop unordered fragments at or below the new cumulative TSN.
		for id, s := range r.streams {
			r.dropFrags(&s.unordered, func(x *rxFrag) bool { return shared.SerialLessOrEqual(x.tsn, f.newCum) })
			r.tidy(id, s)
		}
	}
	for _, e := range f.streams {
		if e.stream >= r.a.inStreams {
			continue
		}
		s := r.streams[e.stream]
		if e.unordered {
			mid := e.seq
			r.skip(e.stream, mid)
			if s != nil {
				r.dropFrags(&s.unordered, func(x *rxFrag) bool { return x.key == mid })
				r.tidy(e.stream, s)
			}
			continue
		}
		seq := e.seq
		q := r.seq(e.stream)
		if !r.keyAhead(seq, q.next) {
			// Behind the next expected key (an old FORWARD TSN), or
			// exactly half-way, which keyAhead reads as behind:
			// nothing to skip.
			continue
		}
		// RFC 3758 §3.6: make available "stream sequence numbers earlier
		// than or equal to the stream sequence number listed": a complete
		// message held behind an abandoned one is delivered in order; a
		// partial one (missing a TSN at or below the new cumulative TSN)
		// is removed.
		for s != nil && len(s.ordered) > 0 && !r.keyLess(seq, s.ordered[0].key) {
			if s.ordered[0].flags&(flagBegin|flagEnd) == flagBegin|flagEnd {
				r.take(s, &s.ordered, 0, e.stream, false)
				continue
			}
			r.forget(&s.ordered[0])
			r.buffered -= runCost(&s.ordered[0])
			removeRun(&s.ordered, 0)
		}
		q = r.seq(e.stream) // take may not move it, but keep the pointer fresh
		q.next = r.nextSeq(seq)
		if s != nil {
			r.deliverOrdered(s, e.stream)
			r.tidy(e.stream, s)
		}
	}
	r.sweepUnordered()
}

// skip remembers an unordered I-DATA message skipped by I-FORWARD-TSN, so
// its late fragments are dropped (RFC 8260 §2.3.1).
func (r *receiver) skip(stream uint16, mid uint32) {
	if r.skipped == nil {
		r.skipped = new([64]skippedMsg)
	}
	r.skipped[r.skipNext%len(r.skipped)] = skippedMsg{stream: stream, mid: mid, set: true}
	r.skipNext++
}

func (r *receiver) wasSkipped(stream uint16, mid uint32) bool {
	if r.skipped == nil {
		return false
	}
	for _, k := range r.skipped {
		if k.set && k.stream == stream && k.mid == mid {
			return true
		}
	}
	return false
}

// sweepUnordered drops unordered DATA fragments that can never complete:
// a run of consecutive fragments missing its first (or last) fragment
// whose neighbouring TSN is at or below the cumulative TSN, which means
// it arrived as part of another message or was skipped by FORWARD TSN.
func (r *receiver) sweepUnordered() {
	if !r.haveUnordered || r.a.idata || r.sweptCum == r.cum {
		return
	}
	r.sweptCum = r.cum
	r.haveUnordered = false
	for id, s := range r.streams {
		l := s.unordered
		out := l[:0]
		for i := range l {
			x := l[i]
			dead := (x.flags&flagBegin == 0 && shared.SerialLessOrEqual(x.fsn-1, r.cum)) ||
				(x.flags&flagEnd == 0 && shared.SerialLessOrEqual(x.last+1, r.cum))
			if dead {
				r.forget(&x)
				r.buffered -= runCost(&x)
				r.a.stats.Stale++
			} else {
				out = append(out, x)
			}
		}
		clear(l[len(out):])
		s.unordered = out
		if len(out) > 0 {
			r.haveUnordered = true
		}
		r.tidy(id, s)
	}
}

// dropFrags removes the fragments for which drop is true.
func (r *receiver) dropFrags(list *[]rxFrag, drop func(*rxFrag) bool) {
	l := *list
	j := 0
	for i := range l {
		if drop(&l[i]) {
			r.forget(&l[i])
			r.buffered -= runCost(&l[i])
			continue
		}
		l[j] = l[i]
		j++
	}
	clear(l[j:])
	*list = l[:j]
}

// resetStream restarts the incoming sequence numbers of a stream after an
// incoming SSN reset (RFC 6525 §5.2.2).
func (r *receiver) resetStream(id uint16) {
	if int(id) < len(r.seqs) {
		r.seqs[id] = streamSeq{}
		r.used[id/64] &^= 1 << (id % 64)
	}
	s := r.streams[id]
	if s == nil {
		return
	}
	r.dropFrags(&s.ordered, func(*rxFrag) bool { return true })
	r.dropFrags(&s.unordered, func(*rxFrag) bool { return true })
	r.tidy(id, s)
}

// usedStreams returns, in id order, the streams that received DATA since
// their last reset.
func (r *receiver) usedStreams() []uint16 {
	var ids []uint16
	for id := range r.seqs {
		if r.used[id/64]&(1<<(id%64)) != 0 {
			ids = append(ids, uint16(id))
		}
	}
	return ids
}

// forget updates the counts for a run that is dropped.
func (r *receiver) forget(x *rxFrag) {
	if x.flags&flagSized != 0 {
		r.sized--
	}
}
