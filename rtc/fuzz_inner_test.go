package rtc

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// innerLimits are a's limits in FuzzInnerTraffic, small so that a flood
// reaches them within one input.
var innerLimits = Configuration{MaxDataChannels: 8, MaxQueuedMessages: 16, MaxQueuedEvents: 64, MaxMessageSize: 4096}

// fuzzCerts are generated once: a fresh ECDSA key per input would be most
// of the fuzzer's time.
var fuzzCerts = sync.OnceValue(func() [2]*dtls.Certificate {
	var cs [2]*dtls.Certificate
	for i := range cs {
		c, err := dtls.GenerateCertificate(time.Unix(0, 0), dtls.KeyECDSAP256)
		if err != nil {
			panic(err)
		}
		cs[i] = c
	}
	return cs
})

// sealSCTP builds an SCTP packet of the given chunks that a's association
// accepts (its ports and verification tag, taken from hdr, a packet b
// really sent, and a valid CRC32c, RFC 9260 §6.8), and encrypts it with
// b's real DTLS session: what a hostile but authenticated peer can send.
func sealSCTP(t *testing.T, b *peer, hdr, chunks []byte) []shared.TaggedBytes {
	pkt := append(append([]byte(nil), hdr[:12]...), chunks...)
	binary.LittleEndian.PutUint32(pkt[8:12], 0)
	binary.LittleEndian.PutUint32(pkt[8:12], crc32.Checksum(pkt, crc32.MakeTable(crc32.Castagnoli)))
	d := b.pc.tr.conn
	if err := d.HandleWrite(pkt); err != nil {
		t.Fatalf("b's DTLS refused the packet: %v", err)
	}
	var out []shared.TaggedBytes
	for {
		tb, ok := d.PollWrite()
		if !ok {
			return out
		}
		out = append(out, shared.TaggedBytes{Transport: tb.Transport, Message: append([]byte(nil), tb.Message...)})
	}
}

// FuzzInnerTraffic drives a connected PeerConnection pair with hostile
// traffic inside the encrypted layers (issue 11, "the class"): b sends an
// arbitrary SCTP user message (any stream, any PPID: DCEP, text, binary,
// unknown) through its real association, then arbitrary SCTP chunks in a
// packet that passes a's verification tag and checksum, both encrypted
// with the real DTLS session. a must never panic, and its limits hold:
// channels, queued messages and events stay within the configuration.
func FuzzInnerTraffic(f *testing.F) {
	open := []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 'x'} // DCEP DATA_CHANNEL_OPEN, label "x"
	f.Add(open, uint16(3), uint32(50), []byte{})
	f.Add([]byte("hello"), uint16(1), uint32(51), []byte{6, 0, 0, 4})                                       // text, then ABORT
	f.Add([]byte{}, uint16(65535), uint32(53), []byte{0, 3, 0, 17, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 50, 2}) // DATA with a guessed TSN
	f.Add([]byte{2}, uint16(0), uint32(50), []byte{3, 0, 0, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0})        // DCEP ACK, SACK
	f.Add(open, uint16(5), uint32(50), []byte{130, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0})           // RE-CONFIG
	f.Add([]byte{}, uint16(0), uint32(0), []byte{7, 0, 0, 8, 0, 0, 0, 0, 8, 0, 0, 4})                       // SHUTDOWN, SHUTDOWN ACK
	f.Fuzz(func(t *testing.T, msg []byte, stream uint16, ppid uint32, chunks []byte) {
		// One packet's worth: longer inputs only make the minimizer slow.
		chunks, msg = chunks[:min(len(chunks), 1200)], msg[:min(len(msg), 8192)]
		certs := fuzzCerts()
		cfgA, cfgB := innerLimits, Configuration{}
		cfgA.Certificates, cfgB.Certificates = certs[:1], certs[1:]
		sim, a, b, dcs := connectedPair(t, 41, 1, cfgA, cfgB)
		// A packet b really sends gives a's ports and verification tag.
		if err := sim.Run(func() bool { return len(b.pc.DataChannels()) > 0 }, 1000); err != nil {
			t.Fatalf("b has no channel: %v", err)
		}
		id, _ := b.pc.DataChannels()[0].ID()
		if err := b.pc.data.mgr.Send(id, []byte("hdr"), false); err != nil { // not drained: AppendPacket below takes it
			t.Fatal(err)
		}
		hdr, ok := b.pc.data.mgr.AppendPacket(nil)
		if !ok {
			t.Fatal("b has no packet to send")
		}
		// A message through b's real association: DCEP or data, any stream.
		err := b.pc.data.mgr.Association().HandleWrite(sctp.Message{Stream: stream, PPID: sctp.PPID(ppid), Data: msg})
		b.pc.step()
		if err != nil {
			t.Logf("b's association refused the message: %v", err)
		}
		for _, tb := range sealSCTP(t, b, hdr, chunks) {
			sim.Inject(addrB, addrA, tb.Message)
		}
		if err := sim.RunFor(3*time.Second, 20000); err != nil {
			t.Logf("run: %v", err)
		}
		checkInnerLimits(t, a)
		// Whatever happened, a still sends on its own open channel, unless
		// the peer's SHUTDOWN stopped new data (RFC 9260 §9.2).
		if err := dcs[0].SendText("after"); err != nil && dcs[0].State() == DataChannelOpen && !errors.Is(err, sctp.ErrShuttingDown) {
			t.Errorf("send on an open channel after hostile traffic: %v", err)
		}
	})
}

func checkInnerLimits(t *testing.T, a *peer) {
	t.Helper()
	if n := len(a.pc.data.channels); n > innerLimits.MaxDataChannels {
		t.Errorf("%d channels, limit %d", n, innerLimits.MaxDataChannels)
	}
	if n := a.pc.out.reads.Len(); n > innerLimits.MaxQueuedMessages {
		t.Errorf("%d queued messages, limit %d", n, innerLimits.MaxQueuedMessages)
	}
	if n := a.pc.out.events.Len(); n > innerLimits.MaxQueuedEvents {
		t.Errorf("%d queued events, limit %d", n, innerLimits.MaxQueuedEvents)
	}
	for _, m := range a.Reads {
		if len(m.Data) > innerLimits.MaxMessageSize {
			t.Errorf("a %d-byte message delivered, limit %d", len(m.Data), innerLimits.MaxMessageSize)
		}
	}
}

// TestInnerTrafficReachesSCTP proves FuzzInnerTraffic's harness reaches
// a's association: an ABORT chunk sealed with b's session closes it.
func TestInnerTrafficReachesSCTP(t *testing.T) {
	sim, a, b, _ := connectedPair(t, 42, 1, Configuration{}, Configuration{})
	if err := sim.Run(func() bool { return len(b.pc.DataChannels()) > 0 }, 1000); err != nil {
		t.Fatal(err)
	}
	id, _ := b.pc.DataChannels()[0].ID()
	if err := b.pc.data.mgr.Send(id, []byte("hdr"), false); err != nil {
		t.Fatal(err)
	}
	hdr, ok := b.pc.data.mgr.AppendPacket(nil)
	if !ok {
		t.Fatal("b has no packet to send")
	}
	for _, tb := range sealSCTP(t, b, hdr, []byte{6, 0, 0, 4}) { // ABORT, no causes (RFC 9260 §3.3.7)
		sim.Inject(addrB, addrA, tb.Message)
	}
	if err := sim.Run(func() bool { return a.pc.SCTPState() == SCTPTransportClosed }, 1000); err != nil {
		t.Fatalf("the sealed ABORT did not reach a's association: %v", err)
	}
}
