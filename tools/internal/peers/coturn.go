package peers

import (
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// CoturnUser, CoturnPassword and CoturnRealm are the long-term credentials
// StartCoturn configures (BROWSERS.md: --user=test:test --realm=test).
const (
	CoturnUser     = "test"
	CoturnPassword = "test"
	CoturnRealm    = "test"
)

// StartCoturn runs Debian's turnserver on 127.0.0.1 on a free port, with
// the flags of shared/BROWSERS.md plus --allow-loopback-peers (every peer
// here is on loopback) and the extra flags, relaying from a port range on
// 127.0.0.1 only. It returns once the server answers a STUN Binding
// request, and kills it when the test ends (printing the tail of its log
// if the test failed). It skips t when turnserver is missing, or fails it
// when SANSRTC_REQUIRE_INTEROP=1.
func StartCoturn(t testing.TB, extra ...string) netip.AddrPort {
	t.Helper()
	bin := Require(t, "turnserver", "apt-get install -y coturn")
	port := FreePort(t)
	dir := t.TempDir()
	minPort := 40000 + port%20000
	args := []string{"-n",
		"--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=" + strconv.Itoa(port),
		"--min-port=" + strconv.Itoa(minPort), "--max-port=" + strconv.Itoa(minPort+200),
		"--no-tls", "--no-dtls", "--lt-cred-mech", "--user=" + CoturnUser + ":" + CoturnPassword, "--realm=" + CoturnRealm,
		"--no-cli", "--no-multicast-peers", "--allow-loopback-peers",
		"--pidfile=" + filepath.Join(dir, "turn.pid"), "--log-file=" + filepath.Join(dir, "turn.log"), "--no-stdout-log"}
	cmd := exec.Command(bin, append(args, extra...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "turn.log")); err == nil {
				t.Logf("coturn log (tail):\n%s", tail(string(b), 3000))
			}
		}
	})
	server := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	if !waitSTUN(t, server) {
		t.Fatal("coturn did not answer")
	}
	return server
}

// waitSTUN sends Binding requests (RFC 8489 §6) to server for up to ten
// seconds (100 tries) and reports whether any STUN message came back.
func waitSTUN(t testing.TB, server netip.AddrPort) bool {
	u := ListenUDP(t)
	defer u.Close()
	buf := make([]byte, 1500)
	for i := range 100 {
		req := make([]byte, 20)
		binary.BigEndian.PutUint16(req[0:], 0x0001) // Binding request, no attributes
		binary.BigEndian.PutUint32(req[4:], 0x2112a442)
		req[8] = byte(i)
		u.WriteToUDPAddrPort(req, server)
		u.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := u.ReadFromUDPAddrPort(buf)
		if err == nil && n >= 20 && buf[0]>>6 == 0 && binary.BigEndian.Uint32(buf[4:]) == 0x2112a442 {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
