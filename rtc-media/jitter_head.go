package media

// The head of the window: the oldest frame, when it plays or is given up,
// and the requests (NACK, keyframe) losses cause.

// advance runs everything that is due at now.
func (j *JitterBuffer) advance(now nanos) {
	j.settle()
	// Give up blocked frames whose deadline passed. Each round moves next
	// forward, so the loop ends within the window.
	for {
		h := j.head()
		if h.state != headBlocked || j.deadline(h) > now {
			break
		}
		j.giveUp(now)
	}
	if j.nackDue <= now {
		j.sendNACKs(now)
	}
}

// settle skips, after a loss, the packets at the head that do not start a
// frame: their frame's start is gone. (At the start of the stream the head
// waits instead, as a blocked frame: its start may only be reordered.)
func (j *JitterBuffer) settle() {
	for j.emitted && !j.synced && j.next <= j.highest && j.has(j.next) {
		sl := j.at(j.next)
		if sl.start {
			j.synced = true
			return
		}
		sl.present = false
		j.stats.PacketsDiscarded++
		j.next++
	}
}

type headState uint8

const (
	headNone     headState = iota // nothing buffered, or the frame is still arriving
	headComplete                  // next..end all here, end known
	headBlocked                   // a packet up to highest is missing
)

type headInfo struct {
	state headState
	end   int64 // headComplete: last packet
	tsExt int64 // timestamp of the frame (or of the first packet after a gap)
	since nanos // headBlocked: when the gap (or the lone head) was seen
}

// head looks at the oldest frame: complete, blocked by a gap, or still
// arriving. It is derived from the slots every time (a scan of one frame).
func (j *JitterBuffer) head() headInfo {
	if !j.started || j.next > j.highest {
		return headInfo{}
	}
	first := &j.slots[j.next&j.mask]
	if !first.present || first.ext != j.next {
		// The frame's first packet is missing: the first packet after the
		// gap stands in for its time.
		s := j.next
		for s < j.highest && !j.has(s) {
			s++
		}
		return headInfo{state: headBlocked, since: first.at, tsExt: j.at(s).tsExt}
	}
	if !j.synced && !first.start {
		// Joined mid-frame, or the first packet is reordered: wait for
		// it like for a loss.
		return headInfo{state: headBlocked, since: first.at, tsExt: first.tsExt}
	}
	for s := j.next; ; s++ {
		if j.slots[s&j.mask].end {
			return headInfo{state: headComplete, end: s, tsExt: first.tsExt}
		}
		if s == j.highest {
			return headInfo{}
		}
		n := &j.slots[(s+1)&j.mask]
		if !n.present || n.ext != s+1 {
			return headInfo{state: headBlocked, since: n.at, tsExt: first.tsExt}
		}
		if n.ts != first.ts {
			// RFC 3550 §5.1: a new timestamp is a new frame, so the
			// previous one ended even without its marker.
			return headInfo{state: headComplete, end: s, tsExt: first.tsExt}
		}
	}
}

// deadline is when to play a complete head frame, or when to give up a
// blocked one: it waits for the retransmission at least LossTimeout from
// when the gap was seen and at least until its playout time, but never
// past MaxLatency.
func (j *JitterBuffer) deadline(h headInfo) nanos {
	e := j.delay.expected(h.tsExt)
	p := e + nanos(j.delay.target)
	if h.state != headBlocked {
		return p
	}
	d := max(h.since+nanos(j.cfg.lossTimeout()), p)
	return min(d, e+nanos(j.cfg.maxLatency()))
}

// giveUp drops the blocked head frame and the gap in it.
func (j *JitterBuffer) giveUp(now nanos) {
	s, lost := j.next, uint64(0)
	for s <= j.highest && !j.has(s) {
		lost++
		s++
	}
	switch {
	case s > j.highest:
		j.synced = false
	case lost == 0 || !j.at(s).start:
		// Part of this frame arrived (or its start was lost): skip the
		// rest of it, up to the first packet with another timestamp.
		ts := j.at(s).ts
		for s <= j.highest && (!j.has(s) || j.at(s).ts == ts) {
			if !j.has(s) {
				lost++
			}
			j.at(s).present = false
			s++
		}
		j.synced = false
	default:
		j.synced = true
	}
	j.stats.PacketsLost += lost
	j.stats.FramesDropped++
	j.next = s
	j.emitted = true
	j.lostVideo(now)
	j.settle()
}

// dropHead drops the oldest frame, complete or not (the window is full).
func (j *JitterBuffer) dropHead(now nanos) {
	h := j.head()
	if h.state == headComplete {
		j.release(h.end)
		j.stats.FramesDropped++
		j.lostVideo(now)
		return
	}
	if h.state == headNone {
		// Still arriving: everything up to highest belongs to the frame.
		for s := j.next; s <= j.highest; s++ {
			j.at(s).present = false
		}
		j.next = j.highest + 1
		j.synced = false
		j.emitted = true
		j.stats.FramesDropped++
		j.lostVideo(now)
		return
	}
	j.giveUp(now)
}

// release frees the slots of the head frame, which ends at end.
func (j *JitterBuffer) release(end int64) {
	for s := j.next; s <= end; s++ {
		j.at(s).present = false
	}
	j.next = end + 1
	j.synced = true
	j.emitted = true
}

// lostVideo applies the keyframe rule after a video loss.
func (j *JitterBuffer) lostVideo(now nanos) {
	if !j.video {
		return
	}
	j.waitKey = true
	j.requestKeyframe(now)
}

func (j *JitterBuffer) requestKeyframe(now nanos) {
	if j.pliSent && now-j.pliAt < nanos(j.cfg.pliInterval()) {
		return
	}
	j.pliSent, j.pliAt = true, now
	j.stats.KeyframeRequests++
	j.pushEvent(Event{Kind: EventKeyframeRequest})
}

// sendNACKs requests the missing packets whose last request is older than
// NACKInterval, and sets the next request time.
func (j *JitterBuffer) sendNACKs(now nanos) {
	j.nackDue = never
	interval := nanos(j.cfg.nackInterval())
	var b nackBatch
	for s := j.next; s <= j.highest; s++ {
		sl := j.at(s)
		if sl.ext != s || !sl.missing || sl.present || int(sl.nacks) >= j.cfg.maxNACKs() {
			continue
		}
		due := sl.nackAt + interval
		if sl.nacks == 0 {
			due = sl.at + nanos(max(j.cfg.NACKDelay, 0))
		}
		if due > now {
			j.nackDue = min(j.nackDue, due)
			continue
		}
		sl.nacks++
		sl.nackAt = now
		j.stats.NACKs++
		if e, ok := b.add(s); ok {
			j.pushEvent(e)
		}
		if int(sl.nacks) < j.cfg.maxNACKs() {
			j.nackDue = min(j.nackDue, now+interval)
		}
	}
	if e, ok := b.flush(); ok {
		j.pushEvent(e)
	}
}
