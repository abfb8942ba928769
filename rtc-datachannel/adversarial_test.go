package datachannel

import (
	"bytes"
	"encoding/binary"
	"testing"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// newDuoCfg is newDuo with each side's Config changed by edit.
func newDuoCfg(t *testing.T, edit func(side int, c *Config)) *duo {
	t.Helper()
	d := newDuo(t)
	for i := range d.m {
		cfg := Config{DTLSClient: i == 0, SCTP: sctp.Config{Rand: newSeeded(byte(i + 1))}}
		edit(i, &cfg)
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d.m[i] = m
	}
	return d
}

// rawOpen makes side 0 send DATA_CHANNEL_OPEN on stream id itself,
// bypassing its Manager's checks, as a hostile peer would.
func (d *duo) rawOpen(id uint16, label, protocol []byte) {
	d.t.Helper()
	o := openMessage{typ: ChannelReliable, label: label, protocol: protocol}
	if err := d.m[0].Association().HandleWrite(sctpMsgB(id, PPIDDCEP, o.appendTo(nil))); err != nil {
		d.t.Fatal(err)
	}
}

// heapOfSide1 drops side 0 (the attacker, whose send buffers would count
// too) and the packets in flight, and returns the live heap.
func (d *duo) heapOfSide1() uint64 {
	d.m[0], d.q = nil, nil
	return contracttest.LiveHeap()
}

// Issue 11: DATA_CHANNEL_OPEN with a 64 KiB label and a 64 KiB protocol
// kept about 130 KiB per channel, with no byte cap. One OPEN over
// MaxOpenLabelBytes is refused (stream reset), and the peer's channels
// together keep at most MaxLabelBytes of labels and protocols.
func TestOpenLabelBytes(t *testing.T) {
	big := bytes.Repeat([]byte("L"), 0xffff)
	d := newDuoCfg(t, func(side int, c *Config) { c.SCTP.PeerMaxMessageSize, c.SCTP.SendBufferSize = -1, 64<<20 })
	d.connect()
	before := contracttest.LiveHeap()
	const opens = 100
	for i := range opens {
		d.rawOpen(uint16(2*i), big, big)
	}
	d.run(func() bool { return d.m[1].Stats().RefusedOpens == opens })
	grew := int64(d.heapOfSide1()) - int64(before)
	t.Logf("%d OPENs with 64 KiB label and protocol: %d channels, heap %+.2f MiB", opens, len(d.m[1].channels), float64(grew)/(1<<20))
	if len(d.m[1].channels) != 0 || d.m[1].labelBytes[remote] != 0 {
		t.Fatalf("%d channels, %d label bytes kept", len(d.m[1].channels), d.m[1].labelBytes[remote])
	}

	// Labels under the per-open cap: the byte budget stops them.
	d = newDuoCfg(t, func(side int, c *Config) { c.SCTP.PeerMaxMessageSize, c.SCTP.SendBufferSize = -1, 64<<20 })
	d.connect()
	label := bytes.Repeat([]byte("l"), DefaultMaxOpenLabelBytes/2)
	before = contracttest.LiveHeap()
	const many = 200
	for i := range many {
		d.rawOpen(uint16(2*i), label, label)
	}
	d.run(func() bool { return len(d.m[1].channels)+int(d.m[1].Stats().RefusedOpens) == many })
	grew = int64(d.heapOfSide1()) - int64(before)
	kept := d.m[1].labelBytes[remote]
	t.Logf("%d OPENs with %d byte label and protocol: %d channels, %d label bytes, heap %+.2f MiB", many, len(label), len(d.m[1].channels), kept, float64(grew)/(1<<20))
	if kept > DefaultMaxLabelBytes || len(d.m[1].channels) != DefaultMaxLabelBytes/(2*len(label)) {
		t.Fatalf("%d channels keep %d label bytes, budget %d", len(d.m[1].channels), kept, DefaultMaxLabelBytes)
	}
	if grew > 2*DefaultMaxLabelBytes {
		t.Fatalf("heap grew by %d bytes", grew)
	}
	// Our own channels have their own budget: the peer's cannot use it up.
	if _, err := d.m[1].Open(Options{Label: string(label), Protocol: string(label)}); err != nil {
		t.Fatalf("our open after the peer used its budget: %v", err)
	}
	if _, err := d.m[1].Open(Options{Label: string(big)}); err != ErrLabelTooLong {
		t.Fatalf("our open over the per-open cap: %v", err)
	}

	// Closing a channel returns its bytes to the budget.
	d = newDuoCfg(t, func(side int, c *Config) { c.MaxLabelBytes = 10 })
	d.connect()
	d.rawOpen(0, []byte("12345"), []byte("67890"))
	d.rawOpen(2, []byte("x"), nil)
	d.run(func() bool { return d.m[1].Stats().RefusedOpens == 1 && d.has(1, EventDataChannel, 0) })
	// The peer closes it (RFC 8831 §6.7: it resets its outgoing stream).
	if err := d.m[0].Association().ResetStreams(0); err != nil {
		t.Fatal(err)
	}
	d.run(func() bool { return d.has(1, EventClose, 0) })
	if d.m[1].labelBytes[remote] != 0 || d.m[1].count[remote] != 0 {
		t.Fatalf("after close: %d label bytes, %d channels", d.m[1].labelBytes[remote], d.m[1].count[remote])
	}
	d.rawOpen(4, []byte("abcdefghij"), nil)
	d.run(func() bool { return d.has(1, EventDataChannel, 4) })
}

// Issue 11: the peer's channels counted against our own MaxChannels, so a
// peer could stop us opening any. Each side now has its own MaxChannels.
func TestPeerChannelsSeparateBudget(t *testing.T) {
	d := newDuoCfg(t, func(side int, c *Config) { c.MaxChannels = 2 })
	d.connect()
	for i := range 3 {
		d.rawOpen(uint16(2*i), []byte("peer"), nil)
	}
	d.run(func() bool { return d.m[1].Stats().RefusedOpens == 1 })
	if n := len(d.m[1].channels); n != 2 {
		t.Fatalf("%d peer channels, limit 2", n)
	}
	for range 2 {
		if _, err := d.m[1].Open(Options{Label: "ours"}); err != nil {
			t.Fatalf("our open with the peer at its limit: %v", err)
		}
	}
	if _, err := d.m[1].Open(Options{Label: "ours"}); err != ErrTooManyChannels {
		t.Fatalf("third of ours: %v", err)
	}
}

// Issue 11: a message split with the deprecated partial PPIDs was joined
// past the maximum message size and delivered, and after the "too large"
// error its remaining pieces were delivered as a message. The limit holds
// while joining, including the final piece, and the rest of an oversized
// message is discarded up to its final piece.
func TestPartialPPIDs(t *testing.T) {
	const limit = sctp.DefaultMaxMessageSize
	cases := []struct {
		name   string
		pieces []int // partial pieces, then the final one
		ppids  [2]uint32
		ok     bool
	}{
		{"binary at the limit", []int{limit / 2, limit/2 - 1, 1}, [2]uint32{PPIDBinaryPartial, PPIDBinary}, true},
		{"text at the limit", []int{limit / 2, limit/2 - 1, 1}, [2]uint32{PPIDStringPartial, PPIDString}, true},
		{"binary one past", []int{limit / 2, limit / 2, 1}, [2]uint32{PPIDBinaryPartial, PPIDBinary}, false},
		{"past in the partials", []int{limit / 2, limit / 2, 1, 1000, 1000}, [2]uint32{PPIDBinaryPartial, PPIDBinary}, false},
		{"466944 bytes (the report)", []int{65536, 65536, 65536, 65536, 65536, 65536, 65536, 8192}, [2]uint32{PPIDStringPartial, PPIDString}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDuoCfg(t, func(side int, cfg *Config) {
				cfg.SCTP.PeerMaxMessageSize = -1
				cfg.MaxReadBuffer = 4 << 20
			})
			d.connect()
			id, err := d.m[0].Open(Options{Label: "p"})
			if err != nil {
				t.Fatal(err)
			}
			d.run(func() bool { return d.has(1, EventDataChannel, id) })
			as := d.m[0].Association()
			total := 0
			for i, n := range c.pieces {
				ppid := c.ppids[0]
				if i == len(c.pieces)-1 {
					ppid = c.ppids[1]
				}
				total += n
				if err := as.HandleWrite(sctpMsgB(id, ppid, make([]byte, n))); err != nil {
					t.Fatal(err)
				}
			}
			// A normal message after it arrives as itself.
			if err := d.m[0].Send(id, []byte("after"), false); err != nil {
				t.Fatal(err)
			}
			d.run(func() bool { return len(d.reads[1]) > 0 && string(d.reads[1][len(d.reads[1])-1].Data) == "after" })
			want := 1
			if c.ok {
				want = 2
				if len(d.reads[1]) != 2 || len(d.reads[1][0].Data) != total {
					t.Fatalf("reads %d", len(d.reads[1]))
				}
			}
			if len(d.reads[1]) != want {
				for _, r := range d.reads[1] {
					t.Logf("read %d bytes", len(r.Data))
				}
				t.Fatalf("%d messages delivered, want %d", len(d.reads[1]), want)
			}
			if errs := countEvents(d.events[1], EventError); errs != boolInt(!c.ok) {
				t.Fatalf("%d error events", errs)
			}
			if d.m[1].partialBytes != 0 {
				t.Fatalf("still holding %d partial bytes", d.m[1].partialBytes)
			}
		})
	}
}

