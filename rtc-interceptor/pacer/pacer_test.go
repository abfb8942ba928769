package pacer

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// drain polls p at every deadline up to end and returns what came out.
func drain(t *testing.T, p *Pacer[int], now, end time.Time) []Item[int] {
	t.Helper()
	var out []Item[int]
	for steps := 0; steps < 1_000_000; steps++ {
		for {
			it, ok := p.Poll(now)
			if !ok {
				break
			}
			out = append(out, it)
		}
		d, ok := p.PollTimeout()
		if !ok || d.After(end) {
			return out
		}
		if d.Before(now) {
			t.Fatalf("deadline %v before now %v", d, now)
		}
		now = d
	}
	t.Fatal("pacer never settles")
	return nil
}

func mustPush(t *testing.T, p *Pacer[int], now time.Time, v, size int, c Class) {
	t.Helper()
	if err := p.Push(now, v, size, c); err != nil {
		t.Fatal(err)
	}
}

// The leaky bucket releases at target × PacingFactor: 100 packets of 1000
// bytes at 1 Mbit/s × 2.5 take 320 ms (after the 5 ms burst allowance the
// first packet leaves at once).
func TestPacingRate(t *testing.T) {
	p := New[int](Config{}, 1_000_000)
	for i := range 100 {
		mustPush(t, p, t0, i, 1000, ClassVideo)
	}
	var last time.Time
	now := t0
	n := 0
	for n < 100 {
		it, ok := p.Poll(now)
		if ok {
			if it.Value != n {
				t.Fatalf("packet %d came out as %d", n, it.Value)
			}
			last = now
			n++
			continue
		}
		d, ok := p.PollTimeout()
		if !ok || !d.After(now) {
			t.Fatalf("PollTimeout %v %v at %v with %d queued", d, ok, now, p.Stats().Queued)
		}
		now = d
	}
	got := last.Sub(t0)
	want := time.Duration(99 * 1000 * 8 * float64(time.Second) / 2.5e6)
	if got < want-time.Millisecond || got > want+time.Millisecond {
		t.Fatalf("100 packets took %v, want %v", got, want)
	}
	if _, ok := p.PollTimeout(); ok {
		t.Fatal("deadline with nothing queued")
	}
	if r := p.TimeoutReason(); r != "" {
		t.Fatalf("TimeoutReason %q with nothing queued", r)
	}
}

// Audio goes first, then retransmissions, then video, each in order.
func TestPriority(t *testing.T) {
	p := New[int](Config{}, 100_000)
	mustPush(t, p, t0, 1, 1000, ClassVideo)
	mustPush(t, p, t0, 2, 1000, ClassVideo)
	mustPush(t, p, t0, 3, 500, ClassRetransmission)
	mustPush(t, p, t0, 4, 100, ClassAudio)
	mustPush(t, p, t0, 5, 100, ClassAudio)
	out := drain(t, p, t0, t0.Add(time.Second))
	want := []int{4, 5, 3, 1, 2}
	if len(out) != len(want) {
		t.Fatalf("%d packets out, want %d", len(out), len(want))
	}
	for i, it := range out {
		if it.Value != want[i] {
			t.Fatalf("order %v, want %v", out, want)
		}
	}
}

