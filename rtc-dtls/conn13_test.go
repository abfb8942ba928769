package dtls

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

func configs13() (*Config, *Config) {
	cc, sc := defaultConfigs()
	cc.MinVersion, cc.MaxVersion = VersionDTLS13, VersionDTLS13
	sc.MaxVersion = VersionDTLS13
	return cc, sc
}

// TestDTLS13Pair: a 1.3-only client and a server that allows 1.3 negotiate
// DTLS 1.3 with X25519MLKEM768 (the default first group), agree on the
// SRTP profile and keying material, and carry data both ways.
func TestDTLS13Pair(t *testing.T) {
	cc, sc := configs13()
	p := newTestPair(t, cc, sc)
	p.handshake(100)
	if !p.established() {
		t.Fatalf("not established: client %v server %v", p.client.Err(), p.server.Err())
	}
	for _, c := range []*Conn{p.client, p.server} {
		st, ok := c.ConnectionState()
		if !ok || st.Version != "DTLS 1.3" || st.Group != GroupX25519MLKEM768 || st.SRTPProfile != srtpAEADAES128GCM || len(st.PeerCertificates) != 1 {
			t.Errorf("state %+v", st)
		}
	}
	if findEvent(p.cEvents, EventHandshakeComplete) == nil || findEvent(p.sEvents, EventHandshakeComplete) == nil {
		t.Error("no EventHandshakeComplete")
	}
	if a, b := srtpKeyingMaterial(t, p.client), srtpKeyingMaterial(t, p.server); !bytes.Equal(a, b) {
		t.Error("keying material differs")
	}
	noErr(t, p.client.HandleWrite([]byte("ping")))
	noErr(t, p.server.HandleWrite([]byte("pong")))
	p.pump()
	if len(p.sReads) != 1 || string(p.sReads[0]) != "ping" || len(p.cReads) != 1 || string(p.cReads[0]) != "pong" {
		t.Fatalf("reads: server %q client %q", p.sReads, p.cReads)
	}
	// MaxPayload sizes SCTP packets (rtc): a record of exactly that much
	// fills the MTU. It returned 0 for a 1.3 Conn before (the 1.2 cipher is
	// never set), which would have given SCTP an MTU of 0.
	mp := p.client.MaxPayload()
	if mp != 1200-22 { // unified header 5, content type 1, AEAD tag 16
		t.Fatalf("MaxPayload %d, want 1178", mp)
	}
	noErr(t, p.client.HandleWrite(make([]byte, mp)))
	dg, ok := p.client.PollWrite()
	if !ok || len(dg.Message) != 1200 {
		t.Fatalf("a MaxPayload record is %d bytes, want the MTU (1200)", len(dg.Message))
	}
	// A forged record is counted in Stats (from the 1.3 machine).
	forged := bytes.Clone(dg.Message)
	forged[len(forged)-1] ^= 1
	before := p.server.Stats().AuthFailed
	if err := p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: forged}); !errors.Is(err, ErrDropped) {
		t.Fatalf("a forged record: err %v, want ErrDropped (as in 1.2)", err)
	}
	if got := p.server.Stats().AuthFailed; got != before+1 {
		t.Fatalf("AuthFailed %d after a forged record, want %d", got, before+1)
	}
	// CommandRetransmit with no flight outstanding does nothing.
	noErr(t, p.client.HandleEvent(Command{Kind: CommandRetransmit}))
	if _, ok := p.client.PollWrite(); ok {
		t.Fatal("CommandRetransmit without a flight sent something")
	}
	noErr(t, p.client.Update13(true))
	p.pump()
	noErr(t, p.client.HandleWrite([]byte("after update")))
	p.pump()
	if len(p.sReads) != 2 || string(p.sReads[1]) != "after update" {
		t.Fatalf("after KeyUpdate: %q", p.sReads)
	}
	noErr(t, p.client.Close())
	p.pump()
	if p.server.State() != StateClosed {
		t.Errorf("server after close_notify: %v", p.server.State())
	}
	if ev := findEvent(p.sEvents, EventClosed); ev == nil || ev.Err != nil {
		t.Errorf("server EventClosed %+v, want an orderly close", ev)
	}
}

