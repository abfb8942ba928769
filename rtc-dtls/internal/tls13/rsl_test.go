package tls13

import (
	"errors"
	"strings"
	"testing"
)

// TestRecordSizeLimitBothRoles: both sides advertise a record_size_limit
// (RFC 8449 §4), the client in ClientHello and the server in
// EncryptedExtensions. Each side keeps its protected records, handshake
// ones included, within the other's limit (the reader refuses larger ones,
// so a handshake that broke the limit would never complete), and
// MaxPayload and WriteApp follow the peer's limit across a KeyUpdate.
func TestRecordSizeLimitBothRoles(t *testing.T) {
	cc, sc := configs(t, "rsl")
	cc.RecordSizeLimit, sc.RecordSizeLimit = 200, 300
	d := newDirect(t, cc, sc)
	d.run(d.connected, 200)
	if d.c.peerLimit != 300 || d.s.peerLimit != 200 || d.c.reader.Limit != 200 || d.s.reader.Limit != 300 {
		t.Fatalf("limits: client peer %d read %d, server peer %d read %d",
			d.c.peerLimit, d.c.reader.Limit, d.s.peerLimit, d.s.reader.Limit)
	}
	if cs, ss := d.c.Stats(), d.s.Stats(); cs.Malformed != 0 || ss.Malformed != 0 {
		t.Fatalf("records refused: client %d, server %d", cs.Malformed, ss.Malformed)
	}
	if got := d.c.MaxPayload(1200); got != 299 {
		t.Errorf("client MaxPayload %d, want 299", got)
	}
	if got := d.s.MaxPayload(1200); got != 199 {
		t.Errorf("server MaxPayload %d, want 199", got)
	}
	exchangeDirect(t, d, strings.Repeat("a", 299))
	if err := d.c.WriteApp(d.now, make([]byte, 300)); !errors.Is(err, ErrRecordOverflow) {
		t.Fatalf("300 bytes to a 300-byte limit: %v", err)
	}
	if err := d.c.UpdateKeys(d.now, false); err != nil {
		t.Fatal(err)
	}
	d.run(func() bool { return !d.c.kuPending }, 50)
	if err := d.c.WriteApp(d.now, make([]byte, 300)); !errors.Is(err, ErrRecordOverflow) {
		t.Fatalf("after KeyUpdate, 300 bytes to a 300-byte limit: %v", err)
	}
	exchangeDirect(t, d, strings.Repeat("b", 299))
}

// TestRecordSizeLimitEnforcedOnRead: a peer that ignores our limit has its
// larger records dropped and counted (RFC 8449 §4; RFC 9147 §4.5.2: invalid
// records are discarded).
func TestRecordSizeLimitEnforcedOnRead(t *testing.T) {
	cc, sc := configs(t, "rsl read")
	cc.RecordSizeLimit = 100
	d := newDirect(t, cc, sc)
	d.run(d.connected, 200)
	d.s.writer(d.s.appEpoch).Limit = 0 // a server that breaks the limit
	if err := d.s.WriteApp(d.now, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	d.pump()
	if _, ok := d.c.ReadApp(); ok {
		t.Fatal("a record over our limit was accepted")
	}
	if got := d.c.Stats().Malformed; got != 1 {
		t.Fatalf("Malformed %d, want 1", got)
	}
	if err := d.s.WriteApp(d.now, make([]byte, 99)); err != nil {
		t.Fatal(err)
	}
	d.pump()
	if b, ok := d.c.ReadApp(); !ok || len(b) != 99 {
		t.Fatalf("a record at our limit: %d %v", len(b), ok)
	}
}

// TestRecordSizeLimitMinimum: with the smallest limit (64) on both sides
// the handshake still completes: certificate fragments of 51 bytes and
// ACKs trimmed to the record numbers that fit.
func TestRecordSizeLimitMinimum(t *testing.T) {
	cc, sc := configs(t, "rsl 64")
	cc.RecordSizeLimit, sc.RecordSizeLimit = 64, 64
	d := newDirect(t, cc, sc)
	d.run(d.connected, 500)
	if cs, ss := d.c.Stats(), d.s.Stats(); cs.Malformed != 0 || ss.Malformed != 0 {
		t.Fatalf("records refused: client %d, server %d", cs.Malformed, ss.Malformed)
	}
	exchangeDirect(t, d, strings.Repeat("c", 63))
}

// TestRecordSizeLimitOneSided: the server answers only a client that sent
// the extension (with 2^14+1 when it has no limit of its own); a server
// limit alone is never announced, so it is not enforced; a peer value above
// the protocol maximum counts as the maximum.
func TestRecordSizeLimitOneSided(t *testing.T) {
	t.Run("server only", func(t *testing.T) {
		cc, sc := configs(t, "rsl server")
		sc.RecordSizeLimit = 100
		d := newDirect(t, cc, sc)
		d.run(d.connected, 200)
		if d.c.peerLimit != 0 || d.s.peerLimit != 0 || d.s.reader.Limit != 0 || d.c.reader.Limit != 0 {
			t.Fatalf("limits without a client offer: %d %d %d %d", d.c.peerLimit, d.s.peerLimit, d.s.reader.Limit, d.c.reader.Limit)
		}
		exchangeDirect(t, d, strings.Repeat("d", 1000))
	})
	t.Run("client only", func(t *testing.T) {
		cc, sc := configs(t, "rsl client")
		cc.RecordSizeLimit = 1 << 15 // above the maximum: sent as 2^14+1
		d := newDirect(t, cc, sc)
		d.run(d.connected, 200)
		if d.c.peerLimit != MaxRecordSizeLimit || d.s.peerLimit != MaxRecordSizeLimit || d.s.reader.Limit != 0 || d.c.reader.Limit != MaxRecordSizeLimit {
			t.Fatalf("limits: %d %d %d %d", d.c.peerLimit, d.s.peerLimit, d.s.reader.Limit, d.c.reader.Limit)
		}
	})
	t.Run("peer above maximum", func(t *testing.T) {
		cc, _ := configs(t, "rsl max")
		e := newEndpoint(cc, t0, false)
		e.negotiateRecordSizeLimit(0xFFFF, 0)
		if e.peerLimit != MaxRecordSizeLimit {
			t.Fatalf("peer limit %d", e.peerLimit)
		}
	})
}

// TestRecordSizeLimitUnsolicited: a server that answers a record_size_limit
// the client never offered fails the handshake with unsupported_extension
// (RFC 8446 §4.2).
func TestRecordSizeLimitUnsolicited(t *testing.T) {
	cc, _ := configs(t, "rsl unsolicited")
	c, err := NewClient(cc, t0)
	if err != nil {
		t.Fatal(err)
	}
	ee := &EncryptedExtensions{Ext: Extensions{RecordSizeLimit: 1000}}
	body, err := ee.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseEncryptedExtensions(body)
	if err != nil {
		t.Fatal(err)
	}
	err = c.clientRecordSizeLimit(parsed)
	var ae *AlertError
	if !errors.As(err, &ae) || ae.Description != alertUnsupportedExtension {
		t.Fatalf("unsolicited record_size_limit: %v", err)
	}
}
