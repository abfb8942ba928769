package peers

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the variable that turns a missing peer from a skip into a
// failure (CI sets it to 1).
const RequireEnv = "SANSRTC_REQUIRE_INTEROP"

// Require returns the path of the binary name (a name looked up in PATH or
// an absolute path). When it is missing, Require skips t, or fails it when
// SANSRTC_REQUIRE_INTEROP=1; install says how to get it ("apt-get install
// -y coturn").
func Require(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s not found and %s=1 (%s): %v", name, RequireEnv, install, err)
	}
	t.Skipf("%s not installed (%s); set %s=1 to fail instead", name, install, RequireEnv)
	return ""
}
