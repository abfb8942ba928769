package datachannel

import (
	"bytes"
	"testing"
)

// TestReleaseIdle: ReleaseIdle on both Managers of an idle, open channel
// lets go of the DCEP scratch and what the association keeps for reuse;
// messages, a new in-band channel and a close still work afterwards
// (issue 18).
func TestReleaseIdle(t *testing.T) {
	d := newDuo(t)
	d.connect()
	id := mustOpen(t, d.m[0], Options{Label: "chat", Protocol: "json"})
	d.run(func() bool { return d.has(1, EventDataChannel, id) && d.has(0, EventOpen, id) })
	must(t, d.m[0].Send(id, []byte("before"), false))
	d.run(func() bool { return len(d.reads[1]) == 1 })
	for _, m := range d.m {
		m.ReleaseIdle()
		if m.buf != nil || m.open.label != nil {
			t.Fatalf("DCEP scratch kept: %d bytes, label %q", cap(m.buf), m.open.label)
		}
	}
	big := bytes.Repeat([]byte{9}, 5000)
	must(t, d.m[0].Send(id, big, true))
	must(t, d.m[1].Send(id, []byte("back"), false))
	d.run(func() bool { return len(d.reads[1]) == 2 && len(d.reads[0]) == 1 })
	if !bytes.Equal(d.reads[1][1].Data, big) || string(d.reads[0][0].Data) != "back" {
		t.Fatal("wrong data after ReleaseIdle")
	}
	for _, m := range d.m {
		m.ReleaseIdle()
	}
	id2 := mustOpen(t, d.m[1], Options{Label: "second"})
	d.run(func() bool { return d.has(0, EventDataChannel, id2) })
	must(t, d.m[0].CloseChannel(id))
	d.run(func() bool { return d.has(0, EventClose, id) && d.has(1, EventClose, id) })
}
