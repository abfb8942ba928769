package dtls

import (
	"bytes"
	"errors"
	"net/netip"
	"runtime"
	"testing"

	"github.com/sansrtc/rtc/rtc-shared"
)

// TestRecordSizeLimit12: record_size_limit (RFC 8449) in DTLS 1.2, both
// roles. Each side announces one (the server in ServerHello); MaxPayload and
// HandleWrite follow the peer's (ErrMessageTooLarge above it, the
// connection staying up); data at the limit flows both ways; and a record
// over our own limit, from a peer that ignores it, is dropped and counted.
func TestRecordSizeLimit12(t *testing.T) {
	for _, suite := range []CipherSuite{TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA} {
		for _, cidLen := range []int{0, 4} {
			t.Run(suite.String()+"/cid"+string(rune('0'+cidLen)), func(t *testing.T) {
				cc, sc := defaultConfigs()
				cc.CipherSuites, sc.CipherSuites = []CipherSuite{suite}, []CipherSuite{suite}
				cc.RecordSizeLimit, sc.RecordSizeLimit = 500, 300
				cc.ConnectionIDLength, sc.ConnectionIDLength = cidLen, cidLen
				p := newTestPair(t, cc, sc)
				p.handshake(100)
				if !p.established() {
					t.Fatalf("not established: client %v server %v", p.client.Err(), p.server.Err())
				}
				cs, _ := p.client.ConnectionState()
				ss, _ := p.server.ConnectionState()
				if cs.PeerRecordSizeLimit != 300 || ss.PeerRecordSizeLimit != 500 {
					t.Fatalf("limits: client sees %d, server sees %d", cs.PeerRecordSizeLimit, ss.PeerRecordSizeLimit)
				}
				// With a CID the type byte inside the protection counts too.
				cmax, smax := 300-min(cidLen, 1), 500-min(cidLen, 1)
				if got := p.client.MaxPayload(); got != cmax {
					t.Errorf("client MaxPayload %d, want %d", got, cmax)
				}
				if got := p.server.MaxPayload(); got != smax {
					t.Errorf("server MaxPayload %d, want %d", got, smax)
				}
				if err := p.client.HandleWrite(make([]byte, cmax+1)); !errors.Is(err, ErrMessageTooLarge) {
					t.Fatalf("client write above the server's limit: %v", err)
				}
				if err := p.server.HandleWrite(make([]byte, smax+1)); !errors.Is(err, ErrMessageTooLarge) {
					t.Fatalf("server write above the client's limit: %v", err)
				}
				noErr(t, p.client.HandleWrite(make([]byte, cmax)))
				noErr(t, p.server.HandleWrite(make([]byte, smax)))
				p.pump()
				if len(p.sReads) != 1 || len(p.sReads[0]) != cmax || len(p.cReads) != 1 || len(p.cReads[0]) != smax {
					t.Fatalf("reads: server %d client %d", len(p.sReads), len(p.cReads))
				}
				// A client that ignores the server's limit: its record is
				// dropped, counted, and the connection stays up.
				p.client.peerRecordLimit = 0
				noErr(t, p.client.HandleWrite(make([]byte, 400)))
				dg, ok := p.client.PollWrite()
				if !ok {
					t.Fatal("no datagram")
				}
				err := p.inject(p.server, clientAddr, dg.Message)
				if !errors.Is(err, ErrDropped) || !errors.Is(err, ErrLimit) || p.server.Stats().LimitExceeded != 1 {
					t.Fatalf("record over our limit: %v, stats %+v", err, p.server.Stats())
				}
				p.sReads = nil
				noErr(t, p.client.HandleWrite(make([]byte, 10)))
				p.pump()
				if len(p.sReads) != 1 {
					t.Fatal("connection did not survive the oversized record")
				}
			})
		}
	}
}

