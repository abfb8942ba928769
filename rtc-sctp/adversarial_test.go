package sctp

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
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
		if p.a.snd.n != 3 || p.a.snd.flight < 0 || p.a.snd.peerRwnd < 0 || p.a.snd.peerRwnd > maxWindow {
			t.Fatalf("SACK %d: n=%d flight=%d rwnd=%d", i, p.a.snd.n, p.a.snd.flight, p.a.snd.peerRwnd)
		}
		if _, ok := p.a.PollTimeout(); !ok {
			t.Fatalf("SACK %d: no timer left", i)
		}
	}
}

// stateBuilders put an association in each state of RFC 9260 §4 with a
// scripted peer.
var stateBuilders = []struct {
	state State
	build func(t *testing.T) *peer
}{
	{StateClosed, func(t *testing.T) *peer {
		a, err := New(Config{Rand: newSeeded(9)})
		must(t, err)
		return &peer{t: t, a: a, now: epoch, tag: 0x11111111, tsn: 1000}
	}},
	{StateCookieWait, func(t *testing.T) *peer {
		a, err := New(Config{Rand: newSeeded(9)})
		must(t, err)
		p := &peer{t: t, a: a, now: epoch, tag: 0x11111111, tsn: 1000}
		must(t, a.Connect(epoch))
		p.recvChunk(ctInit)
		return p
	}},
	{StateCookieEchoed, func(t *testing.T) *peer {
		a, err := New(Config{Rand: newSeeded(9)})
		must(t, err)
		p := &peer{t: t, a: a, now: epoch, tag: 0x11111111, tsn: 1000}
		must(t, a.Connect(epoch))
		p.recvChunk(ctInit)
		ack := initChunk{ack: true, tag: p.tag, rwnd: 1 << 20, os: 100, mis: 100, tsn: p.tsn, cookie: []byte("a cookie"), fwdTSN: true, reconfig: true}
		must(t, p.send(a.myTag, ack.appendTo(nil)))
		p.recvChunk(ctCookieEcho)
		return p
	}},
	{StateEstablished, func(t *testing.T) *peer { return newEstablished(t, Config{}) }},
	{StateShutdownPending, func(t *testing.T) *peer {
		p := newEstablished(t, Config{})
		p.sendSome(1)
		must(t, p.a.Close())
		return p
	}},
	{StateShutdownSent, func(t *testing.T) *peer {
		p := newEstablished(t, Config{})
		must(t, p.a.Close())
		p.recvChunk(ctShutdown)
		return p
	}},
	{StateShutdownReceived, func(t *testing.T) *peer {
		p := newEstablished(t, Config{})
		p.sendSome(1)
		must(t, p.send(p.a.myTag, appendShutdown(nil, p.a.snd.cumAck)))
		return p
	}},
	{StateShutdownAckSent, func(t *testing.T) *peer {
		p := newEstablished(t, Config{})
		must(t, p.send(p.a.myTag, appendShutdown(nil, p.a.snd.cumAck)))
		p.recvChunk(ctShutdownAck)
		return p
	}},
}

