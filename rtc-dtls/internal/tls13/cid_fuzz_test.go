package tls13

import (
	"bytes"
	"testing"
)

// FuzzNewConnectionID: the NewConnectionId and RequestConnectionId parsers
// never panic, errors carry their alert, and an accepted NewConnectionId
// re-encodes to the same bytes.
func FuzzNewConnectionID(f *testing.F) {
	f.Add([]byte{0, 0, 3, 2, 1, 2, 0})
	f.Add([]byte{0, 0, 0, 1})
	f.Add([]byte{1, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		if b[0]%2 == 1 {
			_, err := ParseRequestConnectionID(b[1:])
			wantParseError(t, err)
			return
		}
		m, err := ParseNewConnectionID(b[1:])
		wantParseError(t, err)
		if err != nil {
			return
		}
		out, err := m.Append(nil)
		if err != nil || !bytes.Equal(out, b[1:]) {
			t.Fatalf("round trip %x -> %x (%v)", b[1:], out, err)
		}
		if len(m.CIDs) > 0 && len(m.CIDs[0]) == 0 {
			t.Fatal("empty CID accepted")
		}
	})
}

// FuzzPostHandshakeCID: an established pair with CIDs gets fuzzed
// post-handshake handshake messages (NewConnectionId, RequestConnectionId,
// KeyUpdate or any type), sent by the real peer under its keys. No panic;
// the spare CIDs stay bounded; a victim that survives still exchanges data.
//
// Input: chunks of [victim/type byte][length][body].
func FuzzPostHandshakeCID(f *testing.F) {
	f.Add([]byte{0, 5, 0, 2, 1, 9, 1, 1, 1, 3})
	f.Add([]byte{2, 1, 0, 3, 1, 1})
	f.Add([]byte{0, 7, 0, 5, 4, 1, 2, 3, 4, 0})
	types := []HandshakeType{TypeNewConnectionID, TypeRequestConnectionID, TypeKeyUpdate, TypeFinished}
	f.Fuzz(func(t *testing.T, in []byte) {
		cc, sc := configs(t, "fuzzcid")
		cc.ConnectionID, sc.ConnectionID = []byte{1, 2, 3, 4}, []byte{5, 6}
		d := newDirect(t, cc, sc)
		d.run(d.connected, 1000)
		for len(in) >= 2 && d.c.Connected() && d.s.Connected() {
			from := d.s
			if in[0]&1 == 1 {
				from = d.c
			}
			typ := types[int(in[0]>>1)%len(types)]
			n := min(int(in[1]), len(in)-2)
			body := in[2 : 2+n]
			in = in[2+n:]
			if len(from.fl.msgs) > 0 || from.kuPending {
				continue // the real sender waits for its ACK
			}
			if err := postHandshake(t, d, from, typ, body); err != nil {
				return // a fatal alert ends it: allowed
			}
		}
		if !d.c.Connected() || !d.s.Connected() {
			return
		}
		for _, e := range []*Endpoint{d.c, d.s} {
			if len(e.SpareConnectionIDs()) > maxSpareCIDs {
				t.Fatalf("%d spare CIDs", len(e.SpareConnectionIDs()))
			}
		}
		// A sender that switched its peer to a CID of another length than
		// its own reader parses (CIDs are not self-describing, RFC 9147
		// §9) has only cut itself off: no data check then.
		if _, _, p := d.c.ConnectionIDs(); len(p) != len(sc.ConnectionID) {
			return
		}
		if _, _, p := d.s.ConnectionIDs(); len(p) != len(cc.ConnectionID) {
			return
		}
		d.run(func() bool { return len(d.c.fl.msgs) == 0 && len(d.s.fl.msgs) == 0 && !d.c.kuPending && !d.s.kuPending }, 1000)
		exchangeDirect(t, d, "after")
	})
}
