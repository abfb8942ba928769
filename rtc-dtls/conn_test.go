package dtls

import (
	"bytes"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
)

func mustHandshake(t *testing.T, p *testPair) {
	t.Helper()
	p.handshake(20)
	if !p.established() {
		t.Fatalf("not established: client %v (%v) server %v (%v)", p.client.state, p.client.err, p.server.state, p.server.err)
	}
}

func TestAllSuitesAndGroups(t *testing.T) {
	rsaC, rsaS := rsaPair()
	p384C, p384S := mustCert(KeyECDSAP384), mustCert(KeyECDSAP384)
	for _, s := range suites {
		for _, g := range []Group{GroupX25519, GroupP256, GroupP384} {
			for _, p384 := range []bool{false, true} {
				if p384 && !s.ecdsa {
					continue
				}
				t.Run(fmt.Sprintf("%v/%v/p384=%v", s.id, g, p384), func(t *testing.T) {
					cc, sc := defaultConfigs()
					cc.CipherSuites, sc.CipherSuites = []CipherSuite{s.id}, []CipherSuite{s.id}
					cc.Groups = []Group{g}
					switch {
					case !s.ecdsa:
						cc.Certificate, sc.Certificate = rsaC, rsaS
					case p384:
						cc.Certificate, sc.Certificate = p384C, p384S
					}
					cc.PeerFingerprints = []Fingerprint{fp(sc.Certificate)}
					sc.PeerFingerprints = []Fingerprint{fp(cc.Certificate)}
					p := newTestPair(t, cc, sc)
					mustHandshake(t, p)
					st, _ := p.client.ConnectionState()
					if st.CipherSuite != s.id || st.Group != g {
						t.Fatalf("negotiated %v %v", st.CipherSuite, st.Group)
					}
					msg := bytes.Repeat([]byte{0xab}, 1200)
					noErr(t, p.client.HandleWrite(msg))
					noErr(t, p.server.HandleWrite(msg[:1]))
					p.pump()
					if len(p.sReads) != 1 || !bytes.Equal(p.sReads[0], msg) || len(p.cReads) != 1 {
						t.Fatal("application data lost")
					}
				})
			}
		}
	}
}

