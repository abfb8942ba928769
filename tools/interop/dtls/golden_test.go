package dtlsinterop

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

var update = flag.Bool("update", false, "record the OpenSSL golden transcripts into rtc-dtls/testdata/golden (needs openssl)")

// goldenCase is one transcript recorded against OpenSSL. rtc-dtls's
// TestGoldenOpenSSL replays it with the same configuration, which it reads
// from the "# ours:" header line; keep the two in step (goldenConfig there
// and here).
type goldenCase struct {
	name   string
	client bool // we are the client (openssl s_server), else the server (s_client)
	suite  opensslSuite
	group  opensslGroup
	hvr    bool // our server sends a HelloVerifyRequest
}

var goldenCases = []goldenCase{
	{name: "openssl_server_aes128gcm_x25519", client: true, suite: opensslSuites[0], group: opensslGroups[0]},
	{name: "openssl_client_chacha20_p256_hvr", suite: opensslSuites[2], group: opensslGroups[1], hvr: true},
}

// goldenEpoch is the fixed clock of our side (certificate validity
// included; OpenSSL reports the dates but does not abort on them).
var goldenEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// goldenSeed is the seed of our Config.Rand (ChaCha8 keyed by the name).
func goldenSeed(name string) *mathrand.ChaCha8 {
	var seed [32]byte
	copy(seed[:], name)
	return mathrand.NewChaCha8(seed)
}

