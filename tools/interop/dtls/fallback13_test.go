package dtlsinterop

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"testing"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/elliptic"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// The DTLS 1.3 fallback (issue 19): peers limited to DTLS 1.2 still connect
// to us when we allow 1.3, as a client offering both versions (our
// ClientHello carries supported_versions, 1.3 suites, the X25519MLKEM768
// group and key shares, which a 1.2 stack must ignore) and as a server that
// allows 1.3.

func allow13(o *dtls.Config, client bool) {
	o.MaxVersion = dtls.VersionDTLS13
	if client {
		o.MinVersion = dtls.VersionDTLS12
		o.Groups = append([]dtls.Group{dtls.GroupX25519MLKEM768}, o.Groups...)
	}
}

// TestPion13Fallback: Pion (DTLS 1.2 only) against our 1.3-capable client
// and server negotiates 1.2, keying material and data checked by runPion.
func TestPion13Fallback(t *testing.T) {
	certs(t)
	for _, weAreClient := range []bool{true, false} {
		t.Run(map[bool]string{true: "we-are-client", false: "we-are-server"}[weAreClient], func(t *testing.T) {
			runPion(t, weAreClient, ecdsaCert, peerECDSACert, dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.GroupX25519, elliptic.X25519,
				func(o *dtls.Config, _ *piondtls.Config) { allow13(o, weAreClient) })
		})
	}
}

// TestOpenSSL13Fallback: OpenSSL 3.0 (DTLS 1.2 only) s_server and s_client
// against our 1.3-capable client and server.
func TestOpenSSL13Fallback(t *testing.T) {
	peers.Require(t, "openssl", "apt-get install -y openssl")
	certs(t)
	const suite, group = dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.GroupX25519
	t.Run("we-are-client", func(t *testing.T) {
		certFile, keyFile := writePEM(t, peerECDSACert)
		port := peers.FreePort(t)
		out := peers.StartOpenSSL(t, "s_server", "-dtls1_2", "-accept", fmt.Sprintf("127.0.0.1:%d", port),
			"-cert", certFile, "-key", keyFile, "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-groups", opensslGroupList("X25519"),
			"-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60",
			"-verify", "1", "-naccept", "1")
		if out.WaitFor(regexp.MustCompile(`ACCEPT`), 5*time.Second) == nil {
			t.Fatalf("s_server did not start: %s", out)
		}
		udp := peers.ListenUDP(t)
		tr := shared.TransportContext{Local: udp.LocalAddr().(*net.UDPAddr).AddrPort(), Peer: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))}
		cfg := ourConfig(ecdsaCert, peerECDSACert, suite, group)
		allow13(cfg, true)
		conn, err := dtls.NewClient(time.Now(), tr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		p := &udpPeer{conn: conn, udp: udp}
		if err := p.run(p.established, 10*time.Second); err != nil {
			t.Fatalf("handshake: %v\nopenssl output:\n%s", err, out)
		}
		checkOpenSSLSession(t, out, "s_server", p.conn, suite, group)
		if st, _ := conn.ConnectionState(); st.Version != "DTLS 1.2" {
			t.Errorf("version %q", st.Version)
		}
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.flush(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("we-are-server", func(t *testing.T) {
		certFile, keyFile := writePEM(t, peerECDSACert)
		udp := peers.ListenUDP(t)
		local := udp.LocalAddr().(*net.UDPAddr).AddrPort()
		cfg := ourConfig(ecdsaCert, peerECDSACert, suite, group)
		allow13(cfg, false)
		conn, err := dtls.NewServer(time.Now(), shared.TransportContext{Local: local}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		out := peers.StartOpenSSL(t, "s_client", "-dtls1_2", "-connect", local.String(),
			"-cert", certFile, "-key", keyFile, "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-groups", opensslGroupList("X25519"),
			"-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60")
		p := &udpPeer{conn: conn, udp: udp}
		if err := p.run(p.established, 10*time.Second); err != nil {
			t.Fatalf("handshake: %v\nopenssl output:\n%s", err, out)
		}
		checkOpenSSLSession(t, out, "s_client", p.conn, suite, group)
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		if err := p.flush(); err != nil {
			t.Fatal(err)
		}
	})
}