// TestSignatureSchemeChoice: with one scheme allowed on both sides, the
// server's ServerKeyExchange and the client's CertificateVerify are signed
// with it (RFC 5246 §7.4.1.4.1). The schemes are read off the wire: a
// handshake that completed with another scheme fails the test.
func TestSignatureSchemeChoice(t *testing.T) {
	rsaC, rsaS := rsaPair()
	ecC, ecS := testCertClient, testCertServer
	for _, tc := range []struct {
		scheme     SignatureScheme
		cert, peer *Certificate
	}{
		{PKCS1WithSHA256, rsaC, rsaS}, {PSSWithSHA256, rsaC, rsaS}, {PSSWithSHA384, rsaC, rsaS}, {PKCS1WithSHA384, rsaC, rsaS},
		{ECDSAWithP256AndSHA256, ecC, ecS},
	} {
		cc, sc := defaultConfigs()
		cc.Certificate, sc.Certificate = tc.cert, tc.peer
		cc.PeerFingerprints, sc.PeerFingerprints = []Fingerprint{fp(tc.peer)}, []Fingerprint{fp(tc.cert)}
		cc.SignatureSchemes, sc.SignatureSchemes = []SignatureScheme{tc.scheme}, []SignatureScheme{tc.scheme}
		if tc.cert == rsaC {
			cc.CipherSuites = []CipherSuite{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
		}
		p := newTestPair(t, cc, sc)
		var ske, cv []SignatureScheme
		p.filter = func(fromClient bool, dg []byte) bool {
			mutateHandshake(dg, TypeServerKeyExchange, func(b []byte) {
				m, err := parseServerKeyExchange(b)
				noErr(t, err)
				ske = append(ske, m.Scheme)
			})
			mutateHandshake(dg, TypeCertificateVerify, func(b []byte) {
				m, err := parseCertificateVerify(b)
				noErr(t, err)
				cv = append(cv, m.Scheme)
			})
			return true
		}
		mustHandshake(t, p)
		if len(ske) != 1 || ske[0] != tc.scheme || len(cv) != 1 || cv[0] != tc.scheme {
			t.Fatalf("%v: ServerKeyExchange signed with %v, CertificateVerify with %v", tc.scheme, ske, cv)
		}
	}
}

func TestSRTPClientPreferenceAndMKI(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.SRTPProfiles = []uint16{srtpAES128CMSHA1_32, srtpAEADAES256GCM, srtpAES128CMSHA1_80}
	sc.SRTPProfiles = []uint16{srtpAES128CMSHA1_80, srtpAEADAES256GCM}
	cc.SRTPMKI = []byte{1, 2}
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	st, _ := p.server.ConnectionState()
	// RFC 5764 §4.1.1: the client's order of preference wins.
	if st.SRTPProfile != srtpAEADAES256GCM || !bytes.Equal(st.SRTPMKI, []byte{1, 2}) {
		t.Fatalf("profile %v mki %x", st.SRTPProfile, st.SRTPMKI)
	}
	if km := srtpKeyingMaterial(t, p.client); len(km) != 88 || !bytes.Equal(km, srtpKeyingMaterial(t, p.server)) {
		t.Fatalf("keying material %x", km)
	}
	if _, err := p.client.ExportKeyingMaterial("master secret", nil, 10); err == nil {
		t.Fatal("reserved label accepted")
	}
	// No profile in common: no use_srtp answer, handshake still completes.
	cc, sc = defaultConfigs()
	cc.SRTPProfiles = []uint16{srtpAES128CMSHA1_32}
	sc.SRTPProfiles = []uint16{srtpAEADAES128GCM}
	p = newTestPair(t, cc, sc)
	mustHandshake(t, p)
	if st, _ := p.client.ConnectionState(); st.SRTPProfile != 0 || st.SRTPMKI != nil {
		t.Fatal("SRTP negotiated without a common profile")
	}
}

func TestALPN(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.ALPN = []string{"c-webrtc", "webrtc"}
	sc.ALPN = []string{"webrtc"}
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	if st, _ := p.client.ConnectionState(); st.NegotiatedProtocol != "webrtc" {
		t.Fatalf("alpn %q", st.NegotiatedProtocol)
	}
	cc, sc = defaultConfigs()
	cc.ALPN, sc.ALPN = []string{"a"}, []string{"b"}
	checkRefusedHello(t, cc, sc, AlertNoApplicationProtocol)
}

// TestFingerprintMismatch: RFC 8122 §5 / RFC 8827 §6.5: a certificate that
// does not match the SDP fingerprint is a fatal bad_certificate.
func TestFingerprintMismatch(t *testing.T) {
	for _, side := range []string{"client", "server"} {
		cc, sc := defaultConfigs()
		other := fp(mustCert(KeyECDSAP256))
		if side == "client" {
			cc.PeerFingerprints = []Fingerprint{other}
		} else {
			sc.PeerFingerprints = []Fingerprint{other}
		}
		p := newTestPair(t, cc, sc)
		p.handshake(5)
		checker, peer := p.client, p.server
		if side == "server" {
			checker, peer = p.server, p.client
		}
		if !errors.Is(checker.Err(), ErrFingerprintMismatch) || !errors.Is(checker.Err(), AlertBadCertificate) {
			t.Fatalf("%s: checker err %v", side, checker.Err())
		}
		var ae *AlertError
		if !errors.As(peer.Err(), &ae) || !ae.Remote || ae.Alert != AlertBadCertificate {
			t.Fatalf("%s: peer err %v", side, peer.Err())
		}
	}
	// sha-512 fingerprints and several candidates work.
	cc, sc := defaultConfigs()
	f512, err := testCertServer.Fingerprint("sha-512")
	noErr(t, err)
	cc.PeerFingerprints = []Fingerprint{fp(testCertClient), f512}
	mustHandshake(t, newTestPair(t, cc, sc))
}

func TestVerifyCallbackAndClientAuth(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.PeerFingerprints = nil
	cc.VerifyPeerCertificate = func([][]byte) error { return errors.New("nope") }
	p := newTestPair(t, cc, sc)
	p.handshake(5)
	if !errors.Is(p.client.Err(), AlertBadCertificate) {
		t.Fatalf("client err %v", p.client.Err())
	}
	// NoClientCert: the client sends no certificate.
	cc, sc = defaultConfigs()
	sc.PeerFingerprints, sc.InsecureSkipVerify, sc.ClientAuth = nil, true, NoClientCert
	p = newTestPair(t, cc, sc)
	mustHandshake(t, p)
	if st, _ := p.server.ConnectionState(); len(st.PeerCertificates) != 0 {
		t.Fatal("client certificate without a request")
	}
	if _, err := NewClient(epoch0, shared.TransportContext{}, &Config{Certificate: testCertClient}); err != ErrNoVerification {
		t.Fatalf("no verification: %v", err)
	}
	if _, err := NewClient(epoch0, shared.TransportContext{}, &Config{InsecureSkipVerify: true}); err != ErrNoCertificate {
		t.Fatalf("no certificate: %v", err)
	}
}

// TestExtendedMasterSecretRequired: RFC 7627 §5.3, both directions.
func TestExtendedMasterSecretRequired(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.hooks = &testHooks{noEMS: true}
	checkRefusedHello(t, cc, sc, AlertHandshakeFailure)
	var p *testPair
	cc, sc = defaultConfigs()
	sc.hooks = &testHooks{noEMS: true}
	sc.InsecureAllowNoEMS = true
	p = newTestPair(t, cc, sc)
	p.handshake(5)
	if !errors.Is(p.client.Err(), AlertHandshakeFailure) {
		t.Fatalf("client err %v", p.client.Err())
	}
	// both allow it: completes without EMS
	cc, sc = defaultConfigs()
	cc.hooks = &testHooks{noEMS: true}
	cc.InsecureAllowNoEMS, sc.InsecureAllowNoEMS = true, true
	p = newTestPair(t, cc, sc)
	mustHandshake(t, p)
	if st, _ := p.client.ConnectionState(); st.ExtendedMasterSecret {
		t.Fatal("EMS reported")
	}
}

// TestDTLS13ClientHelloFragmented: a large ClientHello with DTLS 1.3
// extensions (supported_versions, key_share with a hybrid share, ...),
// fragmented over several datagrams that arrive reversed and duplicated,
// negotiates DTLS 1.2.
func TestDTLS13ClientHelloFragmented(t *testing.T) {
	cc, sc := defaultConfigs()
	cc.MTU = 400
	cc.hooks = &testHooks{extraExtensions: []rawExtension{
		{typ: 43, data: []byte{4, 0xfe, 0xfc, 0xfe, 0xfd}},                                         // supported_versions: DTLS 1.3, 1.2
		{typ: 51, data: append([]byte{0x04, 0xc6, 0x11, 0xec, 0x04, 0xc0}, make([]byte, 1216)...)}, // key_share X25519MLKEM768
		{typ: 45, data: []byte{1, 1}},                                                              // psk_key_exchange_modes
		{typ: 0x3374, data: nil},                                                                   // something unknown
	}}
	p := newTestPair(t, cc, sc)
	var held [][]byte
	p.filter = func(fromClient bool, dg []byte) bool {
		if fromClient && p.server.step == stepClientHello {
			held = append(held, append([]byte(nil), dg...))
			return false
		}
		return true
	}
	p.pump()
	if len(held) < 4 {
		t.Fatalf("ClientHello in %d datagrams, want it fragmented", len(held))
	}
	p.filter = nil
	for i := len(held) - 1; i >= 0; i-- {
		for range 2 {
			// Reversed and duplicated: each fragment is buffered or, the
			// second time, ignored; nothing fails.
			noErr(t, p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: held[i]}))
		}
	}
	mustHandshake(t, p)
	if p.server.Stats().UnknownExtSeen != 4 {
		t.Fatalf("unknown extensions %d", p.server.Stats().UnknownExtSeen)
	}
}

