package cli

import (
	"flag"
	"strings"
	"testing"

	"github.com/sansrtc/rtc/rtc"
)

func parse(t *testing.T, args ...string) *Flags {
	t.Helper()
	var f Flags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &f
}

// TestFlags: the ICE and port flags give the configurations they name,
// and combinations that cannot work fail at start with a clear message.
func TestFlags(t *testing.T) {
	f := parse(t, "-ice-server", "stun:127.0.0.1:3478", "-ice-server", "turn:127.0.0.1:3478?transport=udp",
		"-ice-user", "u", "-ice-pass", "p", "-relay-only", "-host", "127.0.0.1")
	cfg, err := f.Configuration()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ICEServers) != 1 || len(cfg.ICEServers[0].URLs) != 2 || cfg.ICEServers[0].Username != "u" ||
		cfg.ICEServers[0].Credential != "p" || cfg.ICETransportPolicy != rtc.ICETransportPolicyRelay {
		t.Errorf("configuration %+v", cfg)
	}
	if cfg, err := parse(t, "-mdns", "lo", "-mdns-publish").Configuration(); err != nil || !cfg.MDNSHostCandidates {
		t.Errorf("-mdns-publish: %+v, %v", cfg, err)
	}
	if cfg, err := parse(t).Configuration(); err != nil || cfg.MDNSHostCandidates {
		t.Errorf("no -mdns-publish: %+v, %v", cfg, err)
	}
	dc, err := parse(t, "-udp-port", "4000", "-public-ip", "192.0.2.7").DriverConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !dc.SinglePort || dc.Port != 4000 || dc.PublicIP.String() != "192.0.2.7" || dc.ICELite {
		t.Errorf("driver configuration %+v", dc)
	}
	if dc, err = parse(t, "-udp-port", "4000", "-ice-lite").DriverConfig(nil); err != nil || !dc.ICELite || !dc.SinglePort {
		t.Errorf("-ice-lite: %+v, %v", dc, err)
	}
	if _, err = parse(t, "-udp-port", "4000", "-ice-server", "stun:127.0.0.1:3478").DriverConfig(nil); err != nil {
		t.Errorf("-udp-port with -ice-server: %v", err)
	}
	// ICE-TCP with one UDP port: a port per session, or the one -tcp-port.
	if dc, err = parse(t, "-udp-port", "4000", "-ice-tcp").DriverConfig(nil); err != nil || !dc.ICETCP || !dc.SinglePort {
		t.Errorf("-ice-tcp -udp-port: %+v, %v", dc, err)
	}
	if dc, err = parse(t, "-udp-port", "4000", "-tcp-port", "4001", "-public-ip", "192.0.2.7").DriverConfig(nil); err != nil ||
		dc.TCPPort != 4001 || !dc.SinglePort || !dc.PublicIP.IsValid() {
		t.Errorf("-tcp-port: %+v, %v", dc, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-relay-only"}, "-relay-only needs a TURN -ice-server"},
		{[]string{"-ice-user", "u"}, "need an -ice-server"},
		{[]string{"-ice-server", "http://x"}, "ICE flags"},
		{[]string{"-mdns-publish"}, "-mdns-publish needs -mdns"},
	} {
		if _, err := parse(t, tc.args...).Configuration(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-public-ip", "192.0.2.7"}, "-public-ip needs -udp-port"},
		{[]string{"-udp-port", "70000"}, "bad -udp-port"},
		{[]string{"-host", "localhost"}, "bad -host"},
		{[]string{"-tls-roots", "/nonexistent/roots.pem"}, "-tls-roots"},
		{[]string{"-tls-roots", "cli_test.go"}, "no certificate"},
		{[]string{"-mdns", "no-such-interface0"}, "-mdns"},
		{[]string{"-tcp-port", "-2"}, "bad -tcp-port"},
		{[]string{"-ice-lite", "-ice-server", "stun:127.0.0.1:3478"}, "-ice-lite does not use -ice-server"},
	} {
		if _, err := parse(t, tc.args...).DriverConfig(nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
