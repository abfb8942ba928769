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
// ClientHello choose; as the client we offer 1.3 only. The browser's
// getStats must report DTLS 1.3 (tlsVersion "FEFC") and the TLS 1.3 suite.
func TestChromium13(t *testing.T) {
	peers.RequireChromium(t)
	certs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	browser := peers.StartChromiumT(t, ctx)
	const aes128 = dtls.CipherSuite(0x1301) // TLS_AES_128_GCM_SHA256
	for _, role := range []string{"passive", "active"} {
		for _, group := range []dtls.Group{dtls.GroupX25519MLKEM768, dtls.GroupX25519} {
			name := map[string]string{"active": "we-are-client", "passive": "we-are-server"}[role] + "/" + group.String()
			t.Run(name, func(t *testing.T) {
				ts := runChromium(t, browser, role, aes128, group, srtp.AEADAES128GCM, func(cfg *dtls.Config) {
					cfg.MaxVersion = dtls.VersionDTLS13
					if role == "active" {
						cfg.MinVersion = dtls.VersionDTLS13
					}
					cfg.Groups = []dtls.Group{group}
				})
				if ts.TLSVersion != "FEFC" {
					t.Errorf("chromium reports tlsVersion %q, want FEFC (DTLS 1.3)", ts.TLSVersion)
				}
			})
		}
	}
}
