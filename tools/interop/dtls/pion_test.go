package dtlsinterop

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/elliptic"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// pionSuites are the suites Pion's dtls v3.1.8 shares with us.
var pionSuites = []struct {
	suite dtls.CipherSuite
	rsa   bool
}{
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, false},
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, false},
	{dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, false},
	{dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, true},
	{dtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, true},
	{dtls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, true},
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, false},
	{dtls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, true},
}

var pionGroups = []struct {
	group dtls.Group
	curve elliptic.Curve
}{
	{dtls.GroupX25519, elliptic.X25519},
	{dtls.GroupP256, elliptic.P256},
	{dtls.GroupP384, elliptic.P384},
}

func pionConfig(cert, peer *dtls.Certificate, suite dtls.CipherSuite, curve elliptic.Curve) *piondtls.Config {
	want, err := peer.Fingerprint("sha-256")
	if err != nil {
		panic(err) // a generated certificate always has a fingerprint
	}
	return &piondtls.Config{
		Certificates:           []tls.Certificate{{Certificate: cert.Certificate, PrivateKey: cert.PrivateKey}},
		CipherSuites:           []piondtls.CipherSuiteID{piondtls.CipherSuiteID(suite)},
		EllipticCurves:         []elliptic.Curve{curve},
		SRTPProtectionProfiles: []piondtls.SRTPProtectionProfile{piondtls.SRTP_AEAD_AES_128_GCM, piondtls.SRTP_AES128_CM_HMAC_SHA1_80},
		ExtendedMasterSecret:   piondtls.RequireExtendedMasterSecret,
		ClientAuth:             piondtls.RequireAnyClientCert,
		InsecureSkipVerify:     true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !want.Matches(raw[0]) {
				return fmt.Errorf("fingerprint mismatch")
			}
			return nil
		},
	}
}

func TestPion(t *testing.T) {
	certs(t)
	for _, ourRole := range []string{"client", "server"} {
		for _, s := range pionSuites {
			for _, g := range pionGroups {
				t.Run(fmt.Sprintf("we-are-%s/%v/%v", ourRole, s.suite, g.group), func(t *testing.T) {
					ours, theirs := ecdsaCert, peerECDSACert
					if s.rsa {
						ours, theirs = rsaCert, peerRSACert
					}
					runPion(t, ourRole == "client", ours, theirs, s.suite, g.group, g.curve, nil)
				})
			}
		}
	}
}

// TestPionSmallMTUHelloVerify: RSA certificates, a 300-byte MTU on both
// sides and our server's HelloVerifyRequest cookie.
func TestPionSmallMTUHelloVerify(t *testing.T) {
	certs(t)
	for _, weAreClient := range []bool{true, false} {
		t.Run(map[bool]string{true: "we-are-client", false: "we-are-server"}[weAreClient], func(t *testing.T) {
			runPion(t, weAreClient, rsaCert, peerRSACert, dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, dtls.GroupX25519, elliptic.X25519,
				func(o *dtls.Config, p *piondtls.Config) {
					o.MTU, p.MTU = 300, 300
					o.HelloVerify = true
				})
		})
	}
}

func runPion(t *testing.T, weAreClient bool, ours, theirs *dtls.Certificate, suite dtls.CipherSuite, group dtls.Group, curve elliptic.Curve, tweak func(*dtls.Config, *piondtls.Config)) *dtls.ConnectionState {
	ourUDP := peers.ListenUDP(t)
	pionUDP := peers.ListenUDP(t)
	ourAddr := ourUDP.LocalAddr().(*net.UDPAddr)
	pionAddr := pionUDP.LocalAddr().(*net.UDPAddr)

	pcfg := pionConfig(theirs, ours, suite, curve)
	ocfg := &dtls.Config{
		Certificate:      ours,
		PeerFingerprints: []dtls.Fingerprint{mustFP(theirs)},
		CipherSuites:     []dtls.CipherSuite{suite},
		Groups:           []dtls.Group{group},
	}
	if tweak != nil {
		tweak(ocfg, pcfg)
	}
	var pconn *piondtls.Conn
	var err error
	if weAreClient {
		pconn, err = piondtls.Server(pionUDP, ourAddr, pcfg)
	} else {
		pconn, err = piondtls.Client(pionUDP, ourAddr, pcfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer pconn.Close()
	type result struct {
		err error
		km  []byte
		msg []byte
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := pconn.HandshakeContext(ctx); err != nil {
			done <- result{err: err}
			return
		}
		st, _ := pconn.ConnectionState()
		km, err := st.ExportKeyingMaterial(srtp.ExporterLabel, nil, 56)
		if err != nil {
			done <- result{err: err}
			return
		}
		// echo one message
		buf := make([]byte, 1500)
		pconn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := pconn.Read(buf)
		if err != nil {
			done <- result{err: err}
			return
		}
		_, err = pconn.Write(append([]byte("echo:"), buf[:n]...))
		done <- result{err: err, km: km, msg: buf[:n]}
	}()

	local := ourAddr.AddrPort()
	peerAP := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(pionAddr.Port))
	var conn *dtls.Conn
	if weAreClient {
		conn, err = dtls.NewClient(time.Now(), shared.TransportContext{Local: local, Peer: peerAP}, ocfg)
	} else {
		conn, err = dtls.NewServer(time.Now(), shared.TransportContext{Local: local, Peer: peerAP}, ocfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &udpPeer{conn: conn, udp: ourUDP}
	if err := p.run(p.established, 10*time.Second); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if tweak != nil {
		t.Logf("stats: %+v", conn.Stats())
	}
	st := p.state()
	if st.CipherSuite != suite || st.Group != group || srtp.Profile(st.SRTPProfile) != srtp.AEADAES128GCM || !st.ExtendedMasterSecret {
		t.Errorf("negotiated %v %v %v ems=%v", st.CipherSuite, st.Group, st.SRTPProfile, st.ExtendedMasterSecret)
	}
	if err := conn.HandleWrite([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := p.run(func() bool { return len(p.reads) > 0 }, 10*time.Second); err != nil {
		t.Fatalf("echo: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("pion: %v", r.err)
	}
	km, err := srtpMaterial(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.km, km) {
		t.Fatalf("keying material differs:\n pion %X\n ours %X", r.km, km)
	}
	if string(p.reads[0]) != "echo:hello" {
		t.Fatalf("read %q", p.reads[0])
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.flush(); err != nil {
		t.Fatal(err)
	}
	return st
}

func mustFP(c *dtls.Certificate) dtls.Fingerprint {
	f, err := c.Fingerprint("sha-256")
	if err != nil {
		panic(err)
	}
	return f
}
