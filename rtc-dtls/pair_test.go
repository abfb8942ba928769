package dtls

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
)

// use_srtp protection profile ids (RFC 5764 §4.1.2, RFC 7714 §14.2). This
// package knows only the ids; rtc-srtp names them and splits the keys.
const (
	srtpAES128CMSHA1_80 uint16 = 0x0001
	srtpAES128CMSHA1_32 uint16 = 0x0002
	srtpAEADAES128GCM   uint16 = 0x0007
	srtpAEADAES256GCM   uint16 = 0x0008
)

// srtpNames are the profile names OpenSSL prints, for transcripts.
var srtpNames = map[uint16]string{srtpAES128CMSHA1_80: "SRTP_AES128_CM_SHA1_80", srtpAES128CMSHA1_32: "SRTP_AES128_CM_SHA1_32",
	srtpAEADAES128GCM: "SRTP_AEAD_AES_128_GCM", srtpAEADAES256GCM: "SRTP_AEAD_AES_256_GCM"}

// srtpKeyingMaterial exports the RFC 5764 §4.2 keying material of c's
// negotiated profile: 2*(key+salt) bytes of EXTRACTOR-dtls_srtp.
func srtpKeyingMaterial(t testing.TB, c *Conn) []byte {
	t.Helper()
	st, ok := c.ConnectionState()
	if !ok {
		t.Fatal("no handshake")
	}
	n := map[uint16]int{srtpAES128CMSHA1_80: 60, srtpAES128CMSHA1_32: 60, srtpAEADAES128GCM: 56, srtpAEADAES256GCM: 88}[st.SRTPProfile]
	km, err := c.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", nil, n)
	if err != nil {
		t.Fatal(err)
	}
	return km
}

var (
	epoch0     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clientAddr = netip.MustParseAddrPort("192.0.2.1:5000")
	serverAddr = netip.MustParseAddrPort("192.0.2.2:6000")
)

// seededRand is a deterministic io.Reader (SHA-256 in counter mode).
type seededRand struct {
	seed    [32]byte
	counter uint64
	buf     []byte
}

func newSeededRand(seed string) *seededRand { return &seededRand{seed: sha256.Sum256([]byte(seed))} }

func (r *seededRand) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			var in [40]byte
			copy(in[:], r.seed[:])
			for i := range 8 {
				in[32+i] = byte(r.counter >> (8 * i))
			}
			r.counter++
			s := sha256.Sum256(in[:])
			r.buf = s[:]
		}
		k := copy(p[n:], r.buf)
		r.buf = r.buf[k:]
		n += k
	}
	return n, nil
}

var _ io.Reader = (*seededRand)(nil)

var (
	testCertClient = mustCert(KeyECDSAP256)
	testCertServer = mustCert(KeyECDSAP256)
)

func mustCert(kt KeyType) *Certificate {
	c, err := GenerateCertificate(epoch0, kt)
	if err != nil {
		panic(err)
	}
	return c
}

func fp(c *Certificate) Fingerprint {
	f, err := c.Fingerprint("sha-256")
	if err != nil {
		panic(err)
	}
	return f
}

// testPair is a client and server wired in memory with a fake clock.
type testPair struct {
	t              *testing.T
	now            time.Time
	client, server *Conn
	cEvents        []Event
	sEvents        []Event
	cReads, sReads [][]byte
	// filter, if set, sees every datagram; returning false drops it.
	// misdirected counts datagrams sent to neither endpoint.
	misdirected int
	filter      func(fromClient bool, dg []byte) bool
}

func defaultConfigs() (*Config, *Config) {
	// DTLS 1.2 pinned: these are the 1.2 machine's tests (conn13_test.go
	// sets the versions itself).
	cc := &Config{Certificate: testCertClient, PeerFingerprints: []Fingerprint{fp(testCertServer)}, Rand: newSeededRand("client"), MaxVersion: VersionDTLS12}
	sc := &Config{Certificate: testCertServer, PeerFingerprints: []Fingerprint{fp(testCertClient)}, Rand: newSeededRand("server"), MaxVersion: VersionDTLS12}
	return cc, sc
}

func newTestPair(t *testing.T, cc, sc *Config) *testPair {
	t.Helper()
	p := &testPair{t: t, now: epoch0}
	var err error
	p.client, err = NewClient(p.now, shared.TransportContext{Local: clientAddr, Peer: serverAddr}, cc)
	if err != nil {
		t.Fatal(err)
	}
	p.server, err = NewServer(p.now, shared.TransportContext{Local: serverAddr}, sc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pump moves datagrams both ways until nothing is left; it returns how many
// moved.
func (p *testPair) pump() int {
	moved := 0
	for {
		progress := false
		for {
			dg, ok := p.client.PollWrite()
			if !ok {
				break
			}
			progress = true
			moved++
			if dg.Transport.Peer != serverAddr {
				p.misdirected++ // sent somewhere else: the server never sees it
				continue
			}
			if p.filter == nil || p.filter(true, dg.Message) {
				p.check(p.server.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: serverAddr, Peer: clientAddr}, Message: dg.Message}))
			}
		}
		for {
			dg, ok := p.server.PollWrite()
			if !ok {
				break
			}
			progress = true
			moved++
			if dg.Transport.Peer != clientAddr {
				p.misdirected++
				continue
			}
			if p.filter == nil || p.filter(false, dg.Message) {
				p.check(p.client.HandleRead(shared.TaggedBytes{Now: p.now, Transport: shared.TransportContext{Local: clientAddr, Peer: serverAddr}, Message: dg.Message}))
			}
		}
		p.drain()
		if !progress {
			return moved
		}
	}
}