// TestDTLS13Fallback: a 1.2 client (Pion, OpenSSL 3.0, Firefox limited to
// 1.2) still connects to a server that allows 1.3, and the server's random
// carries the RFC 8446 §4.1.3 sentinel.
func TestDTLS13Fallback(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.MaxVersion = VersionDTLS13
	p := newTestPair(t, cc, sc)
	p.handshake(100)
	if !p.established() {
		t.Fatalf("not established: %v %v", p.client.Err(), p.server.Err())
	}
	st, _ := p.client.ConnectionState()
	if st.Version != "DTLS 1.2" || p.server.v13 != nil {
		t.Errorf("version %q", st.Version)
	}
	if got := p.server.export.randoms[32+24:]; string(got) != "DOWNGRD\x01" {
		t.Errorf("server random tail %q, want the DTLS 1.2 downgrade sentinel", got)
	}
	if err := tls13.CheckDowngrade([32]byte(p.client.export.randoms[32:]), true, uint16(VersionDTLS12)); err == nil {
		t.Error("a 1.3 client would not detect this downgrade")
	}
}

// TestDTLS13ClientVs12Server: a 1.3-only client meets a 1.2-only server: the
// server finds no cipher suite it shares and refuses with an alert.
func TestDTLS13ClientVs12Server(t *testing.T) {
	cc, sc := configs13()
	sc.MaxVersion = VersionDTLS12
	p := newTestPair(t, cc, sc)
	p.handshake(100)
	if p.established() || p.client.State() != StateFailed {
		t.Fatalf("client state %v err %v", p.client.State(), p.client.Err())
	}
}

// TestDTLS13FingerprintMismatch: the SDP fingerprint is checked on the 1.3
// Certificate; a mismatch fails with bad_certificate (RFC 8122 §5).
func TestDTLS13FingerprintMismatch(t *testing.T) {
	cc, sc := configs13()
	cc.PeerFingerprints = []Fingerprint{fp(testCertClient)} // not the server's
	p := newTestPair(t, cc, sc)
	p.handshake(100)
	var ae *AlertError
	if p.established() || !errors.As(p.client.Err(), &ae) || ae.Alert != AlertBadCertificate || ae.Remote {
		t.Fatalf("client err %v", p.client.Err())
	}
	if !errors.Is(p.client.Err(), ErrFingerprintMismatch) {
		t.Errorf("client err %v does not wrap ErrFingerprintMismatch", p.client.Err())
	}
}

// TestDTLS13Groups: DisableMLKEM and an explicit group list.
func TestDTLS13Groups(t *testing.T) {
	for _, v := range []struct {
		name  string
		tweak func(cc, sc *Config)
		want  Group
	}{
		{"no ML-KEM", func(cc, sc *Config) { cc.DisableMLKEM = true }, GroupX25519},
		{"P-256 only", func(cc, sc *Config) { cc.Groups = []Group{GroupP256} }, GroupP256},
		{"server without ML-KEM", func(cc, sc *Config) { sc.DisableMLKEM = true }, GroupX25519},
	} {
		t.Run(v.name, func(t *testing.T) {
			cc, sc := configs13()
			v.tweak(cc, sc)
			p := newTestPair(t, cc, sc)
			p.handshake(100)
			st, ok := p.client.ConnectionState()
			if !ok || st.Group != v.want {
				t.Fatalf("group %v (established %v, %v %v), want %v", st.Group, ok, p.client.Err(), p.server.Err(), v.want)
			}
		})
	}
}