// TestRecordGoldenOpenSSL records handshakes between our side (seeded
// randomness, cryptotest.SetGlobalRandom(1), fixed clock, no timers) and
// openssl on 127.0.0.1 as readable hexdump flows, with the keying material
// OpenSSL itself exported, into rtc-dtls/testdata/golden/openssl_*.txt.
// rtc-dtls replays them without OpenSSL: our side must send the same bytes,
// accept OpenSSL's flights, verify its Finished and export the same keys, so
// a change that breaks both of our sides the same way is caught.
func TestRecordGoldenOpenSSL(t *testing.T) {
	if !*update {
		t.Skip("records only with -update")
	}
	peers.Require(t, "openssl", "apt-get install -y openssl")
	certs(t)
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			text, err := recordGolden(t, gc)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "..", "..", "rtc-dtls", "testdata", "golden", gc.name+".txt")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func recordGolden(t *testing.T, gc goldenCase) (string, error) {
	cryptotest.SetGlobalRandom(t, 1) // our certificate, ECDHE keys and signatures
	ours, err := dtls.GenerateCertificate(goldenEpoch, dtls.KeyECDSAP256)
	if err != nil {
		return "", err
	}
	peerFP, err := peerECDSACert.Fingerprint("sha-256")
	if err != nil {
		return "", err
	}
	cfg := &dtls.Config{
		Certificate:      ours,
		PeerFingerprints: []dtls.Fingerprint{peerFP},
		CipherSuites:     []dtls.CipherSuite{gc.suite.suite},
		Groups:           groupsFor(gc.group.group),
		SRTPProfiles:     []uint16{0x0001},
		HelloVerify:      gc.hvr,
		Rand:             goldenSeed(gc.name),
	}
	certFile, keyFile := writePEM(t, peerECDSACert)
	udp := peers.ListenUDP(t)
	local := udp.LocalAddr().(*net.UDPAddr).AddrPort()
	common := []string{"-dtls1_2", "-cert", certFile, "-key", keyFile, "-cipher", gc.suite.name,
		"-groups", opensslGroupList(gc.group.name), "-use_srtp", "SRTP_AES128_CM_SHA1_80",
		"-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60"}
	var conn *dtls.Conn
	var out *peers.OpenSSL
	var peerAddr netip.AddrPort
	if gc.client {
		port := peers.FreePort(t)
		peerAddr = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
		out = peers.StartOpenSSL(t, append([]string{"s_server", "-accept", peerAddr.String(), "-verify", "1", "-naccept", "1"}, common...)...)
		if out.WaitFor(regexp.MustCompile(`ACCEPT`), 5*time.Second) == nil {
			return "", fmt.Errorf("s_server did not start: %s", out)
		}
		conn, err = dtls.NewClient(goldenEpoch, shared.TransportContext{Local: local, Peer: peerAddr}, cfg)
	} else {
		conn, err = dtls.NewServer(goldenEpoch, shared.TransportContext{Local: local}, cfg)
		if err == nil {
			out = peers.StartOpenSSL(t, append([]string{"s_client", "-connect", local.String()}, common...)...)
		}
	}
	if err != nil {
		return "", err
	}
	var flows strings.Builder
	n := 0
	record := func(ours bool, b []byte) {
		n++
		dir := "openssl -> ours"
		if ours {
			dir = "ours -> openssl"
		}
		fmt.Fprintf(&flows, "\n## datagram %d: %s, %d bytes\n%s", n, dir, len(b), hex.Dump(b))
	}
	var state *dtls.ConnectionState
	buf := make([]byte, 65536)
	end := time.Now().Add(10 * time.Second)
	for state == nil {
		for dg, ok := conn.PollWrite(); ok; dg, ok = conn.PollWrite() {
			record(true, dg.Message)
			if _, err := udp.WriteToUDPAddrPort(dg.Message, dg.Transport.Peer); err != nil {
				return "", err
			}
		}
		for ev, ok := conn.PollEvent(); ok; ev, ok = conn.PollEvent() {
			switch {
			case ev.Kind == dtls.EventHandshakeComplete:
				state = ev.State
			case ev.Kind == dtls.EventClosed:
				return "", fmt.Errorf("closed: %v\n%s", ev.Err, out)
			}
		}
		if state != nil {
			break
		}
		// No timers: our side never retransmits, so the transcript is a
		// pure function of OpenSSL's datagrams.
		got, from, timedOut, err := peers.ReadUDP(udp, buf, end)
		if err != nil {
			return "", err
		}
		if timedOut {
			return "", fmt.Errorf("timed out\n%s", out)
		}
		record(false, buf[:got])
		peerAddr = from
		if err := conn.HandleRead(shared.TaggedBytes{Now: goldenEpoch, Transport: shared.TransportContext{Local: local, Peer: from}, Message: buf[:got]}); err != nil {
			return "", fmt.Errorf("HandleRead: %w\n%s", err, out)
		}
	}
	for dg, ok := conn.PollWrite(); ok; dg, ok = conn.PollWrite() { // our last flight
		record(true, dg.Message)
		if _, err := udp.WriteToUDPAddrPort(dg.Message, dg.Transport.Peer); err != nil {
			return "", err
		}
	}
	m := out.WaitFor(keyingRE, 5*time.Second)
	if m == nil {
		return "", errors.New("openssl printed no keying material:\n" + out.String())
	}
	km, err := srtpMaterial(conn)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(m[1], hex.EncodeToString(km)) {
		return "", fmt.Errorf("keying material differs: openssl %s, ours %X", m[1], km)
	}
	role := "server"
	if gc.client {
		role = "client"
	}
	vout, err := exec.Command("openssl", "version").Output()
	if err != nil {
		return "", err
	}
	version := strings.TrimSpace(firstLine(string(vout)))
	head := fmt.Sprintf("# %s: our %s against openssl %s (%s) on 127.0.0.1.\n"+
		"# Recorded by tools/interop/dtls: go test -run TestRecordGoldenOpenSSL -update; replayed by TestGoldenOpenSSL.\n"+
		"# ours: role=%s suite=%#04x group=%d hvr=%v srtp=0x0001 seed=%s clock=%s peer=%s\n"+
		"# peer fingerprint: %s\n"+
		"# openssl keying material (EXTRACTOR-dtls_srtp, 60 bytes): %s\n"+
		"# negotiated: %v, %v, extended_master_secret=%v\n",
		gc.name, role, map[bool]string{true: "s_server", false: "s_client"}[gc.client], version,
		role, uint16(gc.suite.suite), uint16(gc.group.group), gc.hvr, gc.name, goldenEpoch.Format(time.RFC3339), peerAddr,
		peerFP, strings.ToUpper(m[1]), state.CipherSuite, state.Group, state.ExtendedMasterSecret)
	return head + flows.String(), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
