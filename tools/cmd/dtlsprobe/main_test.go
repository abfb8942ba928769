package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/tools/internal/peers"
)

// freePort returns a free loopback UDP address.
func freePort(t *testing.T) string {
	return "127.0.0.1:" + strconv.Itoa(peers.FreePort(t))
}

// TestProbeClientServer runs both modes of the command in-process against
// each other and checks the final JSON lines.
func TestProbeClientServer(t *testing.T) {
	addr := freePort(t)
	var wg sync.WaitGroup
	var srvOut bytes.Buffer
	var srvRes result
	var srvErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		srvRes, srvErr = run(options{mode: "server", listen: addr, srtp: "SRTP_AES128_CM_SHA1_80", timeout: 5 * time.Second, mtu: 1200}, &srvOut)
	}()
	time.Sleep(100 * time.Millisecond)
	var cliOut bytes.Buffer
	cliRes, err := run(options{mode: "client", listen: "127.0.0.1:0", connect: addr, srtp: "SRTP_AEAD_AES_128_GCM,SRTP_AES128_CM_SHA1_80", msg: "hello", timeout: 5 * time.Second, mtu: 1200}, &cliOut)
	wg.Wait()
	if err != nil || srvErr != nil {
		t.Fatalf("client %v server %v\n%s\n%s", err, srvErr, cliOut.String(), srvOut.String())
	}
	if !strings.Contains(cliOut.String(), "received: echo:hello") {
		t.Fatalf("client output:\n%s", cliOut.String())
	}
	// -msg is one line: it goes out with its newline (issue 11).
	if srvRes.Received != "hello\n" || cliRes.Received != "echo:hello\n" {
		t.Fatalf("server received %q, client received %q", srvRes.Received, cliRes.Received)
	}
	if !cliRes.OK || cliRes.Version != "DTLS 1.2" || cliRes.SRTPProfile != "SRTP_AES128_CM_SHA1_80" || !cliRes.ExtendedMasterSecret ||
		len(cliRes.KeyingMaterial) != 120 || cliRes.KeyingMaterial != srvRes.KeyingMaterial || strings.ToUpper(cliRes.KeyingMaterial) != cliRes.KeyingMaterial ||
		!strings.HasPrefix(cliRes.PeerFingerprint, "sha-256 ") {
		t.Fatalf("client %+v\nserver %+v", cliRes, srvRes)
	}
	b, _ := json.Marshal(cliRes)
	if !strings.HasPrefix(string(b), `{"ok":true,"version":"DTLS 1.2","cipher":"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256","srtp_profile":"SRTP_AES128_CM_SHA1_80","extended_master_secret":true,"keying_material":"`) {
		t.Fatalf("json %s", b)
	}
}