// TestLossyHandshake12vs13 compares the time to complete DTLS 1.2 and 1.3
// handshakes under 20% loss, reordering, duplication and a 500-byte MTU
// (issue 19). Both must complete on every seed; the means are logged.
func TestLossyHandshake12vs13(t *testing.T) {
	link := netsim.LinkConfig{Delay: 25 * time.Millisecond, Loss: 0.2, Reorder: 0.2, Duplicate: 0.1, MTU: 500}
	for _, v := range []struct {
		name  string
		tweak func(cc, sc *Config)
	}{
		{"DTLS 1.2", func(cc, sc *Config) {}},
		{"DTLS 1.3 x25519", func(cc, sc *Config) {
			cc.MinVersion, cc.MaxVersion, sc.MaxVersion = VersionDTLS13, VersionDTLS13, VersionDTLS13
			cc.DisableMLKEM = true
		}},
		{"DTLS 1.3 X25519MLKEM768", func(cc, sc *Config) {
			cc.MinVersion, cc.MaxVersion, sc.MaxVersion = VersionDTLS13, VersionDTLS13, VersionDTLS13
		}},
	} {
		var total time.Duration
		const seeds = 10
		for seed := uint64(1); seed <= seeds; seed++ {
			sim, cp, sp := simPair(t, seed, link, func(cc, sc *Config) {
				cc.MTU, sc.MTU = 500, 500
				v.tweak(cc, sc)
			})
			done := func() bool { return cp.P.(*Conn).state == stateEstablished && sp.P.(*Conn).state == stateEstablished }
			if err := sim.Run(done, 50000); err != nil {
				t.Fatalf("%s seed %d: %v", v.name, seed, err)
			}
			total += sim.Elapsed()
		}
		t.Logf("%s: mean time to complete %v over %d seeds", v.name, total/seeds, seeds)
	}
}

// TestContract13 runs the shared conformance suite (issue 12) on DTLS 1.3
// Conns: fresh and established, client and server.
// cid13 is a fresh 1.3 pair with connection IDs both ways (RFC 9147 §9).
func cid13(t *testing.T) *testPair {
	cc, sc := configs13()
	cc.ConnectionIDLength, sc.ConnectionIDLength = 5, 3
	return newTestPair(t, cc, sc)
}

func TestContract13(t *testing.T) {
	fresh := func(cookie bool) func(t *testing.T) *testPair {
		return func(t *testing.T) *testPair {
			cc, sc := configs13()
			sc.HelloVerify = cookie
			return newTestPair(t, cc, sc)
		}
	}
	for _, s := range []contractSubject{
		{name: "client13", new: fresh(false), client: true, noFill: true},
		{name: "established13-client", new: fresh(false), client: true, established: true, noFill: true},
		{name: "established13-server", new: fresh(true), established: true, noFill: true},
		{name: "established13-client-cid", new: cid13, client: true, established: true, noFill: true},
		{name: "established13-server-cid", new: cid13, established: true, noFill: true},
	} {
		t.Run(s.name, func(t *testing.T) { runContract(t, s) })
	}
}

// autoClient is a client offering DTLS 1.3 and 1.2 in one ClientHello.
func autoClient(cc *Config) { cc.MinVersion, cc.MaxVersion = VersionDTLS12, VersionDTLS13 }

// TestDTLS13AutoClient: a client offering both versions gets 1.3 from a
// 1.3-capable server (with and without a HelloRetryRequest, and with a
// fragmented hybrid ClientHello at a small MTU) and 1.2 from a 1.2 server
// (with and without HelloVerifyRequest).
func TestDTLS13AutoClient(t *testing.T) {
	for _, v := range []struct {
		name    string
		tweak   func(cc, sc *Config)
		version string
		group   Group
	}{
		{"1.3 server", func(cc, sc *Config) { sc.MaxVersion = VersionDTLS13 }, "DTLS 1.3", GroupX25519MLKEM768},
		{"1.3 server, cookie", func(cc, sc *Config) { sc.MaxVersion, sc.HelloVerify = VersionDTLS13, true }, "DTLS 1.3", GroupX25519MLKEM768},
		{"1.3 server, P-256 only (HelloRetryRequest)", func(cc, sc *Config) {
			sc.MaxVersion, sc.Groups = VersionDTLS13, []Group{GroupP256}
		}, "DTLS 1.3", GroupP256},
		{"1.3 server, MTU 300", func(cc, sc *Config) { sc.MaxVersion, cc.MTU, sc.MTU = VersionDTLS13, 300, 300 }, "DTLS 1.3", GroupX25519MLKEM768},
		{"1.2 server", func(cc, sc *Config) {}, "DTLS 1.2", GroupX25519},
		{"1.2 server, HelloVerifyRequest", func(cc, sc *Config) { sc.HelloVerify = true }, "DTLS 1.2", GroupX25519},
	} {
		t.Run(v.name, func(t *testing.T) {
			cc, sc := defaultConfigs()
			autoClient(cc)
			v.tweak(cc, sc)
			p := newTestPair(t, cc, sc)
			p.handshake(200)
			if !p.established() {
				t.Fatalf("not established: client %v server %v", p.client.Err(), p.server.Err())
			}
			if p.client.shares13 != nil {
				// About 9 KB per connection with ML-KEM (issue 18).
				t.Error("the client keeps the 1.3 key shares it offered after the handshake")
			}
			for _, c := range []*Conn{p.client, p.server} {
				for _, m := range c.reasm.msgs[:cap(c.reasm.msgs)] {
					if m != nil {
						// The peer's flight (its certificate: about 1.4 KB).
						t.Errorf("%v keeps a reassembled handshake message of %d bytes", c.isClient, len(m.body))
						break
					}
				}
			}
			for _, c := range []*Conn{p.client, p.server} {
				st, _ := c.ConnectionState()
				if st.Version != v.version || st.Group != v.group {
					t.Errorf("%s: version %q group %v, want %q %v", map[bool]string{true: "client", false: "server"}[c.isClient], st.Version, st.Group, v.version, v.group)
				}
			}
			if a, b := srtpKeyingMaterial(t, p.client), srtpKeyingMaterial(t, p.server); !bytes.Equal(a, b) {
				t.Error("keying material differs")
			}
			noErr(t, p.client.HandleWrite([]byte("ping")))
			p.pump()
			if len(p.sReads) != 1 || string(p.sReads[0]) != "ping" {
				t.Fatalf("server read %q", p.sReads)
			}
		})
	}
}

