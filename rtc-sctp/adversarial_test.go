package sctp

import (
	"errors"
	"testing"
)

// sendSome writes n one-chunk messages and pushes them out, so the sender
// has TSNs outstanding.
func (p *peer) sendSome(n int) {
	p.t.Helper()
	for i := range n {
		if err := p.a.HandleWrite(Message{Stream: 1, PPID: 51, Data: []byte{byte(i)}}); err != nil {
			p.t.Fatal(err)
		}
	}
	p.out()
}

// RFC 1982 leaves the comparison of serial numbers exactly 2^(n-1) apart
// undefined. A cumulative TSN ack in SACK or SHUTDOWN that is not strictly
// between our cumulative ack point and the highest TSN sent acknowledges
// nothing we sent (or is an old, reordered SACK): it is dropped and
// counted (RFC 9260 §6.2.1 D i), whatever its distance, half-way included.
func TestAdversarialCumulativeAck(t *testing.T) {
	type tc struct {
		name  string
		delta uint32 // cumulative TSN ack minus our cumulative ack point
		drop  bool
	}
	const sent = 3
	cases := []tc{
		{"nothing new", 0, false},
		{"acks one", 1, false},
		{"acks all sent", sent, false},
		{"one past the highest sent", sent + 1, true},
		{"just below half-way", 1<<31 - 1, true},
		{"exactly half-way (2^31)", 1 << 31, true},
		{"just past half-way", 1<<31 + 1, true},
		{"one behind (old SACK)", 1<<32 - 1, true},
	}
	for _, kind := range []string{"SACK", "SHUTDOWN"} {
		for _, c := range cases {
			t.Run(kind+"/"+c.name, func(t *testing.T) {
				p := newEstablished(t, Config{})
				p.sendSome(sent)
				base := p.a.snd.cumAck
				cum := base + c.delta
				var chunk []byte
				if kind == "SACK" {
					s := sackChunk{cumTSN: cum, rwnd: 1 << 20}
					chunk = s.appendTo(nil)
				} else {
					chunk = appendShutdown(nil, cum)
				}
				if err := p.send(p.a.myTag, chunk); err != nil {
					t.Fatalf("HandleRead: %v", err)
				}
				want := base + c.delta
				if c.drop {
					want = base
				}
				if p.a.snd.cumAck != want {
					t.Fatalf("cumulative ack point %d, want %d", p.a.snd.cumAck-base, want-base)
				}
				if p.a.snd.n != sent-int(want-base) {
					t.Fatalf("%d chunks outstanding", p.a.snd.n)
				}
				if p.a.State() == StateClosed {
					t.Fatalf("association closed: %v", p.a.Err())
				}
			})
		}
	}
}

// DATA whose TSN is at or past half-way from the cumulative TSN is outside
// the window whichever way RFC 1982 would read it: dropped and counted, and
// nothing is held for it.
func TestAdversarialDataTSN(t *testing.T) {
	cases := []struct {
		name  string
		delta uint32 // TSN minus our cumulative TSN
		err   error
		dup   bool
	}{
		{"next", 1, nil, false},
		{"window edge", maxTSNAhead, nil, false},
		{"past the window", maxTSNAhead + 1, ErrOutOfWindow, false},
		{"just below half-way", 1<<31 - 1, ErrOutOfWindow, false},
		{"exactly half-way (2^31)", 1 << 31, ErrOutOfWindow, false},
		{"just past half-way", 1<<31 + 1, nil, true},
		{"the cumulative TSN", 0, nil, true},
		{"one behind", 1<<32 - 1, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newEstablished(t, Config{})
			cum := p.a.rcv.cum
			d := dataChunk{tsn: cum + c.delta, flags: flagBegin, stream: 1, ssn: 0, ppid: 51, payload: []byte("x")}
			err := p.sendData(d)
			if !errors.Is(err, c.err) && !(err == nil && c.err == nil) {
				t.Fatalf("HandleRead: %v, want %v", err, c.err)
			}
			st := p.a.Stats()
			if c.dup != (st.DuplicateTSNs == 1) {
				t.Fatalf("duplicates %d", st.DuplicateTSNs)
			}
			held := c.err == nil && !c.dup
			if held != (p.a.rcv.buffered > 0) {
				t.Fatalf("held %d bytes", p.a.rcv.buffered)
			}
			if c.err != nil && len(p.a.rcv.gaps) != 0 {
				t.Fatalf("gap recorded for a dropped TSN: %v", p.a.rcv.gaps)
			}
		})
	}
}

