package sctp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// prRun sends count numbered messages with a policy over a lossy link and
// returns what arrived (by number) and when.
func prRun(t *testing.T, seed uint64, loss float64, tmpl Message, idata bool, count, base, spread int) (sent map[uint32]time.Time, got []uint32, arrived, lastTx map[uint32]time.Time, txCount map[uint32]int, a, b *app, sim *netsim.Sim) {
	link := netsim.LinkConfig{Delay: 10 * time.Millisecond, Jitter: 3 * time.Millisecond, Loss: loss, Reorder: 0.05, ReorderDelay: 5 * time.Millisecond, MTU: DefaultMTU}
	sim, a, b = simPair(t, seed, link, Config{DisableInterleaving: !idata})
	sent = map[uint32]time.Time{}
	arrived = map[uint32]time.Time{}
	b.keep = false
	b.onRead = func(m Message) {
		n := binary.BigEndian.Uint32(m.Data)
		if len(m.Data) != base+int(n%uint32(spread)) {
			t.Fatalf("seed %d: message %d arrived with %d bytes", seed, n, len(m.Data))
		}
		if _, dup := arrived[n]; dup {
			t.Fatalf("seed %d: message %d delivered twice", seed, n)
		}
		arrived[n] = sim.Now()
		got = append(got, n)
	}
	// Record when each message was last transmitted, from the wire.
	lastTx = map[uint32]time.Time{}
	txCount = map[uint32]int{}
	a.onSend = func(p []byte) {
		var h commonHeader
		cur, err := parsePacket(p, &h)
		if err != nil {
			return
		}
		var ch rawChunk
		for {
			ok, err := nextChunk(&cur, &ch)
			if err != nil {
				t.Fatalf("we sent a malformed chunk: %v", err)
			}
			if !ok {
				break
			}
			if ch.typ != ctData && ch.typ != ctIData {
				continue
			}
			var d dataChunk
			if parseDataChunk(ch.typ == ctIData, ch.flags, ch.value, &d) == nil && d.begin() {
				n := binary.BigEndian.Uint32(d.payload)
				lastTx[n] = sim.Now()
				txCount[n]++
			}
		}
	}
	buf := make([]byte, 5000)
	for i := range count {
		n := uint32(i)
		binary.BigEndian.PutUint32(buf, n)
		m := tmpl
		m.Data = buf[:base+int(n%uint32(spread))]
		if err := a.a.HandleWrite(m); err != nil {
			t.Fatal(err)
		}
		sent[n] = sim.Now()
		if err := sim.RunFor(2*time.Millisecond, 1_000_000); err != nil {
			t.Fatal(err)
		}
	}
	// Let everything settle: all chunks acknowledged or abandoned.
	if err := sim.Run(func() bool { return a.a.snd.idle() }, 10_000_000); err != nil {
		t.Fatalf("seed %d: settle: %v", seed, err)
	}
	must(t, sim.RunFor(time.Second, 1_000_000))
	return
}

// TestPartialReliabilityRexmit: RFC 3758/7496 limited retransmissions.
// Every message arrives whole at most once; abandoned plus delivered
// accounts for every message; with 0 retransmissions no chunk is ever
// sent twice; ordered streams stay in order.
func TestPartialReliabilityRexmit(t *testing.T) {
	for _, c := range []struct {
		unordered bool
		rexmit    uint32
		idata     bool
	}{{true, 0, false}, {false, 0, false}, {true, 2, true}, {false, 1, true}} {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("unordered=%v/rexmit=%d/idata=%v/seed=%d", c.unordered, c.rexmit, c.idata, seed), func(t *testing.T) {
				tmpl := Message{Stream: 2, PPID: 53, Unordered: c.unordered, Policy: PRRetransmits, PolicyValue: c.rexmit}
				_, got, _, _, txCount, a, b, _ := prRun(t, seed, 0.2, tmpl, c.idata, 300, 1500, 3000)
				st := a.a.Stats()
				if int(st.AbandonedMessages)+len(got) < 300 {
					t.Fatalf("delivered %d + abandoned %d < 300", len(got), st.AbandonedMessages)
				}
				if st.AbandonedMessages == 0 {
					t.Fatalf("nothing abandoned at 20%% loss")
				}
				if c.rexmit == 0 && st.Retransmissions > 0 {
					t.Fatalf("rexmit=0 but %d retransmissions", st.Retransmissions)
				}
				for n, k := range txCount {
					if k > int(c.rexmit)+1 {
						t.Fatalf("message %d sent %d times with MaxRetransmits %d", n, k, c.rexmit)
					}
				}
				if !c.unordered {
					for i := 1; i < len(got); i++ {
						if got[i] <= got[i-1] {
							t.Fatalf("ordered stream out of order: %d after %d", got[i], got[i-1])
						}
					}
				}
				t.Logf("delivered %d, abandoned %d, retransmissions %d, forward-tsn %d, receiver holds %d bytes",
					len(got), st.AbandonedMessages, st.Retransmissions, st.ForwardTSNsSent, b.a.rcv.buffered)
				if b.a.rcv.buffered != 0 {
					t.Fatalf("receiver still holds %d bytes of abandoned fragments", b.a.rcv.buffered)
				}
			})
		}
	}
}

