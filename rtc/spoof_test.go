package rtc

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// addrEvil is an address that never was an ICE candidate of either peer.
var addrEvil = netip.MustParseAddrPort("203.0.113.66:4444")

// attackerClientHello returns a well-formed DTLS ClientHello from a
// stranger's DTLS client: what an off-path attacker who guessed the port
// can send.
func attackerClientHello(t testing.TB, now time.Time) []byte {
	t.Helper()
	cert, err := dtls.GenerateCertificate(now, dtls.KeyECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dtls.NewClient(now, shared.TransportContext{Local: addrEvil, Peer: addrA}, &dtls.Config{Certificate: cert, Rand: netsim.NewRand(99, "evil"), InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	tb, ok := c.PollWrite()
	if !ok {
		t.Fatal("the attacker's client sent no ClientHello")
	}
	return tb.Message
}

// poisonRecord is an epoch-0 handshake record with the largest sequence
// number (2^48-1): the record that moved the replay window of a DTLS
// endpoint before its handshake (issue 11).
func poisonRecord() []byte {
	return []byte{22, 0xfe, 0xfd, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 12,
		1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
}

// TestSpoofedDTLSOffPath: DTLS datagrams from an address that never was
// an ICE candidate must not reach DTLS (RFC 8445 §7.3.1.x: data is only
// exchanged on a validated pair; RFC 5764 §5.1.2: DTLS runs over the ICE
// selected pair). A stranger's ClientHello and a replay-window poisoning
// record sent to the DTLS server before the real peer's ClientHello are
// dropped and counted, and the real handshake completes.
func TestSpoofedDTLSOffPath(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 21})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	a := newPeer(t, sim, 21, "a", addrA)
	b := newPeer(t, sim, 21, "b", addrB)
	dc, err := a.pc.CreateDataChannel("x", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil) // a offers actpass, b answers active: a is the DTLS server
	sim.Inject(addrEvil, addrA, attackerClientHello(t, sim.Now()))
	sim.Inject(addrEvil, addrA, poisonRecord())
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 50000); err != nil {
		t.Fatalf("the real peer lost to the spoofed datagrams: %v (a %v, errs %v)", err, a.pc.ConnectionState(), a.errs)
	}
	if got := a.pc.Stats().DroppedOffPath; got < 2 {
		t.Errorf("DroppedOffPath = %d, want >= 2", got)
	}
}

// TestSpoofedDTLSAfterConnect: once connected, DTLS from a stranger's
// address (off path) or from an address of the peer that is not the
// selected pair's is dropped before DTLS, and the session keeps working.
func TestSpoofedDTLSAfterConnect(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 22, 1, Configuration{}, Configuration{})
	b.echo = true
	other := netip.AddrPortFrom(addrB.Addr(), addrB.Port()+1) // the peer's host, another port
	before := a.pc.Stats().DroppedOffPath
	for _, from := range []netip.AddrPort{addrEvil, other} {
		sim.Inject(from, addrA, attackerClientHello(t, sim.Now()))
		sim.Inject(from, addrA, poisonRecord())
	}
	if err := dcs[0].SendText("ping"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(a.Reads) > 0 }, 20000); err != nil {
		t.Fatalf("no echo after spoofed datagrams: %v", err)
	}
	if got := a.pc.Stats().DroppedOffPath - before; got != 4 {
		t.Errorf("DroppedOffPath grew by %d, want 4", got)
	}
	if len(a.errs) > 0 {
		t.Errorf("errors: %v", a.errs)
	}
}

// TestDTLSStartsWithTheClock: a PeerConnection made without
// Configuration.Now (as rtc/driver makes them) has no time until its first
// Handle* call. DTLS must not start then: its handshake timer would count
// from the zero time and expire at the first HandleTimeout, while the
// ClientHello waits for the pair to be selected (found by rtc/driver's
// TestEchoBothRoles, a flaky "handshake timed out").
func TestDTLSStartsWithTheClock(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 23})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	mk := func(name string, addr netip.AddrPort) *peer {
		pc, err := NewPeerConnection(Configuration{Rand: netsim.NewRand(23, name), LocalAddresses: []netip.AddrPort{addr}})
		if err != nil {
			t.Fatal(err)
		}
		p := wrapPeer(t, name, pc)
		sim.Add(p, addr)
		return p
	}
	a, b := mk("a", addrA), mk("b", addrB)
	dc, err := a.pc.CreateDataChannel("x", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 20000); err != nil {
		t.Fatalf("channel not open: %v (a %v, b %v, errs %v %v)", err, a.pc.ConnectionState(), b.pc.ConnectionState(), a.errs, b.errs)
	}
}

