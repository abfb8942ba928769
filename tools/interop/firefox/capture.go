package firefox

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Capture is a tshark capture of UDP on the loopback interface into a
// pcap file, for checks on the wire after a run.
type Capture struct {
	cmd  *exec.Cmd
	dir  string
	file string
	errb bytes.Buffer
}

// StartCapture starts tshark on lo (capture filter "udp") and waits until
// it reports that it captures. It skips t when tshark is missing or may not
// capture (no permission), unless SANSRTC_REQUIRE_INTEROP=1.
func StartCapture(t testing.TB) *Capture {
	t.Helper()
	peersRequire(t, "tshark", "apt-get install -y tshark")
	c, err := NewCapture(t)
	if err != nil {
		skipOrFail(t, "%v", err)
	}
	return c
}

// NewCapture is StartCapture returning an error instead of skipping, for a
// test whose wire check is optional.
func NewCapture(t testing.TB) (*Capture, error) {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	c := &Capture{dir: dir, file: filepath.Join(dir, "lo.pcap")}
	c.cmd = exec.Command(tshark, "-i", "lo", "-f", "udp", "-w", c.file, "-q")
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("tshark cannot start: %w", err)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		said := false
		for sc.Scan() {
			line := sc.Text()
			c.errb.WriteString(line + "\n")
			if !said && strings.Contains(line, "Capturing on") {
				said = true
				ready <- nil
			}
		}
		if !said {
			ready <- fmt.Errorf("tshark ended: %s", strings.TrimSpace(c.errb.String()))
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			c.stop()
			return nil, fmt.Errorf("tshark cannot capture on lo (permission?): %w", err)
		}
	case <-time.After(20 * time.Second):
		c.stop()
		return nil, fmt.Errorf("tshark did not start capturing on lo within 20 s")
	}
	t.Cleanup(c.stop)
	return c, nil
}

func (c *Capture) stop() {
	if c.cmd.ProcessState == nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			<-done
		}
	}
}

// Fields stops the capture (at its first call) and reads it back: for every packet matching
// the display filter, the tab-separated values of fields (tshark -T
// fields). UDP on ports is decoded as DTLS: WebRTC puts DTLS on any port,
// and tshark's DTLS heuristic misses a flight that mixes a plaintext
// ServerHello with DTLS 1.3 unified-header records.
func (c *Capture) Fields(t testing.TB, ports []string, filter string, fields ...string) [][]string {
	t.Helper()
	if c.cmd.ProcessState == nil { // still capturing: let tshark write the last packets
		time.Sleep(500 * time.Millisecond)
		c.stop()
	}
	args := []string{"-r", c.file, "--enable-heuristic", "dtls_udp"}
	for _, p := range ports {
		args = append(args, "-d", "udp.port=="+p+",dtls")
	}
	args = append(args, "-Y", filter, "-T", "fields")
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(c.cmd.Path, args...)
	cmd.Stderr = &stderr // tshark warns there when run as root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, stderr.Bytes())
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}
