package sctp

import (
	"net/netip"
	"testing"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Replies use the transport context of the last valid packet, unchanged
// (Local is this end, Peer the other); a packet dropped for its checksum
// does not redirect them.
func TestReplyTransport(t *testing.T) {
	p := newEstablished(t, Config{DisableZeroChecksum: true})
	good := shared.TransportContext{Local: netip.MustParseAddrPort("192.0.2.1:5000"), Peer: netip.MustParseAddrPort("192.0.2.2:6000")}
	bad := shared.TransportContext{Local: good.Local, Peer: netip.MustParseAddrPort("203.0.113.9:7000")}
	d := whole(1, 0, "x")
	d.tsn = p.tsn
	pkt := p.packet(p.a.myTag, d.appendTo(nil))
	if err := p.a.HandleRead(shared.TaggedBytes{Now: p.now, Transport: good, Message: pkt}); err != nil {
		t.Fatal(err)
	}
	corrupt := p.packet(p.a.myTag, appendHeartbeat(nil, ctHeartbeat, []byte("ping")))
	corrupt[8] ^= 1
	if err := p.a.HandleRead(shared.TaggedBytes{Now: p.now, Transport: bad, Message: corrupt}); err == nil {
		t.Fatal("corrupted packet accepted")
	}
	p.advance(p.a.cfg.delayedAck())
	out, ok := p.a.PollWrite()
	if !ok {
		t.Fatal("no SACK")
	}
	if out.Transport != good {
		t.Fatalf("reply sent on %v, want %v", out.Transport, good)
	}
}