// TestEarlyDTLSFlood: before a pair is selected, a flood of DTLS datagrams
// from strangers (many small ones, then large ones) holds at most 8
// datagrams and 12000 bytes; the rest are refused with ErrLimit and
// counted, and the real handshake still completes (its ClientHello is
// retransmitted once the pair is selected).
func TestEarlyDTLSFlood(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 24})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	a := newPeer(t, sim, 24, "a", addrA)
	b := newPeer(t, sim, 24, "b", addrB)
	dc, err := a.pc.CreateDataChannel("x", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	hello := attackerClientHello(t, sim.Now())
	big := append(append([]byte(nil), hello...), make([]byte, 60000)...)
	refused := 0
	for i := range 200 {
		msg := hello
		if i >= 100 {
			msg = big
		}
		err := a.pc.HandleRead(shared.TaggedBytes{Now: sim.Now(), Transport: shared.TransportContext{Local: addrA, Peer: addrEvil}, Message: msg})
		if errors.Is(err, ErrLimit) {
			refused++
		} else if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if n, bytes := len(a.pc.tr.early), a.pc.tr.earlyBytes; n > maxEarlyDTLS || bytes > maxEarlyBytes {
			t.Fatalf("datagram %d: %d datagrams, %d bytes held", i, n, bytes)
		}
	}
	if refused != 200-maxEarlyDTLS {
		t.Errorf("%d refused, want %d", refused, 200-maxEarlyDTLS)
	}
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 50000); err != nil {
		t.Fatalf("the real peer lost to the flood: %v (%v, errs %v)", err, a.pc.ConnectionState(), a.errs)
	}
	if len(a.pc.tr.early) != 0 || a.pc.tr.earlyBytes != 0 {
		t.Errorf("held after selection: %d datagrams, %d bytes", len(a.pc.tr.early), a.pc.tr.earlyBytes)
	}
}

// TestSpoofedDTLSOnPath: an on-path attacker sends from the peer's own
// address (the selected pair), so its datagrams reach DTLS, which must
// reject them without harm once the session is up: a forged epoch-1
// record with the largest sequence number (it fails authentication, so
// the replay window must not move) and a replay of a real record. The
// session goes on.
func TestSpoofedDTLSOnPath(t *testing.T) {
	sim, a, b, dcs := connectedPair(t, 25, 1, Configuration{}, Configuration{})
	b.echo = true
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
	// A real record: an SCTP packet with one unknown chunk whose type says
	// "skip it" (RFC 9260 §3.2, upper bits 10).
	real := sealSCTP(t, b, hdr, []byte{0xbf, 0, 0, 4})
	forged := []byte{23, 0xfe, 0xfd, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 40}
	forged = append(forged, make([]byte, 40)...)
	before := a.pc.LayerStats().DTLS
	for _, m := range [][]byte{real[0].Message, real[0].Message, forged} {
		sim.Inject(addrB, addrA, m)
	}
	if err := dcs[0].SendText("after"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Run(func() bool { return len(a.Reads) > 0 }, 20000); err != nil {
		t.Fatalf("no echo after on-path forgeries: %v (errs %v)", err, a.errs)
	}
	if after := a.pc.LayerStats().DTLS; after == before {
		t.Errorf("DTLS counted nothing for the forged and replayed records: %+v", after)
	}
	if len(a.errs) > 0 {
		t.Errorf("errors: %v", a.errs)
	}
}

// TestPoisonOnPathBeforeHandshake: the replay-window poisoning record of
// issue 11 (epoch 0, sequence 2^48-1) sent from the peer's own address
// before the handshake reaches DTLS (it is on the selected pair); rtc-dtls
// advances its replay window only on authenticated records, so the real
// handshake completes.
func TestPoisonOnPathBeforeHandshake(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 27})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 5 * time.Millisecond})
	a := newPeer(t, sim, 27, "a", addrA)
	b := newPeer(t, sim, 27, "b", addrB)
	dc, err := a.pc.CreateDataChannel("x", DataChannelInit{})
	if err != nil {
		t.Fatal(err)
	}
	negotiate(t, a, b, nil)
	// The record carries a Finished fragment far ahead (message_seq 7), not
	// a ClientHello: a malformed ClientHello from the peer's address makes
	// the endpoints send a fatal alert, which an on-path attacker may do
	// (it can always deny service); this test is about the replay window.
	poison := []byte{22, 0xfe, 0xfd, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 12,
		20, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0}
	sim.Inject(addrB, addrA, poison) // to the DTLS server
	sim.Inject(addrA, addrB, poison) // and to the client
	if err := sim.Run(func() bool { return dc.State() == DataChannelOpen }, 50000); err != nil {
		t.Fatalf("the handshake lost to an on-path poisoning record: %v (a %v, errs %v %v)", err, a.pc.ConnectionState(), a.errs, b.errs)
	}
}