// TestProbeFailure: a wrong expected fingerprint gives ok:false.
func TestProbeFailure(t *testing.T) {
	addr := freePort(t)
	go run(options{mode: "server", listen: addr, srtp: "SRTP_AES128_CM_SHA1_80", timeout: 3 * time.Second, mtu: 1200}, &bytes.Buffer{})
	time.Sleep(100 * time.Millisecond)
	_, err := run(options{mode: "client", listen: "127.0.0.1:0", connect: addr, srtp: "SRTP_AES128_CM_SHA1_80", msg: "x", timeout: 3 * time.Second, mtu: 1200,
		fingerprint: "sha-256 " + strings.Repeat("00:", 31) + "00"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Fatalf("err %v", err)
	}
}

// TestProbeAgainstOpenSSL runs the client mode against openssl s_server
// (which does not echo) and compares the exported keying material.
func TestProbeAgainstOpenSSL(t *testing.T) {
	bin := peers.Require(t, "openssl", "apt-get install -y openssl")
	dir := t.TempDir()
	if out, err := exec.Command(bin, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", dir+"/k.pem", "-out", dir+"/c.pem", "-subj", "/CN=probe", "-days", "2").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	addr := freePort(t)
	cmd := exec.Command(bin, "s_server", "-dtls1_2", "-accept", addr, "-cert", dir+"/c.pem", "-key", dir+"/k.pem",
		"-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60", "-naccept", "1")
	var out syncBuf
	cmd.Stdout, cmd.Stderr = &out, &out
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; i < 100 && !strings.Contains(out.String(), "ACCEPT"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	res, err := run(options{mode: "client", listen: "127.0.0.1:0", connect: addr, srtp: "SRTP_AES128_CM_SHA1_80", msg: "hello", timeout: 2 * time.Second, mtu: 1200}, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for i := 0; i < 100 && !strings.Contains(out.String(), "Keying material: "); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Keying material: "+res.KeyingMaterial) {
		t.Fatalf("keying material %s not in openssl output:\n%s", res.KeyingMaterial, out.String())
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestProbeVersions runs the probe against itself for each -version pair
// and checks the version and group in the JSON line (issue 19).
func TestProbeVersions(t *testing.T) {
	for _, v := range []struct{ server, client, version, group string }{
		{"1.3", "1.3", "DTLS 1.3", "X25519MLKEM768"},
		{"auto", "1.3", "DTLS 1.3", "X25519MLKEM768"},
		{"auto", "1.2", "DTLS 1.2", "x25519"},
		{"auto", "auto", "DTLS 1.3", "X25519MLKEM768"},
		{"1.2", "auto", "DTLS 1.2", "x25519"},
	} {
		t.Run(v.server+"-"+v.client, func(t *testing.T) {
			addr := freePort(t)
			var wg sync.WaitGroup
			var srvOut bytes.Buffer
			var srvRes result
			var srvErr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				srvRes, srvErr = run(options{mode: "server", listen: addr, srtp: "SRTP_AES128_CM_SHA1_80", timeout: 5 * time.Second, mtu: 1200, version: v.server}, &srvOut)
			}()
			time.Sleep(100 * time.Millisecond)
			var cliOut bytes.Buffer
			cliRes, err := run(options{mode: "client", listen: "127.0.0.1:0", connect: addr, srtp: "SRTP_AES128_CM_SHA1_80", msg: "hello", timeout: 5 * time.Second, mtu: 1200, version: v.client}, &cliOut)
			wg.Wait()
			if err != nil || srvErr != nil {
				t.Fatalf("client %v server %v\n%s\n%s", err, srvErr, cliOut.String(), srvOut.String())
			}
			if cliRes.Version != v.version || srvRes.Version != v.version || cliRes.Group != v.group || cliRes.KeyingMaterial != srvRes.KeyingMaterial || cliRes.Received != "echo:hello\n" {
				t.Fatalf("client %+v\nserver %+v", cliRes, srvRes)
			}
		})
	}
}

// TestProbeCID: -cid on both sides negotiates connection IDs in 1.2 and
// 1.3 and reports them in the JSON line; on one side only, none.
func TestProbeCID(t *testing.T) {
	for _, v := range []struct {
		version        string
		server, client int
		on             bool
	}{{"1.2", 4, 8, true}, {"1.3", 4, 8, true}, {"1.2", 0, 8, false}} {
		t.Run(fmt.Sprintf("%s-%d-%d", v.version, v.server, v.client), func(t *testing.T) {
			addr := freePort(t)
			var wg sync.WaitGroup
			var srvOut bytes.Buffer
			var srvRes result
			var srvErr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				srvRes, srvErr = run(options{mode: "server", listen: addr, srtp: "SRTP_AES128_CM_SHA1_80", timeout: 5 * time.Second, mtu: 1200, version: v.version, cid: v.server}, &srvOut)
			}()
			time.Sleep(100 * time.Millisecond)
			var cliOut bytes.Buffer
			cliRes, err := run(options{mode: "client", listen: "127.0.0.1:0", connect: addr, srtp: "SRTP_AES128_CM_SHA1_80", msg: "hello", timeout: 5 * time.Second, mtu: 1200, version: v.version, cid: v.client}, &cliOut)
			wg.Wait()
			if err != nil || srvErr != nil {
				t.Fatalf("client %v server %v\n%s\n%s", err, srvErr, cliOut.String(), srvOut.String())
			}
			if cliRes.Received != "echo:hello\n" {
				t.Fatalf("client received %q", cliRes.Received)
			}
			if !v.on {
				if cliRes.LocalCID != "" || cliRes.PeerCID != nil {
					t.Fatalf("CIDs without the server's: %+v", cliRes)
				}
				return
			}
			if len(cliRes.LocalCID) != 2*v.client || cliRes.PeerCID == nil || *cliRes.PeerCID != srvRes.LocalCID || len(srvRes.LocalCID) != 2*v.server {
				t.Fatalf("client %+v\nserver %+v", cliRes, srvRes)
			}
		})
	}
}