// TestDTLS13DowngradeDetected: an attacker removes supported_versions from
// the ClientHello of a client offering both versions; the 1.3-capable
// server answers 1.2 with the RFC 8446 §4.1.3 sentinel in its random, and
// the client aborts with illegal_parameter.
func TestDTLS13DowngradeDetected(t *testing.T) {
	cc, sc := defaultConfigs()
	autoClient(cc)
	cc.DisableMLKEM = true // one-record ClientHello, simple to rewrite
	sc.MaxVersion = VersionDTLS13
	p := newTestPair(t, cc, sc)
	stripped := 0
	p.filter = func(fromClient bool, dg []byte) bool {
		if !fromClient || dg[0] != byte(ContentHandshake) {
			return true
		}
		h, frag, rest, err := ParseRecord(dg)
		if err != nil || len(rest) != 0 || frag[0] != byte(TypeClientHello) {
			return true
		}
		body := frag[12:]
		ch, err := tls13.ParseClientHello(body)
		if err != nil {
			t.Fatal(err)
		}
		ch.Ext.SupportedVersions = nil
		nb, err := ch.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		msg := appendMessage(nil, TypeClientHello, uint16(frag[4])<<8|uint16(frag[5]), nb)
		h.Length = uint16(len(msg))
		out := append(h.AppendTo(nil), msg...)
		stripped++
		p.check(p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: out}))
		return false
	}
	p.handshake(100)
	var ae *AlertError
	if stripped == 0 || p.established() || !errors.As(p.client.Err(), &ae) || ae.Alert != AlertIllegalParameter || !errors.Is(p.client.Err(), tls13.ErrDowngrade) {
		t.Fatalf("stripped %d; client err %v", stripped, p.client.Err())
	}
}

// TestDTLS13CommandRetransmit: CommandRetransmit resends a 1.3 client's
// ClientHello at once (it did nothing for a 1.3 Conn before: the 1.2
// flight is empty).
func TestDTLS13CommandRetransmit(t *testing.T) {
	cc, sc := configs13()
	p := newTestPair(t, cc, sc)
	first := 0
	for _, ok := p.client.PollWrite(); ok; _, ok = p.client.PollWrite() {
		first++
	}
	noErr(t, p.client.HandleEvent(Command{Kind: CommandRetransmit}))
	again := 0
	for _, ok := p.client.PollWrite(); ok; _, ok = p.client.PollWrite() {
		again++
	}
	if first == 0 || again != first {
		t.Fatalf("ClientHello in %d datagrams, resent in %d", first, again)
	}
	p.handshake(100)
	if !p.established() {
		t.Fatal("not established after the resend")
	}
}

