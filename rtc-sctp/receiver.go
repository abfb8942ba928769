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
// against the receive and send buffers.
const msgOverhead = 64

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

// inStream is the receive side of one stream.
type inStream struct {
	nextSeq   uint32 // next SSN (DATA, 16-bit) or MID (I-DATA) to deliver in order
	ordered   []rxFrag
	unordered []rxFrag
	// lastSize is the size of the last message reassembled on the stream:
	// the capacity a new message's buffer starts with (see accept).
	lastSize int
}

// flagSized marks a run whose buffer was sized from the stream's last
// message (internal; not a chunk flag).
const flagSized = 0x80

// maxSized bounds the runs with a buffer sized ahead of their bytes, so
// the memory reserved ahead stays under maxSized*MaxMessageSize.
const maxSized = 4

// receiver is the data receiver: TSN tracking, SACK scheduling, reassembly
// and ordered delivery (RFC 9260 §6.2, §6.5, §6.9; RFC 8260 §2.1).
type receiver struct {
	a        *Association
	cum      uint32
	gaps     []tsnRange
	dups     []uint32
	streams  map[uint16]*inStream
	buffered int // bytes held in fragments and in unread messages
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

// reset starts tracking at cum (the peer's initial TSN minus one).
func (r *receiver) reset(cum uint32) {
	r.cum, r.highest = cum, cum
	r.gaps = r.gaps[:0]
	r.dups = r.dups[:0]
	r.lastRwnd = r.limit
}

// discard drops every stream (association restart).
func (r *receiver) discard() {
	for id := range r.streams {
		delete(r.streams, id)
	}
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
		s = &inStream{}
		r.streams[id] = s
	}
	return s
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
	// received; gap fills are still taken (up to twice the window) so the
	// cumulative TSN can always advance.
	n := len(d.payload)
	if r.buffered+n > r.limit && (shared.SerialLess(r.highest, d.tsn) || r.buffered+n > 2*r.limit) {
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
	s := r.stream(d.stream)
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
	if !d.unordered() && !r.keyAhead(f.key, s.nextSeq) {
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
	if whole && (d.unordered() || f.key == s.nextSeq) {
		// Fast path: a complete message that can be delivered now.
		if n > a.cfg.maxMessageSize() {
			a.abortWith(CauseProtocolViolation, "message too large")
			return ErrMessageTooLarge
		}
		data := make([]byte, n)
		copy(data, d.payload)
		r.buffered += n
		r.deliver(Message{Stream: d.stream, PPID: PPID(d.ppid), Unordered: d.unordered(), Data: data})
		if !d.unordered() {
			s.nextSeq = r.nextSeq(s.nextSeq)
			r.deliverOrdered(s, d.stream)
		}
		return nil
	}
	f.last = f.fsn
	r.buffered += n
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
	if d.begin() && s.lastSize > n && r.sized < maxSized && r.buffered+s.lastSize <= r.limit {
		hint = s.lastSize
	}
	i, ok := r.insert(list, f, d.payload, hint, !d.unordered())
	if !ok {
		// The same fragment under another TSN (I-DATA): drop it.
		r.buffered -= n
		a.stats.Stale++
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
		return nil
	}
	r.deliverOrdered(s, d.stream)
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
		prev.data = appendDouble(prev.data, p)
		prev.last = f.last
		prev.flags |= f.flags & flagEnd
		if i < len(l) && joins(prev, &l[i]) {
			next := l[i]
			prev.data = appendDouble(prev.data, next.data)
			prev.last = next.last
			prev.flags |= next.flags & flagEnd
			removeRun(list, i)
		}
		return i - 1, true
	}
	if i < len(l) && joins(&f, &l[i]) {
		next := &l[i]
		data := make([]byte, 0, len(p)+len(next.data))
		next.data = append(append(data, p...), next.data...)
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
	l = append(l, rxFrag{})
	copy(l[i+1:], l[i:])
	l[i] = f
	*list = l
	return i, true
}

// appendDouble appends p to b, doubling the capacity when it must grow:
// a message reassembled in order costs O(log n) allocations and never holds
// more than twice its bytes.
func appendDouble(b, p []byte) []byte {
	if len(b)+len(p) > cap(b) {
		nb := make([]byte, len(b), max(2*cap(b), len(b)+len(p)))
		copy(nb, b)
		b = nb
	}
	return append(b, p...)
}

// deliverOrdered delivers the in-order messages of s that are complete.
func (r *receiver) deliverOrdered(s *inStream, id uint16) {
	for len(s.ordered) > 0 {
		l := s.ordered
		i := sort.Search(len(l), func(j int) bool { return !r.keyLess(l[j].key, s.nextSeq) })
		if i == len(l) || l[i].key != s.nextSeq || l[i].flags&(flagBegin|flagEnd) != flagBegin|flagEnd {
			return
		}
		r.take(s, &s.ordered, i, id, false)
		s.nextSeq = r.nextSeq(s.nextSeq)
	}
}

// take delivers the complete message held by run i of stream s and
// removes it.
func (r *receiver) take(s *inStream, list *[]rxFrag, i int, id uint16, unordered bool) {
	l := *list
	data := l[i].data
	if l[i].flags&flagSized != 0 {
		r.sized--
		if cap(data) > 2*len(data) {
			// Much smaller than the last message: do not hand out (and
			// keep alive) a buffer over twice its size.
			data = append([]byte(nil), data...)
		}
	}
	s.lastSize = len(data)
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

// deliver queues a message for PollRead; its bytes stay counted in
// buffered until read.
func (r *receiver) deliver(m Message) {
	if err := r.a.reads.Push(m); err != nil {
		r.buffered -= len(m.Data)
		r.a.stats.ControlDrops++
		return
	}
	// Each queued message also costs its bookkeeping: count it, so a peer
	// sending one-byte messages cannot queue a window's worth of them.
	r.buffered += msgOverhead
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
		for _, s := range r.streams {
			r.dropFrags(&s.unordered, func(x *rxFrag) bool { return shared.SerialLessOrEqual(x.tsn, f.newCum) })
		}
	}
	for _, e := range f.streams {
		if e.stream >= r.a.inStreams {
			continue
		}
		s := r.stream(e.stream)
		if e.unordered {
			mid := e.seq
			r.skip(e.stream, mid)
			r.dropFrags(&s.unordered, func(x *rxFrag) bool { return x.key == mid })
			continue
		}
		seq := e.seq
		if !r.keyAhead(seq, s.nextSeq) {
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
		for len(s.ordered) > 0 && !r.keyLess(seq, s.ordered[0].key) {
			if s.ordered[0].flags&(flagBegin|flagEnd) == flagBegin|flagEnd {
				r.take(s, &s.ordered, 0, e.stream, false)
				continue
			}
			r.forget(&s.ordered[0])
			r.buffered -= len(s.ordered[0].data)
			removeRun(&s.ordered, 0)
		}
		if !r.keyLess(seq, s.nextSeq) {
			s.nextSeq = r.nextSeq(seq)
		}
		r.deliverOrdered(s, e.stream)
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
	for _, s := range r.streams {
		l := s.unordered
		out := l[:0]
		for i := range l {
			x := l[i]
			dead := (x.flags&flagBegin == 0 && shared.SerialLessOrEqual(x.fsn-1, r.cum)) ||
				(x.flags&flagEnd == 0 && shared.SerialLessOrEqual(x.last+1, r.cum))
			if dead {
				r.forget(&x)
				r.buffered -= len(x.data)
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
	}
}

// dropFrags removes the fragments for which drop is true.
func (r *receiver) dropFrags(list *[]rxFrag, drop func(*rxFrag) bool) {
	l := *list
	j := 0
	for i := range l {
		if drop(&l[i]) {
			r.forget(&l[i])
			r.buffered -= len(l[i].data)
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
	s := r.streams[id]
	if s == nil {
		return
	}
	r.dropFrags(&s.ordered, func(*rxFrag) bool { return true })
	r.dropFrags(&s.unordered, func(*rxFrag) bool { return true })
	delete(r.streams, id)
}

// forget updates the counts for a run that is dropped.
func (r *receiver) forget(x *rxFrag) {
	if x.flags&flagSized != 0 {
		r.sized--
	}
}
