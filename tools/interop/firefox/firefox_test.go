package firefox

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/tools/interop/sansrtc"
)

// run offers a data channel from firefox-esr (prefs over Prefs) to the
// sansrtc echo peer and returns the page's result and the echo peer's UDP
// ports (from its answer).
func run(t *testing.T, prefs map[string]any) (Result, []string) {
	t.Helper()
	peer := sansrtc.Start(nil)
	defer peer.Close()
	srv, err := Serve(DataChannelPage, peer.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ff, err := Start(srv.URL, prefs)
	if err != nil {
		t.Fatal(err)
	}
	defer ff.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	body, err := srv.Wait(ctx)
	if err != nil {
		t.Fatalf("%v\nfirefox output:\n%s", err, ff.Output())
	}
	var res Result
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("result %q: %v", body, err)
	}
	if res.Error != "" {
		if srv.NoLoopbackCandidate() {
			t.Skip("Firefox gathered no loopback candidate on this machine, and interop tests stay on loopback; tools/interop/network runs stock Firefox in a private network namespace")
		}
		t.Fatalf("page: %s\nanswer:\n%s", res.Error, res.Answer)
	}
	if res.Echo != res.Sent || res.Sent == "" {
		t.Fatalf("echo %q, sent %q", res.Echo, res.Sent)
	}
	t.Logf("%s: data channel echo ok, connection %s", res.UserAgent, res.ConnectionState)
	if testing.Verbose() {
		t.Logf("offer:\n%s\nanswer:\n%s", res.Offer, res.Answer)
	}
	return res, candidatePorts(res.Answer)
}

var candidateRE = regexp.MustCompile(`(?m)^a=candidate:\S+ \d+ (?i:udp) \d+ 127\.0\.0\.1 (\d+) typ host`)

func candidatePorts(sdp string) []string {
	var ports []string
	for _, m := range candidateRE.FindAllStringSubmatch(sdp, -1) {
		ports = append(ports, m[1])
	}
	return ports
}

// checkWire asserts the version (and group, when not 0) the ServerHello on
// our peer's ports selected, read from the capture (DTLS 1.3:
// supported_versions 0xfefc; DTLS 1.2: no supported_versions,
// server_version 0xfefd). Firefox offers with a=setup:actpass and our
// answer takes active, so Firefox is the DTLS server and its ServerHello
// is the one checked.
func checkWire(t *testing.T, c *Capture, ports []string, version, group int64) {
	t.Helper()
	if c == nil {
		return
	}
	if len(ports) == 0 {
		t.Fatal("no loopback candidate in the answer")
	}
	var pf []string
	for _, p := range ports {
		pf = append(pf, "udp.port=="+p)
	}
	rows := c.Fields(t, ports, "("+strings.Join(pf, " || ")+") && dtls.handshake.type==2",
		"dtls.handshake.version", "dtls.handshake.extensions.supported_version", "dtls.handshake.extensions_key_share_group")
	if len(rows) == 0 {
		t.Fatalf("no ServerHello from ports %v in the capture", ports)
	}
	var r []string
	for _, row := range rows {
		if row[0] != "" { // a fragment has empty fields; the reassembling packet has them all
			r = row
			break
		}
	}
	if r == nil {
		t.Fatalf("the ServerHello on ports %v was never reassembled (%d fragments)", ports, len(rows))
	}
	for len(r) < 3 {
		r = append(r, "")
	}
	t.Logf("ServerHello on the wire: version %s, supported_version %q, key_share group %q", r[0], r[1], r[2])
	if version == 0xfefc {
		if num(r[1]) != 0xfefc {
			t.Errorf("ServerHello supported_versions %q, want 0xfefc", r[1])
		}
		if group != 0 && num(r[2]) != group {
			t.Errorf("ServerHello key_share group %q, want %#x", r[2], group)
		}
	} else if r[1] != "" || num(r[0]) != version {
		t.Errorf("ServerHello version %s supported_versions %q, want %#x without supported_versions", r[0], r[1], version)
	}
}