// Message keys (SSN 16-bit, MID 32-bit) at and past half-way from the next
// expected one are late (RFC 1982 leaves half-way undefined; we read it as
// behind): the fragment is counted as stale and nothing is held for it.
func TestAdversarialMessageKeys(t *testing.T) {
	cases := []struct {
		name  string
		idata bool
		key   uint32 // SSN or MID; the stream expects 0
		held  bool
	}{
		{"SSN next", false, 0, true},
		{"SSN just below half-way", false, 1<<15 - 1, true},
		{"SSN exactly half-way (2^15)", false, 1 << 15, false},
		{"SSN just past half-way", false, 1<<15 + 1, false},
		{"SSN one behind", false, 1<<16 - 1, false},
		{"MID next", true, 0, true},
		{"MID just below half-way", true, 1<<31 - 1, true},
		{"MID exactly half-way (2^31)", true, 1 << 31, false},
		{"MID just past half-way", true, 1<<31 + 1, false},
		{"MID one behind", true, 1<<32 - 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newEstablishedWith(t, Config{}, c.idata)
			// A first fragment only: held until its end arrives.
			d := dataChunk{idata: c.idata, flags: flagBegin, stream: 1, ssn: uint16(c.key), mid: c.key, ppid: 51, payload: []byte("x")}
			if err := p.sendData(d); err != nil {
				t.Fatal(err)
			}
			if held := p.a.rcv.buffered > 0; held != c.held {
				t.Fatalf("held %d bytes, want held=%v", p.a.rcv.buffered, c.held)
			}
			if st := p.a.Stats(); (st.Stale == 1) == c.held {
				t.Fatalf("stale %d", st.Stale)
			}
		})
	}
}

// An I-DATA FSN larger than the maximum message size means a message
// larger than it (every fragment carries a byte): ABORT, whatever the
// FSN's distance from zero, half-way included.
func TestAdversarialFSN(t *testing.T) {
	for _, fsn := range []uint32{DefaultMaxMessageSize + 1, 1 << 31, 1<<32 - 1} {
		p := newEstablishedWith(t, Config{}, true)
		if err := p.sendData(dataChunk{idata: true, flags: flagBegin, stream: 1, mid: 0, ppid: 53, payload: []byte("a")}); err != nil {
			t.Fatal(err)
		}
		err := p.sendData(dataChunk{idata: true, stream: 1, mid: 0, fsn: fsn, payload: []byte("b")})
		if !errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("FSN %d: %v", fsn, err)
		}
		if p.a.State() != StateClosed || p.recvChunk(ctAbort).typ != ctAbort {
			t.Fatalf("FSN %d: not aborted", fsn)
		}
	}
	// The largest FSN a message of the maximum size can have is taken.
	p := newEstablishedWith(t, Config{}, true)
	if err := p.sendData(dataChunk{idata: true, stream: 1, mid: 0, fsn: DefaultMaxMessageSize, payload: []byte("b")}); err != nil {
		t.Fatal(err)
	}
}