func TestReassemblyOverlapping(t *testing.T) {
	body := make([]byte, 1000)
	for i := range body {
		body[i] = byte(i)
	}
	var p pendingMessage
	p = pendingMessage{seq: 3, typ: TypeCertificate, body: make([]byte, len(body))}
	for _, r := range [][2]int{{900, 1000}, {100, 400}, {0, 150}, {350, 700}, {100, 400}, {650, 950}} {
		if p.complete() {
			t.Fatal("complete too early")
		}
		h := handshakeHeader{Type: TypeCertificate, Length: 1000, MessageSeq: 3, FragmentOffset: uint32(r[0]), FragmentLength: uint32(r[1] - r[0])}
		if err := p.add(&h, 0, body[r[0]:r[1]], 256); err != nil {
			t.Fatal("add failed")
		}
	}
	if !p.complete() || !bytes.Equal(p.body, body) {
		t.Fatalf("ranges %v", p.ranges)
	}
	h := handshakeHeader{Type: TypeFinished, Length: 1000}
	if p.add(&h, 0, nil, 256) == nil {
		t.Fatal("inconsistent fragment accepted")
	}
}

func TestHelloVerifyCookie(t *testing.T) {
	cc, sc := defaultConfigs()
	sc.HelloVerify = true
	sc.CookieLifetime = 10 * time.Second
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	if p.client.Stats().HelloVerifies != 1 || p.server.Stats().HelloVerifies != 1 {
		t.Fatalf("hello verifies: client %d server %d", p.client.Stats().HelloVerifies, p.server.Stats().HelloVerifies)
	}
	// Stateless: before a valid cookie the server holds no handshake state.
	cc, sc = defaultConfigs()
	sc.HelloVerify = true
	p = newTestPair(t, cc, sc)
	dg, _ := p.client.PollWrite()
	noErr(t, p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: dg.Message}))
	if p.server.hs.suite != nil || len(p.server.transcript) != 0 || len(p.server.reasm.msgs) != 0 || len(p.server.flight) != 0 {
		t.Fatal("server kept state before the cookie")
	}
	// A cookie from a rotated-out secret is refused (a new HVR comes back).
	hvr, _ := p.server.PollWrite()
	noErr(t, p.client.HandleRead(shared.TaggedBytes{Now: p.now, Transport: dg.Transport.Reverse(), Message: hvr.Message}))
	ch2, _ := p.client.PollWrite()
	p.now = p.now.Add(3 * time.Minute)
	noErr(t, p.server.HandleTimeout(p.now))
	p.now = p.now.Add(3 * time.Minute)
	noErr(t, p.server.HandleTimeout(p.now))
	noErr(t, p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: ch2.Message}))
	if p.server.Stats().HelloVerifies != 2 || p.server.hs.suite != nil {
		t.Fatalf("stale cookie accepted (hvr %d)", p.server.Stats().HelloVerifies)
	}
}

