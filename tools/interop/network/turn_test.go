package network

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// testCert makes a self-signed certificate for 127.0.0.1 in dir and
// returns the pool that trusts it and the PEM file paths.
func testCert(t *testing.T, dir string) (*x509.CertPool, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sansrtc test TURN"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, certFile, keyFile
}

// startCoturnTLS runs turnserver on 127.0.0.1 with TURN over UDP and TCP
// on one port and TURN over TLS on another, with a test certificate.
func startCoturnTLS(t *testing.T) (plain, tlsPort int, roots *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	roots, certFile, keyFile := testCert(t, dir)
	plain, tlsPort = startCoturnCert(t, dir, certFile, keyFile)
	return plain, tlsPort, roots
}

// startCoturnCert is startCoturnTLS with a given certificate; dir holds
// coturn's pid and log files.
func startCoturnCert(t *testing.T, dir, certFile, keyFile string) (plain, tlsPort int) {
	t.Helper()
	bin := peers.Require(t, "turnserver", "apt-get install -y coturn")
	plain, tlsPort = peers.FreePort(t), peers.FreePort(t)
	for tlsPort == plain {
		tlsPort = peers.FreePort(t)
	}
	minPort := 40000 + plain%20000
	args := []string{"-n",
		"--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
		"--listening-port=" + strconv.Itoa(plain), "--tls-listening-port=" + strconv.Itoa(tlsPort),
		"--cert=" + certFile, "--pkey=" + keyFile, "--no-dtls",
		"--min-port=" + strconv.Itoa(minPort), "--max-port=" + strconv.Itoa(minPort+200),
		"--lt-cred-mech", "--user=" + peers.CoturnUser + ":" + peers.CoturnPassword, "--realm=" + peers.CoturnRealm,
		"--no-cli", "--no-multicast-peers", "--allow-loopback-peers",
		"--pidfile=" + filepath.Join(dir, "turn.pid"), "--log-file=" + filepath.Join(dir, "turn.log"), "--no-stdout-log"}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cmd.Process.Kill(); err != nil {
			t.Logf("stopping coturn: %v", err)
		}
		_ = cmd.Wait() // killed: the exit status says so
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "turn.log")); err == nil {
				s := string(b)
				t.Logf("coturn log (tail):\n%s", s[max(0, len(s)-3000):])
			}
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range []int{plain, tlsPort} {
		for {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("coturn does not listen on %d: %v", p, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return plain, tlsPort
}

// TestRelayOnlyTURNTransports: two sansrtc peers with iceTransportPolicy
// "relay" connect through coturn on 127.0.0.1 over TURN/UDP, TURN/TCP and
// TURN/TLS (turns:, verified against the test certificate), then move
// 8 MiB over a data channel: the throughput figure of each transport.
func TestRelayOnlyTURNTransports(t *testing.T) {
	plain, tlsPort, roots := startCoturnTLS(t)
	for _, tc := range []struct{ name, url string }{
		{"udp", fmt.Sprintf("turn:127.0.0.1:%d?transport=udp", plain)},
		{"tcp", fmt.Sprintf("turn:127.0.0.1:%d?transport=tcp", plain)},
		{"tls", fmt.Sprintf("turns:127.0.0.1:%d", tlsPort)},
		// A DNS name: the driver resolves it (net.Resolver; localhost is
		// 127.0.0.1 from /etc/hosts, nothing leaves the machine) and TLS
		// verifies the certificate against the name.
		{"tls-dns-name", fmt.Sprintf("turns:localhost:%d?transport=tcp", tlsPort)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relayPair(t, tc.url, roots, 8<<20)
		})
	}
}

// TestTURNSWrongRoots: a turns: server whose certificate the configured
// roots do not trust gives no relayed candidate within 5 s (the TLS
// handshake fails, nothing is sent in clear).
func TestTURNSWrongRoots(t *testing.T) {
	_, tlsPort, _ := startCoturnTLS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, TLSRoots: x509.NewCertPool()})
	defer d.Close()
	cfg := rtc.Configuration{
		ICEServers:         []rtc.ICEServer{{URLs: []string{fmt.Sprintf("turns:127.0.0.1:%d", tlsPort)}, Username: peers.CoturnUser, Credential: peers.CoturnPassword}},
		ICETransportPolicy: rtc.ICETransportPolicyRelay,
	}
	a, err := d.NewPeerConnection(cfg, driver.Handler{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateDataChannel("x", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		t.Logf("gathering did not complete: %v", err)
		return
	}
	if strings.Contains(off.SDP, "typ relay") {
		t.Fatalf("relayed candidate through an untrusted TLS server:\n%s", off.SDP)
	}
}

// relayPair connects two relay-only sansrtc peers through the TURN server
// at url, sends total bytes in 16 KiB messages from one to the other and
// returns the throughput in MB/s.
func relayPair(t *testing.T, url string, roots *x509.CertPool, total int) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, TLSRoots: roots, Logger: testLogger()})
	defer d.Close()
	cfg := rtc.Configuration{
		ICEServers:         []rtc.ICEServer{{URLs: []string{url}, Username: peers.CoturnUser, Credential: peers.CoturnPassword}},
		ICETransportPolicy: rtc.ICETransportPolicyRelay,
	}
	received := make(chan int, 1024)
	opened := make(chan *rtc.DataChannel, 1)
	b, err := d.NewPeerConnection(cfg, driver.Handler{OnMessage: func(c *driver.Conn, m rtc.Message) { received <- len(m.Data) }})
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.NewPeerConnection(cfg, driver.Handler{OnEvent: func(c *driver.Conn, e rtc.Event) {
		if e.Kind == rtc.EventDataChannelOpen {
			opened <- e.Channel
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateDataChannel("relayed", rtc.DataChannelInit{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	off, err := a.OfferAfterGathering(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := b.AnswerAfterGathering(ctx, off)
	if err != nil {
		t.Fatal(err)
	}
	for _, sdp := range []string{off.SDP, ans.SDP} {
		for _, l := range strings.Split(sdp, "\r\n") {
			if strings.HasPrefix(l, "a=candidate") && !strings.Contains(l, "typ relay") {
				t.Errorf("relay policy signalled a non-relay candidate: %s", l)
			}
		}
		if !strings.Contains(sdp, "typ relay") {
			t.Fatalf("no relay candidate:\n%s", sdp)
		}
	}
	if err := a.SetAnswer(ans); err != nil {
		t.Fatal(err)
	}
	var dc *rtc.DataChannel
	select {
	case dc = <-opened:
	case <-ctx.Done():
		t.Fatal("channel did not open through TURN")
	}
	setup := time.Since(start)
	const msg = 16 << 10
	buf := make([]byte, msg)
	t0 := time.Now()
	for sent := 0; sent < total; sent += msg {
		if err := a.Send(dc, buf, true); err != nil {
			t.Fatalf("send at %d: %v", sent, err)
		}
	}
	el, mbps := awaitBytes(t, ctx, received, 0, total, t0)
	t.Logf("%s: channel open %v after the offer started; %d MiB in %v = %.1f MB/s", url, setup.Round(time.Millisecond), total>>20, el.Round(time.Millisecond), mbps)
	return mbps
}

func testLogger() *slog.Logger {
	if os.Getenv("SANSRTC_DEBUG_DRIVER") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// awaitBytes waits until total bytes (got of them counted already) have
// come out of received, and returns the time since t0 and the throughput
// in MB/s; it fails the test when ctx ends first.
func awaitBytes(t *testing.T, ctx context.Context, received <-chan int, got, total int, t0 time.Time) (time.Duration, float64) {
	t.Helper()
	for got < total {
		select {
		case n := <-received:
			got += n
		case <-ctx.Done():
			t.Fatalf("%d of %d bytes arrived through TURN", got, total)
		}
	}
	el := time.Since(t0)
	return el, float64(total) / el.Seconds() / 1e6
}
