package peers

import (
	"bytes"
	"io"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"
)

// OpenSSL is one running openssl command (s_server or s_client as a DTLS
// peer, BROWSERS.md) with its output collected and its standard input held
// open: s_server and s_client end when their input ends, and send what is
// written to Stdin.
type OpenSSL struct {
	Stdin io.WriteCloser
	mu    sync.Mutex
	out   bytes.Buffer
}

// StartOpenSSL runs openssl with args. It skips t when openssl is missing,
// or fails it when SANSRTC_REQUIRE_INTEROP=1, and stops the process when
// the test ends. Give it 127.0.0.1 addresses only.
func StartOpenSSL(t testing.TB, args ...string) *OpenSSL {
	t.Helper()
	bin := Require(t, "openssl", "apt-get install -y openssl")
	o := &OpenSSL{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = (*openSSLOutput)(o), (*openSSLOutput)(o)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	o.Stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	return o
}

type openSSLOutput OpenSSL

func (w *openSSLOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

// String is everything the process printed so far (stdout and stderr).
func (o *OpenSSL) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.String()
}

// WaitFor polls the output for re for up to d and returns its submatches,
// or nil.
func (o *OpenSSL) WaitFor(re *regexp.Regexp, d time.Duration) []string {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if m := re.FindStringSubmatch(o.String()); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