// TestDTLS13HandoverKeepsDeadline: a client offering both versions that
// hands over to 1.3 keeps the handshake deadline it started with
// (HandshakeTimeout from NewClient), not a fresh one from the ServerHello.
func TestDTLS13HandoverKeepsDeadline(t *testing.T) {
	cc, sc := defaultConfigs()
	autoClient(cc)
	cc.Groups = []Group{GroupX25519}
	sc.MaxVersion = VersionDTLS13
	sc.MTU = 300 // the server flight takes several datagrams
	p := newTestPair(t, cc, sc)
	clientSent, serverSent := 0, 0
	p.filter = func(fromClient bool, dg []byte) bool {
		if fromClient {
			clientSent++
			return clientSent > 1 // the first ClientHello is lost: the ServerHello comes after 1 s
		}
		serverSent++
		return serverSent == 1 // then only the server's first datagram (the ServerHello) arrives
	}
	p.handshake(200)
	if p.client.v13 == nil {
		t.Fatal("no handover to DTLS 1.3")
	}
	if !errors.Is(p.client.Err(), ErrHandshakeTimeout) {
		t.Fatalf("client err %v, want ErrHandshakeTimeout", p.client.Err())
	}
	if got := p.now.Sub(epoch0); got != 30*time.Second {
		t.Errorf("client gave up %v after NewClient, want 30 s (HandshakeTimeout)", got)
	}
}

// TestDTLS13RecordSizeLimit: record_size_limit (RFC 8449) through the Conn,
// both roles. A 1.3-only client and a 1.3 server each announce one;
// MaxPayload and HandleWrite follow the peer's (ErrMessageTooLarge above
// it, the connection staying up), and data at the limit flows both ways.
// A client that offers 1.2 and 1.3 in one ClientHello carries the extension
// too (the 1.2 machine implements RFC 8449 now), and a 1.3 server honours
// it after the handover.
func TestDTLS13RecordSizeLimit(t *testing.T) {
	t.Run("1.3 only", func(t *testing.T) {
		cc, sc := configs13()
		cc.RecordSizeLimit, sc.RecordSizeLimit = 500, 300
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		if !p.established() {
			t.Fatalf("not established: client %v server %v", p.client.Err(), p.server.Err())
		}
		if got := p.client.MaxPayload(); got != 299 {
			t.Errorf("client MaxPayload %d, want 299 (server limit 300 less the content type)", got)
		}
		if got := p.server.MaxPayload(); got != 499 {
			t.Errorf("server MaxPayload %d, want 499", got)
		}
		if err := p.client.HandleWrite(make([]byte, 300)); !errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("client write above the server's limit: %v", err)
		}
		if err := p.server.HandleWrite(make([]byte, 500)); !errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("server write above the client's limit: %v", err)
		}
		noErr(t, p.client.HandleWrite(make([]byte, 299)))
		noErr(t, p.server.HandleWrite(make([]byte, 499)))
		p.pump()
		if len(p.sReads) != 1 || len(p.sReads[0]) != 299 || len(p.cReads) != 1 || len(p.cReads[0]) != 499 {
			t.Fatalf("reads: server %d client %d", len(p.sReads), len(p.cReads))
		}
	})
	t.Run("1.2 and 1.3 offer", func(t *testing.T) {
		cc, sc := configs13()
		cc.MinVersion = VersionDTLS12
		cc.RecordSizeLimit = 100
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		if !p.established() {
			t.Fatalf("not established: client %v server %v", p.client.Err(), p.server.Err())
		}
		if st, _ := p.server.ConnectionState(); st.Version != "DTLS 1.3" {
			t.Fatalf("version %q", st.Version)
		}
		if got := p.server.MaxPayload(); got != 99 {
			t.Errorf("server MaxPayload %d, want 99: the combined offer's limit of 100 less the content type", got)
		}
		if err := p.server.HandleWrite(make([]byte, 100)); !errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("server write above the client's limit: %v", err)
		}
	})
	t.Run("above 2^14", func(t *testing.T) {
		cc, sc := configs13()
		p := newTestPair(t, cc, sc)
		p.handshake(100)
		if err := p.client.HandleWrite(make([]byte, 1<<14+1)); !errors.Is(err, ErrMessageTooLarge) {
			t.Fatalf("a 2^14+1-byte message on 1.3: %v", err)
		}
	})
}
