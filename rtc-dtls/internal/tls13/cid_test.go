package tls13

import (
	"bytes"
	"errors"
	"testing"
)

// TestConnectionID13: RFC 9147 §9 between two endpoints. The CIDs are
// negotiated in ClientHello and EncryptedExtensions, every protected record
// carries the receiver's CID after the first header byte with the C bit
// set, the overhead grows by the CID, and data flows both ways.
func TestConnectionID13(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cidC, cidS []byte
		on         bool
	}{
		{"both", []byte{1, 2, 3, 4}, []byte{9, 8, 7, 6, 5, 4, 3, 2}, true},
		{"client send-only", []byte{}, []byte{5, 5}, true},
		{"server off", []byte{1, 2}, nil, false},
		{"client off", nil, []byte{1, 2}, false},
		{"255 bytes", bytes.Repeat([]byte{7}, 255), []byte{1}, true},
		// The longest CID whose header fits the Reader's inline scratch,
		// and the shortest that does not (hdrInlineCID).
		{"19 bytes", bytes.Repeat([]byte{8}, 19), bytes.Repeat([]byte{9}, 20), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc, sc := configs(t, "cid "+tc.name)
			cc.ConnectionID, sc.ConnectionID = tc.cidC, tc.cidS
			d := newDirect(t, cc, sc)
			// Every protected record to the client carries its CID.
			d.drop = func(toServer bool, _ int, b []byte) bool {
				for len(b) > 0 && IsCiphertext(b[0]) {
					want := tc.cidS
					if !toServer {
						want = tc.cidC
					}
					if !tc.on {
						want = nil
					}
					h, err := ParseHeader(b, len(want))
					if err != nil {
						t.Fatalf("record header %x: %v", b[:min(len(b), 8)], err)
					}
					if !bytes.Equal(h.CID, want) && !(len(want) == 0 && h.CID == nil) {
						t.Fatalf("to server %v: CID %x, want %x", toServer, h.CID, want)
					}
					b = b[h.HeaderLen+h.Length:]
				}
				return false
			}
			d.run(d.connected, 1000)
			con, cOurs, cPeer := d.c.ConnectionIDs()
			son, sOurs, sPeer := d.s.ConnectionIDs()
			if con != tc.on || son != tc.on {
				t.Fatalf("negotiated: client %v server %v", con, son)
			}
			if tc.on && (!bytes.Equal(cOurs, sPeer) || !bytes.Equal(sOurs, cPeer)) {
				t.Fatalf("client ours %x peer %x, server ours %x peer %x", cOurs, cPeer, sOurs, sPeer)
			}
			if tc.on {
				if got, want := d.c.writers[len(d.c.writers)-1].Overhead(), 1+2+2+1+16+len(tc.cidS); got != want {
					t.Errorf("client record overhead %d, want %d", got, want)
				}
			}
			exchangeDirect(t, d, "to the server")
			if err := d.s.WriteApp(d.now, []byte("to the client")); err != nil {
				t.Fatal(err)
			}
			d.pump()
			if got, ok := d.c.ReadApp(); !ok || string(got) != "to the client" {
				t.Fatalf("client read %q", got)
			}
		})
	}
}

// postHandshake delivers one handshake message from a to b after the
// handshake, as the real sender would (its own flight, protected, ACKed).
func postHandshake(t *testing.T, d *direct, a *Endpoint, typ HandshakeType, body []byte) error {
	t.Helper()
	if err := a.sendFlight(false, msg{a.appEpoch, typ, body}); err != nil {
		t.Fatal(err)
	}
	var first error
	for {
		b, ok := a.PollDatagram()
		if !ok {
			break
		}
		to := d.s
		if a == d.s {
			to = d.c
		}
		if err := to.HandleDatagram(d.now, bytes.Clone(b)); err != nil && first == nil {
			first = err
		}
	}
	if first == nil {
		d.pump() // the ACK
	}
	return first
}