// TestRetransmitOnPeerRetransmission: RFC 6347 §4.2.4: a server that sees
// the ClientHello again resends its whole flight; once established it
// resends its final flight when the client repeats its own.
func TestRetransmitOnPeerRetransmission(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	ch, _ := p.client.PollWrite()
	in := shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: ch.Message}
	if err := p.server.HandleRead(in); err != nil {
		t.Fatal(err)
	}
	n1 := p.server.out.Len()
	// The same datagram again at once: epoch 0 has no replay window (RFC
	// 6347 §4.1.2.6, nothing in it is authenticated), but a flight is
	// resent at most once per peerRetransmitGap, so a duplicate (or a
	// forged copy) arriving right away is not answered.
	if err := p.server.HandleRead(in); err != nil {
		t.Fatal(err)
	}
	if p.server.out.Len() != n1 || p.server.Stats().Retransmits != 0 {
		t.Fatal("duplicate datagram answered at once")
	}
	// the client's timer retransmits with new record numbers: answered
	if err := p.client.HandleTimeout(p.now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	ch, _ = p.client.PollWrite()
	in.Message = ch.Message
	in.Now = p.now.Add(time.Second)
	if err := p.server.HandleRead(in); err != nil {
		t.Fatal(err)
	}
	if n1 == 0 || p.server.out.Len() != 2*n1 {
		t.Fatalf("flight 4 datagrams %d then %d", n1, p.server.out.Len())
	}
	// Lose the server's final flight once.
	p = newTestPair(t, cc, sc)
	dropped := false
	p.filter = func(fromClient bool, dg []byte) bool {
		if !fromClient && p.server.state == stateEstablished && !dropped {
			dropped = true
			return false
		}
		return true
	}
	mustHandshake(t, p)
	if !dropped || p.server.Stats().Retransmits != 1 || p.client.Stats().Retransmits != 1 {
		t.Fatalf("retransmits: client %d server %d", p.client.Stats().Retransmits, p.server.Stats().Retransmits)
	}
	// Afterwards duplicates do not ping-pong.
	before := p.client.Stats().DatagramsOut + p.server.Stats().DatagramsOut
	noErr(t, p.client.sendFlight())
	p.pump()
	p.pump()
	after := p.client.Stats().DatagramsOut + p.server.Stats().DatagramsOut
	if after-before > 3 {
		t.Fatalf("%d datagrams after one duplicate flight", after-before)
	}
}

