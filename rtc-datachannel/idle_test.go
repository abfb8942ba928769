package datachannel

import (
	"bytes"
	"testing"
	"unsafe"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
)

// TestReleaseIdle: ReleaseIdle on both Managers of an idle, open channel
// lets go of the DCEP scratch and what the association keeps for reuse;
// messages, a new in-band channel and a close still work afterwards
// (issue 18).
func TestReleaseIdle(t *testing.T) {
	// The DATA_CHANNEL_OPEN scratch is a local now: the Manager is 544
	// bytes, the 576-byte size class (600 and 640 before).
	if n := unsafe.Sizeof(Manager{}); n > 576 {
		t.Errorf("Manager is %d bytes, want at most 576", n)
	}
	d := newDuo(t)
	d.connect()
	id := mustOpen(t, d.m[0], Options{Label: "chat", Protocol: "json"})
	d.run(func() bool { return d.has(1, EventDataChannel, id) && d.has(0, EventOpen, id) })
	must(t, d.m[0].Send(id, []byte("before"), false))
	d.run(func() bool { return len(d.reads[1]) == 1 })
	for _, m := range d.m {
		m.ReleaseIdle()
		if m.buf != nil {
			t.Fatalf("DCEP scratch kept: %d bytes", cap(m.buf))
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

// TestManagerSize: a Manager keeps its own limits, with the defaults
// applied, and not a second copy of the association's sctp.Config: 376
// bytes, the 384-byte size class (544, the 576-byte class, before; issue
// 18).
func TestManagerSize(t *testing.T) {
	if n := unsafe.Sizeof(Manager{}); n > 384 {
		t.Errorf("Manager is %d bytes, want at most 384", n)
	}
	m, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := limits{maxChannels: 65534, maxOpenLabelBytes: DefaultMaxOpenLabelBytes, maxLabelBytes: DefaultMaxLabelBytes,
		maxReadBuffer: 1 << 20, maxMessageSize: sctp.DefaultMaxMessageSize}
	if m.lim != want {
		t.Errorf("default limits %+v, want %+v", m.lim, want)
	}
	cfg := Config{DTLSClient: true, MaxChannels: 10, MaxOpenLabelBytes: 20, MaxLabelBytes: 30, MaxReadBuffer: 40}
	cfg.SCTP.MaxMessageSize = 50
	if m, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	want = limits{dtlsClient: true, maxChannels: 10, maxOpenLabelBytes: 20, maxLabelBytes: 30, maxReadBuffer: 40, maxMessageSize: 50}
	if m.lim != want {
		t.Errorf("limits %+v, want %+v", m.lim, want)
	}
}
