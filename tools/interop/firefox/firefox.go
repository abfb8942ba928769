// Package firefox runs Debian's firefox-esr headless as a WebRTC test peer
// without WebDriver: a fresh profile whose prefs keep it on loopback and
// quiet, and a page served on 127.0.0.1 whose JavaScript runs the scenario
// and POSTs its result (JSON) back to the test's HTTP server. The page's
// POST /offer is forwarded to a peer speaking the signaling contract
// (tools/README.md, SIGNALING.md), so the page and the peer share one
// origin (the contract has no CORS).
//
// Capture records UDP on lo with tshark for checks on the wire (the DTLS
// version and group a peer selected).
package firefox

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/tools/internal/peers"
)

// Path is where the Debian firefox-esr package installs the browser.
const Path = "/usr/bin/firefox-esr"

// Require skips t when firefox-esr is missing, or fails it when
// SANSRTC_REQUIRE_INTEROP=1.
func Require(t testing.TB) string {
	t.Helper()
	return peers.Require(t, Path, "apt-get install -y firefox-esr")
}

// Prefs are the profile prefs of every run: no updates, telemetry, safe
// browsing, captive portal or connectivity checks, remote settings, push,
// studies, prefetch or DoH (every service URL points nowhere), and WebRTC
// on loopback with plain host addresses (no mDNS names).
func Prefs() map[string]any {
	return map[string]any{
		"app.update.enabled": false, "app.update.auto": false, "app.update.disabledForTesting": true,
		"app.normandy.enabled": false, "app.normandy.api_url": "", "app.shield.optoutstudies.enabled": false,
		"browser.shell.checkDefaultBrowser": false, "browser.startup.homepage_override.mstone": "ignore",
		"browser.startup.page": 0, "browser.newtabpage.enabled": false, "browser.aboutwelcome.enabled": false,
		"browser.discovery.enabled": false, "browser.search.update": false, "browser.region.update.enabled": false,
		"browser.region.network.url": "", "browser.ping-centre.telemetry": false,
		"browser.newtabpage.activity-stream.feeds.telemetry": false, "browser.newtabpage.activity-stream.telemetry": false,
		"datareporting.policy.dataSubmissionEnabled": false, "datareporting.healthreport.uploadEnabled": false,
		"toolkit.telemetry.enabled": false, "toolkit.telemetry.unified": false, "toolkit.telemetry.server": "",
		"toolkit.telemetry.archive.enabled": false, "toolkit.coverage.opt-out": true,
		"browser.safebrowsing.malware.enabled": false, "browser.safebrowsing.phishing.enabled": false,
		"browser.safebrowsing.downloads.enabled": false, "browser.safebrowsing.blockedURIs.enabled": false,
		"browser.safebrowsing.provider.google4.updateURL": "", "browser.safebrowsing.provider.mozilla.updateURL": "",
		"network.captive-portal-service.enabled": false, "network.connectivity-service.enabled": false,
		"captivedetect.canonicalURL": "", "services.settings.server": "http://127.0.0.1:1/",
		"security.remote_settings.crlite_filters.enabled": false, "security.remote_settings.intermediates.enabled": false,
		"security.OCSP.enabled": 0, "extensions.update.enabled": false, "extensions.getAddons.cache.enabled": false,
		"extensions.blocklist.enabled": false, "dom.push.enabled": false, "dom.push.serverURL": "",
		"network.dns.disablePrefetch": true, "network.prefetch-next": false, "network.http.speculative-parallel-limit": 0,
		"network.trr.mode": 5, "geo.enabled": false, "identity.fxaccounts.enabled": false,
		"media.gmp-manager.url": "", "media.gmp-gmpopenh264.enabled": false, "media.gmp-widevinecdm.enabled": false,
		"media.peerconnection.ice.loopback": true, "media.peerconnection.ice.obfuscate_host_addresses": false,
		"media.peerconnection.ice.force_interface": "lo", "media.navigator.permission.disabled": true,
	}
}

// userJS renders prefs as a user.js file, sorted.
func userJS(prefs map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(prefs))
	for k := range prefs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		v, err := json.Marshal(prefs[k])
		if err != nil {
			return nil, fmt.Errorf("firefox: pref %s: %w", k, err)
		}
		fmt.Fprintf(&b, "user_pref(%q, %s);\n", k, v)
	}
	return b.Bytes(), nil
}

// Firefox is one headless firefox-esr process with its own profile.
type Firefox struct {
	cmd  *exec.Cmd
	dir  string
	out  bytes.Buffer
	done chan struct{}
}

// Start launches firefox-esr headless on url with a fresh profile: Prefs
// with extra laid over them (extra may be nil).
func Start(url string, extra map[string]any) (*Firefox, error) {
	dir, err := os.MkdirTemp("", "sansrtc-firefox-")
	if err != nil {
		return nil, err
	}
	prefs := Prefs()
	for k, v := range extra {
		prefs[k] = v
	}
	js, err := userJS(prefs)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "user.js"), js, 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	f := &Firefox{dir: dir, done: make(chan struct{})}
	f.cmd = exec.Command(Path, "--headless", "--no-remote", "--new-instance", "--profile", dir, url)
	// HOME and the XDG dirs inside the profile: nothing outside it is touched.
	f.cmd.Env = append(os.Environ(), "MOZ_HEADLESS=1", "HOME="+dir, "XDG_CACHE_HOME="+dir, "XDG_CONFIG_HOME="+dir,
		"MOZ_CRASHREPORTER_DISABLE=1", "MOZ_DISABLE_AUTO_SAFE_MODE=1")
	f.cmd.Stdout, f.cmd.Stderr = &lockedWriter{b: &f.out}, &lockedWriter{b: &f.out}
	if err := f.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("firefox: %w", err)
	}
	go func() { _ = f.cmd.Wait(); close(f.done) }()
	return f, nil
}

