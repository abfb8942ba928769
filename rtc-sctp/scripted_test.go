package sctp

import (
	"bytes"
	"errors"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// peer is a scripted SCTP peer: the test writes its packets by hand and
// inspects what the association under test answers.
type peer struct {
	t      *testing.T
	a      *Association
	now    time.Time
	tag    uint32 // the scripted peer's verification tag
	tsn    uint32 // next TSN the scripted peer sends
	events []Event
}

// newEstablished returns an association established with a scripted peer
// (tag 0x11111111, initial TSN 1000) through the real handshake.
func newEstablished(t *testing.T, cfg Config) *peer {
	t.Helper()
	return newEstablishedWith(t, cfg, false)
}

// newEstablishedWith is newEstablished; with idata the scripted peer
// offers I-DATA (RFC 8260) too.
func newEstablishedWith(t *testing.T, cfg Config, idata bool) *peer {
	t.Helper()
	return newEstablishedInit(t, cfg, func(in *initChunk) { in.idata = idata })
}

// newEstablishedInit is newEstablished with the scripted peer's INIT
// changed by edit.
func newEstablishedInit(t *testing.T, cfg Config, edit func(*initChunk)) *peer {
	t.Helper()
	if cfg.Rand == nil {
		cfg.Rand = newSeeded(9)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, a: a, now: epoch, tag: 0x11111111, tsn: 1000}
	in := initChunk{tag: p.tag, rwnd: 1 << 20, os: 100, mis: 100, tsn: p.tsn, fwdTSN: true, reconfig: true}
	edit(&in)
	must(t, p.send(0, in.appendTo(nil)))
	ack := p.recvChunk(ctInitAck)
	if a.State() != StateClosed {
		t.Fatal("state changed before COOKIE ECHO: the passive side must keep none")
	}
	var ia initChunk
	if err := parseInit(true, ack.value, &ia); err != nil {
		t.Fatal(err)
	}
	must(t, p.send(ia.tag, appendBytesChunk(nil, ctCookieEcho, ia.cookie)))
	p.recvChunk(ctCookieAck)
	if a.State() != StateEstablished {
		t.Fatalf("state %v", a.State())
	}
	p.drainEvents()
	p.events = nil
	return p
}

func (p *peer) packet(vtag uint32, chunks []byte) []byte {
	b := appendCommonHeader(nil, DefaultPort, DefaultPort, vtag)
	b = append(b, chunks...)
	putChecksum(b)
	return b
}

func (p *peer) send(vtag uint32, chunks []byte) error {
	return p.a.HandleRead(shared.TaggedBytes{Now: p.now, Message: p.packet(vtag, chunks)})
}

func (p *peer) sendData(d dataChunk) error {
	if d.tsn == 0 {
		d.tsn = p.tsn
		p.tsn++
	}
	return p.send(p.a.myTag, d.appendTo(nil))
}

func (p *peer) drainEvents() {
	for e, ok := p.a.PollEvent(); ok; e, ok = p.a.PollEvent() {
		p.events = append(p.events, e)
	}
}

// out returns every chunk of every packet the association sends now.
func (p *peer) out() []rawChunk {
	var chunks []rawChunk
	for pkt, ok := p.a.PollWrite(); ok; pkt, ok = p.a.PollWrite() {
		var h commonHeader
		c, err := parsePacket(pkt.Message, &h)
		if err != nil {
			p.t.Fatal(err)
		}
		if h.checksum != 0 && h.checksum != packetChecksum(pkt.Message) {
			p.t.Fatal("bad checksum on an outgoing packet")
		}
		var ch rawChunk
		for {
			ok, err := nextChunk(&c, &ch)
			if err != nil {
				p.t.Fatalf("we sent a malformed chunk: %v", err)
			}
			if !ok {
				break
			}
			chunks = append(chunks, ch)
		}
	}
	p.drainEvents()
	return chunks
}

func (p *peer) recvChunk(t chunkType) rawChunk {
	p.t.Helper()
	for _, ch := range p.out() {
		if ch.typ == t {
			return ch
		}
	}
	p.t.Fatalf("no %v sent", t)
	return rawChunk{}
}

func (p *peer) wantIdle(why string) {
	p.t.Helper()
	if chunks := p.out(); len(chunks) != 0 {
		p.t.Fatalf("%s: sent %v", why, chunks[0].typ)
	}
}

func (p *peer) advance(d time.Duration) {
	p.now = p.now.Add(d)
	must(p.t, p.a.HandleTimeout(p.now))
}

func (p *peer) sack() sackChunk {
	p.t.Helper()
	ch := p.recvChunk(ctSack)
	var s sackChunk
	if err := parseSack(ch.value, &s); err != nil {
		p.t.Fatal(err)
	}
	return s
}

func whole(stream uint16, ssn uint16, data string) dataChunk {
	return dataChunk{flags: flagBegin | flagEnd, stream: stream, ssn: ssn, ppid: 51, payload: []byte(data)}
}

// RFC 9260 §6.2: "An endpoint SHOULD ... [send] a SACK for every second
// packet ... [and] within 200 ms of the arrival of any unacknowledged DATA".
func TestDelayedSack(t *testing.T) {
	p := newEstablished(t, Config{})
	must(t, p.sendData(whole(1, 0, "one")))
	p.wantIdle("no SACK before the delay for a single packet")
	p.advance(199 * time.Millisecond)
	p.wantIdle("no SACK before 200 ms")
	p.advance(time.Millisecond)
	if s := p.sack(); s.cumTSN != 1000 {
		t.Fatalf("cum %d", s.cumTSN)
	}
	must(t, p.sendData(whole(1, 1, "two")))
	p.wantIdle("first packet")
	must(t, p.sendData(whole(1, 2, "three")))
	if s := p.sack(); s.cumTSN != 1002 {
		t.Fatalf("SACK after the second packet: cum %d", s.cumTSN)
	}
}

// RFC 9260 §6.2, §3.3.4: gaps are reported at once in Gap Ack Blocks and
// duplicates in the duplicate TSN list.
func TestSackGapsAndDuplicates(t *testing.T) {
	p := newEstablished(t, Config{})
	must(t, p.sendData(whole(1, 0, "a"))) // 1000
	p.tsn++                               // 1001 lost
	must(t, p.sendData(whole(1, 2, "c"))) // 1002
	must(t, p.sendData(whole(1, 3, "d"))) // 1003
	p.tsn++                               // 1004 lost
	must(t, p.sendData(whole(1, 5, "f"))) // 1005
	s := p.sack()
	if s.cumTSN != 1000 || len(s.gaps) != 2 || s.gaps[0] != (gapBlock{2, 3}) || s.gaps[1] != (gapBlock{5, 5}) {
		t.Fatalf("SACK %+v", s)
	}
	must(t, p.sendData(dataChunk{tsn: 1002, flags: flagBegin | flagEnd, stream: 1, ssn: 2, payload: []byte("c")}))
	if s := p.sack(); len(s.dups) != 1 || s.dups[0] != 1002 {
		t.Fatalf("duplicates %+v", s.dups)
	}
	// Ordered delivery waits for SSN 1.
	if m, ok := p.a.PollRead(); !ok || string(m.Data) != "a" {
		t.Fatal("first message")
	}
	if _, ok := p.a.PollRead(); ok {
		t.Fatal("delivered past a gap on an ordered stream")
	}
	must(t, p.sendData(dataChunk{tsn: 1001, flags: flagBegin | flagEnd, stream: 1, ssn: 1, payload: []byte("b")}))
	var got []string
	for m, ok := p.a.PollRead(); ok; m, ok = p.a.PollRead() {
		got = append(got, string(m.Data))
	}
	if len(got) != 3 || got[0] != "b" || got[2] != "d" {
		t.Fatalf("after filling the gap: %v", got)
	}
}

// RFC 9260 §8.5: packets with a wrong verification tag or checksum are
// dropped and counted; garbage never panics.
func TestBadPackets(t *testing.T) {
	p := newEstablished(t, Config{DisableZeroChecksum: true})
	d := whole(1, 0, "x")
	d.tsn = 1000
	if err := p.send(p.a.myTag+1, d.appendTo(nil)); !errors.Is(err, ErrVerificationTag) {
		t.Fatalf("wrong tag: %v", err)
	}
	pkt := p.packet(p.a.myTag, d.appendTo(nil))
	pkt[len(pkt)-1] ^= 0xff
	if err := p.a.HandleRead(shared.TaggedBytes{Now: p.now, Message: pkt}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("bad checksum: %v", err)
	}
	zero := appendCommonHeader(nil, DefaultPort, DefaultPort, p.a.myTag)
	zero = d.appendTo(zero)
	if err := p.a.HandleRead(shared.TaggedBytes{Now: p.now, Message: zero}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("zero checksum when not offered: %v", err)
	}
	for _, g := range [][]byte{nil, {1}, make([]byte, 12), make([]byte, 13), bytes.Repeat([]byte{0xff}, 40)} {
		if err := p.a.HandleRead(shared.TaggedBytes{Now: p.now, Message: g}); err == nil {
			t.Fatalf("garbage %x accepted", g)
		}
	}
	// Truncated chunks under a valid header and checksum.
	for n := range d.size() {
		if err := p.send(p.a.myTag, d.appendTo(nil)[:n]); err == nil {
			t.Fatalf("DATA chunk truncated to %d bytes accepted", n)
		}
	}
	st := p.a.Stats()
	if st.BadTag != 1 || st.BadChecksum < 2 || st.Malformed == 0 {
		t.Fatalf("counters %+v", st)
	}
	if p.a.State() != StateEstablished {
		t.Fatalf("state %v after garbage", p.a.State())
	}
}

// RFC 9653: with zero checksums offered, a packet with checksum 0 is
// accepted, except one carrying INIT.
func TestZeroChecksumAccepted(t *testing.T) {
	p := newEstablished(t, Config{})
	d := whole(1, 0, "z")
	d.tsn = 1000
	pkt := appendCommonHeader(nil, DefaultPort, DefaultPort, p.a.myTag)
	pkt = d.appendTo(pkt)
	if err := p.a.HandleRead(shared.TaggedBytes{Now: p.now, Message: pkt}); err != nil {
		t.Fatal(err)
	}
	if m, ok := p.a.PollRead(); !ok || string(m.Data) != "z" {
		t.Fatal("zero-checksum packet not delivered")
	}
	in := initChunk{tag: 5, rwnd: 5000, os: 1, mis: 1, tsn: 1}
	pkt = appendCommonHeader(nil, DefaultPort, DefaultPort, 0)
	pkt = in.appendTo(pkt)
	if err := p.a.HandleRead(shared.TaggedBytes{Now: p.now, Message: pkt}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("INIT with zero checksum: %v", err)
	}
}

// RFC 9260 §5.2.2: an INIT on an established association is answered with
// a new tag and Tie-Tags; the association is untouched. A stale or forged
// cookie is refused (§5.1.5).
func TestUnexpectedInitAndCookies(t *testing.T) {
	p := newEstablished(t, Config{CookieLifetime: time.Second})
	myTag := p.a.myTag
	in := initChunk{tag: 0x2222, rwnd: 1 << 20, os: 10, mis: 10, tsn: 50}
	must(t, p.send(0, in.appendTo(nil)))
	var ia initChunk
	if err := parseInit(true, p.recvChunk(ctInitAck).value, &ia); err != nil {
		t.Fatal(err)
	}
	if ia.tag == myTag || p.a.myTag != myTag || p.a.State() != StateEstablished {
		t.Fatal("INIT changed the association or reused the tag")
	}
	// The cookie expires.
	p.now = p.now.Add(2 * time.Second)
	if err := p.send(ia.tag, appendBytesChunk(nil, ctCookieEcho, ia.cookie)); !errors.Is(err, ErrCookie) {
		t.Fatalf("stale cookie: %v", err)
	}
	errc := p.recvChunk(ctError)
	must(t, forEachCause(errc.value, func(c errorCause) {
		if c.code != CauseStaleCookie {
			t.Fatalf("cause %v", c.code)
		}
	}))
	// A forged cookie is dropped silently.
	bad := append([]byte(nil), ia.cookie...)
	bad[10] ^= 1
	if err := p.send(ia.tag, appendBytesChunk(nil, ctCookieEcho, bad)); !errors.Is(err, ErrCookie) {
		t.Fatalf("forged cookie: %v", err)
	}
	p.wantIdle("no answer to a forged cookie")
}

// RFC 9260 §6.3.1 RTO computation.
func TestRTO(t *testing.T) {
	a, err := New(Config{RTOMin: 100 * time.Millisecond, RTOMax: 2 * time.Second})
	must(t, err)
	s := &a.snd
	s.rttSample(200 * time.Millisecond)
	if s.srtt != 200*time.Millisecond || s.rttvar != 100*time.Millisecond || s.rto != 600*time.Millisecond {
		t.Fatalf("first sample: srtt %v rttvar %v rto %v", s.srtt, s.rttvar, s.rto)
	}
	s.rttSample(100 * time.Millisecond)
	// RTTVAR = 3/4*100 + 1/4*|200-100| = 100; SRTT = 7/8*200 + 1/8*100 = 187.5
	if s.rttvar != 100*time.Millisecond || s.srtt != 187500*time.Microsecond {
		t.Fatalf("second sample: srtt %v rttvar %v", s.srtt, s.rttvar)
	}
	for range 50 {
		s.rttSample(time.Millisecond)
	}
	if s.rto != 100*time.Millisecond {
		t.Fatalf("RTO below RTO.Min: %v", s.rto)
	}
	s.rttSample(10 * time.Second)
	if s.rto != 2*time.Second {
		t.Fatalf("RTO above RTO.Max: %v", s.rto)
	}
}

// RFC 9260 §7.2.4, §7.2.3, §7.2.1: three miss indications trigger a fast
// retransmit and halve cwnd; T3-rtx expiry drops cwnd to one MTU and
// retransmits; slow start grows cwnd by at most one MTU per SACK.
func TestCongestionControl(t *testing.T) {
	p := newEstablished(t, Config{MTU: 1200, RTOInitial: time.Second})
	a := p.a
	initial := a.snd.cwnd
	if initial != min(4*1200, max(2*1200, 4404)) {
		t.Fatalf("initial cwnd %d", initial)
	}
	// Fill cwnd with 1000-byte messages.
	for range 10 {
		must(t, a.HandleWrite(Message{Stream: 1, PPID: 53, Data: make([]byte, 1000)}))
	}
	var tsns []uint32
	for _, ch := range p.out() {
		if ch.typ == ctData {
			var d dataChunk
			must(t, parseDataChunk(false, ch.flags, ch.value, &d))
			tsns = append(tsns, d.tsn)
		}
	}
	if len(tsns) != 5 { // 4 MTU of cwnd, the last packet may overshoot
		t.Fatalf("sent %d chunks with cwnd %d", len(tsns), initial)
	}
	first := tsns[0]
	sackFor := func(cum uint32, gaps ...gapBlock) {
		s := sackChunk{cumTSN: cum, rwnd: 1 << 20, gaps: gaps}
		must(t, p.send(a.myTag, s.appendTo(nil)))
	}
	// Slow start: acking the first chunk grows cwnd by its bytes (< MTU).
	sackFor(first)
	if a.snd.cwnd != initial+1000 {
		t.Fatalf("slow start cwnd %d", a.snd.cwnd)
	}
	cw := a.snd.cwnd
	p.out()
	// first+1 is lost; three SACKs report later TSNs.
	sackFor(first, gapBlock{2, 2})
	sackFor(first, gapBlock{2, 3})
	if a.snd.inFR {
		t.Fatal("fast recovery after two miss indications")
	}
	sackFor(first, gapBlock{2, 4})
	if !a.snd.inFR || a.snd.cwnd != max(cw/2, 4*1200) {
		t.Fatalf("after 3 miss indications: inFR %v cwnd %d (was %d)", a.snd.inFR, a.snd.cwnd, cw)
	}
	var rtx []uint32
	for _, ch := range p.out() {
		if ch.typ == ctData {
			var d dataChunk
			must(t, parseDataChunk(false, ch.flags, ch.value, &d))
			rtx = append(rtx, d.tsn)
		}
	}
	if len(rtx) == 0 || rtx[0] != first+1 {
		t.Fatalf("fast retransmit sent %v", rtx)
	}
	// T3-rtx expiry: cwnd = 1 MTU, ssthresh = max(cwnd/2, 4 MTU).
	cw = a.snd.cwnd
	p.advance(a.snd.rto)
	if a.snd.cwnd != 1200 || a.snd.ssthresh != max(cw/2, 4*1200) || a.Stats().T3Expirations != 1 {
		t.Fatalf("after T3: cwnd %d ssthresh %d", a.snd.cwnd, a.snd.ssthresh)
	}
	if len(p.out()) == 0 {
		t.Fatal("nothing retransmitted after T3")
	}
}

// Limits: every configured limit is enforced.
func TestLimits(t *testing.T) {
	p := newEstablished(t, Config{MaxMessageSize: 1000, PeerMaxMessageSize: -1, SendBufferSize: 3000 + 3*msgOverhead, ReceiveBufferSize: 4000, MaxGapBlocks: 2})
	a := p.a
	if err := a.HandleWrite(Message{Stream: 1, Data: make([]byte, 1001)}); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("MaxMessageSize: %v", err)
	}
	if err := a.HandleWrite(Message{Stream: 1}); !errors.Is(err, ErrEmptyMessage) {
		t.Fatalf("empty: %v", err)
	}
	if err := a.HandleWrite(Message{Stream: 100, Data: []byte{1}}); !errors.Is(err, ErrInvalidStream) {
		t.Fatalf("stream beyond the negotiated count: %v", err)
	}
	for range 3 {
		if err := a.HandleWrite(Message{Stream: 1, Data: make([]byte, 1000)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.HandleWrite(Message{Stream: 1, Data: make([]byte, 1)}); !errors.Is(err, ErrSendBufferFull) {
		t.Fatalf("SendBufferSize: %v", err)
	}
	// The peer sends more than our window (4000): DATA above the highest
	// TSN received is dropped once the window is full.
	for i := range 6 {
		d := dataChunk{flags: flagBegin, stream: 2, ssn: uint16(i), payload: make([]byte, 1000)}
		allow(t, p.sendData(d), ErrOutOfWindow)
	}
	if a.rcv.buffered > 4000 || a.Stats().OutOfWindow == 0 {
		t.Fatalf("buffered %d out-of-window %d", a.rcv.buffered, a.Stats().OutOfWindow)
	}
	// Gap blocks are bounded.
	q := newEstablished(t, Config{MaxGapBlocks: 2})
	for i := range 4 {
		allow(t, q.sendData(dataChunk{tsn: 1002 + 2*uint32(i), flags: flagBegin | flagEnd, stream: 1, ssn: uint16(i), payload: []byte{1}}), ErrOutOfWindow)
	}
	if len(q.a.rcv.gaps) != 2 || q.a.Stats().OutOfWindow != 2 {
		t.Fatalf("gaps %v", q.a.rcv.gaps)
	}
	// A message larger than MaxMessageSize from the peer aborts.
	r := newEstablished(t, Config{MaxMessageSize: 1500})
	must(t, r.sendData(dataChunk{flags: flagBegin, stream: 1, payload: make([]byte, 1000)}))
	wantErr(t, r.sendData(dataChunk{flags: flagEnd, stream: 1, payload: make([]byte, 1000)}), ErrMessageTooLarge)
	if r.a.State() != StateClosed || r.recvChunk(ctAbort).typ != ctAbort {
		t.Fatal("oversized message did not abort")
	}
}

// A peer that starts messages and never finishes them cannot make the
// association hold more than its receive window.
func TestNeverFinishedMessages(t *testing.T) {
	p := newEstablished(t, Config{ReceiveBufferSize: 64 << 10})
	for i := range 500 {
		allow(t, p.sendData(dataChunk{flags: flagBegin, stream: uint16(i % 7), ssn: uint16(i), payload: make([]byte, 1000)}), ErrOutOfWindow)
	}
	if b := p.a.rcv.buffered; b > 64<<10 {
		t.Fatalf("holding %d bytes with a 64 KiB window", b)
	}
	s := p.sack()
	if s.rwnd >= 1000+fragOverhead {
		t.Fatalf("advertised %d with a full window", s.rwnd)
	}
}

// RFC 9260 §6.2: "the ACK delay MUST NOT be more than 500 ms": a longer
// DelayedAckTimeout is refused by New, and 500 ms is honoured.
func TestDelayedSackCapped(t *testing.T) {
	if _, err := New(Config{DelayedAckTimeout: 2 * time.Second}); !errors.Is(err, shared.ErrInvalidConfig) {
		t.Fatalf("New with a 2 s delayed ack: %v, want shared.ErrInvalidConfig", err)
	}
	p := newEstablished(t, Config{DelayedAckTimeout: 500 * time.Millisecond})
	must(t, p.sendData(whole(1, 0, "one")))
	p.advance(499 * time.Millisecond)
	p.wantIdle("no SACK before 500 ms")
	p.advance(time.Millisecond)
	if s := p.sack(); s.cumTSN != 1000 {
		t.Fatalf("cum %d", s.cumTSN)
	}
}
