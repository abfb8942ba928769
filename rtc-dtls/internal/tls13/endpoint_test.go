package tls13

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testCert makes a self-signed ECDSA P-256 certificate, as WebRTC uses.
func testCert(t testing.TB, name string) ([][]byte, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{der}, key
}

// edCert makes a deterministic self-signed Ed25519 certificate (Ed25519
// signatures need no randomness), so simulations replay byte for byte.
func edCert(t testing.TB, name string) ([][]byte, crypto.Signer) {
	t.Helper()
	seed := sha256.Sum256([]byte(name))
	key := ed25519.NewKeyFromSeed(seed[:])
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{der}, key
}

// configs returns a client and a server Config with deterministic
// certificates and seeded randomness.
func configs(t testing.TB, seed string) (Config, Config) {
	cc, ck := edCert(t, "client")
	sc, sk := edCert(t, "server")
	return Config{Rand: seeded(seed + " client"), Certificate: cc, PrivateKey: ck, SRTPProfiles: []uint16{7, 1}},
		Config{Rand: seeded(seed + " server"), Certificate: sc, PrivateKey: sk, SRTPProfiles: []uint16{1, 7}}
}

// wire adapts an Endpoint to netsim.
type wire struct {
	e           *Endpoint
	local, peer netip.AddrPort
	errs        []error
}

func (w *wire) HandleRead(m shared.TaggedBytes) error {
	err := w.e.HandleDatagram(m.Now, m.Message)
	if err != nil {
		w.errs = append(w.errs, err)
	}
	return nil
}

func (w *wire) PollWrite() (shared.TaggedBytes, bool) {
	d, ok := w.e.PollDatagram()
	if !ok {
		return shared.TaggedBytes{}, false
	}
	return shared.TaggedBytes{Transport: shared.TransportContext{Local: w.local, Peer: w.peer}, Message: bytes.Clone(d)}, true
}

func (w *wire) HandleTimeout(now time.Time) error {
	if err := w.e.HandleTimeout(now); err != nil {
		w.errs = append(w.errs, err)
	}
	return nil
}

func (w *wire) PollTimeout() (time.Time, bool) { return w.e.Timeout() }

var (
	clientAddr = netip.MustParseAddrPort("192.0.2.1:5000")
	serverAddr = netip.MustParseAddrPort("198.51.100.1:5000")
)

// simPair connects a client and a server over a simulated link.
func simPair(t *testing.T, seed uint64, link netsim.LinkConfig, cc, sc Config) (*netsim.Sim, *wire, *wire) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed, Start: t0})
	sim.SetDefaultLink(link)
	c, err := NewClient(cc, sim.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(sc, sim.Now())
	if err != nil {
		t.Fatal(err)
	}
	cw, sw := &wire{e: c, local: clientAddr, peer: serverAddr}, &wire{e: s, local: serverAddr, peer: clientAddr}
	sim.Add(cw, clientAddr)
	sim.Add(sw, serverAddr)
	return sim, cw, sw
}

// handshake runs until both sides are connected and the client's last
// flight is acknowledged.
func handshake(t *testing.T, sim *netsim.Sim, c, s *wire) {
	t.Helper()
	done := func() bool { return c.e.Connected() && s.e.Connected() && len(c.e.fl.msgs) == 0 }
	if err := sim.Run(done, 20000); err != nil {
		t.Fatalf("handshake: %v (client %s %v, server %s %v)", err, c.e.State(), c.errs, s.e.State(), s.errs)
	}
	if len(c.errs)+len(s.errs) > 0 {
		t.Fatalf("errors: client %v server %v", c.errs, s.errs)
	}
}

func checkKeys(t *testing.T, c, s *Endpoint) {
	t.Helper()
	a, err := c.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", nil, 60)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", nil, 60)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("exporters differ")
	}
	cs, cg, cp := c.Negotiated()
	ss, sg, sp := s.Negotiated()
	if cs != ss || cg != sg || cp != sp {
		t.Errorf("negotiated: client %v %v %d, server %v %v %d", cs, cg, cp, ss, sg, sp)
	}
	if len(c.PeerCertificates()) != 1 || len(s.PeerCertificates()) != 1 {
		t.Error("peer certificates missing")
	}
}

// exchange sends one application record each way through the simulation.
func exchange(t *testing.T, sim *netsim.Sim, c, s *wire, msg string) {
	t.Helper()
	if err := c.e.WriteApp(sim.Now(), []byte("c:"+msg)); err != nil {
		t.Fatal(err)
	}
	if err := s.e.WriteApp(sim.Now(), []byte("s:"+msg)); err != nil {
		t.Fatal(err)
	}
	var gotC, gotS []byte
	done := func() bool {
		if b, ok := s.e.ReadApp(); ok {
			gotS = b
		}
		if b, ok := c.e.ReadApp(); ok {
			gotC = b
		}
		return gotC != nil && gotS != nil
	}
	if err := sim.Run(done, 10000); err != nil {
		t.Fatalf("exchange %q: %v", msg, err)
	}
	if string(gotS) != "c:"+msg || string(gotC) != "s:"+msg {
		t.Fatalf("exchange: server got %q, client got %q", gotS, gotC)
	}
}

// TestHandshake13 runs the 1.3 handshake for each group and suite: the
// client's key shares are the first group (plus x25519 beside the hybrid).
func TestHandshake13(t *testing.T) {
	for _, g := range []Group{GroupX25519MLKEM768, GroupX25519, GroupP256, GroupP384} {
		for _, suite := range []CipherSuite{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256} {
			t.Run(g.String()+"/"+suite.String(), func(t *testing.T) {
				cc, sc := configs(t, "hs")
				// WebRTC's usual ECDSA P-256 certificates on both sides.
				cc.Certificate, cc.PrivateKey = testCert(t, "client")
				sc.Certificate, sc.PrivateKey = testCert(t, "server")
				cc.Groups, sc.Groups = []Group{g, GroupX25519}, []Group{g, GroupX25519}
				cc.CipherSuites = []CipherSuite{suite}
				sim, c, s := simPair(t, 1, netsim.LinkConfig{Delay: 10 * time.Millisecond}, cc, sc)
				handshake(t, sim, c, s)
				checkKeys(t, c.e, s.e)
				// The server picks its own first SRTP profile the client offers.
				if _, gg, p := c.e.Negotiated(); gg != g || p != 1 {
					t.Errorf("group %v profile %d, want %v and 1", gg, p, g)
				}
				exchange(t, sim, c, s, "hello")
			})
		}
	}
}
