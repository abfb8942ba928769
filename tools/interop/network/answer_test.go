package network

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc/driver/signaling"
)

// signalingPeer is the side of the signaling contract the browser pages
// talk to: rtc/driver/echo in this process, or the answer example
// (answerExample) in its own.
type signalingPeer interface {
	Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error)
	Offer(ctx context.Context) (signaling.Description, error)
	Accept(ctx context.Context, answer signaling.Description) error
}

// syncBuffer is a bytes.Buffer the example's standard error and the test
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// answerExample is rtc/examples/answer running in the namespace: its ICE
// host address is LAN, its signaling on 127.0.0.1. It records the
// descriptions it gave (their candidates name its UDP port).
type answerExample struct {
	URL    string
	stderr *syncBuffer

	mu   sync.Mutex
	ours []string // our offers and answers, in order
}

// startAnswer builds rtc/examples/answer and runs it with
// -addr 127.0.0.1:0 -host 192.168.77.2 and args; it is interrupted when t
// ends, and must then exit cleanly.
func startAnswer(t *testing.T, args ...string) *answerExample {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "answer")
	build := exec.Command("go", "build", "-o", bin, "./examples/answer")
	build.Dir = "../../../rtc" // the rtc module, with or without go.work
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the answer example: %v\n%s", err, out)
	}
	a := &answerExample{stderr: &syncBuffer{}}
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-host", LAN.String()}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = a.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Errorf("interrupt the answer example: %v", err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("answer example: %v\n%s", err, a.stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("answer example: %v\n%s", err, a.stderr.String())
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("the answer example printed %q", line)
	}
	a.URL = base
	return a
}

func (a *answerExample) remember(sdp string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ours = append(a.ours, sdp)
}

// Answer posts the browser's offer to the example.
func (a *answerExample) Answer(ctx context.Context, offer signaling.Description) (signaling.Description, error) {
	ans, err := signaling.PostOffer(ctx, a.URL, offer)
	if err == nil {
		a.remember(ans.SDP)
	}
	return ans, err
}

// Offer asks the example for an offer.
func (a *answerExample) Offer(ctx context.Context) (signaling.Description, error) {
	off, err := signaling.GetOffer(ctx, a.URL)
	if err == nil {
		a.remember(off.SDP)
	}
	return off, err
}

// Accept posts the browser's answer to the example.
func (a *answerExample) Accept(ctx context.Context, ans signaling.Description) error {
	return signaling.PostAnswer(ctx, a.URL, ans)
}

// Port returns the UDP port of the example's host candidate on LAN in the
// last description it gave ("" if none).
func (a *answerExample) Port() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.ours) == 0 {
		return ""
	}
	return candidatePort(a.ours[len(a.ours)-1], LAN.String())
}

// candidatePort returns the port of the first UDP a=candidate line of sdp
// whose address is addr (RFC 8839 §5.1: the sixth field), or "".
func candidatePort(sdp, addr string) string {
	for _, l := range strings.Split(strings.ReplaceAll(sdp, "\r\n", "\n"), "\n") {
		f := strings.Fields(strings.TrimPrefix(l, "a="))
		if len(f) >= 6 && strings.HasPrefix(f[0], "candidate:") && strings.EqualFold(f[2], "udp") && f[4] == addr {
			return f[5]
		}
	}
	return ""
}

// StatsLine waits up to d for the example's per-connection stats line
// ("echo stats", logged when the connection ends) and returns it.
func (a *answerExample) StatsLine(t *testing.T, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, l := range strings.Split(a.stderr.String(), "\n") {
			if strings.Contains(l, `msg="echo stats"`) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stats line from the answer example within %v; its log:\n%s", d, a.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkStatsLine asserts that the example's stats line names the DTLS
// version and group (issue 19): the text handler writes
// dtls_version="DTLS 1.3" dtls_group=X25519MLKEM768.
func checkStatsLine(t *testing.T, a *answerExample, version, group string) string {
	t.Helper()
	line := a.StatsLine(t, 15*time.Second)
	for _, want := range []string{`dtls_version="` + version + `"`, "dtls_group=" + group + " ", "srtp_profile="} {
		if !strings.Contains(line+" ", want) {
			t.Errorf("the answer example's stats line lacks %s: %s", want, line)
		}
	}
	return line
}