func TestBadInputDroppedAndCounted(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	in := func(c *Conn, b []byte) error {
		return c.HandleRead(shared.TaggedBytes{Now: p.now, Transport: c.Transport(), Message: b})
	}
	// garbage and truncation
	for _, b := range [][]byte{{0}, {22, 0xfe}, {99, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 50, 1}} {
		if err := in(p.server, b); !errors.Is(err, ErrDropped) {
			t.Fatalf("garbage %x: %v", b, err)
		}
	}
	if p.server.Stats().Malformed != 4 {
		t.Fatalf("malformed %d", p.server.Stats().Malformed)
	}
	// a valid record, then its replay, then a forged copy, then epoch 2
	noErr(t, p.client.HandleWrite([]byte("once")))
	dg, _ := p.client.PollWrite()
	if err := in(p.server, dg.Message); err != nil {
		t.Fatal(err)
	}
	if err := in(p.server, dg.Message); !errors.Is(err, ErrDropped) || p.server.Stats().Replayed != 1 {
		t.Fatalf("replay: %v", err)
	}
	noErr(t, p.client.HandleWrite([]byte("forged")))
	dg, _ = p.client.PollWrite()
	dg.Message[len(dg.Message)-1] ^= 1
	if err := in(p.server, dg.Message); !errors.Is(err, ErrDropped) || p.server.Stats().AuthFailed != 1 {
		t.Fatalf("forged: %v", err)
	}
	dg.Message[4] = 2
	if err := in(p.server, dg.Message); !errors.Is(err, ErrDropped) || p.server.Stats().WrongEpoch != 1 {
		t.Fatalf("epoch 2: %v", err)
	}
	// plaintext application data and a plaintext alert after the switch
	if err := in(p.server, []byte{23, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 99, 0, 1, 'x'}); !errors.Is(err, ErrDropped) {
		t.Fatalf("epoch-0 data: %v", err)
	}
	if err := in(p.server, []byte{21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 98, 0, 2, 2, 40}); !errors.Is(err, ErrDropped) || p.server.state != stateEstablished {
		t.Fatalf("epoch-0 alert: %v", err)
	}
	p.drain()
	if len(p.sReads) != 1 || string(p.sReads[0]) != "once" {
		t.Fatalf("reads %q", p.sReads)
	}
	// writes before the handshake are refused
	cc, sc = defaultConfigs()
	q := newTestPair(t, cc, sc)
	if err := q.client.HandleWrite([]byte("x")); err != ErrHandshakeNotDone {
		t.Fatal(err)
	}
	if err := q.client.HandleWrite(make([]byte, 20000)); err == nil {
		t.Fatal("oversized write accepted before the handshake")
	}
	if err := p.client.HandleWrite(make([]byte, maxPlaintext+1)); err != ErrMessageTooLarge {
		t.Fatal(err)
	}
}