// TestPartialReliabilityLifetime: RFC 3758 timed reliability. A message is
// never transmitted after its lifetime, so it arrives at most one path
// delay (plus jitter and reordering) after it expired.
func TestPartialReliabilityLifetime(t *testing.T) {
	for _, unordered := range []bool{true, false} {
		t.Run(fmt.Sprintf("unordered=%v", unordered), func(t *testing.T) {
			const life = 100
			tmpl := Message{Stream: 4, PPID: 51, Unordered: unordered, Policy: PRLifetime, PolicyValue: life}
			sent, got, arrived, lastTx, _, a, _, _ := prRun(t, 3, 0.2, tmpl, false, 300, 100, 900)
			for n, tx := range lastTx {
				if d := tx.Sub(sent[n]); d > life*time.Millisecond {
					t.Fatalf("message %d transmitted %v after it was written (lifetime %dms)", n, d, life)
				}
			}
			if unordered {
				// Unordered messages are delivered on arrival: at most
				// one path delay (with jitter and reordering) late.
				for _, n := range got {
					if d := arrived[n].Sub(sent[n]); d > life*time.Millisecond+20*time.Millisecond {
						t.Fatalf("message %d arrived %v after it was written (lifetime %dms)", n, d, life)
					}
				}
			}
			st := a.a.Stats()
			t.Logf("delivered %d, abandoned %d", len(got), st.AbandonedMessages)
			if int(st.AbandonedMessages)+len(got) < 300 || st.AbandonedMessages == 0 {
				t.Fatalf("delivered %d abandoned %d", len(got), st.AbandonedMessages)
			}
		})
	}
}

// TestResetMidTransfer: RFC 6525 §5.1.2/§5.2.2: data queued before an
// outgoing reset is delivered before the peer resets its incoming stream,
// both sides are notified, and the stream then restarts at SSN 0.
func TestResetMidTransfer(t *testing.T) {
	for _, c := range []struct {
		idata bool
		seed  uint64
	}{{false, 5}, {true, 5}, {false, 6}, {true, 6}, {false, 7}, {true, 7}} {
		idata, seed := c.idata, c.seed
		t.Run(fmt.Sprintf("idata=%v/seed=%d", idata, seed), func(t *testing.T) {
			link := netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.05, Reorder: 0.05}
			sim, a, b := simPair(t, seed, link, Config{PeerMaxMessageSize: -1, DisableInterleaving: !idata})
			a.total, a.msg, a.tmpl = 1<<20, 10000, Message{Stream: 9, PPID: 53}
			b.checkSeq, b.keep = true, false
			a.feed()
			if err := sim.Run(func() bool { return b.got > 200_000 }, 1_000_000); err != nil {
				t.Fatal(err)
			}
			if err := a.a.ResetStreams(9); err != nil {
				t.Fatal(err)
			}
			queued := a.off
			a.total = a.off // no more writes on this stream
			if err := a.a.HandleWrite(Message{Stream: 9, PPID: 53, Data: []byte{1}}); !errors.Is(err, ErrStreamResetting) {
				t.Fatalf("write during reset: %v", err)
			}
			if err := sim.Run(func() bool { return a.has(EventOutgoingStreamsReset) && b.has(EventIncomingStreamsReset) }, 1_000_000); err != nil {
				t.Fatal(err)
			}
			if b.got != queued || b.fail != "" {
				t.Fatalf("peer got %d of %d bytes queued before the reset (%s)", b.got, queued, b.fail)
			}
			// The stream is usable again and restarts at sequence 0.
			b.checkSeq, b.keep = false, true
			if err := a.a.HandleWrite(Message{Stream: 9, PPID: 51, Data: []byte("again")}); err != nil {
				t.Fatal(err)
			}
			if err := sim.Run(func() bool { return len(b.reads) == 1 }, 1_000_000); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRestart: RFC 9260 §5.2.4 case A: a peer that lost its state
// reconnects; the survivor reports EventRestarted and data flows again.
func TestRestart(t *testing.T) {
	sim, a, b := simPair(t, 9, netsim.LinkConfig{Delay: 5 * time.Millisecond}, Config{})
	must(t, a.a.HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("before")}))
	if err := sim.Run(func() bool { return len(b.reads) == 1 }, 100_000); err != nil {
		t.Fatal(err)
	}
	// B restarts: a fresh association on the same address.
	sim.Remove(b)
	nb := newApp(t, Config{Rand: netsim.NewRand(9, "b2")}, addrB, addrA)
	sim.Add(nb, addrB)
	must(t, nb.a.Connect(sim.Now()))
	if err := sim.Run(func() bool { return nb.has(EventConnected) && a.has(EventRestarted) }, 100_000); err != nil {
		t.Fatalf("restart: %v (a events %v)", err, a.events)
	}
	must(t, a.a.HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("after")}))
	must(t, nb.a.HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("back")}))
	if err := sim.Run(func() bool { return len(nb.reads) == 1 && len(a.reads) == 1 }, 100_000); err != nil {
		t.Fatal(err)
	}
	if string(nb.reads[0].Data) != "after" || string(a.reads[0].Data) != "back" {
		t.Fatalf("got %q %q", nb.reads[0].Data, a.reads[0].Data)
	}
}

