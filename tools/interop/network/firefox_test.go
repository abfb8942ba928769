package network

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/rtc/driver/echo"
	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// firefoxPrefs turn off what would phone home; WebRTC keeps its defaults
// (mDNS obfuscation on, end-of-candidates in the offer).
const firefoxPrefs = `user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("app.normandy.enabled", false);
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.firstRunURL", "");
`

// firefoxPage offers a data channel, POSTs the offer to /offer, applies
// the answer, echoes one message and POSTs the outcome to /result.
const firefoxPage = `<!doctype html><meta charset="utf-8"><title>stock firefox</title><script>
"use strict";
async function run() {
  const pc = new RTCPeerConnection();
  const dc = pc.createDataChannel("stock");
  const opened = new Promise((res, rej) => { dc.onopen = res; pc.onconnectionstatechange = () => { if (pc.connectionState === "failed") rej(new Error("connection failed")); }; });
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise(r => pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") r(); }));
  }
  const offer = pc.localDescription.sdp;
  const resp = await fetch("/offer", { method: "POST", body: offer });
  if (!resp.ok) throw new Error("signaling: " + resp.status + " " + await resp.text());
  const t0 = performance.now();
  await pc.setRemoteDescription({ type: "answer", sdp: await resp.text() });
  await opened;
  const setup = performance.now() - t0;
  const got = new Promise(r => dc.onmessage = e => r(e.data));
  dc.send("hello over the LAN");
  const echo = await got;
  return Object.assign({ setup, echo, offer }, await dtlsOf(pc));
}
async function dtlsOf(pc) {
  for (const v of (await pc.getStats()).values()) {
    if (v.type === "transport" && v.tlsVersion) return { tlsVersion: v.tlsVersion, dtlsCipher: v.dtlsCipher || "" };
  }
  return {};
}
async function answer() {
  const resp = await fetch("/offer");
  if (!resp.ok) throw new Error("signaling: " + resp.status + " " + await resp.text());
  const id = resp.headers.get("X-Offer-Id");
  const pc = new RTCPeerConnection();
  let dc;
  const opened = new Promise((res, rej) => {
    pc.ondatachannel = e => { dc = e.channel; if (dc.readyState === "open") res(); else dc.onopen = res; };
    pc.onconnectionstatechange = () => { if (pc.connectionState === "failed") rej(new Error("connection failed")); };
  });
  const t0 = performance.now();
  await pc.setRemoteDescription({ type: "offer", sdp: await resp.text() });
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise(r => pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") r(); }));
  }
  const sdp = pc.localDescription.sdp;
  const a = await fetch("/answer?id=" + id, { method: "POST", body: sdp });
  if (!a.ok) throw new Error("signaling: " + a.status + " " + await a.text());
  await opened;
  const setup = performance.now() - t0;
  const got = new Promise(r => dc.onmessage = e => r(e.data));
  dc.send("hello over the LAN");
  const echo = await got;
  return Object.assign({ setup, echo, offer: sdp }, await dtlsOf(pc));
}
(location.search === "?answer" ? answer() : run()).then(r => fetch("/result", { method: "POST", body: JSON.stringify(r) }),
           e => fetch("/result", { method: "POST", body: JSON.stringify({ error: String(e) }) }));
</script>`

type firefoxResult struct {
	Setup      float64 `json:"setup"`
	Echo       string  `json:"echo"`
	Offer      string  `json:"offer"`
	Error      string  `json:"error"`
	TLSVersion string  `json:"tlsVersion"` // Firefox's getStats transport: FEFC is DTLS 1.3
	DTLSCipher string  `json:"dtlsCipher"`
}

// TestStockFirefoxOffersOnLAN: Firefox ESR, headless, with default WebRTC
// settings (its offer: only mDNS .local host candidates and
// a=end-of-candidates) offers a data channel to the sansrtc echo peer
// bound to 192.168.77.2 in a private namespace, with the driver's mDNS
// resolver on veth0. The page POSTs its offer and its result back (no
// WebDriver).
func TestStockFirefoxOffersOnLAN(t *testing.T) { stockFirefox(t, false, "", "FEFC") }

// TestStockFirefoxTCPPort: as TestStockFirefoxOffersOnLAN with every UDP
// datagram dropped (nftables): stock Firefox connects over ICE-TCP to the
// driver's one fixed ICE-TCP port (Config.TCPPort).
func TestStockFirefoxTCPPort(t *testing.T) {
	peers.Require(t, "nft", "apt-get install -y nftables")
	stockFirefoxIn(t, false, "", "FEFC", 3478, dropUDP...)
}

// TestStockFirefoxAnswersOnLAN: the other role: the page GETs our offer,
// answers with its .local candidates, POSTs the answer and echoes.
func TestStockFirefoxAnswersOnLAN(t *testing.T) { stockFirefox(t, true, "", "FEFC") }

