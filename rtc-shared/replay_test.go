package shared

import (
	"math"
	"testing"
)

var replaySizes = []int{64, 128, 1000, 1024}

// TestReplayWindowEdges checks RFC 3711 §3.3.2 / RFC 6347 §4.1.2.6 at the
// edges: with highest accepted h and width W, h+1 and beyond are new,
// h-W+1..h are new unless seen, and h-W and older are rejected.
func TestReplayWindowEdges(t *testing.T) {
	for _, size := range replaySizes {
		w := NewReplayWindow(size)
		if w.Size() != size {
			t.Fatalf("Size = %d, want %d", w.Size(), size)
		}
		if _, ok := w.Latest(); ok {
			t.Fatal("Latest before any Accept")
		}
		const h = 10_000
		if !w.Check(h) {
			t.Fatal("first number rejected")
		}
		w.Accept(h)
		W := uint64(size)
		cases := []struct {
			seq  uint64
			want bool
		}{
			{h, false},          // replay of the highest
			{h + 1, true},       // next
			{h + 1000000, true}, // far ahead
			{h - 1, true},       // inside, unseen
			{h - W + 1, true},   // the oldest number inside the window
			{h - W, false},      // just left of the window
			{h - W - 1, false},  // further left
			{0, false},
		}
		for _, c := range cases {
			if got := w.Check(c.seq); got != c.want {
				t.Errorf("W=%d h=%d: Check(h%+d) = %v, want %v", size, h, int64(c.seq)-h, got, c.want)
			}
		}
		// Accept the oldest in-window number, then it is a replay.
		w.Accept(h - W + 1)
		if w.Check(h - W + 1) {
			t.Errorf("W=%d: accepted left edge not marked", size)
		}
		// Accepting too old a number changes nothing.
		w.Accept(h - W)
		if w.Check(h - W) {
			t.Errorf("W=%d: too old number became acceptable", size)
		}
		if l, _ := w.Latest(); l != h {
			t.Errorf("W=%d: latest moved to %d", size, l)
		}
		// Slide by one: the old left edge falls out; h is still seen.
		w.Accept(h + 1)
		if w.Check(h-W+1) || w.Check(h) || w.Check(h+1) || !w.Check(h-W+2) || !w.Check(h+2) {
			t.Errorf("W=%d: after sliding by one", size)
		}
	}
}

// TestReplayWindowAgainstModel drives every size with a pseudo-random mix
// of small steps, reordering, replays and jumps, comparing each Check with a
// set-based model of the RFC rule.
func TestReplayWindowAgainstModel(t *testing.T) {
	for _, size := range replaySizes {
		w := NewReplayWindow(size)
		seen := map[uint64]bool{1 << 20: true}
		var highest uint64 = 1 << 20
		started := true
		w.Accept(highest)
		accepted := 0
		x := uint64(0x9e3779b97f4a7c15)
		next := func() uint64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
		var seq uint64
		for i := range 200_000 {
			r := next()
			switch r % 10 {
			case 0, 1, 2, 3: // in order
				seq = highest + 1
			case 4, 5, 6: // reordered, around the window edge
				seq = highest - uint64(size) - 5 + next()%uint64(size+10)
			case 7: // replay of something recent
				seq = highest - next()%8
			case 8: // small jump
				seq = highest + 1 + next()%uint64(2*size)
			case 9: // rare big jump
				if r%100 == 9 {
					seq = highest + 1 + next()%(1<<30)
				} else {
					seq = highest + 2
				}
			}
			want := !started || seq > highest || (highest-seq < uint64(size) && !seen[seq])
			if got := w.Check(seq); got != want {
				t.Fatalf("W=%d step %d: Check(%d) = %v, want %v (highest %d)", size, i, seq, got, want, highest)
			}
			if want && r%17 != 0 { // sometimes authentication fails: no Accept
				w.Accept(seq)
				accepted++
				seen[seq] = true
				if !started || seq > highest {
					highest = seq
				}
				started = true
			}
		}
		if accepted < 100_000 || highest < 1<<20 || highest > 1<<50 {
			t.Fatalf("W=%d: degenerate run: %d accepted, highest %d", size, accepted, highest)
		}
	}
}

// TestReplayWindowCheckDoesNotMutate: Check alone, on any input, never
// changes what Check reports next.
func TestReplayWindowCheckDoesNotMutate(t *testing.T) {
	w := NewReplayWindow(128)
	for _, s := range []uint64{500, 498, 420, 377} {
		w.Accept(s)
	}
	snapshot := func() []bool {
		var out []bool
		for s := uint64(300); s < 700; s++ {
			out = append(out, w.Check(s))
		}
		return out
	}
	before := snapshot()
	for s := uint64(0); s < 2000; s++ {
		w.Check(s)
	}
	w.Check(math.MaxUint64)
	after := snapshot()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("Check(%d) changed from %v to %v", 300+i, before[i], after[i])
		}
	}
	if l, _ := w.Latest(); l != 500 {
		t.Fatalf("latest %d", l)
	}
}