// Output is what firefox printed so far (for failure messages).
func (f *Firefox) Output() string {
	outMu.Lock()
	defer outMu.Unlock()
	return f.out.String()
}

// Close kills firefox (its own process only), waits for it and removes the
// profile.
func (f *Firefox) Close() {
	if f.cmd.Process != nil {
		_ = f.cmd.Process.Kill()
	}
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
	}
	os.RemoveAll(f.dir)
}

var outMu sync.Mutex

type lockedWriter struct{ b *bytes.Buffer }

func (w *lockedWriter) Write(p []byte) (int, error) {
	outMu.Lock()
	defer outMu.Unlock()
	return w.b.Write(p)
}

// MaxResult bounds a result body.
const MaxResult = 4 << 20

// Server serves the scenario page on 127.0.0.1, forwards POST /offer to a
// signaling-contract peer and collects the page's POST /result.
type Server struct {
	URL     string // the page
	srv     *http.Server
	results chan []byte

	mu         sync.Mutex
	answer     []byte // the last answer the peer gave (its candidates name its ports)
	noLoopback bool   // the page offered candidates, none on loopback
}

// NoLoopbackCandidate reports whether the page's offer had candidates but
// none on loopback, so it was not forwarded (ErrNoLoopbackCandidate).
func (s *Server) NoLoopbackCandidate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noLoopback
}

// Serve starts a Server for page, forwarding offers to signalingURL (the
// peer's base URL, without /offer).
func Serve(page []byte, signalingURL string) (*Server, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String() + "/", results: make(chan []byte, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r) // favicon and anything else
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("POST /offer", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxResult))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Both sides keep loopback candidates only (tools/README.md):
		// Firefox also gathers the machine's other addresses.
		body, err = loopbackDescription(body)
		if err != nil {
			if errors.Is(err, ErrNoLoopbackCandidate) {
				s.mu.Lock()
				s.noLoopback = true
				s.mu.Unlock()
			}
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := http.Post(strings.TrimSuffix(signalingURL, "/")+"/offer", "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		ans, err := io.ReadAll(io.LimitReader(resp.Body, MaxResult))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if resp.StatusCode == http.StatusOK {
			if ans, err = loopbackDescription(ans); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			s.mu.Lock()
			s.answer = ans
			s.mu.Unlock()
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(ans)
	})
	mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxResult))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case s.results <- body:
		default: // one result per run; a second one is ignored
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Answer returns the SDP answer the peer last gave the page ("" before).
func (s *Server) Answer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d struct{ SDP string }
	if json.Unmarshal(s.answer, &d) != nil {
		return ""
	}
	return d.SDP
}

// ErrNoResult is returned by Wait when the page did not report in time.
var ErrNoResult = errors.New("firefox: the page did not post a result in time")

// Wait returns the body the page POSTed to /result.
func (s *Server) Wait(ctx context.Context) ([]byte, error) {
	select {
	case b := <-s.results:
		return b, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrNoResult, ctx.Err())
	}
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func peersRequire(t testing.TB, name, install string) string {
	t.Helper()
	return peers.Require(t, name, install)
}

func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(peers.RequireEnv) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format+" (set "+peers.RequireEnv+"=1 to fail instead)", args...)
}

// DataChannelPage is the scenario page: it offers a data channel "probe"
// to the peer behind POST /offer, sends one message, waits for its echo and
// POSTs a Result to /result.
//
//go:embed page.html
var DataChannelPage []byte

// Result is what DataChannelPage posts.
type Result struct {
	UserAgent       string           `json:"userAgent"`
	Offer           string           `json:"offer"`
	Answer          string           `json:"answer"`
	Sent            string           `json:"sent"`
	Echo            string           `json:"echo"`
	ConnectionState string           `json:"connectionState"`
	Error           string           `json:"error"`
	Stats           []map[string]any `json:"stats"`
}

// StatsOfType returns the getStats reports of type typ ("transport", ...).
func (r *Result) StatsOfType(typ string) []map[string]any {
	var out []map[string]any
	for _, s := range r.Stats {
		if s["type"] == typ {
			out = append(out, s)
		}
	}
	return out
}

// ErrNoLoopbackCandidate: the description had candidates, none of them on
// loopback (Firefox ESR gathers only the interfaces' addresses, whatever
// its loopback prefs say, on some machines). The test cannot run on
// loopback then; tools/interop/network runs stock Firefox inside a private
// network namespace instead.
var ErrNoLoopbackCandidate = errors.New("firefox: no loopback candidate in the description")

// loopbackDescription rewrites a signaling-contract JSON description so its
// SDP keeps only loopback candidates (peers.LoopbackOnly).
func loopbackDescription(body []byte) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, err
	}
	sdp, ok := d["sdp"].(string)
	if !ok {
		return nil, errors.New("firefox: description without sdp")
	}
	kept := peers.LoopbackOnly(sdp)
	if strings.Contains(sdp, "a=candidate:") && !strings.Contains(kept, "a=candidate:") {
		return nil, ErrNoLoopbackCandidate
	}
	d["sdp"] = kept
	return json.Marshal(d)
}