func countEvents(evs []Event, k EventKind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DATA_CHANNEL_OPEN's label and protocol length fields at 0, 1, one
// short, exact, one over and 0xffff: only the exact lengths parse (RFC
// 8832 §5.1); the rest are counted as bad DCEP, and no channel is made.
func TestOpenLengthFields(t *testing.T) {
	label, protocol := []byte("label"), []byte("proto")
	o := openMessage{typ: ChannelReliable, label: label, protocol: protocol}
	valid := o.appendTo(nil)
	for _, field := range []int{8, 10} { // label length, protocol length
		exact := 5
		for _, l := range []int{0, 1, exact - 1, exact, exact + 1, 0xffff} {
			b := append([]byte(nil), valid...)
			binary.BigEndian.PutUint16(b[field:], uint16(l))
			var got openMessage
			err := parseOpen(b, &got)
			if (err == nil) != (l == exact) {
				t.Errorf("length field at %d = %d: %v", field, l, err)
			}
		}
	}
	// Every strict prefix fails.
	for n := range len(valid) {
		var got openMessage
		if parseOpen(valid[:n], &got) == nil {
			t.Fatalf("prefix of %d bytes parsed", n)
		}
	}
}

// Every DCEP message and PPID on a channel in every state (open, closing,
// closed, never opened, opened by us and not yet acknowledged): nothing
// panics, what cannot be delivered is counted, and no channel appears
// that the peer was not allowed to open.
func TestMessageInEveryChannelState(t *testing.T) {
	open := (&openMessage{typ: ChannelReliable, label: []byte("x")}).appendTo(nil)
	msgs := []struct {
		ppid uint32
		data []byte
	}{
		{PPIDDCEP, open}, {PPIDDCEP, []byte{dcepAck}}, {PPIDDCEP, []byte{0x07, 1, 2}}, {PPIDDCEP, []byte{dcepOpen}},
		{PPIDString, []byte("s")}, {PPIDBinary, []byte{1}}, {PPIDStringEmpty, []byte{0}}, {PPIDBinaryEmpty, []byte{0}},
		{PPIDStringPartial, []byte("p")}, {PPIDBinaryPartial, []byte{2}}, {99, []byte("?")},
	}
	states := []string{"open", "closing", "closed", "unknown", "ours unacknowledged"}
	for _, st := range states {
		for _, m := range msgs {
			d := newDuo(t)
			d.connect()
			var id uint16
			switch st {
			case "open", "closing", "closed":
				id = mustOpen(t, d.m[1], Options{Label: "c"})
				d.run(func() bool { return d.has(0, EventDataChannel, id) && d.has(1, EventOpen, id) })
				if st != "open" {
					must(t, d.m[0].CloseChannel(id))
				}
				if st == "closed" {
					d.run(func() bool { return d.has(0, EventClose, id) })
				}
			case "unknown":
				id = 41
			case "ours unacknowledged":
				id = mustOpen(t, d.m[0], Options{Label: "c", Negotiated: true, ID: 6})
			}
			allow(t, d.m[1].Association().HandleWrite(sctpMsgB(id, m.ppid, m.data)), sctp.ErrStreamResetting)
			for range 200 {
				if !d.step() {
					break
				}
			}
			for ch := range d.m[0].channels {
				if ch%2 == 1 && d.m[0].channels[ch].side == local {
					t.Fatalf("%s/%d: our channel on the peer's parity", st, m.ppid)
				}
			}
			checkBudgets(t, d.m[0])
		}
	}
}

// A peer that sends deprecated partial pieces on many channels and never
// the final piece makes the Manager hold at most MaxReadBuffer of them
// (and each message at most the maximum message size): the live heap stays
// within twice that.
func TestPartialFloodHeap(t *testing.T) {
	d := newDuoCfg(t, func(side int, c *Config) { c.SCTP.PeerMaxMessageSize, c.SCTP.SendBufferSize = -1, 64<<20 })
	d.connect()
	const channels = 8
	for i := range channels {
		d.rawOpen(uint16(2*i), []byte("p"), nil)
	}
	d.run(func() bool { return len(d.m[1].channels) == channels })
	before := contracttest.LiveHeap()
	piece := make([]byte, 60<<10)
	const pieces = 4 * channels // 4 pieces (240 KiB, under the message size) per channel: 1.9 MB offered
	for i := range pieces {
		must(t, d.m[0].Association().HandleWrite(sctpMsgB(uint16(2*(i%channels)), PPIDBinaryPartial, piece)))
		if i%8 == 7 {
			for range 400 {
				if !d.step() {
					break
				}
			}
		}
	}
	d.run(func() bool { return d.m[0].Association().BufferedAmountTotal() == 0 })
	held := d.m[1].partialBytes
	discarded := d.m[1].Stats().DiscardedPartials
	grew := int64(d.heapOfSide1()) - int64(before)
	limit := d.m[1].lim.maxReadBuffer
	t.Logf("%d partial pieces of %d bytes on %d channels: %d bytes held, heap %+.2f MiB, %d pieces discarded",
		pieces, len(piece), channels, held, float64(grew)/(1<<20), discarded)
	if held > limit || grew > 2*int64(limit) {
		t.Fatalf("held %d bytes, heap grew by %d", held, grew)
	}
}