// A full queue refuses with ErrQueueFull and keeps what it has; nothing is
// lost silently (flood by packets and by bytes).
func TestQueueLimits(t *testing.T) {
	p := New[int](Config{MaxPackets: 10, MaxBytes: 1 << 20}, 1_000_000)
	refused := 0
	for i := range 1000 {
		if err := p.Push(t0, i, 100, ClassVideo); err != nil {
			if !errors.Is(err, ErrQueueFull) {
				t.Fatal(err)
			}
			refused++
		}
	}
	if refused != 990 || p.Stats().Refused != 990 || p.Stats().Queued != 10 {
		t.Fatalf("refused %d, stats %+v", refused, p.Stats())
	}
	out := drain(t, p, t0, t0.Add(time.Second))
	if len(out) != 10 || out[9].Value != 9 {
		t.Fatalf("drained %d packets", len(out))
	}
	b := New[int](Config{MaxBytes: 5000}, 1_000_000)
	for i := range 100 {
		err := b.Push(t0, i, 1200, ClassAudio)
		if (i < 4) != (err == nil) {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	if err := b.Push(t0, 0, 0, ClassVideo); err == nil {
		t.Fatal("empty packet accepted")
	}
	if err := b.Push(t0, 0, 100, Class(9)); err == nil {
		t.Fatal("unknown class accepted")
	}
}

// A probe cluster goes out at its own rate, marked, with padding when no
// media waits, and media keeps its pace afterwards.
func TestProbeCluster(t *testing.T) {
	p := New[int](Config{}, 300_000)
	if !p.Probe(t0, Probe{ID: 7, Bitrate: 2_000_000, MinPackets: 5, MinBytes: 3750}) {
		t.Fatal("probe refused")
	}
	if p.TimeoutReason() != "probe" {
		t.Fatalf("reason %q", p.TimeoutReason())
	}
	mustPush(t, p, t0, 1, 1000, ClassVideo)
	out := drain(t, p, t0, t0.Add(time.Second))
	var probes, padding, bytes int
	for _, it := range out {
		if it.ProbeCluster == 7 {
			probes++
			bytes += it.Size
			if it.Padding {
				padding++
			}
		}
	}
	if probes < 5 || bytes < 3750 || padding != probes-1 {
		t.Fatalf("probe: %d packets (%d padding), %d bytes", probes, padding, bytes)
	}
	if st := p.Stats(); st.Probes != 1 || st.ProbePackets != uint64(probes) {
		t.Fatalf("stats %+v", st)
	}
	for range maxProbes {
		p.Probe(t0, Probe{ID: 1, Bitrate: 1, MinPackets: 1})
	}
	if p.Probe(t0, Probe{ID: 2, Bitrate: 1, MinPackets: 1}) || p.Probe(t0, Probe{}) {
		t.Fatal("probe accepted beyond the limit or empty")
	}
}

// The probe's packets are spaced at the probe rate.
func TestProbeSpacing(t *testing.T) {
	p := New[int](Config{}, 300_000)
	p.Probe(t0, Probe{ID: 1, Bitrate: 1_000_000, MinPackets: 5, MinBytes: 5 * 1200})
	now := t0
	var times []time.Time
	for len(times) < 5 {
		if it, ok := p.Poll(now); ok {
			if it.ProbeCluster != 1 || it.Size != 1200 {
				t.Fatalf("item %+v", it)
			}
			times = append(times, now)
			continue
		}
		d, _ := p.PollTimeout()
		now = d
	}
	gap := times[4].Sub(times[0]) / 4
	if want := 9600 * time.Microsecond; gap < want-time.Microsecond || gap > want+time.Microsecond {
		t.Fatalf("probe packets %v apart, want %v", gap, want)
	}
}

// Padding fills up to the padding rate when nothing is queued.
func TestPadding(t *testing.T) {
	p := New[int](Config{}, 1_000_000)
	p.SetPaddingRate(96_000) // ten 1200-byte packets a second
	out := drain(t, p, t0, t0.Add(time.Second))
	if len(out) < 10 || len(out) > 11 {
		t.Fatalf("%d padding packets in 1 s, want 10", len(out))
	}
	for _, it := range out {
		if !it.Padding || it.Size != 1200 {
			t.Fatalf("item %+v", it)
		}
	}
}

// An earlier or repeated Poll is harmless; time never runs backwards.
func TestTimeBackwards(t *testing.T) {
	p := New[int](Config{}, 100_000)
	mustPush(t, p, t0, 1, 1000, ClassVideo)
	mustPush(t, p, t0, 2, 1000, ClassVideo)
	if _, ok := p.Poll(t0); !ok {
		t.Fatal("first packet held")
	}
	if _, ok := p.Poll(t0.Add(-time.Hour)); ok {
		t.Fatal("second packet released in the past")
	}
	d, _ := p.PollTimeout()
	if _, ok := p.Poll(d); !ok {
		t.Fatal("second packet held at its deadline")
	}
	if q := p.QueueDelay(d); q != 0 {
		t.Fatalf("queue delay %v when empty", q)
	}
}

func TestPushPollAllocs(t *testing.T) {
	p := New[int](Config{}, 10_000_000)
	now := t0
	allocs := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Millisecond)
		if err := p.Push(now, 1, 1200, ClassVideo); err != nil {
			t.Fatal(err)
		}
		p.Poll(now)
		p.PollTimeout()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per packet", allocs)
	}
}

func BenchmarkPushPoll(b *testing.B) {
	p := New[int](Config{}, 10_000_000)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		if err := p.Push(now, 1, 1200, ClassVideo); err != nil {
			b.Fatal(err)
		}
		p.Poll(now)
		p.PollTimeout()
	}
}

func FuzzPacer(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Fuzz(func(t *testing.T, ops []byte) {
		p := New[int](Config{MaxPackets: 16, MaxBytes: 20000}, 500_000)
		now := t0
		queued := 0
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], int(ops[i+1])
			switch op % 6 {
			case 0:
				if p.Push(now, i, arg*10+1, Class(arg%4)) == nil {
					queued++
				}
			case 1:
				if it, ok := p.Poll(now); ok && !it.Padding {
					queued--
				}
			case 2:
				now = now.Add(time.Duration(arg) * time.Millisecond)
			case 3:
				p.SetRate(arg * 10000)
			case 4:
				p.Probe(now, Probe{ID: arg, Bitrate: arg * 20000, MinPackets: arg % 6, MinBytes: arg * 50})
			case 5:
				p.SetPaddingRate(arg * 1000)
			}
			if d, ok := p.PollTimeout(); ok && d.Before(now.Add(-time.Hour)) {
				t.Fatalf("deadline %v far before now %v", d, now)
			}
			if st := p.Stats(); st.Queued != queued || st.Queued > 16 || st.QueuedBytes > 20000 {
				t.Fatalf("stats %+v, queued %d", st, queued)
			}
		}
	})
}