func (p *testPair) drain() {
	for {
		e, ok := p.client.PollEvent()
		if !ok {
			break
		}
		p.cEvents = append(p.cEvents, e)
	}
	for {
		e, ok := p.server.PollEvent()
		if !ok {
			break
		}
		p.sEvents = append(p.sEvents, e)
	}
	for {
		b, ok := p.client.PollRead()
		if !ok {
			break
		}
		p.cReads = append(p.cReads, b)
	}
	for {
		b, ok := p.server.PollRead()
		if !ok {
			break
		}
		p.sReads = append(p.sReads, b)
	}
}

// advance moves the clock to the earliest deadline and fires timers.
func (p *testPair) advance() bool {
	d1, ok1 := p.client.PollTimeout()
	d2, ok2 := p.server.PollTimeout()
	var d time.Time
	if ok1 {
		d = d1
	}
	if ok2 {
		d = shared.Earliest(d, d2)
	}
	if d.IsZero() {
		return false
	}
	if d.After(p.now) {
		p.now = d
	}
	p.check(p.client.HandleTimeout(p.now))
	p.check(p.server.HandleTimeout(p.now))
	return true
}

func (p *testPair) established() bool {
	return p.client.state == stateEstablished && p.server.state == stateEstablished
}

func (p *testPair) handshake(maxSteps int) {
	p.t.Helper()
	for range maxSteps {
		p.pump()
		if p.established() || p.client.state == stateClosed || p.server.state == stateClosed {
			break
		}
		if !p.advance() {
			break
		}
	}
	p.pump()
}

// noErr fails the test at once on an error.
func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// check reports an error a Handle* call of the harness returned that
// neither the protocol nor hostile input explains: a drop, an alert, a
// timeout or use after close are expected along the way.
func (p *testPair) check(err error) {
	p.t.Helper()
	if err != nil && !acceptable(err) && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrHandshakeTimeout) {
		p.t.Errorf("unexpected error: %v", err)
	}
}

func findEvent(evs []Event, k EventKind) *Event {
	for i := range evs {
		if evs[i].Kind == k {
			return &evs[i]
		}
	}
	return nil
}

func TestHandshakeInMemory(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	p.handshake(10)
	if !p.established() {
		t.Fatalf("not established: client %v (%v) server %v (%v)", p.client.state, p.client.err, p.server.state, p.server.err)
	}
	ce := findEvent(p.cEvents, EventHandshakeComplete)
	se := findEvent(p.sEvents, EventHandshakeComplete)
	if ce == nil || se == nil {
		t.Fatal("no HandshakeComplete events")
	}
	if ce.State.CipherSuite != TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 || ce.State.Group != GroupX25519 {
		t.Errorf("negotiated %v %v", ce.State.CipherSuite, ce.State.Group)
	}
	if ce.State.SRTPProfile != srtpAEADAES128GCM || !ce.State.ExtendedMasterSecret {
		t.Errorf("srtp %v ems %v", ce.State.SRTPProfile, ce.State.ExtendedMasterSecret)
	}
	ck, sk := srtpKeyingMaterial(t, p.client), srtpKeyingMaterial(t, p.server)
	if !bytes.Equal(ck, sk) || len(ck) != 56 {
		t.Errorf("keying material differs or wrong size: %x vs %x", ck, sk)
	}
	if ce.State.PeerFingerprint.String() != fp(testCertServer).String() {
		t.Error("client sees wrong peer fingerprint")
	}
	if se.State.PeerFingerprint.String() != fp(testCertClient).String() {
		t.Error("server sees wrong peer fingerprint")
	}
	// application data both ways
	if err := p.client.HandleWrite([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := p.server.HandleWrite([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	p.pump()
	if len(p.sReads) != 1 || string(p.sReads[0]) != "ping" || len(p.cReads) != 1 || string(p.cReads[0]) != "pong" {
		t.Fatalf("reads: server %q client %q", p.sReads, p.cReads)
	}
	// close_notify
	if err := p.client.Close(); err != nil {
		t.Fatal(err)
	}
	p.pump()
	if p.server.state != stateClosed {
		t.Fatal("server not closed after close_notify")
	}
	if e := findEvent(p.sEvents, EventClosed); e == nil || e.Err != nil {
		t.Fatalf("server closed event %+v", e)
	}
	if err := p.server.HandleWrite([]byte("x")); err != ErrClosed {
		t.Fatalf("write after close: %v", err)
	}
}

func netipAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

var (
	rsaOnce            sync.Once
	rsaCertA, rsaCertB *Certificate
)

// rsaPair returns two RSA certificates, generated once per test binary.
func rsaPair() (*Certificate, *Certificate) {
	rsaOnce.Do(func() { rsaCertA, rsaCertB = mustCert(KeyRSA2048), mustCert(KeyRSA2048) })
	return rsaCertA, rsaCertB
}
