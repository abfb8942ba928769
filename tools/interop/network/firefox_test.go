package network

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc/driver/signaling"
	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/firefox"
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
  const r = Object.assign({ setup, echo, offer }, await dtlsOf(pc));
  pc.close(); // our side ends the connection and logs its stats line
  return r;
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
  const r = Object.assign({ setup, echo, offer: sdp }, await dtlsOf(pc));
  pc.close();
  return r;
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
// a=end-of-candidates) offers a data channel to rtc/examples/answer bound
// to 192.168.77.2 in a private namespace, resolving .local names on veth0
// (-mdns). The page POSTs its offer and its result back (no WebDriver).
// Issue 19: DTLS 1.3 with X25519MLKEM768, asserted on the wire (tshark on
// the namespace's lo), in Firefox's getStats and in the example's stats
// line; the time from the first ClientHello to application data is
// logged with the setup time (logFigure).
func TestStockFirefoxOffersOnLAN(t *testing.T) {
	stockFirefox(t, false, "", "1.3", "X25519MLKEM768")
}

// TestStockFirefoxAnswersOnLAN: the other role: the page GETs the
// example's offer, answers with its .local candidates, POSTs the answer
// and echoes. DTLS 1.3 with X25519MLKEM768, checked as above.
func TestStockFirefoxAnswersOnLAN(t *testing.T) {
	stockFirefox(t, true, "", "1.3", "X25519MLKEM768")
}

// TestStockFirefoxTCPPort: as TestStockFirefoxOffersOnLAN with every UDP
// datagram dropped (nftables, mDNS excepted): stock Firefox connects over
// ICE-TCP to rtc/examples/answer's one fixed ICE-TCP port (-tcp-port,
// driver.Config.TCPPort), and echoes.
func TestStockFirefoxTCPPort(t *testing.T) {
	bin := peers.Require(t, "firefox-esr", "apt-get install -y firefox-esr")
	peers.Require(t, "nft", "apt-get install -y nftables")
	if !InNamespace(t, dropUDP...) {
		return
	}
	peer := startAnswer(t, "-mdns", "veth0", "-tcp-port", "3478")
	srv := servePage(t, firefoxPage, peer)
	r := runFirefox(t, bin, srv, srv.URL+"/", "")
	if r.Error != "" {
		t.Fatalf("Firefox: %s\noffer:\n%s", r.Error, r.Offer)
	}
	if r.Echo != "hello over the LAN" {
		t.Fatalf("echo %q", r.Echo)
	}
	t.Logf("stock Firefox ESR offerer, UDP dropped, the answer example's ICE-TCP port 3478: getStats DTLS %s %s", r.TLSVersion, r.DTLSCipher)
	t.Logf("figure browser=firefox role=offerer path=ice-tcp-port setup=%.0fms", r.Setup)
}

// dtls12Pref limits Firefox to DTLS 1.2 (771 = 0x0303, TLS 1.2).
const dtls12Pref = `user_pref("media.peerconnection.dtls.version.max", 771);` + "\n"

// TestStockFirefoxDTLS12OnLAN: Firefox limited to DTLS 1.2
// (media.peerconnection.dtls.version.max=771) falls back and still echoes
// (issue 19): the ServerHello selects 1.2 on the wire, getStats says
// FEFD and the example's stats line "DTLS 1.2".
func TestStockFirefoxDTLS12OnLAN(t *testing.T) {
	stockFirefox(t, false, dtls12Pref, "1.2", "x25519")
}

// TestStockFirefoxDTLS12AnswersOnLAN: as TestStockFirefoxDTLS12OnLAN with
// Firefox answering (it is then the DTLS client offering 1.2 only).
func TestStockFirefoxDTLS12AnswersOnLAN(t *testing.T) {
	stockFirefox(t, true, dtls12Pref, "1.2", "x25519")
}

// stockFirefox runs one stock Firefox scenario against the answer example;
// extraPrefs are appended to the profile, and version ("1.3", "1.2") and
// group (as the stats line names it: IANA's "X25519MLKEM768", "x25519")
// are what the handshake must negotiate.
func stockFirefox(t *testing.T, answers bool, extraPrefs, version, group string) {
	bin := peers.Require(t, "firefox-esr", "apt-get install -y firefox-esr")
	if !InNamespace(t) {
		return
	}
	capture := firefox.StartCapture(t)
	peer := startAnswer(t, "-mdns", "veth0")
	role := "offerer"
	if answers {
		role = "answerer"
	}
	r := stockFirefoxEcho(t, bin, peer, answers, extraPrefs)
	wantTLS := map[string]string{"1.3": "FEFC", "1.2": "FEFD"}[version]
	if !strings.EqualFold(r.TLSVersion, wantTLS) {
		t.Errorf("Firefox's getStats tlsVersion %q (cipher %q), want %s", r.TLSVersion, r.DTLSCipher, wantTLS)
	}
	line := checkStatsLine(t, peer, "DTLS "+version, group)
	w := checkWire(t, capture, peer.Port(), "firefox", version)
	t.Logf("stock Firefox ESR %s on the LAN: getStats DTLS %s %s; the example's stats line: %s", role, r.TLSVersion, r.DTLSCipher, line)
	logFigure(t, "firefox", role, w, r.Setup)
}

// stockFirefoxEcho runs stock Firefox (bin, a fresh profile with
// extraPrefs) offering a data channel to peer, or answering peer's offer
// when answers is set; its description must be the stock one (mDNS names
// and end-of-candidates) and a message must come back. It returns what the
// page posted.
func stockFirefoxEcho(t *testing.T, bin string, peer signalingPeer, answers bool, extraPrefs string) firefoxResult {
	t.Helper()
	srv := servePage(t, firefoxPage, peer)
	page := srv.URL + "/"
	if answers {
		page += "?answer"
	}
	r := runFirefox(t, bin, srv, page, extraPrefs)
	if r.Error != "" {
		t.Fatalf("Firefox: %s\noffer:\n%s", r.Error, r.Offer)
	}
	if r.Echo != "hello over the LAN" {
		t.Fatalf("echo %q", r.Echo)
	}
	if !strings.Contains(r.Offer, ".local ") || !strings.Contains(r.Offer, "a=end-of-candidates") {
		t.Errorf("Firefox's description is not the stock one (mDNS names and end-of-candidates):\n%s", r.Offer)
	}
	return r
}

// servePage serves page on 127.0.0.1 with the signaling contract in raw
// SDP for the page (POST /offer answers a browser's offer, GET /offer +
// POST /answer?id= the other role) forwarded to peer, and POST /result
// collected. It is closed when t ends.
func servePage(t *testing.T, page string, peer signalingPeer) *pageServer {
	t.Helper()
	results := make(chan firefoxResult, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := io.WriteString(w, page); err != nil {
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
	t.Cleanup(func() { srv.Close() })
	return &pageServer{URL: "http://" + ln.Addr().String(), results: results}
}

// pageServer is a page served by servePage: its base URL (no trailing
// slash) and the results the page posts.
type pageServer struct {
	URL     string
	results chan firefoxResult
}

// runFirefox starts stock Firefox (a fresh profile with firefoxPrefs and
// extraPrefs) on page, a URL of srv, and returns what the page posted.
// Firefox is killed when it returns.
func runFirefox(t *testing.T, bin string, srv *pageServer, page, extraPrefs string) firefoxResult {
	t.Helper()
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
	select {
	case r := <-srv.results:
		return r
	case <-ctx.Done():
		t.Fatalf("no result from Firefox within 60 s; its output:\n%s", out.String())
	}
	return firefoxResult{}
}
