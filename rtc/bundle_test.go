package rtc

import (
	"bytes"
	"testing"
	"time"
)

// TestSmallMessagesShareADatagram writes eight 100-byte messages in a row
// and checks that they leave in one datagram (RFC 9260 §6.10 bundling)
// instead of one each: HandleWrite queues into SCTP and PollWrite builds
// the packets (issue 18: CPU per small message). Before the fix every
// HandleWrite built and sealed its own packet: eight datagrams.
func TestSmallMessagesShareADatagram(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 7, 1, Configuration{}, Configuration{})
	settle := sim.Now().Add(2 * time.Second)
	if err := sim.Run(func() bool { return !sim.Now().Before(settle) }, 100000); err != nil {
		t.Fatal(err)
	}
	reads := len(b.Reads)
	for i := range 8 {
		msg := bytes.Repeat([]byte{byte(i)}, 100)
		if err := a.pc.HandleWrite(OutgoingMessage{Channel: dcs[0], Data: msg, Binary: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Drain the write side here, then hand the datagrams to the network.
	sent := 0
	for {
		tb, ok := a.pc.PollWrite()
		if !ok {
			break
		}
		sent++
		sim.Inject(tb.Transport.Local, tb.Transport.Peer, tb.Message)
	}
	if sent != 1 {
		t.Errorf("eight 100-byte messages left in %d datagrams, want 1", sent)
	}
	if err := sim.Run(func() bool { return len(b.Reads) == reads+8 }, 100000); err != nil {
		t.Fatalf("%d of 8 messages arrived: %v", len(b.Reads)-reads, err)
	}
	for i, m := range b.Reads[reads:] {
		if len(m.Data) != 100 || m.Data[0] != byte(i) {
			t.Fatalf("message %d: %d bytes starting %d", i, len(m.Data), m.Data[0])
		}
	}
	for _, p := range []*peer{a, b} {
		if len(p.errs) > 0 {
			t.Errorf("%s: %v", p.name, p.errs)
		}
	}
}