// TestRecordSizeLimit12Negotiation: the edges of RFC 8449 §4 in DTLS 1.2.
func TestRecordSizeLimit12Negotiation(t *testing.T) {
	t.Run("only the client", func(t *testing.T) {
		// The server answers with the 1.2 maximum; the client is limited by it.
		cc, sc := defaultConfigs()
		cc.RecordSizeLimit = 200
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		cs, _ := p.client.ConnectionState()
		ss, _ := p.server.ConnectionState()
		if cs.PeerRecordSizeLimit != 1<<14 || ss.PeerRecordSizeLimit != 200 {
			t.Fatalf("limits: client sees %d, server sees %d", cs.PeerRecordSizeLimit, ss.PeerRecordSizeLimit)
		}
	})
	t.Run("only the server", func(t *testing.T) {
		// A server cannot send the extension unasked: nothing is limited.
		cc, sc := defaultConfigs()
		sc.RecordSizeLimit = 200
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		cs, _ := p.client.ConnectionState()
		if cs.PeerRecordSizeLimit != 0 || p.client.MaxPayload() != 1200-13-24 {
			t.Fatalf("limit %d, MaxPayload %d", cs.PeerRecordSizeLimit, p.client.MaxPayload())
		}
	})
	t.Run("1.3 value to a 1.2 server", func(t *testing.T) {
		// A client offering both versions may send 2^14+1; a 1.2-only
		// server must not refuse it and counts it as 2^14.
		cc, sc := defaultConfigs()
		cc.MaxVersion, cc.MinVersion = VersionDTLS13, VersionDTLS12
		cc.RecordSizeLimit = 1<<14 + 1
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		ss, ok := p.server.ConnectionState()
		if !ok || ss.Version != "DTLS 1.2" || ss.PeerRecordSizeLimit != 1<<14 {
			t.Fatalf("state %+v", ss)
		}
	})
	t.Run("below 64", func(t *testing.T) {
		// "An endpoint MUST treat receipt of a smaller value as a fatal
		// error and generate an illegal_parameter alert."
		cc, sc := defaultConfigs()
		cc.hooks = &testHooks{extraExtensions: []rawExtension{{typ: extRecordSizeLimit, data: []byte{0, 63}}}}
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		// The server, not bound to a peer yet, answers the sender with
		// the alert and keeps waiting (source.go).
		var ae *AlertError
		if !errors.As(p.client.Err(), &ae) || ae.Alert != AlertIllegalParameter || !ae.Remote {
			t.Fatalf("client err %v", p.client.Err())
		}
	})
	t.Run("malformed", func(t *testing.T) {
		cc, sc := defaultConfigs()
		cc.hooks = &testHooks{extraExtensions: []rawExtension{{typ: extRecordSizeLimit, data: []byte{1, 0, 0}}}}
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		// The server, not bound to a peer yet, answers the sender with
		// the alert and keeps waiting (source.go).
		var ae *AlertError
		if !errors.As(p.client.Err(), &ae) || ae.Alert != AlertDecodeError || !ae.Remote {
			t.Fatalf("client err %v", p.client.Err())
		}
	})
	t.Run("unsolicited or out of range in ServerHello", func(t *testing.T) {
		for _, tc := range []struct {
			ours  int
			value uint16
			alert Alert
		}{
			{0, 1000, AlertUnsupportedExtension},
			{1000, 63, AlertIllegalParameter},
			{1000, 1<<14 + 1, AlertIllegalParameter},
		} {
			c := &Conn{cfg: Config{RecordSizeLimit: tc.ours}}
			err := c.clientRecordSizeLimit(&helloExtensions{HasRecordSizeLimit: true, RecordSizeLimit: tc.value})
			var ae *AlertError
			if !errors.As(err, &ae) || ae.Alert != tc.alert {
				t.Errorf("ours %d, server's %d: %v, want %v", tc.ours, tc.value, err, tc.alert)
			}
		}
	})
}

// cidPair is an established DTLS 1.2 pair with connection IDs of the given
// lengths (0: off) for records to the client and to the server.
func cidPair(t *testing.T, clientLen, serverLen int, suite CipherSuite) *testPair {
	t.Helper()
	cc, sc := defaultConfigs()
	if suite != 0 {
		cc.CipherSuites, sc.CipherSuites = []CipherSuite{suite}, []CipherSuite{suite}
	}
	cc.ConnectionIDLength, sc.ConnectionIDLength = clientLen, serverLen
	p := newTestPair(t, cc, sc)
	p.handshake(100)
	if !p.established() {
		t.Fatalf("not established: client %v server %v", p.client.Err(), p.server.Err())
	}
	return p
}