func TestAlerts(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	mustHandshake(t, p)
	// a warning alert is reported, the connection stays up
	p.server.sendAlert(AlertLevelWarning, AlertUserCanceled)
	p.pump()
	if e := findEvent(p.cEvents, EventAlert); e == nil || e.Alert != AlertUserCanceled || !e.Remote {
		t.Fatalf("warning event %+v", e)
	}
	// renegotiation is refused: a HelloRequest gets a no_renegotiation warning
	rec, err := p.server.sealRecord(nil, ContentHandshake, 1, appendMessage(nil, TypeHelloRequest, p.server.sendSeq, nil))
	noErr(t, err)
	noErr(t, p.client.HandleRead(shared.TaggedBytes{Now: p.now, Transport: p.client.Transport(), Message: rec}))
	p.pump()
	if e := findEvent(p.sEvents, EventAlert); e == nil || e.Alert != AlertNoRenegotiation {
		t.Fatalf("no_renegotiation event %+v", e)
	}
	// a fatal alert closes with a typed error
	p.server.sendAlert(AlertLevelFatal, AlertInternalError)
	p.pump()
	var ae *AlertError
	if e := findEvent(p.cEvents, EventClosed); e == nil || !errors.As(e.Err, &ae) || ae.Alert != AlertInternalError || !ae.Remote {
		t.Fatalf("closed event %+v", e)
	}
	if p.client.HandleWrite([]byte("x")) != ErrClosed {
		t.Fatal("write after fatal alert")
	}
	if err := p.client.HandleRead(shared.TaggedBytes{Now: p.now, Message: []byte{1}}); err != ErrClosed || p.client.Stats().AfterClose != 1 {
		t.Fatalf("read after close: %v", err)
	}
}

func TestHandshakeTimeoutAndClock(t *testing.T) {
	cc, _ := defaultConfigs()
	cc.HandshakeTimeout = 5 * time.Second
	c, err := NewClient(epoch0, shared.TransportContext{Local: clientAddr, Peer: serverAddr}, cc)
	noErr(t, err)
	for {
		// The drive loop: drain, then ask for the deadline (while output
		// is pending PollTimeout reports now).
		for _, ok := c.PollWrite(); ok; _, ok = c.PollWrite() {
		}
		for _, ok := c.PollEvent(); ok; _, ok = c.PollEvent() {
		}
		d, ok := c.PollTimeout()
		if !ok {
			break
		}
		err := c.HandleTimeout(d)
		if last := !d.Before(epoch0.Add(5 * time.Second)); last != (err == ErrHandshakeTimeout) || (!last && err != nil) {
			t.Fatalf("at %v: %v", d.Sub(epoch0), err)
		}
		// time never moves backwards: an old time changes nothing
		noErr(t, c.HandleTimeout(epoch0))
		if d2, ok := c.PollTimeout(); ok && d2.Before(d) {
			t.Fatal("deadline before the latest now")
		}
	}
	if c.Err() != ErrHandshakeTimeout || c.clock.Now() != epoch0.Add(5*time.Second) {
		t.Fatalf("err %v at %v", c.Err(), c.clock.Now().Sub(epoch0))
	}
}

// TestEarlyApplicationData: data the server sends right after its Finished
// that overtakes the Finished is delivered once the handshake completes.
func TestEarlyApplicationData(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	var finished []byte
	p.filter = func(fromClient bool, dg []byte) bool {
		if !fromClient && p.server.state == stateEstablished && finished == nil {
			finished = append([]byte(nil), dg...)
			return false
		}
		return true
	}
	p.pump()
	if finished == nil || p.server.state != stateEstablished {
		t.Fatal("server did not finish")
	}
	p.filter = nil
	noErr(t, p.server.HandleWrite([]byte("early")))
	dg, _ := p.server.PollWrite()
	noErr(t, p.client.HandleRead(shared.TaggedBytes{Now: p.now, Transport: p.client.Transport(), Message: dg.Message}))
	noErr(t, p.client.HandleRead(shared.TaggedBytes{Now: p.now, Transport: p.client.Transport(), Message: finished}))
	p.drain()
	if p.client.state != stateEstablished || len(p.cReads) != 1 || string(p.cReads[0]) != "early" {
		t.Fatalf("state %v reads %q", p.client.state, p.cReads)
	}
}