// TestNewConnectionID: after the handshake the server hands the client new
// CIDs. cid_spare ones are kept (at most maxSpareCIDs; more are dropped
// and counted), cid_immediate switches the client's records to the first
// new one at once, and RequestConnectionId is accepted and ignored. Both
// messages are acknowledged, and data still flows.
func TestNewConnectionID(t *testing.T) {
	cc, sc := configs(t, "newcid")
	cc.ConnectionID, sc.ConnectionID = []byte{1, 1, 1, 1}, []byte{2, 2, 2, 2}
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	var ids [][]byte
	for i := range 10 {
		ids = append(ids, []byte{3, 3, 3, byte(i)})
	}
	body, err := (&NewConnectionID{CIDs: ids, Usage: CIDSpare}).Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := postHandshake(t, d, d.s, TypeNewConnectionID, body); err != nil {
		t.Fatal(err)
	}
	if len(d.c.SpareConnectionIDs()) != maxSpareCIDs || d.c.stats.CIDsDropped != 2 || d.c.stats.CIDMessages != 1 {
		t.Fatalf("spares %d, dropped %d", len(d.c.SpareConnectionIDs()), d.c.stats.CIDsDropped)
	}
	if len(d.s.fl.msgs) != 0 {
		t.Fatal("NewConnectionId not acknowledged")
	}
	// Switch: the server accepts records with its new CID (any CID of its
	// length authenticates: the header is the additional data).
	body, err = (&NewConnectionID{CIDs: [][]byte{{4, 4, 4, 4}}, Usage: CIDImmediate}).Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := postHandshake(t, d, d.s, TypeNewConnectionID, body); err != nil {
		t.Fatal(err)
	}
	if _, _, peer := d.c.ConnectionIDs(); !bytes.Equal(peer, []byte{4, 4, 4, 4}) {
		t.Fatalf("client sends with %x", peer)
	}
	if err := d.c.WriteApp(d.now, []byte("new cid")); err != nil {
		t.Fatal(err)
	}
	b, _ := d.c.PollDatagram()
	h, err := ParseHeader(b, 4)
	if err != nil || !bytes.Equal(h.CID, []byte{4, 4, 4, 4}) {
		t.Fatalf("record CID %x: %v", h.CID, err)
	}
	if err := d.s.HandleDatagram(d.now, b); err != nil {
		t.Fatal(err)
	}
	if got, ok := d.s.ReadApp(); !ok || string(got) != "new cid" {
		t.Fatalf("server read %q", got)
	}
	if err := postHandshake(t, d, d.c, TypeRequestConnectionID, []byte{3}); err != nil {
		t.Fatal(err)
	}
	if d.s.stats.CIDMessages != 1 || !d.s.Connected() {
		t.Fatalf("RequestConnectionId: %+v", d.s.stats)
	}
	exchangeDirect(t, d, "still up")
}

// TestConnectionIDMessagesWithoutCID: NewConnectionId or
// RequestConnectionId when no CID was negotiated is an unexpected_message
// (RFC 9147 §9: "Endpoints MUST NOT send either of these messages if they
// did not negotiate a CID").
func TestConnectionIDMessagesWithoutCID(t *testing.T) {
	for _, typ := range []HandshakeType{TypeNewConnectionID, TypeRequestConnectionID} {
		cc, sc := configs(t, "nocid")
		d := newDirect(t, cc, sc)
		d.run(d.connected, 1000)
		body := []byte{1}
		if typ == TypeNewConnectionID {
			body = []byte{0, 2, 1, 9, 1}
		}
		err := postHandshake(t, d, d.s, typ, body)
		var ae *AlertError
		if !errors.As(err, &ae) || ae.Description != alertUnexpectedMessage || d.c.Connected() {
			t.Fatalf("%v: %v", typ, err)
		}
	}
}

// TestParseNewConnectionID: the edges of the message.
func TestParseNewConnectionID(t *testing.T) {
	for _, tc := range []struct {
		b  []byte
		ok bool
	}{
		{[]byte{0, 0, 1}, true},              // no CIDs, spare
		{[]byte{0, 3, 2, 1, 2, 0}, true},     // one CID, immediate
		{[]byte{0, 1, 0, 1}, false},          // an empty CID
		{[]byte{0, 3, 2, 1, 2, 2}, false},    // unknown usage
		{[]byte{0, 3, 5, 1, 2, 1}, false},    // CID past the list
		{[]byte{0, 0}, false},                // no usage
		{[]byte{0, 0, 1, 0}, false},          // trailing byte
		{[]byte{0, 4, 2, 1, 2, 1, 1}, false}, // list length wrong
	} {
		m, err := ParseNewConnectionID(tc.b)
		if (err == nil) != tc.ok {
			t.Errorf("%x: %v", tc.b, err)
			continue
		}
		if err == nil {
			out, err := m.Append(nil)
			if err != nil || !bytes.Equal(out, tc.b) {
				t.Errorf("%x: round trip %x %v", tc.b, out, err)
			}
		}
	}
	if _, err := ParseRequestConnectionID([]byte{1, 2}); err == nil {
		t.Error("RequestConnectionId with two bytes")
	}
}

