package datachannel

import (
	"testing"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
)

// FuzzManager delivers arbitrary messages (any stream, any PPID, any
// bytes) to a live Manager through a real association: DCEP parsing,
// channel creation and PPID handling must never panic.
func FuzzManager(f *testing.F) {
	f.Add(uint16(1), uint32(PPIDDCEP), (&openMessage{typ: ChannelReliable, label: []byte("x")}).appendTo(nil))
	f.Add(uint16(1), uint32(PPIDDCEP), []byte{dcepAck})
	f.Add(uint16(3), uint32(PPIDStringPartial), []byte("part"))
	f.Add(uint16(0), uint32(PPIDBinaryEmpty), []byte{0})
	f.Fuzz(func(t *testing.T, stream uint16, ppid uint32, data []byte) {
		d := newDuo(t)
		d.connect()
		d.m[1].Open(Options{Label: "s"})
		d.run(func() bool { return d.has(0, EventDataChannel, 1) })
		d.m[1].Association().HandleWrite(sctp.Message{Stream: stream % 64, PPID: sctp.PPID(ppid), Data: data})
		for range 100 {
			if !d.step() {
				break
			}
		}
	})
}