// FORWARD TSN: a new cumulative TSN at or past half-way (or past the Gap
// Ack Block range) moves nothing and is counted; a stream entry half-way
// from the next SSN skips nothing.
func TestAdversarialForwardTSN(t *testing.T) {
	cases := []struct {
		name  string
		delta uint32
		moved bool
		oow   bool
	}{
		{"one ahead", 1, true, false},
		{"window edge", maxTSNAhead, true, false},
		{"past the window", maxTSNAhead + 1, false, true},
		{"exactly half-way (2^31)", 1 << 31, false, true},
		{"just past half-way", 1<<31 + 1, false, false},
		{"the cumulative TSN", 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newEstablished(t, Config{})
			cum := p.a.rcv.cum
			f := forwardTSNChunk{newCum: cum + c.delta}
			if err := p.send(p.a.myTag, f.appendTo(nil)); err != nil {
				t.Fatal(err)
			}
			if moved := p.a.rcv.cum != cum; moved != c.moved {
				t.Fatalf("cumulative TSN moved by %d", p.a.rcv.cum-cum)
			}
			if oow := p.a.Stats().OutOfWindow == 1; oow != c.oow {
				t.Fatalf("out of window %d", p.a.Stats().OutOfWindow)
			}
		})
	}
	for _, ssn := range []uint16{1 << 15, 1<<15 + 1, 1<<16 - 1} {
		p := newEstablished(t, Config{})
		// SSN 0 waits in pieces; SSN 1 is whole behind it.
		if err := p.sendData(dataChunk{flags: flagBegin, stream: 1, ssn: 0, ppid: 51, payload: []byte("a")}); err != nil {
			t.Fatal(err)
		}
		f := forwardTSNChunk{newCum: p.a.rcv.cum + 1, streams: []fwdStream{{stream: 1, seq: uint32(ssn)}}}
		if err := p.send(p.a.myTag, f.appendTo(nil)); err != nil {
			t.Fatal(err)
		}
		if q := p.a.rcv.seq(1); q.next != 0 {
			t.Fatalf("SSN %d skipped the stream to %d", ssn, q.next)
		}
	}
}

// An incoming stream reset whose Sender's Last Assigned TSN is half-way
// from our cumulative TSN is read as behind it: performed at once, not
// deferred forever (RFC 6525 §5.2.2).
func TestAdversarialResetLastTSN(t *testing.T) {
	for _, c := range []struct {
		delta     uint32
		performed bool
	}{{0, true}, {1, false}, {1 << 31, true}, {1<<31 - 1, false}, {1<<32 - 1, true}} {
		p := newEstablished(t, Config{})
		var b []byte
		b, off := appendChunkHeader(b, ctReconfig, 0)
		b = appendOutgoingReset(b, 1000, p.a.rc.nextSeq-1, p.a.rcv.cum+c.delta, []uint16{1})
		b = finishChunk(b, off)
		if err := p.send(p.a.myTag, b); err != nil {
			t.Fatal(err)
		}
		res := reconfigResults(t, p.out())
		want := resultInProgress
		if c.performed {
			want = resultPerformed
		}
		if len(res) != 1 || res[0] != want {
			t.Fatalf("last TSN cum+%d: results %v, want %v", c.delta, res, want)
		}
	}
}

// SACK fields at their extremes: gap blocks beyond what was sent, out of
// order or overlapping, any duplicate TSN, a_rwnd at 0 and 2^32-1. None
// may move the ack point past what was sent, or panic.
func TestAdversarialSackFields(t *testing.T) {
	sacks := []sackChunk{
		{gaps: []gapBlock{{1, 0xffff}}},
		{gaps: []gapBlock{{3, 3}, {1, 1}, {2, 5}}},
		{gaps: []gapBlock{{0xffff, 0xffff}}},
		{dups: []uint32{0, 1 << 31, 1<<32 - 1}},
		{rwnd: 0},
		{rwnd: 1<<32 - 1},
	}
	for i, s := range sacks {
		p := newEstablished(t, Config{})
		p.sendSome(3)
		s.cumTSN = p.a.snd.cumAck
		if err := p.send(p.a.myTag, s.appendTo(nil)); err != nil {
			t.Fatalf("SACK %d: %v", i, err)
		}
		if p.a.snd.n != 3 || p.a.snd.flight < 0 || p.a.snd.peerRwnd < 0 {
			t.Fatalf("SACK %d: n=%d flight=%d rwnd=%d", i, p.a.snd.n, p.a.snd.flight, p.a.snd.peerRwnd)
		}
		if _, ok := p.a.PollTimeout(); !ok {
			t.Fatalf("SACK %d: no timer left", i)
		}
	}
}
