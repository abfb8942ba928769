package dtls

// Adversarial tests, written as an attacker would (issue 11): spoofed and
// forged records before, during and after the handshake, from the peer's
// own address (on-path or spoofing) and from a stranger (off-path). The
// README's "Threat model" section summarises what they establish.

import (
	"bytes"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

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

// TestForgedFragmentDoesNotBlock: one forged partial fragment that
// disagrees with the real message (another length) used to hold the
// message_seq slot for good, so the real message never reassembled. The
// newest disagreeing fragment now replaces a partial message.
func TestForgedFragmentDoesNotBlock(t *testing.T) {
	partial := func(typ HandshakeType, seq uint16) []byte {
		hh := handshakeHeader{Type: typ, Length: 300, MessageSeq: seq, FragmentLength: 10}
		return plainRecord(ContentHandshake, 0, 7, append(hh.AppendTo(nil), make([]byte, 10)...))
	}
	for _, hvr := range []bool{false, true} {
		for _, from := range []netip.AddrPort{clientAddr, strangerAddr} {
			t.Run(fmt.Sprintf("server/hvr=%v/from=%v", hvr, from), func(t *testing.T) {
				cc, sc := defaultConfigs()
				sc.HelloVerify = hvr
				p := newTestPair(t, cc, sc)
				for _, seq := range []uint16{0, 1} {
					if err := p.inject(p.server, from, partial(TypeClientHello, seq)); err != nil {
						t.Fatal(err)
					}
				}
				mustHandshake(t, p)
			})
		}
	}
	t.Run("client", func(t *testing.T) {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		for seq := range uint16(6) {
			if err := p.inject(p.client, serverAddr, partial(TypeCertificate, seq)); err != nil {
				t.Fatal(err)
			}
		}
		mustHandshake(t, p)
	})
}

// TestHelloRequestDuringHandshake: RFC 5246 §7.4.1.1: a HelloRequest
// during a handshake is ignored. A forged one used to take message_seq 0,
// so the real ServerHello looked like a retransmission.
func TestHelloRequestDuringHandshake(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	if err := p.inject(p.client, serverAddr, plainRecord(ContentHandshake, 0, 3, appendMessage(nil, TypeHelloRequest, 0, nil))); err != nil {
		t.Fatal(err)
	}
	mustHandshake(t, p)
	if e := findEvent(p.sEvents, EventAlert); e != nil {
		t.Fatalf("the client answered a HelloRequest: %+v", e)
	}
}

// TestSerialEdges audits every counter at its half-way point and its wrap
// (issue 11). DTLS record sequence numbers are 48-bit counters that must
// never wrap (RFC 6347 §4.1), not RFC 1982 serial numbers: 2^47 is an
// ordinary value and 2^48-1 the last.
func TestSerialEdges(t *testing.T) {
	t.Run("send sequence exhausted", func(t *testing.T) {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		mustHandshake(t, p)
		p.client.writeSeq[1] = maxSeq // the last number
		if err := p.client.HandleWrite([]byte("last")); err != nil {
			t.Fatal(err)
		}
		if err := p.client.HandleWrite([]byte("wrap")); !errors.Is(err, ErrSequenceExhausted) {
			t.Fatalf("write past 2^48-1: %v", err)
		}
		if p.client.state != stateClosed || !errors.Is(p.client.Err(), ErrSequenceExhausted) {
			t.Fatalf("state %v err %v", p.client.state, p.client.Err())
		}
		p.pump()
		if len(p.sReads) != 1 || string(p.sReads[0]) != "last" {
			t.Fatalf("reads %q", p.sReads)
		}
	})
	t.Run("receive at 2^47 and 2^48-1", func(t *testing.T) {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		mustHandshake(t, p)
		send := func(seq uint64, msg string) {
			p.client.writeSeq[1] = seq
			if err := p.client.HandleWrite([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			p.pump()
		}
		send(1<<47-1, "a")
		send(1<<47, "b")
		send(1<<47+1, "c")
		send(1<<47, "replayed") // the same number again: a replay
		send(maxSeq, "d")
		send(1<<47+2, "too old") // left of the window now
		want := []string{"a", "b", "c", "d"}
		if fmt.Sprint(p.sReads) != fmt.Sprint(bytesOf(want)) {
			t.Fatalf("reads %q, want %q", p.sReads, want)
		}
		if p.server.Stats().Replayed != 2 {
			t.Fatalf("replayed %d, want 2", p.server.Stats().Replayed)
		}
	})
	t.Run("epochs", func(t *testing.T) {
		c, in := freshClient(t)
		for _, e := range []uint16{2, 1 << 15, 1<<16 - 1} {
			if err := in(plainRecord(ContentHandshake, e, 0, make([]byte, 40))); !errors.Is(err, ErrDropped) {
				t.Fatalf("epoch %d: %v", e, err)
			}
		}
		if c.Stats().WrongEpoch != 3 || len(c.early) != 0 {
			t.Fatalf("stats %+v, %d held", c.Stats(), len(c.early))
		}
	})
	t.Run("ClientHello message_seq", func(t *testing.T) {
		for _, tc := range []struct {
			seq uint16
			ok  bool
		}{{0, true}, {maxHelloSeq, true}, {maxHelloSeq + 1, false}, {1 << 15, false}, {1<<16 - 1, false}} {
			cc, sc := defaultConfigs()
			p := newTestPair(t, cc, sc)
			hello, _ := p.client.PollWrite()
			rec := append([]byte(nil), hello.Message...)
			rec[recordHeaderLen+4], rec[recordHeaderLen+5] = byte(tc.seq>>8), byte(tc.seq)
			err := p.inject(p.server, clientAddr, rec)
			if tc.ok != (err == nil) || tc.ok != p.server.bound {
				t.Fatalf("message_seq %d: err %v, bound %v", tc.seq, err, p.server.bound)
			}
			if tc.ok && (p.server.recvSeq != tc.seq+1 || p.server.sendSeq < tc.seq) {
				t.Fatalf("message_seq %d: recv %d send %d", tc.seq, p.server.recvSeq, p.server.sendSeq)
			}
		}
	})
	t.Run("message_seq far ahead", func(t *testing.T) {
		c, in := freshClient(t)
		for _, seq := range []uint16{1 << 15, 1<<16 - 1} {
			hh := handshakeHeader{Type: TypeCertificate, Length: 10, MessageSeq: seq, FragmentLength: 10}
			if err := in(plainRecord(ContentHandshake, 0, 1, append(hh.AppendTo(nil), make([]byte, 10)...))); !errors.Is(err, ErrDropped) {
				t.Fatalf("message_seq %d: %v", seq, err)
			}
		}
		if c.Stats().LimitExceeded != 2 || len(c.reasm.msgs) != 0 {
			t.Fatalf("stats %+v", c.Stats())
		}
	})
}

func bytesOf(s []string) [][]byte {
	out := make([][]byte, len(s))
	for i := range s {
		out[i] = []byte(s[i])
	}
	return out
}

// TestFragmentLengthEdges: fragment_offset + fragment_length against the
// message length at 0, 1, max and max+1 (24-bit fields, RFC 6347 §4.2.2).
func TestFragmentLengthEdges(t *testing.T) {
	const max24 = 1<<24 - 1
	for _, tc := range []struct {
		length, off, n uint32
		ok             bool
	}{
		{0, 0, 0, true}, {1, 0, 1, true}, {1, 1, 0, true}, {1, 1, 1, false}, {1, 0, 2, false},
		{max24, 0, 0, true}, {max24, max24, 0, true}, {max24, max24 - 1, 1, true}, {max24, max24, 1, false},
		{max24, max24 - 1, 2, false}, {0, max24, max24, false},
	} {
		hh := handshakeHeader{Type: TypeCertificate, Length: tc.length, FragmentOffset: tc.off, FragmentLength: tc.n}
		b := append(hh.AppendTo(nil), make([]byte, min(tc.n, 4))...)
		_, body, _, err := parseHandshakeFragment(b)
		if tc.n > 4 && tc.ok {
			continue // the body is shorter than announced: truncated, not bounds
		}
		if ok := err == nil; ok != tc.ok || (ok && len(body) != int(tc.n)) {
			t.Errorf("length %d offset %d fragment %d: err %v", tc.length, tc.off, tc.n, err)
		}
	}
	// Through the Conn: a message of exactly MaxHandshakeMessage is
	// buffered, one byte more is dropped and counted.
	c, in := freshClient(t)
	for _, l := range []uint32{uint32(c.cfg.maxHandshakeMessage()), uint32(c.cfg.maxHandshakeMessage()) + 1} {
		hh := handshakeHeader{Type: TypeServerHello, Length: l, FragmentLength: 1}
		err := in(plainRecord(ContentHandshake, 0, 1, append(hh.AppendTo(nil), 0)))
		if over := l > uint32(c.cfg.maxHandshakeMessage()); over != errors.Is(err, ErrLimit) {
			t.Fatalf("length %d: %v", l, err)
		}
	}
}

var allHandshakeTypes = []HandshakeType{
	TypeHelloRequest, TypeClientHello, TypeServerHello, TypeHelloVerifyRequest, TypeCertificate,
	TypeServerKeyExchange, TypeCertificateRequest, TypeServerHelloDone, TypeCertificateVerify,
	TypeClientKeyExchange, TypeFinished, HandshakeType(99),
}

// stepPair builds a seeded pair and delivers k datagrams in order (one
// side's whole queue at a time), so that every k reaches a reproducible
// point of the handshake.
func stepPair(t *testing.T, k int) *testPair {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	for n := 0; n < k; {
		moved := p.deliver(t, p.client, p.server, clientAddr)
		moved += p.deliver(t, p.server, p.client, serverAddr)
		if moved == 0 {
			break
		}
		n += moved
	}
	return p
}

// acceptable is what hostile input may do: nothing, be dropped, or end the
// handshake with a fatal alert we send. Anything else (another error, a
// panic) fails.
func acceptable(err error) bool {
	var ae *AlertError
	return err == nil || errors.Is(err, ErrDropped) || errors.As(err, &ae)
}

// TestEveryMessageInEveryState: each handshake message type, with an empty
// and a garbage body, at the expected message_seq, in each state either
// side passes through, in epoch 0 and (once keys exist) epoch 1. No panic;
// the result is a drop or a fatal alert; and a connection that survives
// still completes its handshake.
func TestEveryMessageInEveryState(t *testing.T) {
	garbage := []byte{0xfe, 0xfd, 1, 2, 3, 0, 0, 0, 4, 0xff, 0xff, 0, 0, 7}
	for k := 0; k <= 8; k++ {
		for _, typ := range allHandshakeTypes {
			for _, body := range [][]byte{nil, garbage} {
				for _, toClient := range []bool{true, false} {
					p := stepPair(t, k)
					c := p.server
					if toClient {
						c = p.client
					}
					rec := plainRecord(ContentHandshake, 0, 1<<20, appendMessage(nil, typ, c.recvSeq, body))
					if c.readCipher != nil {
						// The peer's keys exist: a protected message too.
						peer := p.client
						if toClient {
							peer = p.server
						}
						if peer.writeCipher != nil {
							prot, err := peer.sealRecord(nil, ContentHandshake, 1, appendMessage(nil, typ, c.recvSeq, body))
							if err != nil {
								t.Fatal(err)
							}
							rec = append(rec, prot...)
						}
					}
					err := p.inject(c, peerOf(c), rec)
					if !acceptable(err) {
						t.Fatalf("k=%d %v body=%d toClient=%v: %v", k, typ, len(body), toClient, err)
					}
					if c.state != stateClosed {
						p.handshake(20)
						if !p.established() && p.client.state != stateClosed && p.server.state != stateClosed {
							t.Fatalf("k=%d %v toClient=%v: stuck: client %v server %v", k, typ, toClient, p.client.state, p.server.state)
						}
					}
				}
			}
		}
	}
}

// TestAlertsInEveryState: warning and fatal alerts, plaintext and (once
// keys exist) protected, in every state of either side. A plaintext alert
// before the server has a ClientHello is a stranger's and is dropped; a
// plaintext alert once the peer protects its records is dropped; otherwise
// a fatal alert or close_notify ends the connection with a remote
// AlertError (before completion) and a warning is reported and survived.
func TestAlertsInEveryState(t *testing.T) {
	for k := 0; k <= 10; k++ {
		for _, a := range []struct {
			level AlertLevel
			desc  Alert
		}{{AlertLevelWarning, AlertNoRenegotiation}, {AlertLevelFatal, AlertHandshakeFailure}, {AlertLevelWarning, AlertCloseNotify}, {AlertLevel(9), Alert(255)}} {
			for _, toClient := range []bool{true, false} {
				for _, protected := range []bool{false, true} {
					p := stepPair(t, k)
					c, peer := p.server, p.client
					if toClient {
						c, peer = p.client, p.server
					}
					var rec []byte
					if protected {
						if peer.writeCipher == nil || c.readCipher == nil {
							continue
						}
						var err error
						if rec, err = peer.sealRecord(nil, ContentAlert, 1, []byte{byte(a.level), byte(a.desc)}); err != nil {
							t.Fatal(err)
						}
					} else {
						rec = plainRecord(ContentAlert, 0, 1<<20, []byte{byte(a.level), byte(a.desc)})
					}
					before := c.state
					err := p.inject(c, peerOf(c), rec)
					if !acceptable(err) {
						t.Fatalf("k=%d %v %v: %v", k, a.level, a.desc, err)
					}
					ignored := errors.Is(err, ErrDropped)
					switch {
					case ignored:
						if c.state != before {
							t.Fatalf("k=%d: a dropped alert changed the state", k)
						}
					case a.desc == AlertCloseNotify || a.level == AlertLevelFatal:
						if c.state != stateClosed || (before == stateHandshake && !isRemote(c.Err())) {
							t.Fatalf("k=%d %v: state %v err %v", k, a.desc, c.state, c.Err())
						}
					default:
						if c.state != before {
							t.Fatalf("k=%d warning %v changed the state to %v", k, a.desc, c.state)
						}
					}
				}
			}
		}
	}
}

// heapAfter runs f and returns how much the live heap grew.
func heapAfter(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// TestFloodClientHellos: ClientHellos without a cookie from 20000
// different sources leave no state behind (RFC 6347 §4.2.1: the cookie
// exchange is stateless), with HelloVerify and, for a server bound to an
// unverified peer, without it. Each costs a bounded number of allocations
// and one HelloVerifyRequest back to its source.
func TestFloodClientHellos(t *testing.T) {
	const n = 20000
	_, hello := strangerHello(t, strangerAddr, "flood")
	for _, hvr := range []bool{true, false} {
		t.Run(fmt.Sprintf("hvr=%v", hvr), func(t *testing.T) {
			cc, sc := defaultConfigs()
			sc.HelloVerify = hvr
			p := newTestPair(t, cc, sc)
			if !hvr {
				p.deliver(t, p.client, p.server, clientAddr) // bound, unverified
				for _, ok := p.server.PollWrite(); ok; _, ok = p.server.PollWrite() {
				}
			}
			src := func(i int) netip.AddrPort {
				return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}), uint16(1024+i))
			}
			one := func(i int) {
				if err := p.inject(p.server, src(i), hello); err != nil {
					t.Fatal(err)
				}
				dg, ok := p.server.PollWrite()
				if !ok || dg.Transport.Peer != src(i) {
					t.Fatalf("ClientHello %d: answered %v to %v", i, ok, dg.Transport.Peer)
				}
			}
			grew := heapAfter(func() {
				for i := range n {
					one(i)
				}
			})
			allocs := testing.AllocsPerRun(100, func() { one(7) })
			t.Logf("%d ClientHellos: live heap %+d bytes, %.0f allocations each", n, grew, allocs)
			if grew > 64<<10 {
				t.Errorf("live heap grew by %d bytes", grew)
			}
			if allocs > 40 {
				t.Errorf("%v allocations per ClientHello", allocs)
			}
			if got := p.server.Stats().HelloVerifies; got < n {
				t.Errorf("%d HelloVerifyRequests", got)
			}
			if hvr && p.server.bound || len(p.server.reasm.msgs) != 0 {
				t.Errorf("state held: bound %v, %d messages", p.server.bound, len(p.server.reasm.msgs))
			}
			mustHandshake(t, p)
		})
	}
}

// TestFloodFragments: 100000 forged partial fragments (random message_seq,
// type, length, offset) at a client waiting for the server's flight hold
// at most MaxBufferedHandshake bytes, and the handshake still completes.
func TestFloodFragments(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	grew := heapAfter(func() {
		for i := range 100000 {
			l := uint32(1000 + rng.IntN(69000)) // partial: none completes
			off := uint32(rng.IntN(int(l) + 1))
			n := min(l-off, uint32(rng.IntN(64)))
			hh := handshakeHeader{Type: allHandshakeTypes[rng.IntN(len(allHandshakeTypes))], Length: l,
				MessageSeq: uint16(rng.IntN(12)), FragmentOffset: off, FragmentLength: n}
			rec := plainRecord(ContentHandshake, 0, uint64(i), append(hh.AppendTo(nil), make([]byte, n)...))
			if err := p.inject(p.client, serverAddr, rec); !acceptable(err) {
				t.Fatal(err)
			}
			if b := p.client.reasm.buffered; b > p.client.cfg.maxBufferedHandshake() {
				t.Fatalf("%d bytes buffered", b)
			}
		}
	})
	t.Logf("live heap after the flood %+d bytes (limit %d)", grew, p.client.cfg.maxBufferedHandshake())
	if grew > 2*int64(p.client.cfg.maxBufferedHandshake())+64<<10 {
		t.Errorf("live heap grew by %d bytes", grew)
	}
	mustHandshake(t, p)
}

// TestCommandRetransmit: HandleEvent(CommandRetransmit) resends the
// current flight at once and restarts the timer without doubling it; it
// does nothing without an outstanding flight, and fails after close.
func TestCommandRetransmit(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	hello, _ := p.client.PollWrite()
	p.now = p.now.Add(300 * time.Millisecond)
	noErr(t, p.client.HandleTimeout(p.now)) // not due: nothing
	if _, ok := p.client.PollWrite(); ok {
		t.Fatal("sent before the timer")
	}
	noErr(t, p.client.HandleEvent(Command{Kind: CommandRetransmit}))
	again, ok := p.client.PollWrite()
	if !ok || len(again.Message) != len(hello.Message) || p.client.Stats().Retransmits != 1 {
		t.Fatalf("no retransmission: %v, stats %+v", ok, p.client.Stats())
	}
	// The same ClientHello in a new record (RFC 6347 §4.2.4: new record
	// sequence number, same message).
	if !bytes.Equal(again.Message[recordHeaderLen:], hello.Message[recordHeaderLen:]) || bytes.Equal(again.Message[:recordHeaderLen], hello.Message[:recordHeaderLen]) {
		t.Fatal("the retransmission is not the same ClientHello in a new record")
	}
	if d, ok := p.client.PollTimeout(); !ok || !d.Equal(p.now.Add(time.Second)) || p.client.TimeoutReason() != "rtx" {
		t.Fatalf("timer %v %v (%s), want restarted at +1s", d.Sub(epoch0), ok, p.client.TimeoutReason())
	}
	// A server without a ClientHello has nothing to resend.
	noErr(t, p.server.HandleEvent(Command{Kind: CommandRetransmit}))
	if _, ok := p.server.PollWrite(); ok {
		t.Fatal("the server sent something")
	}
	mustHandshake(t, p)
	before := p.client.Stats().Retransmits
	noErr(t, p.client.HandleEvent(Command{Kind: CommandRetransmit}))
	if _, ok := p.client.PollWrite(); ok || p.client.Stats().Retransmits != before {
		t.Fatal("resent after the handshake")
	}
	if err := p.client.HandleEvent(Command{Kind: 99}); err == nil {
		t.Fatal("unknown command accepted")
	}
	noErr(t, p.client.Close())
	if err := p.client.HandleEvent(Command{Kind: CommandRetransmit}); !errors.Is(err, shared.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// TestRecordLengthEdges: the record length field at 0, 1, the RFC 5246
// §6.2.3 maximum (2^14+2048) and one more; and a record that claims more
// than the datagram holds.
func TestRecordLengthEdges(t *testing.T) {
	for _, tc := range []struct {
		n  int
		ok bool
	}{{0, true}, {1, true}, {maxCiphertext, true}, {maxCiphertext + 1, false}} {
		rec := plainRecord(ContentApplicationData, 1, 5, make([]byte, tc.n))
		if tc.n > 0xffff {
			continue
		}
		_, frag, rest, err := ParseRecord(rec)
		if (err == nil) != tc.ok || (tc.ok && (len(frag) != tc.n || len(rest) != 0)) {
			t.Errorf("length %d: err %v", tc.n, err)
		}
	}
	rec := plainRecord(ContentHandshake, 0, 1, make([]byte, 10))
	if _, _, _, err := ParseRecord(rec[:len(rec)-1]); err == nil {
		t.Error("a record longer than its datagram parsed")
	}
	// Through a Conn: each is dropped or processed, never more.
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	for _, n := range []int{0, 1, maxPlaintext, maxPlaintext + 1, maxCiphertext, maxCiphertext + 1} {
		if err := p.inject(p.server, clientAddr, plainRecord(ContentApplicationData, 1, 5, make([]byte, n))); !errors.Is(err, ErrDropped) {
			t.Fatalf("length %d: %v", n, err)
		}
	}
	if p.server.state != stateEstablished {
		t.Fatal("connection lost")
	}
}

// TestManyHellosInOneDatagram: one datagram packed with cookie-less
// ClientHellos (a 64 KiB datagram holds hundreds) must not fill the
// outbox and kill a HelloVerify server: each is answered until the outbox
// is full, the rest are dropped, and the real client still connects.
func TestManyHellosInOneDatagram(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.HelloVerify = true
	p := newTestPair(t, cc, sc)
	_, hello := strangerHello(t, strangerAddr, "packed")
	var dg []byte
	for len(dg)+len(hello) < 65000 {
		dg = append(dg, hello...)
	}
	if n := len(dg) / len(hello); n <= p.server.cfg.maxQueued() {
		t.Fatalf("only %d ClientHellos fit", n)
	}
	if err := p.inject(p.server, strangerAddr, dg); err != nil && !errors.Is(err, ErrDropped) {
		t.Fatalf("packed datagram: %v", err)
	}
	if p.server.state != stateHandshake || p.server.bound {
		t.Fatalf("state %v, bound %v, err %v", p.server.state, p.server.bound, p.server.err)
	}
	for _, ok := p.server.PollWrite(); ok; _, ok = p.server.PollWrite() {
	}
	mustHandshake(t, p)
}

// TestManyBadHellosInOneDatagram: a server without a peer answers a bad
// ClientHello with its alert, once per datagram however many it holds.
func TestManyBadHellosInOneDatagram(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	_, hello := strangerHello(t, strangerAddr, "bad")
	bad := bytes.Clone(hello)
	bad[recordHeaderLen+12] = 0xfe // client_version 0xfeXX below DTLS 1.2: protocol_version
	bad[recordHeaderLen+13] = 0xff
	var dg []byte
	for range 300 {
		dg = append(dg, bad...)
	}
	if err := p.inject(p.server, strangerAddr, dg); !errors.Is(err, ErrDropped) {
		t.Fatalf("packed bad ClientHellos: %v", err)
	}
	n := 0
	for _, ok := p.server.PollWrite(); ok; _, ok = p.server.PollWrite() {
		n++
	}
	if n != 1 || p.server.state != stateHandshake || p.server.bound {
		t.Fatalf("%d answers, state %v, bound %v", n, p.server.state, p.server.bound)
	}
	mustHandshake(t, p)
}
