package sctp

import (
	"encoding/binary"
	"errors"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"slices"
	"testing"
	"time"
)

// RFC 9260 §8.4: out-of-the-blue packets get ABORT with the T bit (or
// SHUTDOWN COMPLETE for a SHUTDOWN ACK); OOTB ABORTs are discarded.
func TestOutOfTheBlue(t *testing.T) {
	a, err := New(Config{Rand: newSeeded(3)})
	must(t, err)
	p := &peer{t: t, a: a, now: epoch}
	wantErr(t, p.send(0x1234, appendEmptyChunk(nil, ctCookieAck, 0)), ErrVerificationTag)
	p.wantIdle("COOKIE ACK out of the blue is discarded")
	wantErr(t, p.send(0x1234, appendShutdown(nil, 5)), ErrVerificationTag)
	ab := p.recvChunk(ctAbort)
	if ab.flags&flagTBit == 0 {
		t.Fatal("OOTB ABORT without the T bit")
	}
	wantErr(t, p.send(0x1234, appendEmptyChunk(nil, ctShutdownAck, 0)), ErrVerificationTag)
	if sc := p.recvChunk(ctShutdownComplete); sc.flags&flagTBit == 0 {
		t.Fatal("SHUTDOWN COMPLETE without the T bit")
	}
	wantErr(t, p.send(0x1234, appendCauseChunk(nil, ctAbort, 0, 0, nil)), ErrVerificationTag)
	p.wantIdle("OOTB ABORT is discarded")
}

// RFC 9260 §3.2: the upper two bits of an unknown chunk type say whether
// to skip it and whether to report it in an ERROR.
func TestUnknownChunks(t *testing.T) {
	p := newEstablished(t, Config{})
	for _, c := range []struct {
		typ    byte
		report bool
		skip   bool
	}{{0x3f, false, false}, {0x7f, true, false}, {0xbf, false, true}, {0xff, true, true}} {
		d := whole(1, 0, "after")
		d.flags |= flagUnordered
		d.tsn = p.tsn
		chunks := append([]byte{c.typ, 0, 0, 8, 1, 2, 3, 4}, d.appendTo(nil)...)
		must(t, p.send(p.a.myTag, chunks))
		_, delivered := p.a.PollRead()
		if delivered != c.skip {
			t.Fatalf("type %#x: chunk after it processed=%v, want %v", c.typ, delivered, c.skip)
		}
		if delivered {
			p.tsn++
		}
		reported := false
		for _, ch := range p.out() {
			if ch.typ == ctError {
				must(t, forEachCause(ch.value, func(e errorCause) { reported = e.code == CauseUnrecognizedChunkType }))
			}
		}
		if reported != c.report {
			t.Fatalf("type %#x: reported=%v", c.typ, reported)
		}
	}
}

// An ERROR chunk from the peer is reported as EventPeerError.
func TestPeerError(t *testing.T) {
	p := newEstablished(t, Config{})
	must(t, p.send(p.a.myTag, appendCauseChunk(nil, ctError, 0, CauseOutOfResource, nil)))
	p.drainEvents()
	if len(p.events) != 1 || p.events[0].Kind != EventPeerError || p.events[0].Cause != CauseOutOfResource {
		t.Fatalf("events %+v", p.events)
	}
}