// TestReplayWindowBigJumps: a jump of any size clears the window, including
// jumps of exactly the bitmap size, and numbers seen before the jump within
// the new window stay rejected only if they are still inside it.
func TestReplayWindowBigJumps(t *testing.T) {
	for _, size := range replaySizes {
		bitsLen := uint64((size + 63) / 64 * 64)
		for _, jump := range []uint64{uint64(size) - 1, uint64(size), uint64(size) + 1, bitsLen - 1, bitsLen, bitsLen + 1, 1 << 40} {
			w := NewReplayWindow(size)
			for s := uint64(1000); s < 1000+uint64(size); s++ {
				w.Accept(s)
			}
			h := uint64(1000 + size - 1)
			w.Accept(h + jump)
			for s := h + jump - uint64(size) + 1; s < h+jump; s++ {
				want := s > h // numbers from before the jump were seen
				if got := w.Check(s); got != want {
					t.Fatalf("W=%d jump %d: Check(%d) = %v, want %v", size, jump, s, got, want)
				}
			}
		}
	}
}

// TestReplayWindowNearTheTop: sequence numbers near 2^48 (the DTLS maximum)
// and 2^64 behave like any others; the window does not wrap around, so
// after 2^64-1 nothing newer exists and small numbers are too old.
func TestReplayWindowNearTheTop(t *testing.T) {
	for _, size := range replaySizes {
		for _, top := range []uint64{1<<48 - 1, math.MaxUint64} {
			w := NewReplayWindow(size)
			start := top - 3*uint64(size)
			for s := start; s < top; s += 2 { // every other number
				w.Accept(s)
			}
			w.Accept(top) // must not hang or wrap
			if l, _ := w.Latest(); l != top {
				t.Fatalf("latest %d", l)
			}
			for s := top - uint64(size) + 1; s < top; s++ {
				want := (s-start)%2 == 1
				if got := w.Check(s); got != want {
					t.Fatalf("W=%d top %d: Check(top-%d) = %v, want %v", size, top, top-s, got, want)
				}
			}
			if w.Check(top) || w.Check(top-uint64(size)) {
				t.Fatal("replay or too old accepted at the top")
			}
			if top == math.MaxUint64 && (w.Check(0) || w.Check(1)) {
				t.Fatal("window wrapped around 2^64")
			}
			if top == 1<<48-1 && !w.Check(1<<48) {
				t.Fatal("2^48 rejected: the window is 64-bit")
			}
		}
	}
	// A jump straight from 0 to 2^64-1 (the widest possible clear).
	w := NewReplayWindow(1000)
	w.Accept(0)
	w.Accept(math.MaxUint64)
	if w.Check(math.MaxUint64) || !w.Check(math.MaxUint64-1) {
		t.Fatal("jump to the top")
	}
}

func TestReplayWindowSmallSizeAndReset(t *testing.T) {
	w := NewReplayWindow(10)
	if w.Size() != MinReplayWindow {
		t.Fatalf("size %d, want %d", w.Size(), MinReplayWindow)
	}
	w.Accept(100)
	w.Accept(99)
	w.Reset()
	if _, ok := w.Latest(); ok || !w.Check(100) || !w.Check(99) || !w.Check(0) {
		t.Fatal("Reset did not forget")
	}
	w.Accept(5) // a new epoch starting low
	if w.Check(5) || !w.Check(4) {
		t.Fatal("after Reset")
	}
}

// FuzzReplayWindow drives a window with steps taken from the input and
// compares every Check with a set-based model of the RFC 3711 §3.3.2 rule.
func FuzzReplayWindow(f *testing.F) {
	f.Add(uint16(64), []byte{1, 1, 1, 0x80, 0x41, 2, 0xff})
	f.Add(uint16(1000), []byte{0xff, 0xff, 0x7f, 0x01, 0x90})
	f.Add(uint16(128), []byte{0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, size uint16, steps []byte) {
		n := int(size%2048) + 1
		w := NewReplayWindow(n)
		W := uint64(w.Size())
		seen := map[uint64]bool{}
		var highest uint64 = 1 << 40
		w.Accept(highest)
		seen[highest] = true
		for i, b := range steps {
			var seq uint64
			switch {
			case b&0x80 != 0: // forward by 1..128 (or a big jump)
				seq = highest + uint64(b&0x7f) + 1
				if b == 0xff {
					seq = highest + 1<<20
				}
			default: // back by 0..W+63
				seq = highest - uint64(b)*(W+64)/128
			}
			want := seq > highest || (highest-seq < W && !seen[seq])
			if got := w.Check(seq); got != want {
				t.Fatalf("W=%d step %d: Check(h%+d) = %v, want %v", W, i, int64(seq-highest), got, want)
			}
			if want && i%5 != 4 { // every fifth candidate fails authentication
				w.Accept(seq)
				seen[seq] = true
				highest = max(highest, seq)
			}
		}
	})
}