// TestConnectionID12: RFC 9146 both ways over each kind of record
// protection. Every protected record carries the receiver's CID in its
// header (content type tls12_cid, 25), data flows both ways, and the
// overhead per record is the CID plus one byte.
func TestConnectionID12(t *testing.T) {
	for _, tc := range []struct {
		suite    CipherSuite
		overhead int
	}{
		{TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 13 + 8 + 16},
		{TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 13 + 16},
		{TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, -1}, // CBC: padding varies
	} {
		for _, lens := range [][2]int{{8, 4}, {1, 255}, {255, 1}} {
			p := cidPair(t, lens[0], lens[1], tc.suite)
			cs, _ := p.client.ConnectionState()
			ss, _ := p.server.ConnectionState()
			if !cs.ConnectionID || !ss.ConnectionID || len(cs.LocalConnectionID) != lens[0] || len(ss.LocalConnectionID) != lens[1] ||
				!bytes.Equal(cs.LocalConnectionID, ss.PeerConnectionID) || !bytes.Equal(ss.LocalConnectionID, cs.PeerConnectionID) {
				t.Fatalf("%v %v: client %+v server %+v", tc.suite, lens, cs, ss)
			}
			for _, dir := range []struct {
				from, to *Conn
				cid      []byte
			}{{p.client, p.server, ss.LocalConnectionID}, {p.server, p.client, cs.LocalConnectionID}} {
				msg := bytes.Repeat([]byte{0xab}, 100)
				noErr(t, dir.from.HandleWrite(msg))
				dg, ok := dir.from.PollWrite()
				if !ok {
					t.Fatal("no datagram")
				}
				b := dg.Message
				if ContentType(b[0]) != ContentTLS12CID || !bytes.Equal(b[11:11+len(dir.cid)], dir.cid) {
					t.Fatalf("%v: record header %x, want type 25 and CID %x", tc.suite, b[:min(len(b), 13+len(dir.cid))], dir.cid)
				}
				if tc.overhead > 0 && len(b) != len(msg)+tc.overhead+len(dir.cid)+1 {
					t.Fatalf("%v: datagram %d bytes for %d of data, want overhead %d+%d+1", tc.suite, len(b), len(msg), tc.overhead, len(dir.cid))
				}
				if got := dir.from.MaxPayload(); tc.overhead > 0 && got != 1200-tc.overhead-len(dir.cid)-1 {
					t.Fatalf("MaxPayload %d", got)
				}
				noErr(t, p.inject(dir.to, peerOf(dir.to), b))
				got, ok := dir.to.PollRead()
				if !ok || !bytes.Equal(got, msg) {
					t.Fatalf("%v: read %x", tc.suite, got)
				}
			}
			// Alerts travel inside tls12_cid records too: an orderly close.
			noErr(t, p.client.Close())
			p.pump()
			if p.server.state != stateClosed || p.server.Err() != nil {
				t.Fatalf("server after close_notify: %v %v", p.server.state, p.server.Err())
			}
		}
	}
}