// TestStockFirefoxDTLS12OnLAN: Firefox limited to DTLS 1.2
// (media.peerconnection.dtls.version.max=771) falls back and still echoes
// (issue 19); without the pref the two tests above negotiate DTLS 1.3.
func TestStockFirefoxDTLS12OnLAN(t *testing.T) {
	stockFirefox(t, false, `user_pref("media.peerconnection.dtls.version.max", 771);`+"\n", "FEFD")
}

// stockFirefox runs one stock Firefox scenario; extraPrefs are appended to
// the profile and wantTLS is the DTLS version its getStats must report.
func stockFirefox(t *testing.T, answers bool, extraPrefs, wantTLS string) {
	stockFirefoxIn(t, answers, extraPrefs, wantTLS, 0)
}

// stockFirefoxIn is stockFirefox with the driver's shared ICE-TCP port
// (tcpPort, 0 for none) and extra namespace commands (nftables rules).
func stockFirefoxIn(t *testing.T, answers bool, extraPrefs, wantTLS string, tcpPort int, ns ...[]string) {
	bin := peers.Require(t, "firefox-esr", "apt-get install -y firefox-esr")
	if !InNamespace(t, ns...) {
		return
	}
	m, err := driver.NewMDNSResolver(driver.MDNSConfig{Interface: "veth0"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Close(); err != nil {
			t.Errorf("closing the resolver: %v", err)
		}
	}()
	d := driver.New(driver.Config{Addresses: []netip.Addr{LAN}, Resolver: m, TCPPort: tcpPort})
	defer d.Close()
	peer := echo.New(d, echo.Options{})

	results := make(chan firefoxResult, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := io.WriteString(w, firefoxPage); err != nil {
			t.Logf("serving the page: %v", err)
		}
	})
	mux.HandleFunc("POST /offer", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ans, err := peer.Answer(r.Context(), signaling.Description{Type: "offer", SDP: string(b)})
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		if _, err := io.WriteString(w, ans.SDP); err != nil {
			t.Logf("answer: %v", err)
		}
	})
	mux.HandleFunc("GET /offer", func(w http.ResponseWriter, r *http.Request) {
		off, err := peer.Offer(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Offer-Id", off.ID)
		if _, err := io.WriteString(w, off.SDP); err != nil {
			t.Logf("offer: %v", err)
		}
	})
	mux.HandleFunc("POST /answer", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := peer.Accept(r.Context(), signaling.Description{Type: "answer", SDP: string(b), ID: r.URL.Query().Get("id")}); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		}
	})
	mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		var res firefoxResult
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&res); err != nil {
			res.Error = "bad result: " + err.Error()
		}
		select {
		case results <- res:
		default:
		}
	})
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()

	page, role := "http://"+ln.Addr().String()+"/", "offerer"
	if answers {
		page, role = page+"?answer", "answerer"
	}
	profile := t.TempDir()
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(firefoxPrefs+extraPrefs), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-remote", "--profile", profile, page)
	cmd.Env = append(os.Environ(), "HOME="+profile, "MOZ_CRASHREPORTER_DISABLE=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cmd.Process.Kill(); err != nil {
			t.Logf("stopping firefox: %v", err)
		}
		_ = cmd.Wait() // killed: the exit status says so
	}()
	var r firefoxResult
	select {
	case r = <-results:
	case <-ctx.Done():
		t.Fatalf("no result from Firefox within 60 s; its output:\n%s", out.String())
	}
	if r.Error != "" {
		t.Fatalf("Firefox: %s\noffer:\n%s", r.Error, r.Offer)
	}
	if r.Echo != "hello over the LAN" {
		t.Fatalf("echo %q", r.Echo)
	}
	if !strings.Contains(r.Offer, ".local ") || !strings.Contains(r.Offer, "a=end-of-candidates") {
		t.Errorf("Firefox's description is not the stock one (mDNS names and end-of-candidates):\n%s", r.Offer)
	}
	if !strings.EqualFold(r.TLSVersion, wantTLS) {
		t.Errorf("Firefox's getStats tlsVersion %q (cipher %q), want %s", r.TLSVersion, r.DTLSCipher, wantTLS)
	}
	if tcpPort != 0 {
		if st := d.Stats(); st.TCPAdmitted == 0 {
			t.Errorf("no ICE-TCP connection admitted on port %d: %+v", tcpPort, st)
		}
		role += fmt.Sprintf(", UDP dropped, ICE-TCP port %d", tcpPort)
	}
	t.Logf("stock Firefox ESR %s on the LAN (mDNS resolver on): data channel open %.0f ms after setRemoteDescription; DTLS %s %s; resolver stats %+v", role, r.Setup, r.TLSVersion, r.DTLSCipher, m.Stats())
}
