package dtls

// Adversarial tests, written as an attacker would (issue 11): spoofed and
// forged records before, during and after the handshake, from the peer's
// own address (on-path or spoofing) and from a stranger (off-path). The
// README's "Threat model" section summarises what they establish.

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/sansrtc/rtc/rtc-shared"
)

// strangerAddr is an address that is neither endpoint: an off-path sender,
// or a spoofed source that never answers.
var strangerAddr = netip.MustParseAddrPort("203.0.113.9:4444")

// inject hands c one datagram from the given source, as the network would.
func (p *testPair) inject(c *Conn, from netip.AddrPort, dg []byte) error {
	local := serverAddr
	if c.isClient {
		local = clientAddr
	}
	return c.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: local, Peer: from}, Message: dg})
}

// peerOf is the address c's legitimate peer sends from.
func peerOf(c *Conn) netip.AddrPort {
	if c.isClient {
		return serverAddr
	}
	return clientAddr
}

// TestReplayWindowPoisoningBeforeHandshake: one spoofed epoch-0 record with
// sequence number 2^48-1 must not move the replay window. RFC 6347
// §4.1.2.6: "The receive window is updated only if the MAC verification
// succeeds"; epoch 0 is never authenticated, so nothing in it may move the
// window. Before the fix every real handshake record afterwards was dropped
// as a replay and the handshake timed out, on either side, with or without
// HelloVerifyRequest.
func TestReplayWindowPoisoningBeforeHandshake(t *testing.T) {
	records := map[string][]byte{
		"change_cipher_spec": plainRecord(ContentChangeCipherSpec, 0, maxSeq, []byte{1}),
		"empty handshake":    plainRecord(ContentHandshake, 0, maxSeq, nil),
		"warning alert":      plainRecord(ContentAlert, 0, maxSeq, []byte{byte(AlertLevelWarning), byte(AlertNoRenegotiation)}),
		"half-way seq":       plainRecord(ContentChangeCipherSpec, 0, 1<<47, []byte{1}),
	}
	for _, client := range []bool{true, false} {
		for _, hvr := range []bool{false, true} {
			for _, from := range []netip.AddrPort{{}, strangerAddr} {
				for name, rec := range records {
					role := map[bool]string{true: "client", false: "server"}[client]
					t.Run(fmt.Sprintf("%s/hvr=%v/from=%v/%s", role, hvr, from, name), func(t *testing.T) {
						cc, sc := defaultConfigs()
						sc.HelloVerify = hvr
						p := newTestPair(t, cc, sc)
						target := p.server
						if client {
							target = p.client
						}
						src := from
						if !src.IsValid() {
							src = peerOf(target) // spoofed as the real peer
						}
						// A server without a ClientHello drops an alert (it
						// has no peer yet); everything else is harmless.
						if err := p.inject(target, src, rec); err != nil && !errors.Is(err, ErrDropped) {
							t.Fatalf("spoofed record: %v", err)
						}
						mustHandshake(t, p)
						if n := target.Stats().Replayed; n != 0 {
							t.Fatalf("%d real records dropped as replays", n)
						}
					})
				}
			}
		}
	}
}

// TestForgedEpoch1HighSequence: epoch-1 records with forged high sequence
// numbers fail the AEAD and must not move the window: before the keys
// (held, then dropped when they fail), while the peer's Finished is
// awaited, and after the handshake.
func TestForgedEpoch1HighSequence(t *testing.T) {
	forged := plainRecord(ContentHandshake, 1, maxSeq, make([]byte, 48))
	forgedData := plainRecord(ContentApplicationData, 1, maxSeq, make([]byte, 48))
	t.Run("before keys", func(t *testing.T) {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		for _, c := range []*Conn{p.client, p.server} {
			if err := p.inject(c, peerOf(c), forged); err != nil {
				t.Fatal(err)
			}
		}
		mustHandshake(t, p)
		for _, c := range []*Conn{p.client, p.server} {
			if c.stats.AuthFailed != 1 {
				t.Fatalf("isClient %v: %d records failed authentication, want 1", c.isClient, c.stats.AuthFailed)
			}
		}
	})
	t.Run("awaiting Finished", func(t *testing.T) {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		injected := false
		p.filter = func(fromClient bool, dg []byte) bool {
			// The client has its keys once flight 5 leaves.
			if fromClient && p.client.readCipher != nil && !injected {
				injected = true
				if err := p.inject(p.client, serverAddr, forged); !errors.Is(err, ErrDropped) {
					t.Errorf("forged record: %v, want ErrDropped", err)
				}
			}
			return true
		}
		mustHandshake(t, p)
		if !injected {
			t.Fatal("not injected")
		}
	})
	t.Run("established", func(t *testing.T) {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		mustHandshake(t, p)
		for _, c := range []*Conn{p.client, p.server} {
			for _, rec := range [][]byte{forged, forgedData} {
				if err := p.inject(c, peerOf(c), rec); !errors.Is(err, ErrDropped) {
					t.Fatalf("forged record: %v, want ErrDropped", err)
				}
			}
		}
		if err := p.client.HandleWrite([]byte("after")); err != nil {
			t.Fatal(err)
		}
		if err := p.server.HandleWrite([]byte("after")); err != nil {
			t.Fatal(err)
		}
		p.pump()
		if len(p.sReads) != 1 || len(p.cReads) != 1 {
			t.Fatalf("reads after forged records: server %q client %q", p.sReads, p.cReads)
		}
	})
}

