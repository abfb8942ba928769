package dtlsinterop

import (
	"context"
	"testing"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-srtp"
	"github.com/sansrtc/rtc/tools/internal/peers"
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
