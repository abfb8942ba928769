package dtlsinterop

import (
	"context"
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

	"github.com/chromedp/chromedp"
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
		MaxVersion:       dtls.VersionDTLS12, // 1.2 recordings (rtc-dtls replays them as 1.2)
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
		"# ours: role=%s suite=%#04x groups=%s hvr=%v srtp=0x0001 seed=%s clock=%s peer=%s\n"+
		"# peer fingerprint: %s\n"+
		"# openssl keying material (EXTRACTOR-dtls_srtp, 60 bytes): %s\n"+
		"# negotiated: %v, %v, extended_master_secret=%v\n",
		gc.name, role, map[bool]string{true: "s_server", false: "s_client"}[gc.client], version,
		role, uint16(gc.suite.suite), groupIDs(cfg.Groups), gc.hvr, gc.name, goldenEpoch.Format(time.RFC3339), peerAddr,
		peerFP, strings.ToUpper(m[1]), state.CipherSuite, state.Group, state.ExtendedMasterSecret)
	return head + flows.String(), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// groupIDs lists group code points as the "# ours:" header writes them.
func groupIDs(gs []dtls.Group) string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, fmt.Sprint(uint16(g)))
	}
	return strings.Join(ids, ",")
}

// TestRecordGoldenChromium records a handshake with headless Chromium
// (BoringSSL) as the DTLS client and our server (seeded, fixed clock, no
// timers) into rtc-dtls/testdata/golden/chromium_*.txt, as
// TestRecordGoldenOpenSSL does. Chromium exports no keys to the page, so
// the transcript holds ours; the replay checks that our side verifies
// Chromium's Finished and exports them again.
//
// The DTLS 1.3 recording (issue 19), chromium13_client_*, lets the
// browser's 1.3 ClientHello choose: our server allows 1.3 and takes
// X25519MLKEM768, and the "# ours:" line says version=1.3.
func TestRecordGoldenChromium(t *testing.T) {
	if !*update {
		t.Skip("records only with -update")
	}
	peers.RequireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser := peers.StartChromiumT(t, ctx)
	t.Run("1.2", func(t *testing.T) { recordGoldenChromium(t, browser, false) })
	t.Run("1.3", func(t *testing.T) { recordGoldenChromium(t, browser, true) })
}