// TestSilentPeer: RFC 9260 §8.1: when the peer stops answering, the
// association fails after Association.Max.Retrans consecutive timeouts,
// both while sending data (T3-rtx) and when idle (HEARTBEAT).
func TestSilentPeer(t *testing.T) {
	cfg := Config{RTOMin: 100 * time.Millisecond, RTOMax: time.Second, MaxRetransmits: 5, HeartbeatInterval: 2 * time.Second}
	// Upper bounds: sending, the RTO doubles up to RTOMax for each of the
	// MaxRetransmits+1 timeouts; idle, one HEARTBEAT goes out per
	// HB.interval plus RTO (RFC 9260 §8.3), rounded up to the heartbeat
	// grid, MaxRetransmits+2 of them.
	sendBound := time.Duration(cfg.MaxRetransmits+1) * cfg.RTOMax
	idleBound := time.Duration(cfg.MaxRetransmits+2) * (cfg.HeartbeatInterval + cfg.RTOMax + heartbeatGrid)
	for _, sending := range []bool{true, false} {
		t.Run(fmt.Sprintf("sending=%v", sending), func(t *testing.T) {
			sim, a, b := simPair(t, 11, netsim.LinkConfig{Delay: 10 * time.Millisecond}, cfg)
			sim.Remove(b)
			start := sim.Now()
			bound := idleBound
			if sending {
				bound = sendBound
				must(t, a.a.HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("anyone there?")}))
			}
			if err := sim.Run(func() bool { return a.has(EventClosed) }, 1_000_000); err != nil {
				t.Fatal(err)
			}
			e, _ := a.event(EventClosed)
			took := sim.Now().Sub(start)
			if !errors.Is(e.Err, ErrRetransmissionLimit) {
				t.Fatalf("closed with %v", e.Err)
			}
			if took > bound {
				t.Fatalf("failure took %v, bound %v", took, bound)
			}
			t.Logf("failed after %v (bound %v)", took, bound)
		})
	}
}

// TestShutdown: RFC 9260 §9.2: Close delivers queued data first, then
// both sides see EventClosed without error.
func TestShutdown(t *testing.T) {
	sim, a, b := simPair(t, 13, netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.1}, Config{PeerMaxMessageSize: -1})
	a.total, a.msg, a.tmpl = 300_000, 30_000, Message{Stream: 0, PPID: 53}
	b.checkSeq, b.keep = true, false
	a.feed()
	must(t, a.a.Close())
	if err := a.a.HandleWrite(Message{Stream: 0, PPID: 53, Data: []byte{1}}); !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("write after Close: %v", err)
	}
	if err := sim.Run(func() bool { return a.has(EventClosed) && b.has(EventClosed) }, 1_000_000); err != nil {
		t.Fatal(err)
	}
	if b.got != 300_000 {
		t.Fatalf("got %d", b.got)
	}
	for _, p := range []*app{a, b} {
		if e, _ := p.event(EventClosed); e.Err != nil {
			t.Fatalf("closed with %v", e.Err)
		}
	}
	if !b.has(EventShutdown) {
		t.Fatal("peer did not see the shutdown")
	}
}

// TestAbort: RFC 9260 §9.1: ABORT ends both sides; the peer sees the
// user-initiated cause and reason.
func TestAbort(t *testing.T) {
	sim, a, b := simPair(t, 14, netsim.LinkConfig{Delay: 10 * time.Millisecond}, Config{})
	must(t, a.a.Abort("bye"))
	if err := sim.Run(func() bool { return b.has(EventClosed) }, 100_000); err != nil {
		t.Fatal(err)
	}
	e, _ := b.event(EventClosed)
	var ae *AbortError
	if !errors.As(e.Err, &ae) || !ae.Remote || ae.Cause != CauseUserInitiatedAbort || ae.Info != "bye" {
		t.Fatalf("peer closed with %v", e.Err)
	}
	if !errors.Is(e.Err, ErrAborted) {
		t.Fatal("errors.Is(ErrAborted) false")
	}
}

