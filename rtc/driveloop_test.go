package rtc

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// loopPeer drives a PeerConnection exactly as the package doc's drive loop
// says, and nothing more: after every Handle*, one pass of PollWrite,
// PollEvent and PollRead (each until it reports false), then PollTimeout.
// netsim takes the datagrams of the pass; whatever a Poll* creates after
// its queue was drained waits for the deadline PollTimeout reports.
type loopPeer struct {
	pc     *PeerConnection
	writes []shared.TaggedBytes
	events []Event
	reads  []Message
	readAt []time.Time
	now    time.Time
	paused bool // the application does not read (PollRead is not called)
}

func (l *loopPeer) pass() {
	for {
		tb, ok := l.pc.PollWrite()
		if !ok {
			break
		}
		l.writes = append(l.writes, tb)
	}
	for {
		e, ok := l.pc.PollEvent()
		if !ok {
			break
		}
		l.events = append(l.events, e)
	}
	for !l.paused {
		m, ok := l.pc.PollRead()
		if !ok {
			break
		}
		l.reads = append(l.reads, m)
		l.readAt = append(l.readAt, l.now)
	}
}

func (l *loopPeer) HandleRead(m shared.TaggedBytes) error {
	l.now = m.Now
	err := l.pc.HandleRead(m)
	l.pass()
	return err
}

func (l *loopPeer) HandleTimeout(now time.Time) error {
	l.now = now
	err := l.pc.HandleTimeout(now)
	l.pass()
	return err
}

func (l *loopPeer) PollWrite() (shared.TaggedBytes, bool) {
	if len(l.writes) == 0 {
		return shared.TaggedBytes{}, false
	}
	tb := l.writes[0]
	l.writes = l.writes[1:]
	return tb, true
}

func (l *loopPeer) PollTimeout() (time.Time, bool) { return l.pc.PollTimeout() }

// TestDriveLoopFullReadQueue (issue 12, "Done when"): a receiver that
// follows the documented loop to the letter, with a read queue of 2
// messages, stops reading while 3 MiB arrive (its read queue fills, SCTP
// holds the rest until its 1 MiB receive window closes and the sender
// waits), then resumes: one pass of the loop. PollRead pulls the held
// messages out of SCTP, which then owes the sender a window update;
// PollTimeout must say "now" for it, or the loop sleeps until the next
// timer (seconds away before the drain rule) while the sender waits.
func TestDriveLoopFullReadQueue(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 61})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	mk := func(name string, addr netip.AddrPort, cfg Configuration) *loopPeer {
		cfg.Rand, cfg.Now, cfg.LocalAddresses = netsim.NewRand(61, name), sim.Now(), []netip.AddrPort{addr}
		pc, err := NewPeerConnection(cfg)
		if err != nil {
			t.Fatal(err)
		}
		l := &loopPeer{pc: pc, now: sim.Now()}
		sim.Add(l, addr)
		return l
	}
	// A 64 KiB receive window's worth of 4 KiB messages per round trip.
	a := mk("a", addrA, Configuration{})
	b := mk("b", addrB, Configuration{MaxQueuedMessages: 2})
	dc, err := a.pc.CreateDataChannel("bulk", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	loopNegotiate(t, a, b)
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 20000); err != nil {
		t.Fatalf("channel not open: %v", err)
	}
	const n, size = 48, 64 << 10
	b.paused = true
	for i := range n {
		if err := dc.Send([]byte(fmt.Sprintf("%0*d", size, i))); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	a.pass()
	if err := sim.RunFor(3*time.Second, 200000); err != nil {
		t.Fatal(err)
	}
	if st := a.pc.LayerStats().SCTP; len(b.reads) != 0 {
		t.Fatalf("%d messages read while paused (%+v)", len(b.reads), st)
	}
	b.paused = false
	start := sim.Now()
	b.now = sim.Now()
	b.pass() // the application reads again: one pass of the loop
	if err := sim.Run(func() bool { return len(b.reads) == n }, 200000); err != nil {
		t.Fatalf("%d of %d messages after %v: %v", len(b.reads), n, sim.Now().Sub(start), err)
	}
	t.Logf("%d messages in %v of virtual time; max gap below", n, sim.Now().Sub(start))
	prev := start
	for i, at := range b.readAt[len(b.readAt)-n:] {
		if gap := at.Sub(prev); gap > 200*time.Millisecond {
			t.Errorf("message %d came %v after the one before: the loop stalled", i, gap)
		}
		prev = at
	}
	if d := sim.Now().Sub(start); d > time.Second {
		t.Errorf("%d messages took %v of virtual time", n, d)
	}
}

// loopNegotiate is negotiate for loopPeers: the same offer/answer, then
// one pass of the loop on each side.
func loopNegotiate(t *testing.T, a, b *loopPeer) {
	t.Helper()
	offer, err := a.pc.CreateOffer()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	if err := b.pc.SetRemoteDescription(a.pc.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := b.pc.CreateAnswer()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	if err := a.pc.SetRemoteDescription(b.pc.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	a.pass()
	b.pass()
}
