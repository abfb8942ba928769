package sctp

import (
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// strictLoop drives two associations exactly as the drive loop documents
// and nothing more: after each Handle* on an endpoint, one pass (drain
// PollWrite, PollEvent, PollRead), then PollTimeout, whose answer is the
// only wake-up the endpoint gets besides arriving packets. Packets take
// delay to arrive. read says whether an endpoint's application reads in
// this pass (a full read queue is one that stops reading for a while).
type strictLoop struct {
	ep    [2]*Association
	now   time.Time
	delay time.Duration
	wake  [2]time.Time // from PollTimeout; zero: none
	queue []inflight
	read  func(side int) bool
	got   [2]int
	// pendingWakes counts passes whose PollTimeout reported now (the
	// drain rule at work: output was created during the pass).
	pendingWakes int
	// stalls counts passes that left a due SACK behind while PollTimeout
	// reported a later deadline.
	stalls int
}

func (l *strictLoop) pass(i int) {
	e := l.ep[i]
	for p, ok := e.PollWrite(); ok; p, ok = e.PollWrite() {
		l.queue = append(l.queue, inflight{at: l.now.Add(l.delay), to: 1 - i, pkt: p.Message})
	}
	for _, ok := e.PollEvent(); ok; _, ok = e.PollEvent() {
	}
	if l.read(i) {
		for m, ok := e.PollRead(); ok; m, ok = e.PollRead() {
			l.got[i] += len(m.Data)
		}
	}
	owed := e.rcv.ackNow // a SACK (window update) is due now
	l.wake[i] = time.Time{}
	d, ok := e.PollTimeout()
	if ok {
		l.wake[i] = d
		if !d.After(l.now) {
			l.pendingWakes++
		}
	}
	if owed && (!ok || d.After(l.now)) {
		l.stalls++
	}
}

// step runs the next arrival or wake-up; false when nothing is scheduled.
func (l *strictLoop) step(t *testing.T) bool {
	next, who := time.Time{}, -1
	for _, q := range l.queue {
		next = shared.Earliest(next, q.at)
	}
	for i, w := range l.wake {
		if !w.IsZero() && (next.IsZero() || w.Before(next)) {
			next, who = w, i
		}
	}
	if next.IsZero() {
		return false
	}
	if next.After(l.now) {
		l.now = next
	}
	if who >= 0 {
		if err := l.ep[who].HandleTimeout(l.now); err != nil {
			t.Fatal(err)
		}
		l.pass(who)
		return true
	}
	for k, q := range l.queue {
		if !q.at.After(l.now) {
			l.queue = append(l.queue[:k], l.queue[k+1:]...)
			if err := l.ep[q.to].HandleRead(shared.TaggedBytes{Now: l.now, Message: q.pkt}); err != nil {
				t.Fatal(err)
			}
			l.pass(q.to)
			return true
		}
	}
	return true
}

// Issue 12: when the read queue was full and PollRead frees receive
// window, a window update is owed. PollTimeout must then report now
// (reason "pending") so that one documented pass is enough; before, it
// reported the next timer, and the sender only learned of the open window
// from its zero window probe, about a second later each time.
func TestDrainRuleFullReadQueue(t *testing.T) {
	p := newPair(t, Config{PeerMaxMessageSize: -1}, Config{ReceiveBufferSize: 64 << 10})
	p.connect()
	const total, msg = 1 << 20, 8 << 10
	l := &strictLoop{ep: p.ep, now: p.now, delay: 10 * time.Millisecond}
	b := &p.ep[1].rcv
	reads := &p.ep[1].reads
	l.read = func(side int) bool {
		// Side 1 holds its messages until the window is closed (no room
		// for another packet) or the last one is in.
		return side == 0 || b.rwnd() < 2*DefaultMTU || l.got[1]+reads.Len()*msg >= total
	}
	for i := range 2 {
		l.pass(i)
	}
	start, sent := l.now, 0
	for range 1_000_000 {
		for sent < total && p.ep[0].HandleWrite(Message{Stream: 1, PPID: 53, Data: make([]byte, msg)}) == nil {
			sent += msg
			l.pass(0)
		}
		if l.got[1] == total || !l.step(t) {
			break
		}
	}
	took := l.now.Sub(start)
	t.Logf("%d of %d bytes in %v; %d passes ended with PollTimeout at now", l.got[1], total, took, l.pendingWakes)
	if l.got[1] != total {
		t.Fatalf("stalled: %d of %d bytes", l.got[1], total)
	}
	if l.stalls != 0 {
		t.Fatalf("%d passes left a window update behind with a later PollTimeout", l.stalls)
	}
	if took > 2*time.Second {
		t.Fatalf("took %v", took)
	}
}
