package dtlsinterop

import (
	"bufio"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// opensslSuite is one of our suites and its OpenSSL cipher name.
type opensslSuite struct {
	suite dtls.CipherSuite
	name  string
	rsa   bool
}

// opensslSuites maps our suites to OpenSSL cipher names.
var opensslSuites = []opensslSuite{
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", false},
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", false},
	{dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", false},
	{dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", true},
	{dtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", true},
	{dtls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", true},
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", false},
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", false},
	{dtls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", true},
	{dtls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", true},
}

// opensslGroup is one of our groups and its OpenSSL name.
type opensslGroup struct {
	group dtls.Group
	name  string
}

var opensslGroups = []opensslGroup{
	{dtls.GroupX25519, "X25519"},
	{dtls.GroupP256, "P-256"},
	{dtls.GroupP384, "P-384"},
}

var (
	certOnce                   sync.Once
	ecdsaCert, rsaCert         *dtls.Certificate
	peerECDSACert, peerRSACert *dtls.Certificate
)

func certs(t *testing.T) {
	certOnce.Do(func() {
		var err error
		now := time.Now()
		if ecdsaCert, err = dtls.GenerateCertificate(now, dtls.KeyECDSAP256); err != nil {
			panic(err)
		}
		if rsaCert, err = dtls.GenerateCertificate(now, dtls.KeyRSA2048); err != nil {
			panic(err)
		}
		if peerECDSACert, err = dtls.GenerateCertificate(now, dtls.KeyECDSAP256); err != nil {
			panic(err)
		}
		if peerRSACert, err = dtls.GenerateCertificate(now, dtls.KeyRSA2048); err != nil {
			panic(err)
		}
	})
}

// writePEM writes the certificate and key as PEM files for openssl.
func writePEM(t *testing.T, c *dtls.Certificate) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

var keyingRE = regexp.MustCompile(`Keying material: ([0-9A-Fa-f]+)`)

// checkOpenSSLSession checks what we negotiated with openssl (who is
// s_server or s_client): the suite and group under test, the SRTP profile,
// extended master secret, and the 60 bytes of EXTRACTOR-dtls_srtp that
// openssl printed (-keymatexport) against ours.
func checkOpenSSLSession(t *testing.T, out *peers.OpenSSL, who string, conn *dtls.Conn, suite dtls.CipherSuite, group dtls.Group) {
	t.Helper()
	st, _ := conn.ConnectionState()
	if st.CipherSuite != suite || st.Group != group || srtp.Profile(st.SRTPProfile) != srtp.AES128CMHMACSHA1_80 || !st.ExtendedMasterSecret {
		t.Errorf("negotiated %v %v %v ems=%v", st.CipherSuite, st.Group, st.SRTPProfile, st.ExtendedMasterSecret)
	}
	m := out.WaitFor(keyingRE, 5*time.Second)
	if m == nil {
		t.Fatalf("no keying material from %s:\n%s", who, out)
	}
	km, err := srtpMaterial(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(m[1], hex.EncodeToString(km)) {
		t.Fatalf("keying material differs:\n openssl %s\n ours    %X", m[1], km)
	}
}

func ourConfig(cert, peer *dtls.Certificate, suite dtls.CipherSuite, group dtls.Group) *dtls.Config {
	f, err := peer.Fingerprint("sha-256")
	if err != nil {
		panic(err) // a generated certificate always has a fingerprint
	}
	return &dtls.Config{
		Certificate:      cert,
		PeerFingerprints: []dtls.Fingerprint{f},
		CipherSuites:     []dtls.CipherSuite{suite},
		Groups:           groupsFor(group),
		SRTPProfiles:     []uint16{uint16(srtp.AES128CMHMACSHA1_80)},
	}
}

// groupsFor offers group first, plus P-256: OpenSSL only selects an ECDSA
// certificate on a curve the client lists in supported_groups (TLS 1.2).
func groupsFor(g dtls.Group) []dtls.Group {
	if g == dtls.GroupP256 {
		return []dtls.Group{g}
	}
	return []dtls.Group{g, dtls.GroupP256}
}

// opensslGroupList adds P-256 after the group under test: OpenSSL accepts a
// peer's ECDSA P-256 certificate only when P-256 is one of its groups.
func opensslGroupList(g string) string {
	if g == "P-256" {
		return g
	}
	return g + ":P-256"
}

// eachOpenSSLCase runs f as one subtest per suite and group that OpenSSL
// shares with us. It skips t when openssl is missing, or fails it when
// SANSRTC_REQUIRE_INTEROP=1.
func eachOpenSSLCase(t *testing.T, f func(t *testing.T, s opensslSuite, g opensslGroup)) {
	peers.Require(t, "openssl", "apt-get install -y openssl")
	certs(t)
	for _, s := range opensslSuites {
		for _, g := range opensslGroups {
			t.Run(s.name+"/"+g.name, func(t *testing.T) { f(t, s, g) })
		}
	}
}

func TestOpenSSLServer(t *testing.T) {
	eachOpenSSLCase(t, func(t *testing.T, s opensslSuite, g opensslGroup) {
		cert, peer := ecdsaCert, peerECDSACert
		if s.rsa {
			peer = peerRSACert
		}
		certFile, keyFile := writePEM(t, peer)
		port := peers.FreePort(t)
		// s_server exits when stdin ends: StartOpenSSL keeps it open.
		out := peers.StartOpenSSL(t, "s_server", "-dtls1_2", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
			"-cert", certFile, "-key", keyFile, "-cipher", s.name, "-groups", opensslGroupList(g.name),
			"-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60",
			"-verify", "1", "-naccept", "1")
		if out.WaitFor(regexp.MustCompile(`ACCEPT`), 5*time.Second) == nil {
			t.Fatalf("s_server did not start: %s", out)
		}
		udp := peers.ListenUDP(t)
		tr := shared.TransportContext{Local: udp.LocalAddr().(*net.UDPAddr).AddrPort(), Peer: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))}
		conn, err := dtls.NewClient(time.Now(), tr, ourConfig(cert, peer, s.suite, g.group))
		if err != nil {
			t.Fatal(err)
		}
		p := &udpPeer{conn: conn, udp: udp}
		if err := p.run(p.established, 10*time.Second); err != nil {
			t.Fatalf("handshake: %v\nopenssl output:\n%s", err, out)
		}
		checkOpenSSLSession(t, out, "s_server", p.conn, s.suite, g.group)
		// application data: s_server prints what it receives.
		if err := conn.HandleWrite([]byte("hello-from-sansrtc\n")); err != nil {
			t.Fatal(err)
		}
		p.flush()
		if out.WaitFor(regexp.MustCompile(`hello-from-sansrtc`), 5*time.Second) == nil {
			t.Fatalf("s_server did not print our data:\n%s", out)
		}
		// and s_server sends what it reads on stdin
		if _, err := io.WriteString(out.Stdin, "hello-from-openssl\n"); err != nil {
			t.Fatal(err)
		}
		if err := p.run(func() bool { return len(p.reads) > 0 }, 5*time.Second); err != nil {
			t.Fatalf("reading from s_server: %v", err)
		}
		if !strings.Contains(string(p.reads[0]), "hello-from-openssl") {
			t.Fatalf("read %q", p.reads[0])
		}
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.flush(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenSSLClient(t *testing.T) {
	eachOpenSSLCase(t, func(t *testing.T, s opensslSuite, g opensslGroup) {
		cert, peer := ecdsaCert, peerECDSACert
		if s.rsa {
			cert = rsaCert
		}
		certFile, keyFile := writePEM(t, peer)
		udp := peers.ListenUDP(t)
		local := udp.LocalAddr().(*net.UDPAddr).AddrPort()
		conn, err := dtls.NewServer(time.Now(), shared.TransportContext{Local: local}, ourConfig(cert, peer, s.suite, g.group))
		if err != nil {
			t.Fatal(err)
		}
		out := peers.StartOpenSSL(t, "s_client", "-dtls1_2", "-connect", local.String(),
			"-cert", certFile, "-key", keyFile, "-cipher", s.name, "-groups", opensslGroupList(g.name),
			"-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60")
		p := &udpPeer{conn: conn, udp: udp}
		if err := p.run(p.established, 10*time.Second); err != nil {
			t.Fatalf("handshake: %v\nopenssl output:\n%s", err, out)
		}
		checkOpenSSLSession(t, out, "s_client", p.conn, s.suite, g.group)
		if _, err := io.WriteString(out.Stdin, "hello-from-openssl\n"); err != nil {
			t.Fatal(err)
		}
		if err := p.run(func() bool { return len(p.reads) > 0 }, 5*time.Second); err != nil {
			t.Fatalf("reading from s_client: %v\n%s", err, out)
		}
		if !strings.Contains(string(p.reads[0]), "hello-from-openssl") {
			t.Fatalf("read %q", p.reads[0])
		}
		bufio.NewReader(strings.NewReader("")).ReadString('\n')
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.flush(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOpenSSLSmallMTU fragments every flight both ways: RSA certificates
// and a 300-byte MTU on both sides, so OpenSSL reassembles our fragments
// and we reassemble its.
func TestOpenSSLSmallMTU(t *testing.T) {
	peers.Require(t, "openssl", "apt-get install -y openssl")
	certs(t)
	for _, weAreClient := range []bool{true, false} {
		t.Run(map[bool]string{true: "we-are-client", false: "we-are-server"}[weAreClient], func(t *testing.T) {
			certFile, keyFile := writePEM(t, peerRSACert)
			cfg := ourConfig(rsaCert, peerRSACert, dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, dtls.GroupX25519)
			cfg.MTU = 300
			udp := peers.ListenUDP(t)
			local := udp.LocalAddr().(*net.UDPAddr).AddrPort()
			var conn *dtls.Conn
			var err error
			common := []string{"-dtls1_2", "-cert", certFile, "-key", keyFile, "-cipher", "ECDHE-RSA-AES128-GCM-SHA256",
				"-mtu", "300", "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60"}
			var out *peers.OpenSSL
			if weAreClient {
				port := peers.FreePort(t)
				out = peers.StartOpenSSL(t, append([]string{"s_server", "-accept", fmt.Sprintf("127.0.0.1:%d", port), "-verify", "1", "-naccept", "1"}, common...)...)
				if out.WaitFor(regexp.MustCompile(`ACCEPT`), 5*time.Second) == nil {
					t.Fatalf("s_server did not start: %s", out)
				}
				conn, err = dtls.NewClient(time.Now(), shared.TransportContext{Local: local, Peer: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))}, cfg)
			} else {
				conn, err = dtls.NewServer(time.Now(), shared.TransportContext{Local: local}, cfg)
				out = peers.StartOpenSSL(t, append([]string{"s_client", "-connect", local.String()}, common...)...)
			}
			if err != nil {
				t.Fatal(err)
			}
			p := &udpPeer{conn: conn, udp: udp}
			if err := p.run(p.established, 10*time.Second); err != nil {
				t.Fatalf("handshake: %v\n%s", err, out)
			}
			if st := conn.Stats(); st.DatagramsIn < 4 || st.DatagramsOut < 4 {
				t.Errorf("flights not fragmented? %+v", st)
			}
			m := out.WaitFor(keyingRE, 5*time.Second)
			km, err := srtpMaterial(p.conn)
			if err != nil {
				t.Fatal(err)
			}
			if m == nil || !strings.EqualFold(m[1], hex.EncodeToString(km)) {
				t.Fatalf("keying material: %v vs %X\n%s", m, km, out)
			}
		})
	}
}

// TestOpenSSLIgnoresCIDAndRecordLimit: OpenSSL 3.0 implements neither
// record_size_limit (RFC 8449) nor connection IDs (RFC 9146): a client that
// offers both still connects, with neither negotiated, and data flows.
func TestOpenSSLIgnoresCIDAndRecordLimit(t *testing.T) {
	peers.Require(t, "openssl", "apt-get install -y openssl")
	certs(t)
	certFile, keyFile := writePEM(t, peerECDSACert)
	port := peers.FreePort(t)
	out := peers.StartOpenSSL(t, "s_server", "-dtls1_2", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
		"-cert", certFile, "-key", keyFile, "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-verify", "1", "-naccept", "1")
	if out.WaitFor(regexp.MustCompile(`ACCEPT`), 5*time.Second) == nil {
		t.Fatalf("s_server did not start: %s", out)
	}
	cfg := ourConfig(ecdsaCert, peerECDSACert, dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.GroupX25519)
	cfg.MaxVersion = dtls.VersionDTLS12
	cfg.RecordSizeLimit = 512
	cfg.ConnectionIDLength = 4
	udp := peers.ListenUDP(t)
	tr := shared.TransportContext{Local: udp.LocalAddr().(*net.UDPAddr).AddrPort(), Peer: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))}
	conn, err := dtls.NewClient(time.Now(), tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &udpPeer{conn: conn, udp: udp}
	if err := p.run(p.established, 10*time.Second); err != nil {
		t.Fatalf("handshake: %v\nopenssl output:\n%s", err, out)
	}
	if st := p.state(); st.ConnectionID || st.PeerRecordSizeLimit != 0 {
		t.Fatalf("negotiated with OpenSSL 3.0: CID %v, limit %d", st.ConnectionID, st.PeerRecordSizeLimit)
	}
	if err := conn.HandleWrite([]byte("hello-from-sansrtc\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.flush(); err != nil {
		t.Fatal(err)
	}
	if out.WaitFor(regexp.MustCompile(`hello-from-sansrtc`), 5*time.Second) == nil {
		t.Fatalf("s_server did not print our data:\n%s", out)
	}
}
