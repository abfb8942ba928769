package tls13

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// direct drives two endpoints with no network: every datagram is delivered
// at once, in order, and time jumps to the next deadline when idle.
type direct struct {
	t    testing.TB
	now  time.Time
	c, s *Endpoint
	// drop, when set, decides whether a datagram from the client (toServer)
	// or the server is lost.
	drop func(toServer bool, n int, d []byte) bool
	n    int
}

func (d *direct) pump() bool {
	moved := false
	for _, p := range []struct {
		from, to *Endpoint
		toServer bool
	}{{d.c, d.s, true}, {d.s, d.c, false}} {
		for {
			b, ok := p.from.PollDatagram()
			if !ok {
				break
			}
			moved = true
			d.n++
			if d.drop != nil && d.drop(p.toServer, d.n, b) {
				continue
			}
			if err := p.to.HandleDatagram(d.now, bytes.Clone(b)); err != nil {
				d.t.Fatalf("HandleDatagram: %v", err)
			}
		}
	}
	return moved
}

// run drives until done or maxSteps.
func (d *direct) run(done func() bool, maxSteps int) {
	for range maxSteps {
		if done() {
			return
		}
		if d.pump() {
			continue
		}
		next := time.Time{}
		for _, e := range []*Endpoint{d.c, d.s} {
			if t, ok := e.Timeout(); ok && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() {
			d.t.Fatalf("idle and not done: client %s, server %s", d.c.State(), d.s.State())
		}
		if next.After(d.now) {
			d.now = next
		}
		for _, e := range []*Endpoint{d.c, d.s} {
			if err := e.HandleTimeout(d.now); err != nil {
				d.t.Fatalf("HandleTimeout: %v", err)
			}
		}
	}
	d.t.Fatalf("not done after %d steps: client %s, server %s", maxSteps, d.c.State(), d.s.State())
}

func newDirect(t testing.TB, cc, sc Config) *direct {
	c, err := NewClient(cc, t0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(sc, t0)
	if err != nil {
		t.Fatal(err)
	}
	return &direct{t: t, now: t0, c: c, s: s}
}

func (d *direct) connected() bool {
	return d.c.Connected() && d.s.Connected() && len(d.c.fl.msgs) == 0
}

// TestHelloRetryCookie: with RequireCookie the server answers ClientHello1
// with a HelloRetryRequest and keeps nothing (RFC 9147 §5.1); ClientHello2
// with the cookie completes the handshake.
func TestHelloRetryCookie(t *testing.T) {
	cc, sc := configs(t, "cookie")
	sc.RequireCookie = true
	d := newDirect(t, cc, sc)
	// ClientHello1 with the hybrid share is ~1.4 KB: two datagrams.
	n := 0
	for {
		ch1, ok := d.c.PollDatagram()
		if !ok {
			break
		}
		n++
		if err := d.s.HandleDatagram(d.now, ch1); err != nil {
			t.Fatal(err)
		}
	}
	if n != 2 {
		t.Fatalf("ClientHello1 in %d datagrams, want 2", n)
	}
	s := d.s
	if s.state != stateWaitCH || s.hs.transcript != nil || len(s.writers) != 0 || s.reader.n != 0 || len(s.fl.msgs) != 0 || s.reasm.pending() {
		t.Fatalf("server kept state after ClientHello1: %s, writers %d, readers %d", s.State(), len(s.writers), s.reader.n)
	}
	if _, ok := s.Timeout(); !ok || s.TimeoutReason() != "pending" {
		t.Fatalf("HelloRetryRequest not pending: %q", s.TimeoutReason())
	}
	d.run(d.connected, 1000)
	checkKeys(t, d.c, d.s)
	if s.stats.HelloRetries != 1 || !d.c.hrr || !s.hrr {
		t.Errorf("HelloRetries %d, client hrr %v, server hrr %v", s.stats.HelloRetries, d.c.hrr, s.hrr)
	}
}

// TestHelloRetryGroup: the client's share is for a group the server does not
// take; the HelloRetryRequest names one from the client's list (RFC 8446
// §4.1.4).
func TestHelloRetryGroup(t *testing.T) {
	cc, sc := configs(t, "group")
	cc.Groups = []Group{GroupX25519, GroupP256}
	sc.Groups = []Group{GroupP256}
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	checkKeys(t, d.c, d.s)
	if _, g, _ := d.c.Negotiated(); g != GroupP256 || d.s.stats.HelloRetries != 1 {
		t.Errorf("group %v after %d retries, want secp256r1 after 1", g, d.s.stats.HelloRetries)
	}
}

func TestCookie(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	h := bytes.Repeat([]byte{2}, 32)
	c := makeCookie(key, t0, TLS_AES_128_GCM_SHA256, GroupP256, h)
	s, g, hh, ok := openCookie(key, t0.Add(10*time.Second), time.Minute, c)
	if !ok || s != TLS_AES_128_GCM_SHA256 || g != GroupP256 || !bytes.Equal(hh, h) {
		t.Fatalf("open: %v %v %v %x", ok, s, g, hh)
	}
	for i := range c {
		bad := bytes.Clone(c)
		bad[i] ^= 1
		if _, _, _, ok := openCookie(key, t0, time.Minute, bad); ok {
			t.Fatalf("cookie with byte %d flipped accepted", i)
		}
	}
	if _, _, _, ok := openCookie(key, t0.Add(2*time.Minute), time.Minute, c); ok {
		t.Error("expired cookie accepted")
	}
	if _, _, _, ok := openCookie(bytes.Repeat([]byte{3}, 32), t0, time.Minute, c); ok {
		t.Error("cookie under another key accepted")
	}
	for n := range c {
		if _, _, _, ok := openCookie(key, t0, time.Minute, c[:n]); ok {
			t.Errorf("truncated cookie (%d bytes) accepted", n)
		}
	}
}

// TestClientHelloFloodStateless: 5000 ClientHellos without cookies, each from
// a fresh client, leave a cookie-requiring server with nothing retained: no
// state change, no queued output once polled, and the heap no larger.
func TestClientHelloFloodStateless(t *testing.T) {
	cc, sc := configs(t, "flood")
	sc.RequireCookie = true
	cc.Groups = []Group{GroupX25519}
	s, err := NewServer(sc, t0)
	if err != nil {
		t.Fatal(err)
	}
	var hellos [][]byte
	for i := range 50 {
		cc.Rand = seeded("flood" + itoa(i))
		c, err := NewClient(cc, t0)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := c.PollDatagram()
		hellos = append(hellos, bytes.Clone(d))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 5000 {
		if err := s.HandleDatagram(t0, hellos[i%len(hellos)]); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.PollDatagram(); !ok {
			t.Fatal("no HelloRetryRequest")
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s.state != stateWaitCH || s.hs.transcript != nil || len(s.writers) != 0 || s.reasm.pending() || s.outHead < len(s.out) {
		t.Fatalf("server state after the flood: %s", s.State())
	}
	if s.stats.HelloRetries != 5000 {
		t.Errorf("HelloRetries %d, want 5000", s.stats.HelloRetries)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 256<<10 {
		t.Errorf("heap grew %d bytes over 5000 ClientHellos", grown)
	}
}

// TestLossyHandshake: 20% loss, reordering, duplication and a 500-byte MTU
// (issue 19): every seed completes, for the hybrid and for x25519.
func TestLossyHandshake(t *testing.T) {
	link := netsim.LinkConfig{Delay: 25 * time.Millisecond, Loss: 0.2, Reorder: 0.2, Duplicate: 0.1, MTU: 500}
	for _, g := range []Group{GroupX25519MLKEM768, GroupX25519} {
		var total time.Duration
		const seeds = 20
		for seed := uint64(1); seed <= seeds; seed++ {
			cc, sc := configs(t, "lossy")
			cc.MTU, sc.MTU = 500, 500
			cc.Groups, sc.Groups = []Group{g}, []Group{g}
			sim, c, s := simPair(t, seed, link, cc, sc)
			handshake(t, sim, c, s)
			checkKeys(t, c.e, s.e)
			total += sim.Elapsed()
		}
		t.Logf("%v: mean time to complete under 20%% loss: %v", g, total/seeds)
	}
}

// TestCorruptedRecords: bit flips in encrypted records are dropped by the
// AEAD and counted (RFC 9147 §4.5.2: "invalid records SHOULD be silently
// discarded"); retransmission gets the handshake through.
func TestCorruptedRecords(t *testing.T) {
	cc, sc := configs(t, "corrupt")
	d := newDirect(t, cc, sc)
	rnd := seeded("flips")
	var coin [2]byte
	d.drop = func(_ bool, _ int, b []byte) bool {
		rnd.Read(coin[:])
		if IsCiphertext(b[0]) && coin[0] < 100 { // ~40% of encrypted datagrams
			b[int(coin[1])%len(b)] ^= 1 << (coin[1] % 8)
		}
		return false
	}
	d.run(d.connected, 5000)
	checkKeys(t, d.c, d.s)
	if d.c.stats.AuthFailed+d.s.stats.AuthFailed+d.c.stats.Malformed+d.s.stats.Malformed == 0 {
		t.Error("no corrupted record was counted")
	}
}

// TestCorruptedNetwork: with netsim flipping bits in 30% of datagrams,
// including the unauthenticated hellos, every seed either completes or ends
// cleanly (a corrupted ClientHello or ServerHello gives the two sides
// different transcripts, so nothing decrypts and the handshake times out, as
// in TLS). Nothing panics and nothing forged is accepted.
func TestCorruptedNetwork(t *testing.T) {
	completed := 0
	for seed := uint64(1); seed <= 10; seed++ {
		cc, sc := configs(t, "corrupt net")
		sim, c, s := simPair(t, seed, netsim.LinkConfig{Delay: 10 * time.Millisecond, Corrupt: 0.3}, cc, sc)
		done := func() bool {
			return (c.e.Connected() && s.e.Connected() && len(c.e.fl.msgs) == 0) || c.e.State() == "closed" || s.e.State() == "closed"
		}
		if err := sim.Run(done, 50000); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if c.e.Connected() && s.e.Connected() {
			completed++
			checkKeys(t, c.e, s.e)
			continue
		}
		for _, err := range append(c.errs, s.errs...) {
			var ae *AlertError
			if !errors.As(err, &ae) {
				t.Errorf("seed %d: error %v is not an alert", seed, err)
			}
		}
	}
	t.Logf("%d of 10 seeds completed", completed)
	if completed == 0 {
		t.Error("no seed completed")
	}
}

// TestRetransmitOnlyLost: with MTU 500 the server flight spans several
// datagrams; one is lost; the client ACKs what it has (RFC 9147 §7.1) and
// the server resends only the missing fragments.
func TestRetransmitOnlyLost(t *testing.T) {
	cc, sc := configs(t, "rtx")
	cc.MTU, sc.MTU = 500, 500
	cc.Groups, sc.Groups = []Group{GroupX25519}, []Group{GroupX25519}
	d := newDirect(t, cc, sc)
	var first, lost, second int
	d.drop = func(toServer bool, n int, b []byte) bool {
		if toServer {
			return false
		}
		switch {
		case d.s.stats.Retransmits == 0:
			first += len(b)
			if lost == 0 && n >= 3 {
				lost = len(b) // the second server datagram
				return true
			}
		case d.s.stats.Retransmits == 1 && !d.s.Connected():
			second += len(b)
		}
		return false
	}
	d.run(d.connected, 1000)
	if d.c.stats.ACKsSent == 0 || d.s.stats.ACKsReceived == 0 {
		t.Fatalf("no ACK of the partial flight: client sent %d, server got %d", d.c.stats.ACKsSent, d.s.stats.ACKsReceived)
	}
	if d.s.stats.Retransmits != 1 || second == 0 || second > lost || d.c.stats.Retransmits != 0 {
		t.Errorf("server retransmitted %d times, %d bytes, after losing %d of a %d-byte flight (client %d times); want once, at most the lost part",
			d.s.stats.Retransmits, second, lost, first, d.c.stats.Retransmits)
	}
}

// TestHandshakeRoundTrips: without loss the client is connected after one
// round trip and the server after one and a half (RFC 9147 §5.8: the whole
// handshake in two round trips when no HelloRetryRequest is needed).
func TestHandshakeRoundTrips(t *testing.T) {
	cc, sc := configs(t, "rtt")
	sim, c, s := simPair(t, 1, netsim.LinkConfig{Delay: 50 * time.Millisecond}, cc, sc)
	var clientAt, serverAt time.Duration
	done := func() bool {
		if clientAt == 0 && c.e.Connected() {
			clientAt = sim.Elapsed()
		}
		if serverAt == 0 && s.e.Connected() {
			serverAt = sim.Elapsed()
		}
		return clientAt > 0 && serverAt > 0 && len(c.e.fl.msgs) == 0
	}
	if err := sim.Run(done, 1000); err != nil {
		t.Fatal(err)
	}
	if clientAt != 100*time.Millisecond || serverAt != 150*time.Millisecond || sim.Elapsed() > 200*time.Millisecond {
		t.Errorf("client connected at %v, server at %v, all acknowledged at %v; want 100 ms, 150 ms, <= 200 ms", clientAt, serverAt, sim.Elapsed())
	}
}

// TestKeyUpdateBothWays: each side updates its keys in turn, the other
// follows when asked, and data flows in the new epochs (RFC 9147 §8).
func TestKeyUpdateBothWays(t *testing.T) {
	cc, sc := configs(t, "ku")
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	for i := range 20 {
		a, b := d.c, d.s
		if i%2 == 1 {
			a, b = d.s, d.c
		}
		ea, eb := a.appEpoch, b.appEpoch
		if err := a.UpdateKeys(d.now, true); err != nil {
			t.Fatal(err)
		}
		if err := a.UpdateKeys(d.now, false); !errors.Is(err, ErrKeyUpdatePending) {
			t.Fatalf("second KeyUpdate before the ACK: err %v", err)
		}
		d.run(func() bool { return !a.kuPending && !b.kuPending && a.appEpoch == ea+1 && b.appEpoch == eb+1 }, 1000)
		for _, p := range [][2]*Endpoint{{a, b}, {b, a}} {
			if err := p[0].WriteApp(d.now, []byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
			d.pump()
			got, ok := p[1].ReadApp()
			if !ok || !bytes.Equal(got, []byte{byte(i)}) {
				t.Fatalf("round %d: data after the update: %x %v", i, got, ok)
			}
		}
	}
	if d.c.appEpoch != 23 || d.s.appEpoch != 23 || d.c.reader.n > maxReadEpochs {
		t.Errorf("epochs: client %d server %d, want 23 (3 + 20 updates)", d.c.appEpoch, d.s.appEpoch)
	}
}

// TestKeyUpdateStorm: a peer that sends KeyUpdate after KeyUpdate with
// update_requested never makes us send more than one at a time, and the
// reader keeps at most four epochs.
func TestKeyUpdateStorm(t *testing.T) {
	cc, sc := configs(t, "storm")
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	for range 300 {
		d.c.kuPending = false // a misbehaving client: ignore the ACK rule
		d.c.fl.reset()
		if err := d.c.UpdateKeys(d.now, true); err != nil {
			t.Fatal(err)
		}
		d.c.finishKeyUpdate() // and switch at once
		d.pump()
	}
	if d.s.stats.KeyUpdatesReceived != 300 || d.s.stats.KeyUpdatesSent > 1 || d.s.reader.n > maxReadEpochs {
		t.Errorf("server received %d, sent %d KeyUpdates, holds %d read epochs", d.s.stats.KeyUpdatesReceived, d.s.stats.KeyUpdatesSent, d.s.reader.n)
	}
}

// TestForgedPlaintext: once encrypted records flow, plaintext alerts and
// ACKs (which anyone can forge) are ignored and counted.
func TestForgedPlaintext(t *testing.T) {
	cc, sc := configs(t, "forge")
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	fatal := AppendPlaintext(nil, PlaintextHeader{Type: ContentAlert, Version: VersionDTLS12, Seq: 99}, []byte{2, 40})
	ack, err := AppendACK(nil, []RecordNumber{{2, 0}})
	if err != nil {
		t.Fatal(err)
	}
	ackRec := AppendPlaintext(nil, PlaintextHeader{Type: ContentACK, Version: VersionDTLS12, Seq: 100}, ack)
	for _, e := range []*Endpoint{d.c, d.s} {
		if err := e.HandleDatagram(d.now, append(bytes.Clone(fatal), ackRec...)); err != nil {
			t.Fatal(err)
		}
		if !e.Connected() || e.stats.Unauthenticated != 2 {
			t.Errorf("after forged plaintext: %s, unauthenticated %d", e.State(), e.stats.Unauthenticated)
		}
	}
	exchangeDirect(t, d, "still up")
}

func exchangeDirect(t *testing.T, d *direct, msg string) {
	t.Helper()
	if err := d.c.WriteApp(d.now, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	d.pump()
	if got, ok := d.s.ReadApp(); !ok || string(got) != msg {
		t.Fatalf("server read %q %v", got, ok)
	}
}

func TestCloseNotify(t *testing.T) {
	cc, sc := configs(t, "close")
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	d.c.Close(d.now)
	d.c.Close(d.now) // idempotent
	d.pump()
	if d.s.State() != "closed" || !errors.Is(d.s.Err(), ErrClosed) {
		t.Errorf("server after close_notify: %s %v", d.s.State(), d.s.Err())
	}
	if err := d.c.WriteApp(d.now, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteApp after Close: %v", err)
	}
	if _, ok := d.c.Timeout(); ok {
		t.Error("a closed endpoint has a deadline")
	}
	if _, ok := d.c.PollDatagram(); ok {
		t.Error("output after Close was drained")
	}
	// The exporter outlives the connection (dtlsprobe keys SRTP after Close).
	if _, err := d.c.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", nil, 60); err != nil {
		t.Errorf("exporter after Close: %v", err)
	}
}

// TestHandshakeTimeout: a server that never answers ends the client's
// handshake after HandshakeTimeout, with retransmissions doubling.
func TestHandshakeTimeout(t *testing.T) {
	cc, _ := configs(t, "timeout")
	c, err := NewClient(cc, t0)
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	var last error
	for range 100 {
		for {
			if _, ok := c.PollDatagram(); !ok {
				break
			}
		}
		next, ok := c.Timeout()
		if !ok {
			break
		}
		now = next
		last = c.HandleTimeout(now)
	}
	if !errors.Is(last, ErrHandshakeTimeout) || now.Sub(t0) != 30*time.Second {
		t.Errorf("after %v: %v; want ErrHandshakeTimeout at 30 s", now.Sub(t0), last)
	}
	if c.stats.Retransmits != 4 { // 1, 2, 4, 8, 16 s: four before 30 s
		t.Errorf("retransmits %d, want 4", c.stats.Retransmits)
	}
}

// TestWrongKey: a client whose CertificateVerify does not match its
// certificate is refused with decrypt_error (RFC 8446 §4.4.3).
func TestWrongKey(t *testing.T) {
	cc, sc := configs(t, "wrongkey")
	_, other := testCert(t, "other")
	cc.PrivateKey = other
	d := newDirect(t, cc, sc)
	d.t = &softT{T: t}
	for range 50 {
		if !d.pump() {
			break
		}
	}
	var ae *AlertError
	if !errors.As(d.s.Err(), &ae) || ae.Description != alertDecryptError || !ae.Local {
		t.Fatalf("server error %v, want a local decrypt_error alert", d.s.Err())
	}
	if !errors.As(d.c.Err(), &ae) || ae.Local || ae.Description != alertDecryptError {
		t.Errorf("client error %v, want the peer's decrypt_error", d.c.Err())
	}
}

// softT records Fatalf instead of stopping, for drives that expect errors.
type softT struct {
	*testing.T
}

func (s *softT) Fatalf(string, ...any) {}

// TestAppQueueBounded: whatever the read pattern (here one record read for
// every two received, then one for one), the queue of received application
// records keeps at most MaxQueued of them and its backing array stays
// bounded; records come out in order.
func TestAppQueueBounded(t *testing.T) {
	cc, sc := configs(t, "appq")
	cc.MaxQueued, sc.MaxQueued = 8, 8
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	next, want := byte(0), byte(0)
	send := func() {
		if err := d.c.WriteApp(d.now, []byte{next}); err != nil {
			t.Fatal(err)
		}
		next++
		d.pump()
	}
	read := func() {
		got, ok := d.s.ReadApp()
		if !ok {
			t.Fatal("no record to read")
		}
		if got[0] != want {
			t.Fatalf("read record %d, want %d", got[0], want)
		}
		want++
	}
	for range 4 {
		send()
		send()
		read()
	}
	for range 1000 {
		send()
		read()
	}
	if n := len(d.s.app) - d.s.appHead; n != 4 || cap(d.s.app) > 2*8 {
		t.Errorf("%d records queued, backing array of %d; want 4, at most 16", n, cap(d.s.app))
	}
	for range 20 {
		send()
	}
	if n := len(d.s.app) - d.s.appHead; n != 8 || d.s.stats.AppDropped != 16 {
		t.Errorf("%d queued and %d dropped after a flood, want 8 and 16", n, d.s.stats.AppDropped)
	}
}
