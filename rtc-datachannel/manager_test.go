package datachannel

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type seeded struct{ r *rand.ChaCha8 }

func (s seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

func newSeeded(n byte) seeded { var k [32]byte; k[0] = n; return seeded{rand.NewChaCha8(k)} }

type pkt struct {
	at time.Time
	to int
	b  []byte
}

// duo pumps two Managers over an in-memory link.
type duo struct {
	t      *testing.T
	m      [2]*Manager
	now    time.Time
	delay  time.Duration
	drop   func() bool
	q      []pkt
	reads  [2][]Message
	events [2][]Event
	// appendBuf: side 0 sends with AppendPacket into this reused buffer.
	appendBuf []byte
	// tap, if set, sees every packet a side sends.
	tap func(from int, b []byte)
}

func newDuo(t *testing.T) *duo {
	t.Helper()
	var d duo
	d.t, d.now, d.delay = t, epoch, 5*time.Millisecond
	for i := range d.m {
		m, err := New(Config{DTLSClient: i == 0, SCTP: sctp.Config{Rand: newSeeded(byte(i + 1))}})
		if err != nil {
			t.Fatal(err)
		}
		d.m[i] = m
	}
	return &d
}

func (d *duo) drain() bool {
	moved := false
	for i, m := range d.m {
		for i == 0 && d.appendBuf != nil {
			b, ok := m.AppendPacket(d.appendBuf[:0])
			if !ok {
				break
			}
			moved = true
			d.q = append(d.q, pkt{d.now.Add(d.delay), 1, append([]byte(nil), b...)})
		}
		for p, ok := m.PollWrite(); ok; p, ok = m.PollWrite() {
			moved = true
			if d.tap != nil {
				d.tap(i, p.Message)
			}
			if d.drop == nil || !d.drop() {
				d.q = append(d.q, pkt{d.now.Add(d.delay), 1 - i, p.Message})
			}
		}
		for e, ok := m.PollEvent(); ok; e, ok = m.PollEvent() {
			moved = true
			d.events[i] = append(d.events[i], e)
		}
		for r, ok := m.PollRead(); ok; r, ok = m.PollRead() {
			moved = true
			d.reads[i] = append(d.reads[i], r)
		}
	}
	return moved
}

func (d *duo) step() bool {
	if d.drain() {
		return true
	}
	var next time.Time
	for _, p := range d.q {
		next = shared.Earliest(next, p.at)
	}
	for _, m := range d.m {
		if t, ok := m.PollTimeout(); ok {
			next = shared.Earliest(next, t)
		}
	}
	if next.IsZero() {
		return false
	}
	if next.After(d.now) {
		d.now = next
	}
	var due, rest []pkt
	for _, p := range d.q {
		if p.at.After(d.now) {
			rest = append(rest, p)
		} else {
			due = append(due, p)
		}
	}
	d.q = rest
	for _, p := range due {
		allow(d.t, d.m[p.to].HandleRead(shared.TaggedBytes{Now: d.now, Message: p.b}), netErrs...)
	}
	for _, m := range d.m {
		if t, ok := m.PollTimeout(); ok && !t.After(d.now) {
			must(d.t, m.HandleTimeout(d.now))
		}
	}
	return true
}

func (d *duo) run(done func() bool) {
	d.t.Helper()
	for range 100000 {
		if done() {
			return
		}
		if !d.step() && !done() {
			d.t.Fatal("idle before done")
		}
	}
	d.t.Fatal("step limit")
}

func (d *duo) has(side int, k EventKind, ch uint16) bool {
	for _, e := range d.events[side] {
		if e.Kind == k && e.Channel == ch {
			return true
		}
	}
	return false
}

func (d *duo) connect() {
	must(d.t, d.m[0].Connect(d.now))
	must(d.t, d.m[1].Connect(d.now))
	d.run(func() bool { return d.has(0, EventConnected, 0) && d.has(1, EventConnected, 0) })
}

func TestInBandOpenSendClose(t *testing.T) {
	d := newDuo(t)
	d.connect()
	id, err := d.m[0].Open(Options{Label: "chat", Protocol: "json"})
	if err != nil || id != 0 {
		t.Fatalf("Open = %d, %v; want even id 0", id, err)
	}
	sid := mustOpen(t, d.m[1], Options{Label: "srv"})
	if sid != 1 {
		t.Fatalf("server id = %d, want 1 (odd)", sid)
	}
	d.run(func() bool { return d.has(1, EventDataChannel, 0) && d.has(0, EventDataChannel, 1) })
	info, _ := d.m[1].Channel(0)
	if info.Label != "chat" || info.Protocol != "json" || info.Type != ChannelReliable || info.State != StateOpen {
		t.Fatalf("remote info %+v", info)
	}
	msgs := []Message{{Channel: 0, Data: []byte("hi")}, {Channel: 0, Data: []byte{}}, {Channel: 0, Binary: true, Data: []byte{}},
		{Channel: 0, Binary: true, Data: bytes.Repeat([]byte{7}, 60000)}}
	for _, m := range msgs {
		if err := d.m[0].HandleWrite(m); err != nil {
			t.Fatal(err)
		}
	}
	d.run(func() bool { return len(d.reads[1]) == len(msgs) })
	for i, m := range msgs {
		got := d.reads[1][i]
		if got.Binary != m.Binary || !bytes.Equal(got.Data, m.Data) || got.Data == nil {
			t.Fatalf("msg %d: got binary=%v len=%d", i, got.Binary, len(got.Data))
		}
	}
	if err := d.m[0].CloseChannel(0); err != nil {
		t.Fatal(err)
	}
	d.run(func() bool { return d.has(0, EventClose, 0) && d.has(1, EventClose, 0) })
	if !d.has(1, EventClosing, 0) {
		t.Fatal("remote side did not see closing")
	}
	if err := d.m[0].Send(0, []byte("x"), false); err != ErrUnknownChannel {
		t.Fatalf("send after close: %v", err)
	}
	// The id is reusable.
	if id := mustOpen(t, d.m[0], Options{Label: "again"}); id != 0 {
		t.Fatalf("reopen id %d", id)
	}
	d.run(func() bool {
		return len(d.events[1]) > 0 && d.has(1, EventDataChannel, 0) && func() bool { i, _ := d.m[1].Channel(0); return i.Label == "again" }()
	})
}

func TestNegotiated(t *testing.T) {
	d := newDuo(t)
	for i := range d.m {
		if _, err := d.m[i].Open(Options{Negotiated: true, ID: 7, Label: "neg"}); err != nil {
			t.Fatal(err)
		}
	}
	d.connect()
	d.run(func() bool { return d.has(0, EventOpen, 7) && d.has(1, EventOpen, 7) })
	must(t, d.m[1].Send(7, []byte("from server"), false))
	d.run(func() bool { return len(d.reads[0]) == 1 })
	if string(d.reads[0][0].Data) != "from server" {
		t.Fatal(d.reads[0])
	}
}

func TestChannelTypesAndPPIDs(t *testing.T) {
	d := newDuo(t)
	d.connect()
	three, ms := uint16(3), uint16(200)
	cases := []Options{
		{Label: "reliable"},
		{Label: "unordered", Unordered: true},
		{Label: "rexmit", MaxRetransmits: &three},
		{Label: "timed-unordered", Unordered: true, MaxPacketLifeTime: &ms, Protocol: "p", Priority: 512},
	}
	want := []ChannelType{ChannelReliable, ChannelReliableUnordered, ChannelPartialReliableRexmit, ChannelPartialReliableTimedUnordered}
	for i, o := range cases {
		id, err := d.m[0].Open(o)
		if err != nil {
			t.Fatal(err)
		}
		d.run(func() bool { return d.has(1, EventDataChannel, id) })
		info, _ := d.m[1].Channel(id)
		if info.Type != want[i] || info.Label != o.Label || info.Protocol != o.Protocol {
			t.Fatalf("%s: remote sees %+v", o.Label, info)
		}
		if o.MaxRetransmits != nil && info.Reliability != 3 || o.MaxPacketLifeTime != nil && info.Reliability != 200 {
			t.Fatalf("%s: reliability %d", o.Label, info.Reliability)
		}
		if o.Priority != 0 && info.Priority != o.Priority {
			t.Fatalf("priority %d", info.Priority)
		}
	}
	if _, err := d.m[0].Open(Options{MaxRetransmits: &three, MaxPacketLifeTime: &ms}); err != ErrBadOptions {
		t.Fatalf("both policies: %v", err)
	}
	// Deprecated partial PPIDs are joined on receive (RFC 8831 §8).
	a := d.m[0].Association()
	for _, p := range []struct {
		ppid uint32
		data string
	}{{PPIDStringPartial, "par"}, {PPIDStringPartial, "ti"}, {PPIDString, "al"}, {PPIDBinaryPartial, "x"}, {PPIDBinary, "y"}} {
		if err := a.HandleWrite(sctpMsg(0, p.ppid, p.data)); err != nil {
			t.Fatal(err)
		}
	}
	d.run(func() bool { return len(d.reads[1]) == 2 })
	if string(d.reads[1][0].Data) != "partial" || d.reads[1][0].Binary || string(d.reads[1][1].Data) != "xy" || !d.reads[1][1].Binary {
		t.Fatalf("joined %+v", d.reads[1])
	}
	// Unknown PPIDs and messages on unknown streams are counted and dropped.
	must(t, a.HandleWrite(sctpMsg(0, 99, "?")))
	must(t, a.HandleWrite(sctpMsg(40, PPIDString, "?")))
	d.run(func() bool { st := d.m[1].Stats(); return st.UnknownPPID == 1 && st.UnknownStream == 1 })
}

func TestBufferedAmountLow(t *testing.T) {
	d := newDuo(t)
	d.connect()
	id := mustOpen(t, d.m[0], Options{Label: "bulk"})
	d.run(func() bool { return d.has(0, EventOpen, id) })
	d.m[0].SetBufferedAmountLowThreshold(id, 10000)
	for range 20 {
		if err := d.m[0].Send(id, make([]byte, 2000), true); err != nil {
			t.Fatal(err)
		}
	}
	if got := d.m[0].BufferedAmount(id); got != 40000 {
		t.Fatalf("bufferedAmount %d, want 40000", got)
	}
	d.run(func() bool { return d.has(0, EventBufferedAmountLow, id) })
	if got := d.m[0].BufferedAmount(id); got > 10000 {
		t.Fatalf("low event with bufferedAmount %d", got)
	}
	d.run(func() bool { return len(d.reads[1]) == 20 })
}

func TestOpenWrongParityRefused(t *testing.T) {
	d := newDuo(t)
	d.connect()
	// The client must use even ids; an OPEN from it on an odd stream is refused.
	o := openMessage{typ: ChannelReliable, label: []byte("bad")}
	must(t, d.m[0].Association().HandleWrite(sctpMsgB(5, PPIDDCEP, o.appendTo(nil))))
	d.run(func() bool { return d.m[1].Stats().BadDCEP == 1 })
	if _, ok := d.m[1].Channel(5); ok {
		t.Fatal("channel created on the wrong parity")
	}
}

func TestMaxChannels(t *testing.T) {
	m, err := New(Config{DTLSClient: true, MaxChannels: 2})
	must(t, err)
	mustOpen(t, m, Options{})
	mustOpen(t, m, Options{})
	if _, err := m.Open(Options{}); err != ErrTooManyChannels {
		t.Fatalf("third channel: %v", err)
	}
	if _, err := m.Open(Options{Negotiated: true, ID: 0}); err != ErrStreamInUse && err != ErrTooManyChannels {
		t.Fatalf("negotiated id in use: %v", err)
	}
}

func TestSendBeforeOpen(t *testing.T) {
	m, err := New(Config{DTLSClient: true})
	must(t, err)
	id := mustOpen(t, m, Options{Label: "early"})
	if info, _ := m.Channel(id); info.State != StateConnecting {
		t.Fatalf("state %v", info.State)
	}
	if err := m.Send(id, []byte("x"), false); err != ErrNotOpen {
		t.Fatalf("send while connecting: %v", err)
	}
}

func sctpMsg(stream uint16, ppid uint32, data string) sctp.Message {
	return sctp.Message{Stream: stream, PPID: sctp.PPID(ppid), Data: []byte(data)}
}

func sctpMsgB(stream uint16, ppid uint32, data []byte) sctp.Message {
	return sctp.Message{Stream: stream, PPID: sctp.PPID(ppid), Data: data}
}

func TestManagerCloseAndCommands(t *testing.T) {
	d := newDuo(t)
	if _, err := d.m[0].Open(Options{Label: "early"}); err != nil {
		t.Fatal(err)
	}
	// Closing before the association is up closes at once.
	if err := d.m[0].HandleEvent(Command{Kind: CommandCloseChannel, Channel: 0}); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.m[0].Channel(0); ok {
		t.Fatal("channel survived a close before connecting")
	}
	if err := d.m[0].CloseChannel(42); err != ErrUnknownChannel {
		t.Fatalf("close unknown: %v", err)
	}
	if err := d.m[0].HandleEvent(Command{Kind: 77}); err == nil {
		t.Fatal("unknown command accepted")
	}
	must(t, d.m[0].HandleEvent(Command{Kind: CommandConnect, Now: d.now}))
	must(t, d.m[1].Connect(d.now))
	d.run(func() bool { return d.has(0, EventConnected, 0) && d.has(1, EventConnected, 0) })
	a := mustOpen(t, d.m[0], Options{Label: "a"})
	b := mustOpen(t, d.m[1], Options{Label: "b", Negotiated: true, ID: 200})
	mustOpen(t, d.m[0], Options{Label: "b", Negotiated: true, ID: 200})
	d.run(func() bool { return d.has(1, EventDataChannel, a) && d.has(1, EventOpen, b) })
	// Malformed and unknown DCEP messages are counted.
	as := d.m[0].Association()
	must(t, as.HandleWrite(sctpMsgB(a, PPIDDCEP, []byte{0x03, 0x01})))
	must(t, as.HandleWrite(sctpMsgB(a, PPIDDCEP, []byte{0x09})))
	if err := as.HandleWrite(sctpMsgB(a, PPIDDCEP, []byte{}[:0:0])); !errors.Is(err, sctp.ErrEmptyMessage) {
		t.Fatalf("empty DCEP message: %v", err)
	}
	d.run(func() bool { return d.m[1].Stats().BadDCEP >= 2 })
	// A graceful shutdown closes every channel on both sides.
	if err := d.m[0].Close(); err != nil {
		t.Fatal(err)
	}
	d.run(func() bool { return d.has(0, EventClosed, 0) && d.has(1, EventClosed, 0) })
	for i := range d.m {
		if !d.has(i, EventClose, a) || !d.has(i, EventClose, b) {
			t.Fatalf("side %d: channels not closed: %+v", i, d.events[i])
		}
	}
	if _, err := d.m[0].Open(Options{}); err != ErrClosed {
		t.Fatalf("open after close: %v", err)
	}
}

// The names are the RFC 8832 and W3C names.
func TestStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{ChannelReliable.String(), "DATA_CHANNEL_RELIABLE"},
		{ChannelPartialReliableTimedUnordered.String(), "DATA_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED"},
		{ChannelType(9).String(), "ChannelType(9)"},
		{StateConnecting.String(), "connecting"},
		{StateClosing.String(), "closing"},
		{State(9).String(), "State(9)"},
		{EventDataChannel.String(), "DataChannel"},
		{EventClosed.String(), "Closed"},
		{EventKind(99).String(), "EventKind(99)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A reader that stops reading cannot make the Manager hold more than
// MaxReadBuffer (plus the association's window): the peer is slowed down.
func TestReadBackpressure(t *testing.T) {
	d := newDuo(t)
	d.m[1].lim.maxReadBuffer = 100_000
	d.connect()
	id := mustOpen(t, d.m[0], Options{Label: "flood"})
	d.run(func() bool { return d.has(1, EventDataChannel, id) })
	sent := 0
	for range 400 {
		if d.m[0].Send(id, make([]byte, 10_000), true) == nil {
			sent++
		}
		// Drive the network without reading on side 1.
		for range 20 {
			for i, m := range d.m {
				for p, ok := m.PollWrite(); ok; p, ok = m.PollWrite() {
					allow(t, d.m[1-i].HandleRead(shared.TaggedBytes{Now: d.now, Message: p.Message}), netErrs...)
				}
			}
		}
		d.now = d.now.Add(10 * time.Millisecond)
		must(t, d.m[0].HandleTimeout(d.now))
		must(t, d.m[1].HandleTimeout(d.now))
	}
	held := d.m[1].readBytes
	if held > 100_000+10_000 {
		t.Fatalf("manager holds %d bytes with MaxReadBuffer 100000", held)
	}
	// Reading drains everything that was sent, in order.
	d.run(func() bool {
		got := 0
		for _, r := range d.reads[1] {
			got += len(r.Data)
		}
		return got == sent*10_000
	})
}

// Deprecated partial messages are bounded by MaxReadBuffer over all
// channels: past it the partial message is dropped with EventError.
func TestPartialLimit(t *testing.T) {
	d := newDuo(t)
	d.m[1].lim.maxReadBuffer = 5000
	d.connect()
	id := mustOpen(t, d.m[0], Options{Label: "p"})
	d.run(func() bool { return d.has(1, EventDataChannel, id) })
	for range 3 {
		must(t, d.m[0].Association().HandleWrite(sctpMsgB(id, PPIDBinaryPartial, make([]byte, 2000))))
	}
	d.run(func() bool { return d.has(1, EventError, id) })
	if d.m[1].partialBytes > 5000 {
		t.Fatalf("holding %d partial bytes", d.m[1].partialBytes)
	}
}

// TestAppendPacket: a side that sends with AppendPacket into one reused
// buffer opens channels and delivers messages like PollWrite does.
func TestAppendPacket(t *testing.T) {
	d := newDuo(t)
	d.appendBuf = make([]byte, 0, 2048)
	d.connect()
	if _, err := d.m[0].Open(Options{Label: "a"}); err != nil {
		t.Fatal(err)
	}
	d.run(func() bool { return d.has(1, EventDataChannel, 0) && d.has(0, EventOpen, 0) })
	msgs := [][]byte{[]byte("x"), bytes.Repeat([]byte{1}, 5000), bytes.Repeat([]byte{2}, 60000)}
	for _, m := range msgs {
		if err := d.m[0].Send(0, m, true); err != nil {
			t.Fatal(err)
		}
	}
	d.run(func() bool { return len(d.reads[1]) == len(msgs) })
	for i, m := range msgs {
		if !bytes.Equal(d.reads[1][i].Data, m) {
			t.Fatalf("message %d differs", i)
		}
	}
}

// Config.MaxEvents bounds the event queue. The shared rule (issue 12):
// what does not fit is dropped and counted, and the next Handle* call
// returns the loss once (an error wrapping shared.ErrQueueFull).
func TestMaxEvents(t *testing.T) {
	m, err := New(Config{MaxEvents: 2})
	if err != nil {
		t.Fatal(err)
	}
	for id := range uint16(3) {
		if _, err := m.Open(Options{Negotiated: true, ID: id}); err != nil {
			t.Fatal(err)
		}
		if err := m.CloseChannel(id); err != nil {
			t.Fatal(err)
		}
	}
	err = m.HandleTimeout(epoch)
	var oe *shared.OverflowError
	if !errors.Is(err, shared.ErrQueueFull) || !errors.As(err, &oe) || oe.Lost != 1 {
		t.Fatalf("HandleTimeout after the loss: %v", err)
	}
	if err := m.HandleTimeout(epoch); err != nil {
		t.Fatalf("loss reported twice: %v", err)
	}
	n := 0
	for _, ok := m.PollEvent(); ok; _, ok = m.PollEvent() {
		n++
	}
	if s := m.Stats(); n != 2 || s.EventsDropped != 1 || s.BadDCEP != 0 {
		t.Fatalf("%d events, stats %+v", n, s)
	}
}

// netErrs are what HandleRead returns for packets a duo delivers
// unaltered but that the receiver may rightly drop (see rtc-sctp).
var netErrs = []error{sctp.ErrOutOfWindow, sctp.ErrClosed, sctp.ErrVerificationTag, sctp.ErrCookie}

// mustOpen opens a channel that must open.
func mustOpen(t testing.TB, m *Manager, o Options) uint16 {
	t.Helper()
	id, err := m.Open(o)
	must(t, err)
	return id
}

// must and allow are the shared test helpers: no test discards an error.
var (
	must  = contracttest.Must
	allow = contracttest.Allow
)