// chunkSamples are one chunk of every type, with the tag a peer would use.
var chunkSamples = []struct {
	name  string
	chunk func(p *peer) (tag uint32, b []byte)
}{
	{"DATA", func(p *peer) (uint32, []byte) {
		d := whole(1, 0, "x")
		d.tsn = p.tsn
		return p.a.myTag, d.appendTo(nil)
	}},
	{"I-DATA", func(p *peer) (uint32, []byte) {
		d := dataChunk{idata: true, flags: flagBegin | flagEnd, tsn: p.tsn, stream: 1, payload: []byte("x")}
		return p.a.myTag, d.appendTo(nil)
	}},
	{"INIT", func(p *peer) (uint32, []byte) {
		in := initChunk{tag: 0x33333333, rwnd: 1 << 20, os: 10, mis: 10, tsn: 77}
		return 0, in.appendTo(nil)
	}},
	{"INIT ACK", func(p *peer) (uint32, []byte) {
		in := initChunk{ack: true, tag: 0x33333333, rwnd: 1 << 20, os: 10, mis: 10, tsn: 77, cookie: []byte("c")}
		return p.a.myTag, in.appendTo(nil)
	}},
	{"SACK", func(p *peer) (uint32, []byte) {
		s := sackChunk{cumTSN: p.a.snd.cumAck, rwnd: 1 << 20, gaps: []gapBlock{{2, 3}}, dups: []uint32{5}}
		return p.a.myTag, s.appendTo(nil)
	}},
	{"HEARTBEAT", func(p *peer) (uint32, []byte) { return p.a.myTag, appendHeartbeat(nil, ctHeartbeat, []byte("info")) }},
	{"HEARTBEAT ACK", func(p *peer) (uint32, []byte) {
		return p.a.myTag, appendHeartbeat(nil, ctHeartbeatAck, make([]byte, 16))
	}},
	{"ABORT", func(p *peer) (uint32, []byte) {
		return p.a.myTag, appendCauseChunk(nil, ctAbort, 0, CauseUserInitiatedAbort, []byte("x"))
	}},
	{"ABORT with T bit", func(p *peer) (uint32, []byte) { return p.a.peerTag, appendCauseChunk(nil, ctAbort, flagTBit, 0, nil) }},
	{"SHUTDOWN", func(p *peer) (uint32, []byte) { return p.a.myTag, appendShutdown(nil, p.a.snd.cumAck) }},
	{"SHUTDOWN ACK", func(p *peer) (uint32, []byte) { return p.a.myTag, appendEmptyChunk(nil, ctShutdownAck, 0) }},
	{"ERROR", func(p *peer) (uint32, []byte) {
		return p.a.myTag, appendCauseChunk(nil, ctError, 0, CauseStaleCookie, make([]byte, 4))
	}},
	{"COOKIE ECHO (forged)", func(p *peer) (uint32, []byte) {
		return p.a.myTag, appendBytesChunk(nil, ctCookieEcho, make([]byte, cookieSize))
	}},
	{"COOKIE ACK", func(p *peer) (uint32, []byte) { return p.a.myTag, appendEmptyChunk(nil, ctCookieAck, 0) }},
	{"SHUTDOWN COMPLETE", func(p *peer) (uint32, []byte) { return p.a.myTag, appendEmptyChunk(nil, ctShutdownComplete, 0) }},
	{"FORWARD TSN", func(p *peer) (uint32, []byte) {
		f := forwardTSNChunk{newCum: p.a.rcv.cum + 1, streams: []fwdStream{{stream: 1, seq: 0}}}
		return p.a.myTag, f.appendTo(nil)
	}},
	{"I-FORWARD TSN", func(p *peer) (uint32, []byte) {
		f := forwardTSNChunk{idata: true, newCum: p.a.rcv.cum + 1, streams: []fwdStream{{stream: 1, unordered: true, seq: 3}}}
		return p.a.myTag, f.appendTo(nil)
	}},
	{"RE-CONFIG", func(p *peer) (uint32, []byte) {
		b, off := appendChunkHeader(nil, ctReconfig, 0)
		b = appendOutgoingReset(b, p.a.rc.peerSeq, p.a.rc.nextSeq-1, p.a.rcv.cum, []uint16{1})
		b = appendReconfigResponse(b, p.a.rc.reqSeq, resultPerformed)
		return p.a.myTag, finishChunk(b, off)
	}},
	{"unknown, stop", func(p *peer) (uint32, []byte) { return p.a.myTag, appendBytesChunk(nil, 0x3e, []byte("x")) }},
	{"unknown, stop and report", func(p *peer) (uint32, []byte) { return p.a.myTag, appendBytesChunk(nil, 0x7e, []byte("x")) }},
	{"unknown, skip", func(p *peer) (uint32, []byte) { return p.a.myTag, appendBytesChunk(nil, 0xbe, []byte("x")) }},
	{"unknown, skip and report", func(p *peer) (uint32, []byte) { return p.a.myTag, appendBytesChunk(nil, 0xfe, []byte("x")) }},
}

// Every chunk type in every association state: nothing panics, no state
// change leaves the RFC 9260 §4 diagram, no queue overflows, and the timers
// that follow run cleanly.
func TestAdversarialChunkInEveryState(t *testing.T) {
	for _, sb := range stateBuilders {
		for _, c := range chunkSamples {
			t.Run(sb.state.String()+"/"+c.name, func(t *testing.T) {
				p := sb.build(t)
				if p.a.State() != sb.state {
					t.Fatalf("built %v, want %v", p.a.State(), sb.state)
				}
				p.out()
				tag, chunk := c.chunk(p)
				err := p.send(tag, chunk)
				if errors.Is(err, shared.ErrQueueFull) {
					t.Fatalf("one chunk overflowed a queue: %v", err)
				}
				p.out()
				for range 20 {
					p.now = p.now.Add(time.Second)
					err := p.a.HandleTimeout(p.now)
					if err != nil && !errors.Is(err, ErrClosed) {
						t.Fatalf("HandleTimeout: %v", err)
					}
					p.out()
				}
				if n := p.a.Stats().BadTransitions; n != 0 {
					t.Fatalf("%d transitions outside RFC 9260 §4 (last %s)", n, p.a.lastTransition())
				}
			})
		}
	}
}

// Every chunk's length field at 0, 1, 3, the minimum 4, one short, exact,
// one over and 0xffff, in an established association: a length that does
// not fit is counted as malformed and dropped, nothing panics and the
// association carries on unless the chunk itself ends it.
func TestAdversarialChunkLength(t *testing.T) {
	for _, c := range chunkSamples {
		p0 := newEstablished(t, Config{})
		_, sample := c.chunk(p0)
		exact := int(binary.BigEndian.Uint16(sample[2:]))
		for _, l := range []int{0, 1, 3, 4, exact - 1, exact, exact + 1, 0xffff} {
			p := newEstablished(t, Config{})
			tag, chunk := c.chunk(p)
			binary.BigEndian.PutUint16(chunk[2:], uint16(l))
			before := p.a.Stats().Malformed
			err := p.send(tag, chunk)
			fits := l >= chunkHeaderSize && l <= len(chunk)
			if !fits && (err == nil || p.a.Stats().Malformed == before) {
				t.Errorf("%s with length %d (of %d): %v, malformed %d", c.name, l, len(chunk), err, p.a.Stats().Malformed-before)
			}
			p.out()
			if n := p.a.Stats().BadTransitions; n != 0 {
				t.Fatalf("%s length %d: bad transition %s", c.name, l, p.a.lastTransition())
			}
		}
	}
}