// num parses a tshark number (decimal or 0x hex); -1 when it is not one.
func num(s string) int64 {
	v, err := strconv.ParseInt(s, 0, 32)
	if err != nil {
		return -1
	}
	return v
}

func transportStat(t *testing.T, res *Result) string {
	t.Helper()
	for _, s := range res.StatsOfType("transport") {
		t.Logf("firefox transport stats: %v", s)
		if v, ok := s["tlsVersion"].(string); ok {
			return v
		}
	}
	types := map[string]bool{}
	for _, s := range res.Stats {
		if ty, ok := s["type"].(string); ok {
			types[ty] = true
		}
	}
	t.Logf("firefox getStats has no transport tlsVersion (report types: %v)", types)
	return ""
}

func transportCipher(res *Result) string {
	for _, s := range res.StatsOfType("transport") {
		if c, ok := s["dtlsCipher"].(string); ok {
			return c
		}
	}
	return ""
}

// TestFirefoxDTLS13: Firefox offers a data channel to the sansrtc echo
// peer, the echo comes back, and the handshake is DTLS 1.3: Firefox's
// getStats transport report says tlsVersion FEFC with a 1.3 suite, and
// (when tshark may capture on lo) the ServerHello on the wire selects
// supported_versions 0xfefc.
func TestFirefoxDTLS13(t *testing.T) {
	Require(t)
	c, err := NewCapture(t)
	if err != nil {
		t.Logf("no wire check: %v", err)
	}
	res, ports := run(t, nil)
	if v := transportStat(t, &res); !strings.EqualFold(v, "FEFC") {
		t.Errorf("getStats tlsVersion %q, want FEFC", v)
	}
	if c := transportCipher(&res); c != "TLS_AES_128_GCM_SHA256" && c != "TLS_CHACHA20_POLY1305_SHA256" && c != "TLS_AES_256_GCM_SHA384" {
		t.Errorf("getStats dtlsCipher %q, want a TLS 1.3 suite", c)
	}
	checkWire(t, c, ports, 0xfefc, 0x11EC) // X25519MLKEM768, our first share
}

// TestFirefoxDTLS12Fallback: with media.peerconnection.dtls.version.max=771
// Firefox offers only DTLS 1.2; we answer 1.2 and the channel still works.
func TestFirefoxDTLS12Fallback(t *testing.T) {
	Require(t)
	c, err := NewCapture(t)
	if err != nil {
		t.Logf("no wire check: %v", err)
	}
	res, ports := run(t, map[string]any{"media.peerconnection.dtls.version.max": 771})
	if v := transportStat(t, &res); !strings.EqualFold(v, "FEFD") {
		t.Errorf("getStats tlsVersion %q, want FEFD", v)
	}
	if c := transportCipher(&res); !strings.HasPrefix(c, "TLS_ECDHE_") {
		t.Errorf("getStats dtlsCipher %q, want a DTLS 1.2 ECDHE suite", c)
	}
	checkWire(t, c, ports, 0xfefd, 0)
}

func TestUserJS(t *testing.T) {
	js, err := userJS(map[string]any{"b": 771, "a": "x", "c": true})
	if err != nil {
		t.Fatal(err)
	}
	want := "user_pref(\"a\", \"x\");\nuser_pref(\"b\", 771);\nuser_pref(\"c\", true);\n"
	if string(js) != want {
		t.Fatalf("user.js\n%s\nwant\n%s", js, want)
	}
	if _, err := userJS(map[string]any{"bad": func() {}}); err == nil {
		t.Fatal("a pref that is not JSON was accepted")
	}
	for _, k := range []string{"media.peerconnection.ice.loopback", "media.peerconnection.ice.obfuscate_host_addresses", "app.update.enabled", "toolkit.telemetry.enabled", "browser.safebrowsing.malware.enabled", "network.captive-portal-service.enabled", "services.settings.server"} {
		if _, ok := Prefs()[k]; !ok {
			t.Errorf("pref %s missing", k)
		}
	}
}
