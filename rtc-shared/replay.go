package shared

// ReplayWindow is a sliding anti-replay window over 64-bit sequence numbers,
// with the semantics of RFC 3711 §3.3.2 (SRTP) and RFC 6347 §4.1.2.6 (DTLS):
// a number above the highest seen is new; a number within Size of the
// highest is new unless its bit is already set; anything older is rejected.
//
// Checking and accepting are separate steps, because a record or packet must
// be authenticated before it may move the window (RFC 6347 §4.1.2.6: "The
// receive window is updated only if the MAC verification succeeds"):
//
//	if !w.Check(seq) { drop: replayed }
//	if !authenticate(pkt) { drop: forged; the window is unchanged }
//	w.Accept(seq)
//
// The zero value is not usable; create one with NewReplayWindow.
type ReplayWindow struct {
	bits    []uint64 // circular bitmap: bit (seq mod len(bits)*64) is set once seq was accepted
	size    uint64   // window width in sequence numbers
	latest  uint64   // highest accepted sequence number
	started bool     // whether anything has been accepted
}

// MinReplayWindow is the smallest window size RFC 3711 §3.3.2 allows.
const MinReplayWindow = 64

// NewReplayWindow returns a window that remembers the last size sequence
// numbers. A size below 64 is raised to 64 (the RFC 3711 minimum).
func NewReplayWindow(size int) ReplayWindow {
	if size < MinReplayWindow {
		size = MinReplayWindow
	}
	words := (size + 63) / 64
	return ReplayWindow{bits: make([]uint64, words), size: uint64(size)}
}

// Size returns the window width.
func (w *ReplayWindow) Size() int { return int(w.size) }

// Latest returns the highest accepted sequence number, and false if nothing
// has been accepted yet.
func (w *ReplayWindow) Latest() (uint64, bool) { return w.latest, w.started }

// Reset forgets everything, as for a new epoch or a re-keyed context.
func (w *ReplayWindow) Reset() {
	clear(w.bits)
	w.latest, w.started = 0, false
}

func (w *ReplayWindow) bit(seq uint64) (word int, mask uint64) {
	n := seq % uint64(len(w.bits)*64)
	return int(n / 64), 1 << (n % 64)
}

// Check reports whether seq would be accepted: it is newer than anything
// seen, or inside the window and not yet seen. It changes nothing.
func (w *ReplayWindow) Check(seq uint64) bool {
	if !w.started || seq > w.latest {
		return true
	}
	if w.latest-seq >= w.size {
		return false // too old: left of the window
	}
	i, m := w.bit(seq)
	return w.bits[i]&m == 0
}

// Accept marks seq as seen, sliding the window forward when seq is the new
// highest. Accepting a number that is too old does nothing.
func (w *ReplayWindow) Accept(seq uint64) {
	switch {
	case !w.started:
		w.started = true
		w.latest = seq
	case seq > w.latest:
		w.clearRange(w.latest+1, seq)
		w.latest = seq
	case w.latest-seq >= w.size:
		return
	}
	i, m := w.bit(seq)
	w.bits[i] |= m
}

// clearRange clears the bits of sequence numbers lo..hi inclusive, which are
// about to enter the window. The loop counts bits rather than comparing
// sequence numbers, so hi = 2^64-1 cannot wrap the index around.
func (w *ReplayWindow) clearRange(lo, hi uint64) {
	total := uint64(len(w.bits) * 64)
	if hi-lo >= total-1 {
		clear(w.bits)
		return
	}
	s := lo
	for left := hi - lo + 1; left > 0; {
		i, m := w.bit(s)
		if s%64 == 0 && left >= 64 {
			w.bits[i] = 0 // a whole word at once
			s += 64
			left -= 64
			continue
		}
		w.bits[i] &^= m
		s++
		left--
	}
}