// RFC 6525 §5.2.2: an incoming reset whose last assigned TSN has not
// arrived is answered "In progress" and performed once the data is in; a
// retransmitted request gets the same answer; a wrong sequence number gets
// "Bad Sequence Number"; unsupported requests are denied.
func TestIncomingResetInProgress(t *testing.T) {
	p := newEstablished(t, Config{})
	must(t, p.sendData(whole(4, 0, "a"))) // 1000
	missing := p.tsn                      // 1001, not sent yet
	p.tsn++
	p.out()
	reqSeq := uint32(1000) // RFC 6525 §5.1.1: starts at the initial TSN
	var rc []byte
	rc, off := appendChunkHeader(nil, ctReconfig, 0)
	rc = appendOutgoingReset(rc, reqSeq, 0, missing, []uint16{4})
	rc = finishChunk(rc, off)
	must(t, p.send(p.a.myTag, rc))
	if r := reconfigResults(t, p.out()); len(r) != 1 || r[0] != resultInProgress {
		t.Fatalf("before the data: %v", r)
	}
	must(t, p.sendData(dataChunk{tsn: missing, flags: flagBegin | flagEnd, stream: 4, ssn: 1, payload: []byte("b")}))
	p.drainEvents()
	found := false
	for _, e := range p.events {
		found = found || (e.Kind == EventIncomingStreamsReset && len(e.Streams) == 1 && e.Streams[0] == 4)
	}
	if !found {
		t.Fatalf("no incoming reset event: %+v", p.events)
	}
	if r := reconfigResults(t, p.out()); len(r) != 1 || r[0] != resultPerformed {
		t.Fatalf("after the data: %v", r)
	}
	// The peer retransmits the request: same answer.
	must(t, p.send(p.a.myTag, rc))
	if r := reconfigResults(t, p.out()); len(r) != 1 || r[0] != resultPerformed {
		t.Fatalf("retransmitted request: %v", r)
	}
	// A request from the future.
	bad, off := appendChunkHeader(nil, ctReconfig, 0)
	bad = appendOutgoingReset(bad, reqSeq+5, 0, missing, []uint16{4})
	bad = finishChunk(bad, off)
	must(t, p.send(p.a.myTag, bad))
	if r := reconfigResults(t, p.out()); len(r) != 1 || r[0] != resultBadSeq {
		t.Fatalf("bad sequence: %v", r)
	}
	// Add Outgoing Streams is denied.
	add, off := appendChunkHeader(nil, ctReconfig, 0)
	add = appendParamHeader(add, paramAddOutgoing, 12)
	add = binary.BigEndian.AppendUint32(add, reqSeq+1)
	add = append(add, 0, 5, 0, 0)
	add = finishChunk(add, off)
	must(t, p.send(p.a.myTag, add))
	if r := reconfigResults(t, p.out()); len(r) != 1 || r[0] != resultDenied {
		t.Fatalf("add streams: %v", r)
	}
	// After the reset, stream 4 starts again at SSN 0.
	must(t, p.sendData(whole(4, 0, "fresh")))
	var got []string
	for m, ok := p.a.PollRead(); ok; m, ok = p.a.PollRead() {
		got = append(got, string(m.Data))
	}
	if len(got) != 3 || got[2] != "fresh" {
		t.Fatalf("messages %v", got)
	}
}

func reconfigResults(t *testing.T, chunks []rawChunk) []reconfigResult {
	var out []reconfigResult
	for _, ch := range chunks {
		if ch.typ != ctReconfig {
			continue
		}
		must(t, forEachReconfigParam(ch.value, func(p *reconfigParam) {
			if p.typ == paramReconfigResp {
				out = append(out, p.result)
			}
		}))
	}
	return out
}

