package turn

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

func FuzzParseChannelData(f *testing.F) {
	f.Add(AppendChannelData(nil, 0x4000, []byte("hello"), true))
	f.Add(AppendChannelData(nil, 0x4FFF, nil, false))
	f.Add([]byte{0x40, 0, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, data, err := ParseChannelData(b)
		if err != nil {
			return
		}
		out := AppendChannelData(nil, ch, data, false)
		ch2, data2, err := ParseChannelData(out)
		if err != nil || ch2 != ch || !bytes.Equal(data, data2) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzFramer feeds arbitrary stream bytes, in arbitrary chunks, to the
// framer: it never panics, never returns more than it was given, and stays
// within its limit.
func FuzzFramer(f *testing.F) {
	f.Add(append(stunMsg(f, 3), AppendChannelData(nil, 0x4000, []byte("x"), true)...), uint8(5))
	f.Fuzz(func(t *testing.T, b []byte, cut uint8) {
		fr := NewFramer(512)
		step := int(cut%64) + 1
		total, given := 0, len(b)
		for len(b) > 0 {
			n := min(step, len(b))
			if fr.Push(b[:n]) != nil {
				return
			}
			b = b[n:]
			for {
				m, ok, err := fr.Next()
				if err != nil || !ok {
					break
				}
				total += len(m)
			}
			if fr.Buffered() > 512 {
				t.Fatal("buffered past the limit")
			}
		}
		if total > given {
			t.Fatalf("framed %d bytes out of %d", total, given)
		}
	})
}

// FuzzClientInput drives an allocated client with random server input
// over UDP and TCP.
func FuzzClientInput(f *testing.F) {
	f.Add([]byte{0x40, 0, 0, 1, 9}, false)
	f.Add(stunMsg(f, 4), true)
	f.Fuzz(func(t *testing.T, b []byte, tcp bool) {
		proto := shared.UDP
		if tcp {
			proto = shared.TCP
		}
		c, err := NewClient(Config{Server: netip.MustParseAddrPort("203.0.113.1:3478"), Local: netip.MustParseAddrPort("192.0.2.1:5000"),
			Username: "u", Password: "p", Protocol: proto, Rand: bytes.NewReader(bytes.Repeat([]byte{1}, 4096))})
		Must(t, err)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		Must(t, c.HandleTimeout(now))
		Must(t, c.Allocate())
		WantDropped(t, c.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: c.cfg.Local, Peer: c.cfg.Server, Protocol: proto}, Message: b}))
		Must(t, c.HandleTimeout(now.Add(time.Minute)))
		for {
			if _, ok := c.PollWrite(); !ok {
				break
			}
		}
	})
}
