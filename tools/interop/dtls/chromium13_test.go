package dtlsinterop

import (
	"context"
	"strconv"
	"testing"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-srtp"
	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/firefox"
)

// TestChromium13 (issue 19): headless Chromium negotiates DTLS 1.3 with the
// X25519MLKEM768 hybrid with us, in both roles, and a data channel's SCTP
// flows. As the server we allow 1.3 (MaxVersion) and let the browser's
// ClientHello choose; as the client we offer 1.3 only, or 1.3 and 1.2 in
// one ClientHello and take the browser's 1.3 ServerHello. The browser's
// getStats must report DTLS 1.3 (tlsVersion "FEFC") and the TLS 1.3 suite.
func TestChromium13(t *testing.T) {
	peers.RequireChromium(t)
	certs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	browser := peers.StartChromiumT(t, ctx)
	const aes128 = dtls.CipherSuite(0x1301) // TLS_AES_128_GCM_SHA256
	for _, role := range []string{"passive", "active", "active-auto"} {
		for _, group := range []dtls.Group{dtls.GroupX25519MLKEM768, dtls.GroupX25519} {
			name := map[string]string{"active": "we-are-client", "active-auto": "we-are-client-offering-1.2-and-1.3", "passive": "we-are-server"}[role] + "/" + group.String()
			setup := role
			if role == "active-auto" {
				setup = "active"
			}
			t.Run(name, func(t *testing.T) {
				ts := runChromium(t, browser, setup, aes128, group, srtp.AEADAES128GCM, func(cfg *dtls.Config) {
					cfg.MaxVersion = dtls.VersionDTLS13
					switch role {
					case "active":
						cfg.MinVersion = dtls.VersionDTLS13
						cfg.Groups = []dtls.Group{group}
					case "active-auto":
						// 1.2 suites and groups too, as a client that
						// does not know the server's version offers.
						cfg.MinVersion = dtls.VersionDTLS12
						cfg.CipherSuites = nil
						cfg.Groups = []dtls.Group{group, dtls.GroupP256}
					default:
						cfg.Groups = []dtls.Group{group}
					}
				})
				if ts.TLSVersion != "FEFC" {
					t.Errorf("chromium reports tlsVersion %q, want FEFC (DTLS 1.3)", ts.TLSVersion)
				}
			})
		}
	}
}

// TestChromium13Wire (issue 19) checks on the wire what TestChromium13 reads
// from getStats: tshark captures UDP on lo while Chromium (the client)
// handshakes with us (the server), and the ServerHello we sent on our port
// selects supported_versions 0xFEFC (DTLS 1.3, RFC 9147 §5.3) and key_share
// group 0x11EC (X25519MLKEM768). Skips when tshark is missing or may not
// capture on lo, unless SANSRTC_REQUIRE_INTEROP=1.
func TestChromium13Wire(t *testing.T) {
	peers.RequireChromium(t)
	capture := firefox.StartCapture(t)
	certs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser := peers.StartChromiumT(t, ctx)
	ts := runChromium(t, browser, "passive", dtls.CipherSuite(0x1301), dtls.GroupX25519MLKEM768, srtp.AEADAES128GCM, func(cfg *dtls.Config) {
		cfg.MaxVersion = dtls.VersionDTLS13
		cfg.Groups = []dtls.Group{dtls.GroupX25519MLKEM768}
	})
	port := strconv.Itoa(int(ts.LocalPort))
	rows := capture.Fields(t, []string{port}, "udp.srcport=="+port+" && dtls.handshake.type==2",
		"dtls.handshake.version", "dtls.handshake.extensions.supported_version", "dtls.handshake.extensions_key_share_group")
	if len(rows) == 0 {
		t.Fatalf("no ServerHello from our port %s in the capture", port)
	}
	complete := 0
	for _, r := range rows { // one per (re)transmission
		for len(r) < 3 {
			r = append(r, "")
		}
		if r[0] == "" {
			continue // a fragment: tshark fills the fields on the one that completes the message
		}
		complete++
		t.Logf("our ServerHello on the wire: legacy_version %s, supported_versions %s, key_share group %s", r[0], r[1], r[2])
		if v, err := strconv.ParseUint(r[1], 0, 16); err != nil || v != 0xFEFC {
			t.Errorf("ServerHello supported_versions %q, want 0xfefc", r[1])
		}
		if g, err := strconv.ParseUint(r[2], 0, 16); err != nil || g != 0x11EC {
			t.Errorf("ServerHello key_share group %q, want 0x11ec (X25519MLKEM768)", r[2])
		}
		if r[0] != "0xfefd" { // RFC 9147 §5.3: legacy_version is DTLS 1.2
			t.Errorf("ServerHello legacy_version %s, want 0xfefd", r[0])
		}
	}
	if complete == 0 {
		t.Fatalf("the ServerHello from our port %s was never reassembled (%d fragments)", port, len(rows))
	}
}

// TestChromium13RecordSizeLimit (issue 19): with our record_size_limit
// (RFC 8449) set, Chromium still negotiates DTLS 1.3 in both roles. As a
// 1.3-only client we send the extension in ClientHello (BoringSSL does not
// implement it and must ignore it, RFC 8446 §4.2); as the server we answer
// it only if Chromium sends it.
func TestChromium13RecordSizeLimit(t *testing.T) {
	peers.RequireChromium(t)
	certs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser := peers.StartChromiumT(t, ctx)
	for _, setup := range []string{"active", "passive"} {
		t.Run(setup, func(t *testing.T) {
			ts := runChromium(t, browser, setup, dtls.CipherSuite(0x1301), dtls.GroupX25519MLKEM768, srtp.AEADAES128GCM, func(cfg *dtls.Config) {
				cfg.MaxVersion = dtls.VersionDTLS13
				if setup == "active" {
					cfg.MinVersion = dtls.VersionDTLS13
				}
				cfg.Groups = []dtls.Group{dtls.GroupX25519MLKEM768}
				cfg.RecordSizeLimit = 1000
			})
			if ts.TLSVersion != "FEFC" {
				t.Errorf("chromium reports tlsVersion %q, want FEFC (DTLS 1.3)", ts.TLSVersion)
			}
		})
	}
}