// TestCIDRecordsAttacks: records with the C bit at an endpoint without a
// CID, with a bit flipped in the CID, and replayed, are dropped and
// counted; the newest-record flag never comes from them.
func TestCIDRecordsAttacks(t *testing.T) {
	cc, sc := configs(t, "cidattack")
	cc.ConnectionID, sc.ConnectionID = []byte{1, 2, 3}, []byte{4, 5, 6}
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	if err := d.c.WriteApp(d.now, []byte("x")); err != nil {
		t.Fatal(err)
	}
	rec, _ := d.c.PollDatagram()
	if err := d.s.HandleDatagram(d.now, bytes.Clone(rec)); err != nil || !d.s.NewestCIDRecord() {
		t.Fatalf("first: %v, newest %v", err, d.s.NewestCIDRecord())
	}
	// Replayed.
	before := d.s.stats
	if err := d.s.HandleDatagram(d.now, bytes.Clone(rec)); err != nil || d.s.NewestCIDRecord() || d.s.stats.Replayed != before.Replayed+1 {
		t.Fatalf("replay: %v newest %v stats %+v", err, d.s.NewestCIDRecord(), d.s.stats)
	}
	// A CID bit flipped: the header is the additional data.
	if err := d.c.WriteApp(d.now, []byte("y")); err != nil {
		t.Fatal(err)
	}
	rec, _ = d.c.PollDatagram()
	bad := bytes.Clone(rec)
	bad[1] ^= 1
	if err := d.s.HandleDatagram(d.now, bad); err != nil || d.s.NewestCIDRecord() || d.s.stats.AuthFailed != before.AuthFailed+1 {
		t.Fatalf("flipped CID: %v newest %v stats %+v", err, d.s.NewestCIDRecord(), d.s.stats)
	}
	if got, ok := d.s.ReadApp(); !ok || string(got) != "x" {
		t.Fatalf("read %q", got)
	}
	// The C bit at an endpoint that uses no CID: dropped as malformed.
	cc2, sc2 := configs(t, "cidattack2")
	d2 := newDirect(t, cc2, sc2)
	d2.run(d2.connected, 1000)
	if err := d2.s.HandleDatagram(d2.now, bytes.Clone(rec)); err != nil || d2.s.stats.Malformed != 1 {
		t.Fatalf("C bit without a CID: %v %+v", err, d2.s.stats)
	}
	exchangeDirect(t, d, "still up")
}

// TestNewConnectionIDFlood: a peer that sends NewConnectionId after
// NewConnectionId, each with 200 CIDs of 255 bytes, leaves us holding at
// most maxSpareCIDs of them; the rest are counted and dropped.
func TestNewConnectionIDFlood(t *testing.T) {
	cc, sc := configs(t, "cidflood")
	cc.ConnectionID, sc.ConnectionID = []byte{1, 1}, []byte{2, 2}
	d := newDirect(t, cc, sc)
	d.run(d.connected, 1000)
	ids := make([][]byte, 200)
	for i := range ids {
		ids[i] = bytes.Repeat([]byte{byte(i)}, 255)
	}
	body, err := (&NewConnectionID{CIDs: ids, Usage: CIDSpare}).Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if err := postHandshake(t, d, d.s, TypeNewConnectionID, body); err != nil {
			t.Fatal(err)
		}
	}
	kept := 0
	for _, id := range d.c.SpareConnectionIDs() {
		kept += len(id)
	}
	if len(d.c.SpareConnectionIDs()) != maxSpareCIDs || kept != maxSpareCIDs*255 || d.c.stats.CIDsDropped != 20*200-maxSpareCIDs {
		t.Fatalf("spares %d (%d bytes), dropped %d", len(d.c.SpareConnectionIDs()), kept, d.c.stats.CIDsDropped)
	}
	exchangeDirect(t, d, "still up")
}