// strangerHello returns the ClientHello datagram of a client at from, with
// its own seed: a complete, valid ClientHello that is not the peer's.
func strangerHello(t *testing.T, from netip.AddrPort, seed string) (*Conn, []byte) {
	t.Helper()
	cc, _ := defaultConfigs()
	cc.Rand = newSeededRand(seed)
	c, err := NewClient(epoch0, shared.TransportContext{Local: from, Peer: serverAddr}, cc)
	if err != nil {
		t.Fatal(err)
	}
	dg, ok := c.PollWrite()
	if !ok {
		t.Fatal("no ClientHello")
	}
	return c, dg.Message
}

// TestFirstClientHelloDoesNotWin: a server that learns its peer from
// ClientHellos must not be taken by the first one, which could come from a
// spoofed or hostile address (issue 11). Before the fix the server bound
// itself to the first datagram's source, sent its flight there and
// answered the real client's ClientHello as a retransmission, to the
// stranger, until the handshake timed out.
func TestFirstClientHelloDoesNotWin(t *testing.T) {
	for _, hvr := range []bool{false, true} {
		t.Run(fmt.Sprintf("hvr=%v", hvr), func(t *testing.T) {
			cc, sc := defaultConfigs()
			sc.HelloVerify = hvr
			p := newTestPair(t, cc, sc)
			_, hello := strangerHello(t, strangerAddr, "stranger")
			if err := p.inject(p.server, strangerAddr, hello); err != nil {
				t.Fatal(err)
			}
			if dg, ok := p.server.PollWrite(); !ok || dg.Transport.Peer != strangerAddr {
				t.Fatalf("the stranger was not answered where it sent from: %v %v", ok, dg.Transport)
			}
			for _, ok := p.server.PollWrite(); ok; _, ok = p.server.PollWrite() {
			}
			mustHandshake(t, p)
			if p.server.Transport().Peer != clientAddr || !p.server.verified {
				t.Fatalf("server peer %v, verified %v", p.server.Transport().Peer, p.server.verified)
			}
			if !hvr && p.server.Stats().Restarts != 1 {
				t.Fatalf("restarts %d, want 1", p.server.Stats().Restarts)
			}
			// Once the peer is verified, a stranger is dropped, before
			// and after completion, and changes nothing.
			if err := p.inject(p.server, strangerAddr, hello); !errors.Is(err, ErrDropped) {
				t.Fatalf("stranger after completion: %v", err)
			}
			if p.server.Stats().WrongSource != 1 || p.server.out.Len() != 0 {
				t.Fatalf("stats %+v, %d queued", p.server.Stats(), p.server.out.Len())
			}
		})
	}
}

// deliver hands every datagram c has queued to dst, as from src; it
// returns how many went.
func (p *testPair) deliver(t *testing.T, c, dst *Conn, src netip.AddrPort) int {
	t.Helper()
	n := 0
	for dg, ok := c.PollWrite(); ok; dg, ok = c.PollWrite() {
		if err := p.inject(dst, src, dg.Message); err != nil && !errors.Is(err, ErrDropped) {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// TestVerifiedPeerNotDisplaced: with HelloVerify the peer has proved its
// address before the server binds; a stranger, even one that receives at
// its own address, is dropped without an answer.
func TestVerifiedPeerNotDisplaced(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.HelloVerify = true
	p := newTestPair(t, cc, sc)
	p.deliver(t, p.client, p.server, clientAddr) // ClientHello
	p.deliver(t, p.server, p.client, serverAddr) // HelloVerifyRequest
	p.deliver(t, p.client, p.server, clientAddr) // ClientHello with the cookie
	if !p.server.bound || !p.server.verified {
		t.Fatal("server not bound to the verified client")
	}
	_, hello := strangerHello(t, strangerAddr, "stranger")
	if err := p.inject(p.server, strangerAddr, hello); !errors.Is(err, ErrDropped) {
		t.Fatalf("stranger: %v", err)
	}
	for dg, ok := p.server.PollWrite(); ok; dg, ok = p.server.PollWrite() {
		if dg.Transport.Peer != clientAddr {
			t.Fatalf("a datagram went to %v", dg.Transport.Peer)
		}
		if err := p.inject(p.client, serverAddr, dg.Message); err != nil {
			t.Fatal(err)
		}
	}
	mustHandshake(t, p)
}

// TestUnverifiedPeerDisplacedOnce documents the trade-off without
// HelloVerify: a peer accepted without a cookie can be displaced, once, by
// a source that proves it receives at its address (a spoofed source cannot);
// the new peer is verified and is not displaced in turn. In WebRTC the
// PeerConnection passes DTLS only from the ICE-validated pair, so this
// stranger would have to hold the ICE credentials.
func TestUnverifiedPeerDisplacedOnce(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	p.deliver(t, p.client, p.server, clientAddr) // ClientHello: bound, unverified
	for _, ok := p.server.PollWrite(); ok; _, ok = p.server.PollWrite() {
	}
	stranger, hello := strangerHello(t, strangerAddr, "stranger")
	if err := p.inject(p.server, strangerAddr, hello); err != nil {
		t.Fatal(err)
	}
	if p.server.Stats().HelloVerifies != 1 || p.server.Transport().Peer != clientAddr {
		t.Fatalf("no HelloVerifyRequest for the stranger: %+v", p.server.Stats())
	}
	p.deliver(t, p.server, stranger, serverAddr)
	p.deliver(t, stranger, p.server, strangerAddr) // the ClientHello with the cookie
	if p.server.Stats().Restarts != 1 || p.server.Transport().Peer != strangerAddr || !p.server.verified {
		t.Fatalf("not restarted with the verified stranger: %+v", p.server.Stats())
	}
	// The displaced client's retransmission is dropped, unanswered.
	_, again := strangerHello(t, clientAddr, "client")
	if err := p.inject(p.server, clientAddr, again); !errors.Is(err, ErrDropped) || p.server.Stats().Restarts != 1 {
		t.Fatalf("displaced client: %v, %+v", err, p.server.Stats())
	}
}