func recordGoldenChromium(t *testing.T, browser *peers.Chromium, v13 bool) {
	name := "chromium_client_aes128gcm_x25519"
	if v13 {
		name = "chromium13_client_aes128gcm_x25519mlkem768"
	}
	tab := browser.OpenPage(t, "<!doctype html><title>dtls</title>")
	if _, err := peers.Eval[chromedp.Void](tab, chromiumJS); err != nil {
		t.Fatal(err)
	}
	offer, err := peers.Eval[string](tab, "startOffer()")
	if err != nil {
		t.Fatal(err)
	}
	remoteFP, err := dtls.ParseFingerprint(sdpValue(offer, "a=fingerprint:"))
	if err != nil {
		t.Fatal(err)
	}
	cryptotest.SetGlobalRandom(t, 1)
	ours, err := dtls.GenerateCertificate(goldenEpoch, dtls.KeyECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	ourFP, err := ours.Fingerprint("sha-256")
	if err != nil {
		t.Fatal(err)
	}
	udp := peers.ListenUDP(t)
	local := udp.LocalAddr().(*net.UDPAddr).AddrPort()
	const ufrag, pwd = "sansrtcdtls", "sansrtcdtlspasswordpassword"
	mid := sdpValue(offer, "a=mid:")
	answer := strings.Join([]string{
		"v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
		"a=group:BUNDLE " + mid, "a=ice-lite",
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 127.0.0.1",
		"a=mid:" + mid, "a=ice-ufrag:" + ufrag, "a=ice-pwd:" + pwd,
		"a=fingerprint:" + ourFP.String(), "a=setup:passive", "a=sctp-port:5000",
		fmt.Sprintf("a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host", local.Port()),
		"a=end-of-candidates", "",
	}, "\r\n")
	if _, err := peers.Eval[bool](tab, fmt.Sprintf("acceptAnswer(%q)", answer)); err != nil {
		t.Fatal(err)
	}
	cfg := &dtls.Config{
		Certificate:      ours,
		PeerFingerprints: []dtls.Fingerprint{remoteFP},
		SRTPProfiles:     []uint16{0x0007},
		CipherSuites:     []dtls.CipherSuite{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		Groups:           []dtls.Group{dtls.GroupX25519},
		Rand:             goldenSeed(name),
		MaxVersion:       dtls.VersionDTLS12, // a 1.2 recording: Chromium offers 1.3 too
	}
	version := "1.2"
	if v13 {
		version = "1.3"
		cfg.MaxVersion = dtls.VersionDTLS13
		cfg.CipherSuites = []dtls.CipherSuite{0x1301} // TLS_AES_128_GCM_SHA256 (RFC 8446 §B.4)
		cfg.Groups = []dtls.Group{dtls.GroupX25519MLKEM768}
	}
	conn, err := dtls.NewServer(goldenEpoch, shared.TransportContext{Local: local}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var flows strings.Builder
	n := 0
	var peerAddr netip.AddrPort
	var state *dtls.ConnectionState
	buf := make([]byte, 65536)
	end := time.Now().Add(30 * time.Second)
	for state == nil {
		for dg, ok := conn.PollWrite(); ok; dg, ok = conn.PollWrite() {
			n++
			fmt.Fprintf(&flows, "\n## datagram %d: ours -> chromium, %d bytes\n%s", n, len(dg.Message), hex.Dump(dg.Message))
			if _, err := udp.WriteToUDPAddrPort(dg.Message, dg.Transport.Peer); err != nil {
				t.Fatal(err)
			}
		}
		for ev, ok := conn.PollEvent(); ok; ev, ok = conn.PollEvent() {
			switch ev.Kind {
			case dtls.EventHandshakeComplete:
				state = ev.State
			case dtls.EventClosed:
				t.Fatalf("closed: %v", ev.Err)
			}
		}
		if state != nil {
			break
		}
		got, from, timedOut, err := peers.ReadUDP(udp, buf, end)
		if err != nil || timedOut {
			t.Fatalf("no handshake: %v", err)
		}
		msg := buf[:got]
		switch {
		case msg[0] < 4: // STUN (RFC 7983): answered, not recorded
			if resp, _ := peers.BindingSuccess(msg, from, pwd); resp != nil {
				if _, err := udp.WriteToUDPAddrPort(resp, from); err != nil {
					t.Fatal(err)
				}
			}
		case msg[0] >= 20 && msg[0] < 64:
			n++
			fmt.Fprintf(&flows, "\n## datagram %d: chromium -> ours, %d bytes\n%s", n, len(msg), hex.Dump(msg))
			peerAddr = from
			if err := conn.HandleRead(shared.TaggedBytes{Now: goldenEpoch, Transport: shared.TransportContext{Local: local, Peer: from}, Message: msg}); err != nil {
				t.Fatalf("HandleRead: %v", err)
			}
		}
	}
	for dg, ok := conn.PollWrite(); ok; dg, ok = conn.PollWrite() { // our last flight
		n++
		fmt.Fprintf(&flows, "\n## datagram %d: ours -> chromium, %d bytes\n%s", n, len(dg.Message), hex.Dump(dg.Message))
		if _, err := udp.WriteToUDPAddrPort(dg.Message, dg.Transport.Peer); err != nil {
			t.Fatal(err)
		}
	}
	// Chromium must agree: its transport reaches "connected" with our suite.
	var ts transportStats
	for range 100 {
		if got, from, timedOut, err := peers.ReadUDP(udp, buf, time.Now().Add(50*time.Millisecond)); err == nil && !timedOut && buf[0] < 4 {
			if resp, _ := peers.BindingSuccess(buf[:got], from, pwd); resp != nil {
				if _, err := udp.WriteToUDPAddrPort(resp, from); err != nil {
					t.Fatal(err)
				}
			}
		}
		if ts, err = peers.Eval[transportStats](tab, "transportStats()"); err != nil {
			t.Fatal(err)
		}
		if ts.DTLSState == "connected" {
			break
		}
	}
	if ts.DTLSState != "connected" || ts.DTLSCipher != state.CipherSuite.String() {
		t.Fatalf("chromium: %+v, ours %v", ts, state.CipherSuite)
	}
	km, err := srtpMaterial(conn)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := peers.Eval[string](tab, "navigator.userAgent")
	if err != nil {
		t.Fatal(err)
	}
	if v13 && state.Version != dtls.VersionDTLS13.String() {
		t.Fatalf("negotiated %s, want DTLS 1.3", state.Version)
	}
	head := fmt.Sprintf("# %s: our server against headless Chromium (%s) on 127.0.0.1; STUN not shown.\n"+
		"# Recorded by tools/interop/dtls: go test -run TestRecordGoldenChromium -update; replayed by TestGoldenOpenSSL.\n"+
		"# ours: role=server version=%s suite=%#04x groups=%s hvr=false srtp=0x0007 seed=%s clock=%s peer=%s\n"+
		"# peer fingerprint: %s\n"+
		"# keying material (EXTRACTOR-dtls_srtp, %d bytes, ours; Chromium reported %s, %s): %X\n"+
		"# negotiated: %v, %v, extended_master_secret=%v\n",
		name, agent, version, uint16(cfg.CipherSuites[0]), groupIDs(cfg.Groups), name, goldenEpoch.Format(time.RFC3339), peerAddr,
		remoteFP, len(km), ts.DTLSCipher, ts.SRTPCipher, km, state.CipherSuite, state.Group, state.ExtendedMasterSecret)
	path := filepath.Join("..", "..", "..", "rtc-dtls", "testdata", "golden", name+".txt")
	if err := os.WriteFile(path, []byte(head+flows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