// TestConnectionIDNegotiation: who asks for what (RFC 9146 §3).
func TestConnectionIDNegotiation(t *testing.T) {
	t.Run("send-only client", func(t *testing.T) {
		// An empty CID from the client: the client sends with the server's
		// CID, the server sends plain records.
		cc, sc := defaultConfigs()
		cc.ConnectionIDSendOnly = true
		sc.ConnectionIDLength = 6
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		cs, _ := p.client.ConnectionState()
		if !p.established() || !cs.ConnectionID || len(cs.LocalConnectionID) != 0 || len(cs.PeerConnectionID) != 6 {
			t.Fatalf("client state %+v", cs)
		}
		noErr(t, p.client.HandleWrite([]byte("c")))
		dg, _ := p.client.PollWrite()
		noErr(t, p.server.HandleWrite([]byte("s")))
		sdg, _ := p.server.PollWrite()
		if ContentType(dg.Message[0]) != ContentTLS12CID || ContentType(sdg.Message[0]) != ContentApplicationData {
			t.Fatalf("types: client %d, server %d", dg.Message[0], sdg.Message[0])
		}
		noErr(t, p.inject(p.server, clientAddr, dg.Message))
		noErr(t, p.inject(p.client, serverAddr, sdg.Message))
		p.drain()
		if len(p.sReads) != 1 || len(p.cReads) != 1 {
			t.Fatalf("reads %q %q", p.sReads, p.cReads)
		}
	})
	t.Run("server off", func(t *testing.T) {
		cc, sc := defaultConfigs()
		cc.ConnectionIDLength = 4
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		cs, _ := p.client.ConnectionState()
		if !p.established() || cs.ConnectionID {
			t.Fatalf("client state %+v", cs)
		}
		noErr(t, p.client.HandleWrite([]byte("c")))
		dg, _ := p.client.PollWrite()
		if ContentType(dg.Message[0]) != ContentApplicationData {
			t.Fatal("a CID record without negotiation")
		}
	})
	t.Run("client off", func(t *testing.T) {
		cc, sc := defaultConfigs()
		sc.ConnectionIDLength = 4
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		ss, _ := p.server.ConnectionState()
		if !p.established() || ss.ConnectionID {
			t.Fatalf("server state %+v", ss)
		}
	})
	t.Run("unsolicited in ServerHello", func(t *testing.T) {
		c := &Conn{}
		c.cfg.InsecureAllowNoEMS = true
		m := &serverHelloMsg{Version: versionDTLS12, CipherSuite: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		m.Extensions.HasConnectionID, m.Extensions.ConnectionID = true, []byte{1}
		c.cfg.MaxVersion = VersionDTLS12
		err := c.clientServerHello(&pendingMessage{typ: TypeServerHello, body: m.Append(nil)})
		var ae *AlertError
		if !errors.As(err, &ae) || ae.Alert != AlertUnsupportedExtension {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("lengths", func(t *testing.T) {
		cc, _ := defaultConfigs()
		for _, n := range []int{-1, 256} {
			cc.ConnectionIDLength = n
			var ce *shared.ConfigError
			if err := cc.Validate(); !errors.As(err, &ce) || ce.Field != "ConnectionIDLength" {
				t.Errorf("length %d: %v", n, err)
			}
		}
		cc.ConnectionIDLength = 255
		noErr(t, cc.Validate())
	})
	t.Run("DTLS 1.3", func(t *testing.T) {
		// The same Config fields give RFC 9147 §9 CIDs in a 1.3
		// handshake, from a client offering both versions or 1.3 only.
		for _, min := range []Version{VersionDTLS12, VersionDTLS13} {
			cc, sc := configs13()
			cc.MinVersion = min
			cc.ConnectionIDLength, sc.ConnectionIDLength = 4, 6
			p := newTestPair(t, cc, sc)
			p.handshake(100)
			cs, ok := p.client.ConnectionState()
			ss, _ := p.server.ConnectionState()
			if !ok || cs.Version != "DTLS 1.3" || !cs.ConnectionID || len(cs.LocalConnectionID) != 4 ||
				!bytes.Equal(cs.PeerConnectionID, ss.LocalConnectionID) || !bytes.Equal(ss.PeerConnectionID, cs.LocalConnectionID) {
				t.Fatalf("min %v: client %+v server %+v", min, cs, ss)
			}
			noErr(t, p.client.HandleWrite([]byte("c")))
			dg, _ := p.client.PollWrite()
			if dg.Message[0]&0xf0 != 0x30 || !bytes.Equal(dg.Message[1:7], ss.LocalConnectionID) {
				t.Fatalf("1.3 record %x: want the C bit and the server's CID", dg.Message[:8])
			}
			noErr(t, p.inject(p.server, clientAddr, dg.Message))
			if b, ok := p.server.PollRead(); !ok || string(b) != "c" {
				t.Fatalf("read %q", b)
			}
		}
	})
}

// TestConnectionID13PeerAddressUpdate: RFC 9146 §6 by way of RFC 9147 §9
// in the 1.3 path: the newest authenticated record with our CID moves the
// peer, a stale or forged one from another address does not.
func TestConnectionID13PeerAddressUpdate(t *testing.T) {
	cc, sc := configs13()
	cc.ConnectionIDLength, sc.ConnectionIDLength = 4, 4
	p := newTestPair(t, cc, sc)
	p.handshake(100)
	if !p.established() {
		t.Fatal("no handshake")
	}
	srv := p.server
	moved := netip.MustParseAddrPort("198.51.100.7:7000")
	spoof := netip.MustParseAddrPort("203.0.113.9:9000")
	noErr(t, p.client.HandleWrite([]byte("older")))
	older, _ := p.client.PollWrite()
	noErr(t, p.client.HandleWrite([]byte("newer")))
	newer, _ := p.client.PollWrite()
	noErr(t, p.inject(srv, moved, newer.Message))
	if srv.Transport().Peer != moved {
		t.Fatalf("peer %v", srv.Transport().Peer)
	}
	ev, ok := srv.PollEvent()
	if !ok || ev.Kind != EventPeerAddressChanged || ev.Transport.Peer != moved {
		t.Fatalf("event %+v", ev)
	}
	noErr(t, p.inject(srv, spoof, older.Message))
	forged := bytes.Clone(newer.Message)
	forged[len(forged)-1] ^= 1
	if err := p.inject(srv, spoof, forged); !errors.Is(err, ErrDropped) {
		t.Fatalf("forged: %v", err)
	}
	if err := p.inject(srv, spoof, newer.Message); !errors.Is(err, ErrDropped) {
		t.Fatalf("replayed: %v", err)
	}
	if srv.Transport().Peer != moved || srv.Stats().PeerMoves != 1 {
		t.Fatalf("peer %v, moves %d", srv.Transport().Peer, srv.Stats().PeerMoves)
	}
	noErr(t, srv.HandleWrite([]byte("to you")))
	if dg, _ := srv.PollWrite(); dg.Transport.Peer != moved {
		t.Fatalf("reply to %v", dg.Transport.Peer)
	}
}

// cidRecord seals one tls12_cid record from c with a chosen inner
// plaintext and header CID, as only the holder of c's keys can.
func cidRecord(t *testing.T, c *Conn, cid, inner []byte) []byte {
	t.Helper()
	h := RecordHeader{Type: ContentTLS12CID, Version: versionDTLS12, Epoch: 1, Seq: c.writeSeq[1], CID: cid}
	c.writeSeq[1]++
	out := h.AppendTo(nil)
	out, err := c.writeCipher.seal(out, h, inner, c.cfg.rand())
	if err != nil {
		t.Fatal(err)
	}
	n := len(out) - h.Len()
	out[h.Len()-2], out[h.Len()-1] = byte(n>>8), byte(n)
	return out
}

// TestConnectionIDAttacks: records an attacker (or a broken peer) sends
// with connection IDs are dropped and counted, and the connection still
// carries data afterwards.
func TestConnectionIDAttacks(t *testing.T) {
	p := cidPair(t, 8, 8, 0)
	srv := p.server
	ours := srv.cid.ours
	wrong := bytes.Clone(ours)
	wrong[0] ^= 1
	for _, tc := range []struct {
		name  string
		dg    func() []byte
		check func(Stats) bool
	}{
		{"wrong CID", func() []byte { return cidRecord(t, p.client, wrong, []byte("x\x17")) },
			func(s Stats) bool { return s.ConnectionID == 1 }},
		{"CID on epoch 0", func() []byte {
			h := RecordHeader{Type: ContentTLS12CID, Version: versionDTLS12, Epoch: 0, Seq: 99, CID: ours, Length: 2}
			return append(h.AppendTo(nil), 'x', 23)
		}, func(s Stats) bool { return s.ConnectionID == 1 }},
		{"protected record without the CID", func() []byte {
			p.client.cid.on = false
			defer func() { p.client.cid.on = true }()
			rec, err := p.client.sealRecord(nil, ContentApplicationData, 1, []byte("x"))
			noErr(t, err)
			return rec
		}, func(s Stats) bool { return s.ConnectionID == 1 }},
		{"inner plaintext all zeros", func() []byte { return cidRecord(t, p.client, ours, []byte{0, 0, 0}) },
			func(s Stats) bool { return s.ConnectionID == 1 }},
		{"empty inner plaintext", func() []byte { return cidRecord(t, p.client, ours, nil) },
			func(s Stats) bool { return s.ConnectionID == 1 }},
		{"inner type tls12_cid", func() []byte { return cidRecord(t, p.client, ours, []byte{'x', 25}) },
			func(s Stats) bool { return s.ConnectionID == 1 }},
		{"forged", func() []byte {
			rec := cidRecord(t, p.client, ours, []byte("x\x17"))
			rec[len(rec)-1] ^= 1
			return rec
		}, func(s Stats) bool { return s.AuthFailed == 1 }},
		{"truncated CID", func() []byte {
			rec := cidRecord(t, p.client, ours, []byte("x\x17"))
			return rec[:15]
		}, func(s Stats) bool { return s.Malformed == 1 }},
	} {
		before := srv.Stats()
		err := p.inject(srv, clientAddr, tc.dg())
		after := srv.Stats()
		diff := Stats{ConnectionID: after.ConnectionID - before.ConnectionID, AuthFailed: after.AuthFailed - before.AuthFailed,
			Malformed: after.Malformed - before.Malformed}
		if !errors.Is(err, ErrDropped) || !tc.check(diff) {
			t.Errorf("%s: err %v, stats diff %+v", tc.name, err, diff)
		}
		if _, ok := srv.PollRead(); ok {
			t.Errorf("%s: delivered", tc.name)
		}
	}
	// Padding is allowed: content, type, zeros.
	noErr(t, p.inject(srv, clientAddr, cidRecord(t, p.client, ours, []byte("pad\x17\x00\x00\x00"))))
	if b, ok := srv.PollRead(); !ok || string(b) != "pad" {
		t.Fatalf("padded record: %q", b)
	}
	// A replayed CID record is dropped.
	noErr(t, p.client.HandleWrite([]byte("once")))
	dg, _ := p.client.PollWrite()
	noErr(t, p.inject(srv, clientAddr, dg.Message))
	if err := p.inject(srv, clientAddr, dg.Message); !errors.Is(err, ErrDropped) || srv.Stats().Replayed != 1 {
		t.Fatalf("replay: %v %+v", err, srv.Stats())
	}
	p.drain()
	if len(p.sReads) != 1 || p.server.state != stateEstablished {
		t.Fatalf("reads %q", p.sReads)
	}
}

// TestConnectionIDBeforeNegotiation: a tls12_cid record at an endpoint that
// does not use CIDs is an unknown content type, dropped alone.
func TestConnectionIDBeforeNegotiation(t *testing.T) {
	p := cidPair(t, 0, 0, 0)
	h := RecordHeader{Type: ContentTLS12CID, Version: versionDTLS12, Epoch: 1, Seq: 5, Length: 2}
	err := p.inject(p.server, clientAddr, append(h.AppendTo(nil), 'x', 23))
	if !errors.Is(err, errRecordType) || p.server.Stats().Malformed != 1 {
		t.Fatalf("err %v, stats %+v", err, p.server.Stats())
	}
	// And at a client that offered a CID the server has not answered yet:
	// an epoch-1 CID record is buffered at most, never accepted.
	cc, sc := defaultConfigs()
	cc.ConnectionIDLength = 4
	q := newTestPair(t, cc, sc)
	h = RecordHeader{Type: ContentTLS12CID, Version: versionDTLS12, Epoch: 1, Seq: 5, CID: q.client.cid.ours, Length: 2}
	if err := q.inject(q.client, serverAddr, append(h.AppendTo(nil), 'x', 23)); err != nil && !errors.Is(err, ErrDropped) {
		t.Fatal(err)
	}
	q.handshake(100)
	if !q.established() || len(q.cReads) != 0 || q.client.Stats().ConnectionID != 1 {
		t.Fatalf("established %v, reads %q, stats %+v", q.established(), q.cReads, q.client.Stats())
	}
}

// TestConnectionIDPeerAddressUpdate: RFC 9146 §6. An authenticated CID
// record that is newer than all before it moves the peer to its source
// address (EventPeerAddressChanged, and later datagrams go there); a
// spoofed source with a stale, replayed, forged or CID-less record moves
// nothing.
func TestConnectionIDPeerAddressUpdate(t *testing.T) {
	for _, learn := range []bool{true, false} {
		p := cidPair(t, 8, 8, 0)
		srv := p.server
		if !learn {
			srv.SetTransport(shared.TransportContext{Local: serverAddr, Peer: clientAddr})
		}
		moved := netip.MustParseAddrPort("198.51.100.7:7000")
		spoof := netip.MustParseAddrPort("203.0.113.9:9000")

		// Two records; the newer arrives first from the new address.
		noErr(t, p.client.HandleWrite([]byte("older")))
		older, _ := p.client.PollWrite()
		noErr(t, p.client.HandleWrite([]byte("newer")))
		newer, _ := p.client.PollWrite()
		noErr(t, p.inject(srv, moved, newer.Message))
		if srv.Transport().Peer != moved || srv.Stats().PeerMoves != 1 {
			t.Fatalf("learn %v: peer %v after a newest authenticated record from %v", learn, srv.Transport().Peer, moved)
		}
		ev, ok := srv.PollEvent()
		if !ok || ev.Kind != EventPeerAddressChanged || ev.Transport.Peer != moved || ev.Transport.Local != serverAddr {
			t.Fatalf("event %+v", ev)
		}
		// The older record from a spoofed source: accepted (it is
		// authentic and inside the window) but it cannot move the peer.
		noErr(t, p.inject(srv, spoof, older.Message))
		if srv.Transport().Peer != moved {
			t.Fatalf("a stale record moved the peer to %v", srv.Transport().Peer)
		}
		// Replayed from the spoofed source: dropped.
		if err := p.inject(srv, spoof, newer.Message); !errors.Is(err, ErrDropped) {
			t.Fatalf("replay: %v", err)
		}
		// Forged from the spoofed source: dropped.
		noErr(t, p.client.HandleWrite([]byte("forged")))
		forged, _ := p.client.PollWrite()
		forged.Message[len(forged.Message)-1] ^= 1
		if err := p.inject(srv, spoof, forged.Message); !errors.Is(err, ErrDropped) {
			t.Fatalf("forged: %v", err)
		}
		// A plaintext record from the spoofed source: dropped, no move.
		if err := p.inject(srv, spoof, plainRecord(ContentAlert, 0, 1000, []byte{2, 40})); !errors.Is(err, ErrDropped) {
			t.Fatalf("plaintext alert: %v", err)
		}
		if srv.Transport().Peer != moved || srv.Stats().PeerMoves != 1 || srv.state != stateEstablished {
			t.Fatalf("peer %v, moves %d, state %v", srv.Transport().Peer, srv.Stats().PeerMoves, srv.state)
		}
		if _, ok := srv.PollEvent(); ok {
			t.Fatal("a second address event")
		}
		// The server now answers at the new address.
		noErr(t, srv.HandleWrite([]byte("to you")))
		dg, _ := srv.PollWrite()
		if dg.Transport.Peer != moved {
			t.Fatalf("reply to %v", dg.Transport.Peer)
		}
		var reads []string
		for {
			b, ok := srv.PollRead()
			if !ok {
				break
			}
			reads = append(reads, string(b))
		}
		if len(reads) != 2 || reads[0] != "newer" || reads[1] != "older" {
			t.Fatalf("reads %q", reads)
		}
	}
}

// TestConnectionIDWithoutCIDNoMove: without connection IDs a datagram from
// another address never moves the peer (RFC 9146 §6 applies to CID records
// only).
func TestConnectionIDWithoutCIDNoMove(t *testing.T) {
	p := cidPair(t, 0, 0, 0)
	p.server.SetTransport(shared.TransportContext{Local: serverAddr, Peer: clientAddr})
	noErr(t, p.client.HandleWrite([]byte("x")))
	dg, _ := p.client.PollWrite()
	noErr(t, p.inject(p.server, netip.MustParseAddrPort("198.51.100.7:7000"), dg.Message))
	if p.server.Transport().Peer != clientAddr || p.server.Stats().PeerMoves != 0 {
		t.Fatalf("peer %v", p.server.Transport().Peer)
	}
}

// TestConnectionIDHelloVerify: the CID survives a HelloVerifyRequest round
// (the second ClientHello repeats the first's CID).
func TestConnectionIDHelloVerify(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.ConnectionIDLength, sc.ConnectionIDLength = 5, 3
	sc.HelloVerify = true
	p := newTestPair(t, cc, sc)
	first := bytes.Clone(p.client.cid.ours)
	p.handshake(100)
	cs, _ := p.client.ConnectionState()
	if !p.established() || !bytes.Equal(cs.LocalConnectionID, first) || p.client.Stats().HelloVerifies != 1 {
		t.Fatalf("state %+v", cs)
	}
	noErr(t, p.client.HandleWrite([]byte("x")))
	p.pump()
	if len(p.sReads) != 1 {
		t.Fatal("no data")
	}
}

// TestConnectionIDForgeryFlood: 20000 forged tls12_cid records carrying
// our CID, each from a new address, move nothing, hold no state per
// source, and leave the connection carrying data.
func TestConnectionIDForgeryFlood(t *testing.T) {
	p := cidPair(t, 8, 8, 0)
	srv := p.server
	noErr(t, p.client.HandleWrite(make([]byte, 100)))
	dg, _ := p.client.PollWrite()
	tmpl := bytes.Clone(dg.Message)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 20000 {
		rec := bytes.Clone(tmpl)
		seq := i + 1000 // another sequence number than the real one: no longer authentic
		rec[10], rec[9], rec[8] = byte(seq), byte(seq>>8), byte(seq>>16)
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(i))
		if err := p.inject(srv, from, rec); !errors.Is(err, ErrDropped) {
			t.Fatalf("forgery %d: %v", i, err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if srv.Stats().PeerMoves != 0 || srv.Transport().Peer != clientAddr || srv.Stats().AuthFailed != 20000 {
		t.Fatalf("peer %v, stats %+v", srv.Transport().Peer, srv.Stats())
	}
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 256<<10 {
		t.Fatalf("heap grew by %d bytes over 20000 forgeries", grew)
	}
	noErr(t, p.inject(srv, clientAddr, dg.Message))
	if _, ok := srv.PollRead(); !ok {
		t.Fatal("the real record was not read")
	}
}

// TestConnectionIDNoMoveDuringHandshake: the server's Finished (a
// tls12_cid record, authentic and the newest) reaching the client from
// another address completes the handshake but does not move the client's
// peer: only an established connection follows (cid.go followPeer).
// Before the fix the client moved to the other address mid-handshake.
func TestConnectionIDNoMoveDuringHandshake(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.ConnectionIDLength, sc.ConnectionIDLength = 4, 4
	p := newTestPair(t, cc, sc)
	other := netip.MustParseAddrPort("198.51.100.9:9")
	p.filter = func(fromClient bool, dg []byte) bool {
		if fromClient || !bytes.Contains(dg, []byte{byte(ContentTLS12CID), 0xfe, 0xfd, 0, 1}) || p.client.state != stateHandshake {
			return true
		}
		p.check(p.inject(p.client, other, dg))
		return false
	}
	p.handshake(100)
	if !p.established() || p.client.Transport().Peer != serverAddr || p.client.Stats().PeerMoves != 0 {
		t.Fatalf("established %v, client peer %v", p.established(), p.client.Transport().Peer)
	}
}
