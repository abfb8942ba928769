package tls13

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// heldEpoch2 reports whether e still holds epoch-2 read and write keys.
func heldEpoch2(e *Endpoint) (read, write bool) { return e.reader.HasEpoch(2), e.writer(2) != nil }

// TestRetireAfterConfirm: once the handshake is confirmed the client holds
// no epoch-2 keys, no flight and no handshake secrets; the server drops its
// flight and epoch-2 write keys at once and its epoch-2 read keys one
// handshake timeout later. Data and KeyUpdates still flow. Before, every
// Endpoint kept all of it (four AES-GCM and four record-number ciphers, the
// last flight, the transcript) for its whole life.
func TestRetireAfterConfirm(t *testing.T) {
	cc, sc := configs(t, "retire")
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	for _, e := range []*Endpoint{d.c, d.s} {
		if e.hs != nil || e.reasm.slots != nil || e.scratch != nil {
			t.Errorf("server %v keeps handshake state", e.server)
		}
		if e.fl.msgs != nil || e.fl.sent != nil {
			t.Errorf("server %v keeps its last flight (%d messages)", e.server, len(e.fl.msgs))
		}
		if len(e.PeerCertificates()) != 1 {
			t.Errorf("server %v lost the peer's chain", e.server)
		}
	}
	if r, w := heldEpoch2(d.c); r || w || d.c.frag != nil || !d.c.retired {
		t.Errorf("client after the ACK: epoch 2 read %v write %v, frag %d", r, w, cap(d.c.frag))
	}
	if r, w := heldEpoch2(d.s); !r || w {
		t.Errorf("server at completion: epoch 2 read %v (want true) write %v (want false)", r, w)
	}
	// The server's fragment scratch (MTU-sized, kept for the handshake
	// timeout before, issue 18) goes when its flight is confirmed; the
	// ACK it sends takes a small one. Both schedules are compacted.
	if cap(d.s.frag) > 64 {
		t.Errorf("server at completion keeps a fragment scratch of %d bytes", cap(d.s.frag))
	}
	for _, e := range []*Endpoint{d.c, d.s} {
		if e.sched.inner != nil || e.sched.pad != nil || e.sched.early != nil || e.sched.handshake != nil {
			t.Errorf("server %v: the schedule keeps its HMAC state or handshake secrets", e.server)
		}
	}
	exchangeDirect(t, d, "before")
	d.now = d.now.Add(sc.handshakeTimeout())
	if err := d.s.HandleTimeout(d.now); err != nil {
		t.Fatal(err)
	}
	if r, _ := heldEpoch2(d.s); r || d.s.frag != nil || d.s.ackList != nil || !d.s.retired {
		t.Errorf("server one handshake timeout later: epoch 2 read %v, frag %d, ACK list %d", r, cap(d.s.frag), len(d.s.ackList))
	}
	exchangeDirect(t, d, "after")
	if err := d.s.UpdateKeys(d.now, true); err != nil {
		t.Fatal(err)
	}
	d.run(func() bool { return d.c.appEpoch == 4 && d.s.appEpoch == 4 && !d.s.kuPending && !d.c.kuPending }, 1000)
	exchangeDirect(t, d, "updated")
	if d.c.reader.n > 2 || d.s.reader.n > 2 {
		t.Errorf("read epochs: client %d server %d", d.c.reader.n, d.s.reader.n)
	}
}

// TestRetireLostACK: the server's ACK of the client's Finished is lost.
// The server still reads epoch 2, so the client's retransmitted Finished
// gets a new ACK, and the client retires on it.
func TestRetireLostACK(t *testing.T) {
	cc, sc := configs(t, "retire-ack")
	d := newDirect(t, cc, sc)
	lost := 0
	d.drop = func(toServer bool, _ int, _ []byte) bool {
		if !toServer && d.s.Connected() && lost < 2 {
			lost++
			return true
		}
		return false
	}
	d.run(d.connected, 1000)
	if lost != 2 || d.s.stats.ACKsSent < 3 || !d.c.retired {
		t.Fatalf("lost %d, server sent %d ACKs, client retired %v", lost, d.s.stats.ACKsSent, d.c.retired)
	}
	exchangeDirect(t, d, "up")
}

// TestRetireACKNeverArrives: every ACK of the client's last flight is lost.
// The client stops resending it at its handshake deadline and retires
// then; the server, retired by then too, drops a late epoch-2 Finished as
// an unknown epoch. The connection stands both ways.
func TestRetireACKNeverArrives(t *testing.T) {
	cc, sc := configs(t, "retire-noack")
	d := newDirect(t, cc, sc)
	var fin []byte // the client's last flight, as last sent
	d.drop = func(toServer bool, _ int, b []byte) bool {
		if toServer && d.c.fl.final {
			fin = bytes.Clone(b)
		}
		return !toServer && d.s.Connected() && d.c.fl.final
	}
	d.run(func() bool { return d.c.Connected() && d.s.Connected() && d.c.retired }, 1000)
	if d.c.fl.msgs != nil {
		t.Errorf("client keeps its flight")
	}
	if err := d.s.HandleTimeout(d.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !d.s.retired {
		t.Error("server not retired")
	}
	// A late copy of the client's Finished (epoch 2) is dropped.
	before := d.s.stats.UnknownEpoch
	if fin == nil {
		t.Fatal("no client flight seen")
	}
	if err := d.s.HandleDatagram(d.now, fin); err != nil {
		t.Fatal(err)
	}
	if d.s.stats.UnknownEpoch <= before {
		t.Errorf("late epoch-2 record: unknown epoch %d, want more than %d", d.s.stats.UnknownEpoch, before)
	}
	exchangeDirect(t, d, "up")
	if err := d.s.WriteApp(d.now, []byte("down")); err != nil {
		t.Fatal(err)
	}
	d.pump()
	if got, ok := d.c.ReadApp(); !ok || string(got) != "down" {
		t.Fatalf("client read %q %v", got, ok)
	}
}

// TestEndpointSize: a connected Endpoint is one allocation of at most 1536
// bytes (a Go size class). It was 2376 bytes (2688 allocated) with the
// reassembler's slots and a 260-byte header scratch inline, and 1672
// (1792) with the handshake-only fields inline (issue 18; they are a
// separate allocation now, let go at handshakeDone).
func TestEndpointSize(t *testing.T) {
	if n := reflect.TypeFor[Endpoint]().Size(); n > 1536 {
		t.Errorf("Endpoint is %d bytes", n)
	}
}