func TestCloseDuringHandshake(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	dg, _ := p.client.PollWrite()
	if err := p.inject(p.server, clientAddr, dg.Message); err != nil {
		t.Fatal(err)
	}
	// the client gives up: user_canceled then close_notify
	noErr(t, p.client.Close())
	p.pump()
	var ae *AlertError
	if !errors.As(p.server.Err(), &ae) || ae.Alert != AlertCloseNotify || !ae.Remote {
		t.Fatalf("server err %v", p.server.Err())
	}
	if e := findEvent(p.sEvents, EventAlert); e == nil || e.Alert != AlertUserCanceled {
		t.Fatalf("user_canceled not reported: %+v", p.sEvents)
	}
	if e := findEvent(p.cEvents, EventClosed); e == nil || e.Err != nil {
		t.Fatalf("client closed event %+v", e)
	}
}

func TestState(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	if p.client.State() != StateConnecting || p.client.State().String() != "connecting" {
		t.Fatal(p.client.State())
	}
	mustHandshake(t, p)
	if p.client.State() != StateConnected || p.server.State() != StateConnected {
		t.Fatal("not connected")
	}
	noErr(t, p.client.Close())
	p.pump()
	if p.client.State() != StateClosed || p.server.State() != StateClosed {
		t.Fatalf("%v %v", p.client.State(), p.server.State())
	}
	cc, sc = defaultConfigs()
	cc.PeerFingerprints = []Fingerprint{fp(testCertClient)}
	p = newTestPair(t, cc, sc)
	p.handshake(5)
	if p.client.State() != StateFailed || p.server.State() != StateFailed || StateFailed.String() != "failed" {
		t.Fatalf("%v %v", p.client.State(), p.server.State())
	}
}

// TestReassemblyRangesModel adds random fragments and compares the merged
// ranges and completeness with a byte map.
func TestReassemblyRangesModel(t *testing.T) {
	r := mathrand.New(mathrand.NewPCG(7, 8))
	for trial := 0; trial < 200; trial++ {
		n := 1 + r.IntN(300)
		p := pendingMessage{typ: TypeCertificate, body: make([]byte, n)}
		have := make([]bool, n)
		for step := 0; step < 40 && !p.complete(); step++ {
			lo := r.IntN(n)
			hi := lo + r.IntN(min(n-lo, 40)+1)
			h := handshakeHeader{Type: TypeCertificate, Length: uint32(n), FragmentOffset: uint32(lo), FragmentLength: uint32(hi - lo)}
			if err := p.add(&h, 0, make([]byte, hi-lo), 1<<20); err != nil {
				t.Fatal(err)
			}
			for i := lo; i < hi; i++ {
				have[i] = true
			}
			var want [][2]uint32
			for i := 0; i < n; i++ {
				if have[i] && (i == 0 || !have[i-1]) {
					want = append(want, [2]uint32{uint32(i), uint32(i)})
				}
				if have[i] {
					want[len(want)-1][1] = uint32(i + 1)
				}
			}
			if !slices.Equal(p.ranges, want) {
				t.Fatalf("trial %d: ranges %v, want %v", trial, p.ranges, want)
			}
		}
	}
}

// checkRefusedHello: a ClientHello the server cannot serve gets the fatal
// alert. A server that knows its peer fails with it; a server that learns
// its peer from ClientHellos answers the sender the same way but keeps
// waiting, since the ClientHello could be anyone's (source.go).
func checkRefusedHello(t *testing.T, cc, sc *Config, alert Alert) {
	t.Helper()
	for _, known := range []bool{true, false} {
		p := newTestPair(t, cc, sc)
		if known {
			p.server.SetTransport(shared.TransportContext{Local: serverAddr, Peer: clientAddr})
		}
		p.handshake(5)
		var ae *AlertError
		if !errors.As(p.client.Err(), &ae) || !ae.Remote || ae.Alert != alert {
			t.Fatalf("known peer %v: client err %v, want %v from the server", known, p.client.Err(), alert)
		}
		if known && !errors.Is(p.server.Err(), alert) {
			t.Fatalf("known peer: server err %v", p.server.Err())
		}
		if !known && (p.server.state != stateHandshake || p.server.bound || p.server.Stats().BadHandshake == 0) {
			t.Fatalf("unbound server: state %v, bound %v, stats %+v", p.server.state, p.server.bound, p.server.Stats())
		}
	}
}
