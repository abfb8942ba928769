package dtls

import (
	"errors"
	"testing"

	"github.com/sansrtc/rtc/rtc-shared"
)

// Each configured limit is enforced and counted.

func TestLimitMaxHandshakeMessage(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.MaxHandshakeMessage = 100 // the ClientHello is larger
	p := newTestPair(t, cc, sc)
	dg, _ := p.client.PollWrite()
	err := p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: dg.Message})
	if !errors.Is(err, ErrLimit) || p.server.Stats().LimitExceeded != 1 || p.server.out.Len() != 0 {
		t.Fatalf("err %v stats %+v", err, p.server.Stats())
	}
}

func TestLimitMaxCertificateChain(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.MaxCertificateChain = 64 // the server's certificate is larger
	p := newTestPair(t, cc, sc)
	p.handshake(5)
	if !errors.Is(p.client.Err(), ErrLimit) || !errors.Is(p.client.Err(), AlertBadCertificate) {
		t.Fatalf("client err %v", p.client.Err())
	}
}

func TestLimitMaxBufferedHandshake(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.MaxBufferedHandshake = 1000
	p := newTestPair(t, cc, sc)
	in := func(b []byte) error {
		return p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: b})
	}
	// first fragments of two 600-byte ClientHellos: the second does not fit
	seq := uint64(0)
	frag := func(msgSeq uint16) []byte {
		hh := handshakeHeader{Type: TypeClientHello, Length: 600, MessageSeq: msgSeq, FragmentLength: 10}
		body := hh.AppendTo(nil)
		body = append(body, make([]byte, 10)...)
		rh := RecordHeader{Type: ContentHandshake, Version: versionDTLS12, Seq: seq, Length: uint16(len(body))}
		seq++
		return append(rh.AppendTo(nil), body...)
	}
	if err := in(frag(0)); err != nil {
		t.Fatal(err)
	}
	if err := in(frag(1)); !errors.Is(err, ErrLimit) || p.server.Stats().LimitExceeded != 1 {
		t.Fatalf("err %v", err)
	}
	if p.server.reasm.buffered != 600 {
		t.Fatalf("buffered %d", p.server.reasm.buffered)
	}
}

func TestLimitMaxQueued(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.MaxQueued = 4
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	for range 4 {
		if err := p.server.HandleWrite([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.server.HandleWrite([]byte("x")); err != ErrQueueFull {
		t.Fatalf("fifth write: %v", err)
	}
	for i := range 6 {
		noErr(t, p.client.HandleWrite([]byte("y")))
		dg, _ := p.client.PollWrite()
		err := p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: p.server.Transport(), Message: dg.Message})
		// The first four fill the read queue; the rest are dropped.
		if full := i >= 4; full != errors.Is(err, ErrQueueFull) || (!full && err != nil) {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if p.server.reads.Len() != 4 || p.server.Stats().QueueFull != 3 {
		t.Fatalf("reads %d stats %+v", p.server.reads.Len(), p.server.Stats())
	}
}

func TestLimitReplayWindow(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.ReplayWindow = 128
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	var dgs [][]byte
	for range 200 {
		noErr(t, p.client.HandleWrite([]byte("z")))
		dg, _ := p.client.PollWrite()
		dgs = append(dgs, dg.Message)
	}
	in := func(b []byte) error {
		return p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: p.server.Transport(), Message: b})
	}
	if err := in(dgs[199]); err != nil {
		t.Fatal(err)
	}
	if err := in(dgs[199-127]); err != nil { // inside the 128 window
		t.Fatal(err)
	}
	if err := in(dgs[199-128]); !errors.Is(err, ErrDropped) { // just outside
		t.Fatalf("old record: %v", err)
	}
}

func TestLimitMaxFragmentRanges(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.MaxFragmentRanges = 4
	p := newTestPair(t, cc, sc)
	seq := uint64(0)
	in := func(off uint32) error {
		hh := handshakeHeader{Type: TypeClientHello, Length: 600, FragmentOffset: off, FragmentLength: 10}
		body := append(hh.AppendTo(nil), make([]byte, 10)...)
		rh := RecordHeader{Type: ContentHandshake, Version: versionDTLS12, Seq: seq, Length: uint16(len(body))}
		seq++
		return p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: append(rh.AppendTo(nil), body...)})
	}
	for _, off := range []uint32{0, 100, 200, 300} { // four disjoint ranges
		if err := in(off); err != nil {
			t.Fatal(err)
		}
	}
	if err := in(400); !errors.Is(err, ErrLimit) || p.server.Stats().LimitExceeded != 1 {
		t.Fatalf("fifth gap: err %v, stats %+v", err, p.server.Stats())
	}
	// Fragments that extend or join existing ranges are still taken.
	for _, off := range []uint32{10, 290, 110} {
		if err := in(off); err != nil {
			t.Fatalf("offset %d: %v", off, err)
		}
	}
	if got := p.server.reasm.msgs[0].ranges; len(got) != 4 || got[0] != [2]uint32{0, 20} || got[1] != [2]uint32{100, 120} || got[3] != [2]uint32{290, 310} {
		t.Fatalf("ranges %v", got)
	}
}

