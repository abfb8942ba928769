package sctp

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// seededRand is a deterministic io.Reader for Config.Rand.
type seededRand struct{ r *rand.ChaCha8 }

func newSeeded(seed uint64) *seededRand {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return &seededRand{rand.NewChaCha8(s)}
}

func (s *seededRand) Read(p []byte) (int, error) { return s.r.Read(p) }

// inflight is a packet on its way.
type inflight struct {
	at  time.Time
	to  int
	pkt []byte
}

// pair pumps two associations over an in-memory link with a fixed delay
// and an optional drop function, on a virtual clock.
type pair struct {
	t      testing.TB
	ep     [2]*Association
	now    time.Time
	delay  time.Duration
	drop   func(from int, p []byte) bool
	queue  []inflight
	reads  [2][]Message
	events [2][]Event
	keep   bool // keep messages in reads
	onRead func(side int, m Message)
	bytes  [2]int
	// paused stops the application of a side from reading (PollRead).
	paused [2]bool
}

func newPair(t testing.TB, ca, cb Config) *pair {
	t.Helper()
	if ca.Rand == nil {
		ca.Rand = newSeeded(1)
	}
	if cb.Rand == nil {
		cb.Rand = newSeeded(2)
	}
	a, err := New(ca)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cb)
	if err != nil {
		t.Fatal(err)
	}
	return &pair{t: t, ep: [2]*Association{a, b}, now: epoch, keep: true}
}

// drain moves everything out of both endpoints.
func (p *pair) drain() bool {
	moved := false
	for i, e := range p.ep {
		for {
			pkt, ok := e.PollWrite()
			if !ok {
				break
			}
			moved = true
			if p.drop != nil && p.drop(i, pkt.Message) {
				continue
			}
			p.queue = append(p.queue, inflight{at: p.now.Add(p.delay), to: 1 - i, pkt: pkt.Message})
		}
		// Every test checks Pending against what the polls return.
		pending, polled := e.Pending(), 0
		for {
			ev, ok := e.PollEvent()
			if !ok {
				break
			}
			moved = true
			polled++
			p.events[i] = append(p.events[i], ev)
		}
		for !p.paused[i] {
			m, ok := e.PollRead()
			if !ok {
				break
			}
			moved = true
			polled++
			p.bytes[i] += len(m.Data)
			if p.onRead != nil {
				p.onRead(i, m)
			}
			if p.keep {
				p.reads[i] = append(p.reads[i], m)
			}
		}
		if !pending && polled > 0 || !p.paused[i] && e.Pending() {
			p.t.Fatalf("side %d: Pending %v before %d polls, %v after", i, pending, polled, e.Pending())
		}
	}
	return moved
}

// step delivers the packets due now, or advances the clock to the next
// delivery or timer. It reports false when nothing can ever happen again.
func (p *pair) step() bool {
	if p.drain() {
		return true
	}
	next := time.Time{}
	for _, q := range p.queue {
		next = shared.Earliest(next, q.at)
	}
	for _, e := range p.ep {
		if d, ok := e.PollTimeout(); ok {
			next = shared.Earliest(next, d)
		}
	}
	if next.IsZero() {
		return false
	}
	if next.After(p.now) {
		p.now = next
	}
	rest := p.queue[:0]
	var due []inflight
	for _, q := range p.queue {
		if !q.at.After(p.now) {
			due = append(due, q)
		} else {
			rest = append(rest, q)
		}
	}
	p.queue = rest
	for _, q := range due {
		allow(p.t, p.ep[q.to].HandleRead(shared.TaggedBytes{Now: p.now, Message: q.pkt}), netErrs...)
	}
	for _, e := range p.ep {
		if d, ok := e.PollTimeout(); ok && !d.After(p.now) {
			must(p.t, e.HandleTimeout(p.now))
		}
	}
	return true
}

func (p *pair) run(done func() bool, maxSteps int) {
	p.t.Helper()
	for range maxSteps {
		if done() {
			return
		}
		if !p.step() {
			if done() {
				return
			}
			p.t.Fatalf("pair went idle before done at %v", p.now.Sub(epoch))
		}
	}
	p.t.Fatalf("step limit reached at %v", p.now.Sub(epoch))
}

func (p *pair) hasEvent(side int, k EventKind) bool {
	for _, e := range p.events[side] {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func (p *pair) connect() {
	p.t.Helper()
	must(p.t, p.ep[0].Connect(p.now))
	must(p.t, p.ep[1].Connect(p.now))
	p.run(func() bool { return p.hasEvent(0, EventConnected) && p.hasEvent(1, EventConnected) }, 1000)
}

func TestPairConnectAndData(t *testing.T) {
	for _, both := range []bool{true, false} {
		p := newPair(t, Config{PeerMaxMessageSize: -1}, Config{PeerMaxMessageSize: -1})
		must(t, p.ep[0].Connect(p.now))
		if both {
			must(t, p.ep[1].Connect(p.now))
		}
		p.run(func() bool { return p.hasEvent(0, EventConnected) && p.hasEvent(1, EventConnected) }, 1000)
		msgs := [][]byte{[]byte("hello"), bytes.Repeat([]byte("x"), 5000), bytes.Repeat([]byte("y"), 200000)}
		for i, m := range msgs {
			if err := p.ep[0].HandleWrite(Message{Stream: uint16(i), PPID: 51, Data: m}); err != nil {
				t.Fatal(err)
			}
		}
		p.run(func() bool { return len(p.reads[1]) == len(msgs) }, 10000)
		for _, r := range p.reads[1] {
			if !bytes.Equal(r.Data, msgs[r.Stream]) {
				t.Fatalf("stream %d: got %d bytes", r.Stream, len(r.Data))
			}
		}
	}
}

// wantErr fails the test unless err is target.
func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got %v, want %v", err, target)
	}
}

// netErrs are what HandleRead returns for packets a pair delivers
// unaltered but that the receiver may rightly drop: DATA beyond its window
// (the sender probes a zero window), packets after the association ended,
// out of the blue packets.
var netErrs = []error{ErrOutOfWindow, ErrClosed, ErrVerificationTag, ErrCookie}

// must and allow are the shared test helpers: no test discards an error.
var (
	must  = contracttest.Must
	allow = contracttest.Allow
)