// Our reset request is retransmitted until answered; a denial is reported.
func TestOutgoingResetRetransmitAndDenied(t *testing.T) {
	p := newEstablished(t, Config{RTOInitial: 500 * time.Millisecond})
	if err := p.a.ResetStreams(2); err != nil {
		t.Fatal(err)
	}
	first := p.recvChunk(ctReconfig)
	var seq uint32
	must(t, forEachReconfigParam(first.value, func(r *reconfigParam) { seq = r.reqSeq }))
	p.advance(600 * time.Millisecond)
	p.recvChunk(ctReconfig)
	resp, off := appendChunkHeader(nil, ctReconfig, 0)
	resp = appendReconfigResponse(resp, seq, resultDenied)
	resp = finishChunk(resp, off)
	must(t, p.send(p.a.myTag, resp))
	p.drainEvents()
	if len(p.events) != 1 || p.events[0].Kind != EventStreamResetFailed || p.events[0].Err == nil {
		t.Fatalf("events %+v", p.events)
	}
	// The stream is writable again.
	if err := p.a.HandleWrite(Message{Stream: 2, PPID: 51, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
}

// HandleEvent mirrors the methods; the event queue is bounded.
func TestCommandsAndEventLimit(t *testing.T) {
	p := newEstablished(t, Config{MaxEvents: 2})
	if err := p.a.HandleEvent(Command{Kind: CommandResetStreams, Streams: []uint16{1}}); err != nil {
		t.Fatal(err)
	}
	if err := p.a.HandleEvent(Command{Kind: 99}); err == nil {
		t.Fatal("unknown command accepted")
	}
	// The shared rule (issue 12): a full event queue drops the new event,
	// counts it, and the next Handle* returns the loss, once.
	for range 5 {
		p.a.pushEvent(Event{Kind: EventPeerError})
	}
	if p.a.events.Len() != 2 || p.a.events.Lost() != 3 {
		t.Fatalf("events %d lost %d", p.a.events.Len(), p.a.events.Lost())
	}
	err := p.a.HandleTimeout(p.now)
	var oe *shared.OverflowError
	if !errors.Is(err, shared.ErrQueueFull) || !errors.As(err, &oe) || oe.Lost != 3 {
		t.Fatalf("HandleTimeout after the loss: %v", err)
	}
	if err := p.a.HandleTimeout(p.now); err != nil {
		t.Fatalf("the loss was reported twice: %v", err)
	}
	for range 2 {
		if _, ok := p.a.PollEvent(); !ok {
			t.Fatal("queued event lost")
		}
	}
	if err := p.a.HandleEvent(Command{Kind: CommandAbort, Reason: "done"}); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(p.a.Err(), ErrClosed) || p.a.HandleWrite(Message{Stream: 1, Data: []byte{1}}) != ErrClosed {
		t.Fatalf("after abort: %v", p.a.Err())
	}
}

// One-byte messages cost their bookkeeping too: a peer flooding them at a
// reader that never reads fills the window after ReceiveBufferSize/128
// messages, not ReceiveBufferSize.
func TestTinyMessageFlood(t *testing.T) {
	p := newEstablished(t, Config{ReceiveBufferSize: 64 << 10})
	for i := range 3000 {
		allow(t, p.sendData(dataChunk{flags: flagBegin | flagEnd | flagUnordered, stream: 1, ssn: uint16(i), payload: []byte{1}}), ErrOutOfWindow)
	}
	if n := p.a.reads.Len(); n > (64<<10)/rxMsgOverhead+1 {
		t.Fatalf("%d one-byte messages queued with a 64 KiB window", n)
	}
	if p.a.Stats().OutOfWindow == 0 {
		t.Fatal("nothing dropped")
	}
	// Reading reopens the window.
	for _, ok := p.a.PollRead(); ok; _, ok = p.a.PollRead() {
	}
	if s := p.sack(); s.rwnd < 60<<10 {
		t.Fatalf("window after reading: %d", s.rwnd)
	}
}

// RFC 6525 §4.1: an Outgoing SSN Reset Request with no stream list resets
// every stream; the event lists them in id order.
func TestIncomingResetAllStreams(t *testing.T) {
	p := newEstablished(t, Config{})
	for _, id := range []uint16{9, 2, 40, 5, 17} {
		must(t, p.sendData(whole(id, 0, "x")))
	}
	p.out()
	rc, off := appendChunkHeader(nil, ctReconfig, 0)
	rc = appendOutgoingReset(rc, 1000, 0, p.tsn-1, nil)
	rc = finishChunk(rc, off)
	must(t, p.send(p.a.myTag, rc))
	p.drainEvents()
	for _, e := range p.events {
		if e.Kind == EventIncomingStreamsReset {
			if !slices.Equal(e.Streams, []uint16{2, 5, 9, 17, 40}) {
				t.Fatalf("streams %v", e.Streams)
			}
			return
		}
	}
	t.Fatalf("no incoming reset event: %+v", p.events)
}