// freshClient returns a client that has sent its ClientHello, and a function
// that feeds it one datagram of records as if from the server.
func freshClient(t *testing.T) (*Conn, func(recs ...[]byte) error) {
	t.Helper()
	cc, _ := defaultConfigs()
	c, err := NewClient(epoch0, shared.TransportContext{Local: clientAddr, Peer: serverAddr}, cc)
	if err != nil {
		t.Fatal(err)
	}
	for { // the ClientHello
		if _, ok := c.PollWrite(); !ok {
			break
		}
	}
	in := func(recs ...[]byte) error {
		var dg []byte
		for _, r := range recs {
			dg = append(dg, r...)
		}
		return c.HandleRead(shared.TaggedBytes{Now: epoch0, Transport: shared.TransportContext{Local: clientAddr, Peer: serverAddr}, Message: dg})
	}
	return c, in
}

func plainRecord(typ ContentType, epoch uint16, seq uint64, payload []byte) []byte {
	h := RecordHeader{Type: typ, Version: versionDTLS12, Epoch: epoch, Seq: seq, Length: uint16(len(payload))}
	return append(h.AppendTo(nil), payload...)
}

// TestLimitMessagesAhead: fragments of messages more than maxAhead beyond
// the next expected message_seq are dropped and counted.
func TestLimitMessagesAhead(t *testing.T) {
	c, in := freshClient(t)
	frag := func(seq uint16) []byte {
		hh := handshakeHeader{Type: TypeCertificate, Length: 100, MessageSeq: seq, FragmentLength: 10}
		return plainRecord(ContentHandshake, 0, uint64(seq), append(hh.AppendTo(nil), make([]byte, 10)...))
	}
	if err := in(frag(maxAhead - 1)); err != nil {
		t.Fatal(err)
	}
	if err := in(frag(maxAhead)); !errors.Is(err, ErrDropped) || c.Stats().LimitExceeded != 1 {
		t.Fatalf("err %v, stats %+v", err, c.Stats())
	}
	if len(c.reasm.msgs) != 1 {
		t.Fatalf("%d messages buffered", len(c.reasm.msgs))
	}
}

// TestLimitEarlyRecords: at most maxEarly epoch-1 records are held before
// the keys exist; the rest are dropped and counted.
func TestLimitEarlyRecords(t *testing.T) {
	c, in := freshClient(t)
	for i := range maxEarly + 1 {
		err := in(plainRecord(ContentHandshake, 1, uint64(i), make([]byte, 40)))
		if i < maxEarly && err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if i == maxEarly && (!errors.Is(err, ErrDropped) || c.Stats().WrongEpoch != 1) {
			t.Fatalf("record %d: err %v, stats %+v", i, err, c.Stats())
		}
	}
	if len(c.early) != maxEarly {
		t.Fatalf("%d early records held", len(c.early))
	}
}

// TestLimitHelloVerifies: beyond maxHelloVerifies, HelloVerifyRequests are
// ignored (counted, no new ClientHello) rather than failing the handshake.
func TestLimitHelloVerifies(t *testing.T) {
	c, in := freshClient(t)
	for i := range maxHelloVerifies + 1 {
		hvr := (&helloVerifyRequestMsg{Version: versionDTLS10, Cookie: []byte{byte(i)}}).Append(nil)
		if err := in(plainRecord(ContentHandshake, 0, uint64(i), appendMessage(nil, TypeHelloVerifyRequest, uint16(i), hvr))); err != nil {
			t.Fatalf("HVR %d: %v", i, err)
		}
		_, sent := c.PollWrite()
		if want := i < maxHelloVerifies; sent != want {
			t.Fatalf("HVR %d: ClientHello sent %v, want %v", i, sent, want)
		}
	}
	if s := c.Stats(); s.HelloVerifies != maxHelloVerifies+1 || s.BadHandshake != 1 || c.state != stateHandshake {
		t.Fatalf("stats %+v, state %v", s, c.state)
	}
}