// TestIdleHeartbeats: RFC 9260 §8.3: an idle association probes the path
// with HEARTBEAT, the answers keep it alive, and they feed the RTT.
func TestIdleHeartbeats(t *testing.T) {
	sim, a, b := simPair(t, 31, netsim.LinkConfig{Delay: 25 * time.Millisecond, Loss: 0.1}, Config{HeartbeatInterval: 5 * time.Second})
	before := a.a.Stats().PacketsSent
	if err := sim.RunFor(10*time.Minute, 1_000_000); err != nil {
		t.Fatal(err)
	}
	st := a.a.Stats()
	if a.a.State() != StateEstablished || b.a.State() != StateEstablished {
		t.Fatalf("states %v %v", a.a.State(), b.a.State())
	}
	// About 115 HEARTBEATs of its own plus as many HEARTBEAT ACKs.
	if sent := st.PacketsSent - before; sent < 150 || sent > 300 {
		t.Fatalf("%d packets in 10 idle minutes with a 5 s heartbeat", sent)
	}
	if st.SRTT < 40*time.Millisecond || st.SRTT > 70*time.Millisecond {
		t.Fatalf("SRTT %v from heartbeats over a 50 ms RTT", st.SRTT)
	}
}

// TestHeartbeatGrid: a heartbeat is due one RTO plus HB.interval after it
// is armed (RFC 9260 §8.3), rounded up to the heartbeat grid (or to half
// the RTO when that is less, inside the RFC's +50% RTO jitter): never
// early, less than one grid step late, so the heartbeats of associations
// armed within one slot come due at the same instant and their owner wakes
// once for them (issue 18). Times before 1970 round up as well.
func TestHeartbeatGrid(t *testing.T) {
	_, a, _ := simPair(t, 5, netsim.LinkConfig{Delay: 10 * time.Millisecond}, Config{HeartbeatInterval: 30 * time.Second})
	as := a.a
	for _, base := range []time.Time{time.Unix(1_700_000_000, 0), time.Unix(-86_400, 0)} {
		for _, rto := range []time.Duration{time.Nanosecond, 40 * time.Millisecond, 200 * time.Millisecond, 3 * time.Second} {
			as.snd.rto = rto
			grid := min(heartbeatGrid, rto/2)
			for i := range 2000 {
				now := base.Add(time.Duration(i) * 97 * time.Microsecond)
				at := as.nextHeartbeat(now)
				earliest := now.Add(30*time.Second + rto)
				if at.Before(earliest) || at.Sub(earliest) >= max(grid, 1) {
					t.Fatalf("rto %v, armed at %v: due at %v, want [%v, %v + %v)", rto, now, at, earliest, earliest, grid)
				}
				if r := at.UnixNano() % int64(max(grid, 1)); r != 0 {
					t.Fatalf("rto %v: due at %v, %v off the %v grid", rto, at, time.Duration(r), grid)
				}
			}
		}
	}
	as.snd.rto = 200 * time.Millisecond
	base := time.Unix(1_700_000_000, 0)
	if x, y := as.nextHeartbeat(base.Add(10*time.Millisecond)), as.nextHeartbeat(base.Add(40*time.Millisecond)); !x.Equal(y) {
		t.Fatalf("armed 30 ms apart in one slot: due at %v and %v", x, y)
	}
}

// Both sides Close at once: SHUTDOWN crosses SHUTDOWN, each answers with
// SHUTDOWN ACK (RFC 9260 §9.2), and both end without error.
func TestSimultaneousShutdown(t *testing.T) {
	for seed := uint64(41); seed < 61; seed++ {
		sim, a, b := simPair(t, seed, netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.3}, Config{})
		must(t, a.a.HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("bye")}))
		must(t, b.a.HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte("bye too")}))
		if err := a.a.Close(); err != nil {
			t.Fatal(err)
		}
		if err := b.a.Close(); err != nil {
			t.Fatal(err)
		}
		done := func() bool {
			return a.has(EventClosed) && b.has(EventClosed) && a.a.State() == StateClosed && b.a.State() == StateClosed
		}
		if err := sim.Run(done, 1_000_000); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, p := range []*app{a, b} {
			if err := p.a.Err(); err != nil {
				t.Fatalf("seed %d: closed with %v", seed, err)
			}
			// Both closed before the other's data arrived: it was
			// received (the SHUTDOWN waits for it) but not delivered.
			if st := p.a.Stats(); len(p.reads)+int(st.DroppedAfterClose) != 1 {
				t.Fatalf("seed %d: data before the shutdown lost: %d read, %d dropped after Close", seed, len(p.reads), st.DroppedAfterClose)
			}
		}
	}
}
