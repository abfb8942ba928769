package dtls

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/sansrtc/rtc/rtc-shared"
)

// FuzzParseRecordCID: the record parser with a receiver's CID length never
// panics, and what it accepts re-encodes to the same bytes.
func FuzzParseRecordCID(f *testing.F) {
	h := RecordHeader{Type: ContentTLS12CID, Version: versionDTLS12, Epoch: 1, Seq: 7, CID: []byte{1, 2, 3, 4}, Length: 3}
	f.Add(append(h.AppendTo(nil), 9, 9, 9), uint8(4))
	f.Add(append(h.AppendTo(nil), 9, 9, 9), uint8(0))
	f.Add(append(h.AppendTo(nil), 9, 9, 9), uint8(255))
	f.Add(plainRecord(ContentApplicationData, 1, 3, []byte("abc")), uint8(8))
	f.Fuzz(func(t *testing.T, b []byte, cidLen uint8) {
		h, frag, rest, err := ParseRecordCID(b, int(cidLen))
		if err != nil {
			return
		}
		if h.Type == ContentTLS12CID && len(h.CID) != int(cidLen) || h.Type != ContentTLS12CID && h.CID != nil {
			t.Fatalf("CID %x for type %v and length %d", h.CID, h.Type, cidLen)
		}
		out := append(h.AppendTo(nil), frag...)
		if !bytes.Equal(out, b[:len(b)-len(rest)]) {
			t.Fatalf("round trip: %x vs %x", out, b)
		}
	})
}

// FuzzHelloExtensions: the hello extension block (with record_size_limit
// and connection_id) never panics, and what it accepts encodes to
// something it accepts again, identically.
func FuzzHelloExtensions(f *testing.F) {
	seed := func(e helloExtensions) []byte {
		w := shared.NewBuilder(nil)
		e.append(&w)
		b, err := w.Bytes()
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(seed(helloExtensions{HasRecordSizeLimit: true, RecordSizeLimit: 512, HasConnectionID: true, ConnectionID: []byte{1, 2, 3}}))
	f.Add(seed(helloExtensions{HasConnectionID: true, ConnectionID: []byte{}}))
	f.Add(seed(helloExtensions{HasConnectionID: true, ConnectionID: make([]byte, 255), ExtendedMasterSecret: true}))
	f.Add([]byte{0, 6, 0, 54, 0, 2, 5, 1}) // CID length past its body
	f.Add([]byte{0, 5, 0, 28, 0, 1, 5})    // short record_size_limit
	f.Fuzz(func(t *testing.T, b []byte) {
		var e helloExtensions
		c := shared.NewCursor(b)
		if e.parse(&c, "hello") != nil {
			return
		}
		b1 := seed(e)
		var e2 helloExtensions
		c2 := shared.NewCursor(b1)
		if len(b1) > 0 {
			if err := e2.parse(&c2, "hello"); err != nil {
				t.Fatalf("re-encoded extensions do not parse: %v", err)
			}
		}
		if b2 := seed(e2); !bytes.Equal(b1, b2) {
			t.Fatalf("unstable encoding:\n%x\n%x", b1, b2)
		}
	})
}

// FuzzEstablishedCID feeds an established connection with connection IDs
// hostile input: DTLSInnerPlaintexts the peer seals with the real keys
// (any content, type and padding), under the right or a wrong CID, and
// raw datagrams, from the peer's address or another. No panic; each is
// accepted, dropped or ends the connection with an alert; the peer never
// moves to an address that sent only unauthenticated or stale records; and
// while established, data still flows both ways.
//
// Input: chunks of [flags][length][bytes]; flags bit 0 picks the victim,
// bit 1 a raw datagram (else a sealed inner plaintext), bit 2 the other
// address, bit 3 a wrong CID.
func FuzzEstablishedCID(f *testing.F) {
	f.Add([]byte{0, 2, 'x', 23, 1, 3, 'y', 23, 0})
	f.Add([]byte{4, 2, 'x', 23, 8, 2, 'x', 23, 6, 5, 25, 0xfe, 0xfd, 0, 1})
	f.Add([]byte{0, 3, 0, 0, 0, 0, 2, 2, 40, 21, 1, 4, 'p', 23, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		p := cidPair(t, 4, 6, 0)
		other := netip.MustParseAddrPort("198.51.100.1:1")
		for len(in) >= 2 {
			flags, n := in[0], min(int(in[1]), len(in)-2)
			body := in[2 : 2+n]
			in = in[2+n:]
			victim, peer := p.client, p.server
			if flags&1 == 1 {
				victim, peer = p.server, p.client
			}
			if peer.state != stateEstablished || victim.state != stateEstablished {
				break
			}
			from := peerOf(victim)
			if flags&4 != 0 {
				from = other
			}
			dg := body
			if flags&2 == 0 {
				cid := bytes.Clone(victim.cid.ours)
				if flags&8 != 0 {
					cid[0] ^= 0xff
				}
				dg = cidRecord(t, peer, cid, body)
			}
			if err := p.inject(victim, from, dg); !acceptable(err) {
				t.Fatalf("datagram %x: %v", dg, err)
			}
			if victim.Transport().Peer == other && (flags&2 != 0 || flags&8 != 0) && victim.Stats().PeerMoves == 0 {
				t.Fatal("moved without an authenticated record")
			}
			// Undo a legitimate move so the harness keeps delivering.
			if victim.Transport().Peer != peerOf(victim) {
				victim.SetTransport(shared.TransportContext{Local: victim.Transport().Local, Peer: peerOf(victim)})
			}
			p.pump()
		}
		if p.client.state != stateEstablished || p.server.state != stateEstablished {
			return
		}
		p.cReads, p.sReads = nil, nil
		noErr(t, p.client.HandleWrite([]byte("c")))
		noErr(t, p.server.HandleWrite([]byte("s")))
		p.pump()
		if len(p.sReads) != 1 || len(p.cReads) != 1 {
			t.Fatalf("data after the fuzzed records: server read %q, client read %q", p.sReads, p.cReads)
		}
	})
}
