package datachannel

import (
	"encoding/binary"
	"testing"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
)

// fuzzRecord encodes one message of a FuzzManager input: stream, PPID,
// unordered, length, bytes.
func fuzzRecord(stream uint16, ppid uint32, unordered bool, data []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, stream)
	b = append(b, byte(ppid))
	u := byte(0)
	if unordered {
		u = 1
	}
	b = append(b, u)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// FuzzManager sends a sequence of arbitrary messages (any stream, any
// PPID, ordered or not, any bytes) from a peer association to an
// ESTABLISHED Manager through a real SCTP association (issue 11: hostile
// DCEP and PPID traffic). DCEP parsing, channel creation, the deprecated
// partial PPIDs and the limits must hold: nothing panics, no queue
// overflows, and the label, channel and partial-message budgets are kept.
// The corpus holds the messages of a real exchange.
func FuzzManager(f *testing.F) {
	open := (&openMessage{typ: ChannelReliable, label: []byte("chat"), protocol: []byte("x")}).appendTo(nil)
	f.Add(fuzzRecord(1, PPIDDCEP, false, open))
	f.Add(fuzzRecord(1, PPIDDCEP, false, []byte{dcepAck}))
	f.Add(fuzzRecord(3, PPIDStringPartial, false, []byte("part")))
	f.Add(fuzzRecord(0, PPIDBinaryEmpty, false, []byte{0}))
	var real []byte
	real = append(real, fuzzRecord(1, PPIDDCEP, false, open)...)
	real = append(real, fuzzRecord(1, PPIDString, false, []byte("hello"))...)
	real = append(real, fuzzRecord(1, PPIDBinaryPartial, false, make([]byte, 300))...)
	real = append(real, fuzzRecord(1, PPIDBinary, false, make([]byte, 30))...)
	real = append(real, fuzzRecord(3, PPIDDCEP, true, open)...)
	f.Add(real)
	f.Fuzz(func(t *testing.T, seq []byte) {
		d := newDuoCfg(t, func(side int, c *Config) {
			c.MaxChannels, c.MaxLabelBytes, c.MaxReadBuffer = 8, 4096, 64<<10
		})
		d.connect()
		id, err := d.m[1].Open(Options{Label: "s"})
		must(t, err)
		d.run(func() bool { return d.has(0, EventDataChannel, id) })
		peer := d.m[1].Association()
		for len(seq) >= 6 {
			stream := binary.BigEndian.Uint16(seq) % 64
			ppid := uint32(seq[2])
			unordered := seq[3]&1 != 0
			n := min(int(binary.BigEndian.Uint16(seq[4:])), len(seq)-6)
			data := seq[6 : 6+n]
			seq = seq[6+n:]
			allow(t, peer.HandleWrite(sctp.Message{Stream: stream, PPID: sctp.PPID(ppid), Unordered: unordered, Data: data}),
				sctp.ErrEmptyMessage, sctp.ErrStreamResetting, sctp.ErrSendBufferFull, sctp.ErrMessageTooLarge)
			for range 20 {
				if !d.step() {
					break
				}
			}
			checkBudgets(t, d.m[0])
		}
		for range 200 {
			if !d.step() {
				break
			}
		}
		checkBudgets(t, d.m[0])
	})
}

// checkBudgets checks the Manager's limits.
func checkBudgets(t *testing.T, m *Manager) {
	t.Helper()
	for side := range 2 {
		if m.count[side] > m.lim.maxChannels || m.labelBytes[side] > m.lim.maxLabelBytes || m.count[side] < 0 || m.labelBytes[side] < 0 {
			t.Fatalf("side %d: %d channels, %d label bytes", side, m.count[side], m.labelBytes[side])
		}
	}
	if m.partialBytes < 0 || m.partialBytes > m.lim.maxReadBuffer {
		t.Fatalf("%d partial bytes held", m.partialBytes)
	}
	if m.count[local]+m.count[remote] != len(m.channels) {
		t.Fatalf("counts %v for %d channels", m.count, len(m.channels))
	}
}
