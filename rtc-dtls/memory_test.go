package dtls

import (
	"bytes"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
	"unsafe"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// establishedPair runs a 1.2 handshake, or with v13 one as a PeerConnection
// has it by default (the client offers 1.2 and 1.3, the server picks 1.3),
// and fails the test unless both ends are established.
func establishedPair(t *testing.T, v13 bool) *testPair {
	t.Helper()
	cc, sc := defaultConfigs()
	if v13 {
		cc, sc = configs13()
		autoClient(cc)
	}
	p := newTestPair(t, cc, sc)
	p.handshake(100)
	if !p.established() {
		t.Fatalf("v13=%v: not established: client %v server %v", v13, p.client.Err(), p.server.Err())
	}
	return p
}

// connectedPairs connects n pairs of the given version, carries one message
// each way with the buffers handed back, lets every pending timer fire and
// returns the Conns (the harness's events and reads are let go).
func connectedPairs(t *testing.T, n int, v13, later bool) (clients, servers []*Conn) {
	t.Helper()
	for range n {
		p := establishedPair(t, v13)
		noErr(t, p.client.HandleWrite([]byte("ping")))
		noErr(t, p.server.HandleWrite([]byte("pong")))
		p.pump()
		for _, b := range p.sReads {
			p.server.ReleaseRead(b)
		}
		for _, b := range p.cReads {
			p.client.ReleaseRead(b)
		}
		for range 20 {
			if !p.advance() {
				break
			}
			p.pump()
		}
		if later {
			// Two minutes on (past the handshake timeout, within the
			// MSL of RFC 9147 §4.2.1), a timer check and a full-size
			// message each way, as SCTP data would bring.
			p.now = p.now.Add(2 * time.Minute)
			noErr(t, p.client.HandleTimeout(p.now))
			noErr(t, p.server.HandleTimeout(p.now))
			noErr(t, p.client.HandleWrite(make([]byte, p.client.MaxPayload())))
			noErr(t, p.server.HandleWrite(make([]byte, p.server.MaxPayload())))
			p.pump()
			for _, b := range p.sReads[1:] {
				p.server.ReleaseRead(b)
			}
			for _, b := range p.cReads[1:] {
				p.client.ReleaseRead(b)
			}
		}
		// A driver drains after every wake-up: queues grown during the
		// handshake give their storage back after shared.ShrinkAfter
		// empty drains.
		for range shared.ShrinkAfter {
			p.pump()
		}
		clients, servers = append(clients, p.client), append(servers, p.server)
	}
	return clients, servers
}

// connBytes measures the heap n connected clients and n servers of one
// version keep, per Conn.
func connBytes(t *testing.T, n int, v13, later bool) (client, server float64) {
	if os.Getenv("DTLS_MEMPROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	clients, servers := connectedPairs(t, n, v13, later)
	both := contracttest.LiveHeap()
	if f := os.Getenv("DTLS_MEMPROFILE"); f != "" {
		if v13 {
			f += "13"
		}
		if later {
			f += "later"
		}
		w, err := os.Create(f)
		noErr(t, err)
		noErr(t, pprof.WriteHeapProfile(w))
		noErr(t, w.Close())
	}
	clear(servers)
	onlyClients := contracttest.LiveHeap()
	clear(clients)
	none := contracttest.LiveHeap()
	runtime.KeepAlive(servers)
	runtime.KeepAlive(clients)
	return float64(onlyClients-none) / float64(n), float64(both-onlyClients) / float64(n)
}

// TestMemoryPerConn measures the heap a connected, idle Conn keeps, just
// after the handshake and two minutes later (a server keeps its epoch-2
// read keys for one handshake timeout, internal/tls13/retire.go). Figures
// on linux/amd64, go1.26, in the README ("Memory per connection").
func TestMemoryPerConn(t *testing.T) {
	if testing.Short() {
		t.Skip("measures")
	}
	const n = 200
	for _, tc := range []struct {
		v13, later bool
		limit      float64 // bytes per Conn, client and server each
	}{
		{false, false, 6500}, // 4.8 / 4.8 KB (12.0 / 11.3 before, 5.6 / 5.7 after round 1, 5.2 / 5.3 with the handshake states inline)
		{false, true, 6500},  // 4.8 / 4.8 KB (13.6 / 12.9; 5.6 / 5.7; 5.2 / 5.3)
		{true, false, 12000}, // 7.8 / 9.3 KB (17.9 / 18.3; 9.5 / 12.2; 8.6 / 10.1)
		{true, true, 10000},  // 7.8 / 7.9 KB (20.3 / 20.8; 9.5 / 9.5; 8.6 / 8.6)
	} {
		c, s := connBytes(t, n, tc.v13, tc.later)
		t.Logf("v13=%v later=%v: client %.0f B, server %.0f B per Conn", tc.v13, tc.later, c, s)
		if c > tc.limit || s > tc.limit {
			t.Errorf("v13=%v later=%v: %.0f / %.0f B per Conn, over %.0f", tc.v13, tc.later, c, s, tc.limit)
		}
	}
}

// TestHandshakeReleases: once a handshake is complete, neither end keeps
// the parsed peer certificate of 1.2 (which kept the whole Certificate
// message alive), a second copy of the chain, the 2 KiB decryption
// scratch, the 1.2 client's last flight (the server's answered it), or
// (an auto client, 1.2 and 1.3 offered) the ClientHello and key shares of
// the version not taken; ConnectionState still has the chain. Before, all of it stayed for the life of the connection (about
// 5 KB per 1.2 Conn). The 1.2 handshake state goes as a whole (it was
// inline, 336 bytes, issue 18): a 1.2 Conn keeps the exporter's master
// secret and randoms, a 1.3 Conn nothing of it.
func TestHandshakeReleases(t *testing.T) {
	for _, v13 := range []bool{false, true} {
		p := establishedPair(t, v13)
		for _, c := range []*Conn{p.client, p.server} {
			if c.hs != nil || cap(c.scratch) != 0 || c.shares13 != nil || len(c.reasm.msgs) != 0 {
				t.Errorf("v13=%v client %v keeps handshake state %v, scratch %d, 1.3 shares %d, messages %d",
					v13, c.isClient, c.hs != nil, cap(c.scratch), len(c.shares13), len(c.reasm.msgs))
			}
			if (c.export != nil) == v13 {
				t.Errorf("v13=%v client %v: 1.2 exporter secret kept %v", v13, c.isClient, c.export != nil)
			}
			if !v13 && (c.isClient != (c.flight == nil) || c.isClient == c.finalFlight) {
				t.Errorf("1.2 client %v: flight of %d messages kept (final %v); only the server's final flight stays", c.isClient, len(c.flight), c.finalFlight)
			}
			st, ok := c.ConnectionState()
			if !ok || len(st.PeerCertificates) != 1 || (st.Version == "DTLS 1.3") != v13 {
				t.Errorf("v13=%v client %v: state %+v", v13, c.isClient, st)
			}
		}
	}
}

// TestIdleGivesBuffersBack: buffers handed back are kept while data flows
// (no allocation, TestReleasedBuffersNoAllocs) and given back after
// idleTrim empty polls in a row, so an idle Conn holds none. Before, an
// idle Conn kept every buffer it was handed (1.5 KB each, up to 64).
func TestIdleGivesBuffersBack(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	p.handshake(10)
	msg := []byte("data")
	for range 3 {
		noErr(t, releasedRoundTrip(p, msg))
	}
	if p.client.free.Len() == 0 || p.server.free.Len() == 0 {
		t.Fatalf("nothing pooled: client %d server %d", p.client.free.Len(), p.server.free.Len())
	}
	for range shared.ShrinkAfter - 1 {
		p.pump() // one drain each: PollWrite and PollRead find nothing
	}
	if p.client.free.Len() == 0 {
		t.Fatal("buffers given back too early")
	}
	p.pump()
	if p.client.free != nil || p.server.free != nil {
		t.Errorf("idle: client keeps %d buffers, server %d", p.client.free.Len(), p.server.free.Len())
	}
	noErr(t, releasedRoundTrip(p, msg))
}

// TestAdditionalDataScratch: the additional data is the RFC 9146 §5.2 form
// (or the 13 bytes of RFC 5246 §6.2.3.3) for every CID length, short CIDs
// in the cipher's inline scratch and long ones in a buffer allocated once;
// a cipher no longer carries 278 bytes of scratch inline (the two of a
// connection took 2 × 320 bytes before, now 2 × 96).
func TestAdditionalDataScratch(t *testing.T) {
	if n := unsafe.Sizeof(gcmCipher{}); n > 96 {
		t.Errorf("gcmCipher is %d bytes", n)
	}
	var s adScratch
	for _, n := range []int{0, 1, 8, 17, 18, 64, 255} {
		cid := bytes.Repeat([]byte{byte(n)}, n)
		h := RecordHeader{Type: ContentTLS12CID, Version: 0xfefd, Epoch: 1, Seq: 0x010203040506, CID: cid}
		want := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, byte(ContentTLS12CID), byte(n), byte(ContentTLS12CID), 0xfe, 0xfd,
			0, 1, 1, 2, 3, 4, 5, 6}
		want = append(append(want, cid...), 0x01, 0x23)
		if got := additionalData(&s, h, 0x123); !bytes.Equal(got, want) {
			t.Errorf("CID of %d bytes: %x, want %x", n, got, want)
		}
		if allocs := testing.AllocsPerRun(10, func() { additionalData(&s, h, 1) }); allocs != 0 {
			t.Errorf("CID of %d bytes: %v allocations", n, allocs)
		}
	}
	h := RecordHeader{Type: ContentApplicationData, Version: 0xfefd, Epoch: 1, Seq: 7}
	if got, want := additionalData(&s, h, 5), []byte{0, 1, 0, 0, 0, 0, 0, 7, 23, 0xfe, 0xfd, 0, 5}; !bytes.Equal(got, want) {
		t.Errorf("without CID: %x, want %x", got, want)
	}
}

// TestReleaseIdle: ReleaseIdle gives back the buffers handed back with
// ReleaseWrite/ReleaseRead and the queues' storage at once, for DTLS 1.2
// and 1.3, whatever the count of empty polls; data flows afterwards, and
// with buffers handed back again no allocation follows the first message.
// Before, a Conn whose owner polled it only on consent checks kept its
// buffers (1.5 KB each) for a minute or more (issue 18).
func TestReleaseIdle(t *testing.T) {
	const n = 40
	for _, v13 := range []bool{false, true} {
		cc, sc := defaultConfigs()
		if v13 {
			cc, sc = configs13()
		}
		pairs := make([]*testPair, n)
		msg := bytes.Repeat([]byte("d"), 1000)
		for i := range pairs {
			p := newTestPair(t, cc, sc)
			p.handshake(10)
			if !p.established() || (p.client.v13 != nil) != v13 {
				t.Fatalf("v13=%v: not established", v13)
			}
			for range 3 {
				noErr(t, releasedRoundTrip(p, msg))
			}
			pairs[i] = p
		}
		before := contracttest.LiveHeap()
		for _, p := range pairs {
			if p.client.free.Len() == 0 || p.server.free.Len() == 0 {
				t.Fatalf("v13=%v: nothing pooled", v13)
			}
			p.client.ReleaseIdle()
			p.server.ReleaseIdle()
			if p.client.free != nil || p.server.free != nil {
				t.Fatalf("v13=%v: buffers kept after ReleaseIdle", v13)
			}
		}
		after := contracttest.LiveHeap()
		saved := (float64(before) - float64(after)) / (2 * n)
		t.Logf("v13=%v: ReleaseIdle gave back %.0f B per Conn", v13, saved)
		if saved < 1000 {
			t.Errorf("v13=%v: ReleaseIdle gave back %.0f B per Conn, want at least 1000 (one 1.5 KB buffer at one end)", v13, saved)
		}
		p := pairs[0]
		noErr(t, releasedRoundTrip(p, msg))
		if allocs := testing.AllocsPerRun(20, func() { noErr(t, releasedRoundTrip(p, msg)) }); allocs != 0 {
			t.Errorf("v13=%v: %v allocations per message after ReleaseIdle and a first message", v13, allocs)
		}
		runtime.KeepAlive(pairs)
	}
}

// TestQuietAfterReleaseIdle: after ReleaseIdle the first quietRecords small
// records (an idle connection's SCTP heartbeats) get buffers of their size
// and the pool stays empty, where each used to take a pooled 1.5 KB buffer
// until the next release (issue 18). More small records, or one large,
// mean traffic: the pool fills again and messages allocate nothing.
func TestQuietAfterReleaseIdle(t *testing.T) {
	for _, v13 := range []bool{false, true} {
		cc, sc := defaultConfigs()
		if v13 {
			cc, sc = configs13()
		}
		p := newTestPair(t, cc, sc)
		p.handshake(10)
		if !p.established() || (p.client.v13 != nil) != v13 {
			t.Fatalf("v13=%v: not established", v13)
		}
		small := bytes.Repeat([]byte("h"), 60)
		for range 3 {
			noErr(t, releasedRoundTrip(p, small))
		}
		if p.client.free.Len() == 0 || p.server.free.Len() == 0 {
			t.Fatalf("v13=%v: nothing pooled before the release", v13)
		}
		p.client.ReleaseIdle()
		p.server.ReleaseIdle()
		// One buffer per Conn per round trip: the client's datagram, the
		// server's plaintext.
		for i := range quietRecords {
			noErr(t, releasedRoundTrip(p, small))
			if p.client.free.Len() != 0 || p.server.free.Len() != 0 {
				t.Fatalf("v13=%v: small record %d after the release refilled the pool", v13, i+1)
			}
		}
		noErr(t, releasedRoundTrip(p, small))
		if p.client.free.Len() == 0 || p.server.free.Len() == 0 {
			t.Fatalf("v13=%v: record %d after the release did not use the pool", v13, quietRecords+1)
		}
		if allocs := testing.AllocsPerRun(20, func() { noErr(t, releasedRoundTrip(p, small)) }); allocs != 0 {
			t.Errorf("v13=%v: %v allocations per small message once the pool is used again", v13, allocs)
		}
		p.client.ReleaseIdle()
		p.server.ReleaseIdle()
		noErr(t, releasedRoundTrip(p, bytes.Repeat([]byte("d"), quietMax+1)))
		if p.client.free.Len() == 0 || p.server.free.Len() == 0 {
			t.Fatalf("v13=%v: a record over quietMax after the release did not use the pool", v13)
		}
		if p.client.quiet != 0 || p.server.quiet != 0 {
			t.Errorf("v13=%v: quiet %d/%d after a large record, want 0", v13, p.client.quiet, p.server.quiet)
		}
	}
}

// TestConnSize: the Conn struct fits the 1536-byte size class (1904 bytes,
// the 2048-byte class, at first; 1776 with the 1.2 handshake state inline):
// the HelloVerifyRequest cookie secrets are allocated only by a server
// that uses them, the 1.2 handshake state only until the handshake
// completes, and the one-byte fields are grouped without padding (issue
// 18). A server that sends
// HelloVerifyRequests has them from the start; one that does not, and the
// client, never do.
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 1536 {
		t.Errorf("Conn is %d bytes, want at most 1536", n)
	}
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	p.handshake(10)
	if !p.established() || p.client.cookies != nil || p.server.cookies != nil {
		t.Fatalf("established %v, cookie state: client %v, server %v", p.established(), p.client.cookies != nil, p.server.cookies != nil)
	}
	cc, sc = defaultConfigs()
	sc.HelloVerify = true
	p = newTestPair(t, cc, sc)
	if p.server.cookies == nil || p.server.cookies.secrets[0] == p.server.cookies.secrets[1] {
		t.Fatal("a HelloVerify server without two cookie secrets")
	}
	p.handshake(10)
	if !p.established() {
		t.Fatal("no handshake with HelloVerify")
	}
}
