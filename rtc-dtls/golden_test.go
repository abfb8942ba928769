package dtls

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/cryptotest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// describeDatagram renders one datagram as readable text: one block per
// record with its header, the handshake fragments it carries (when in the
// clear) and a hexdump.
func describeDatagram(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		h, frag, rest, err := ParseRecord(b)
		if err != nil {
			fmt.Fprintf(&sb, "unparsable: %v\n%s", err, hex.Dump(b))
			break
		}
		rec := b[:len(b)-len(rest)]
		fmt.Fprintf(&sb, "record %v epoch=%d seq=%d length=%d\n", h.Type, h.Epoch, h.Seq, h.Length)
		if h.Type == ContentHandshake && h.Epoch == 0 {
			for f := frag; len(f) > 0; {
				hh, _, r, err := parseHandshakeFragment(f)
				if err != nil {
					break
				}
				fmt.Fprintf(&sb, "  %v message_seq=%d fragment %d+%d of %d\n", hh.Type, hh.MessageSeq, hh.FragmentOffset, hh.FragmentLength, hh.Length)
				f = r
			}
		} else if h.Epoch == 1 {
			sb.WriteString("  (protected)\n")
		}
		sb.WriteString(hex.Dump(rec))
		b = rest
	}
	return sb.String()
}

// goldenRun performs a handshake, one message each way and close_notify
// with seeded randomness and a fixed clock, recording every datagram.
func goldenRun(t *testing.T, name string, tweak func(cc, sc *Config)) string {
	cryptotest.SetGlobalRandom(t, 1) // certificates and ECDSA signatures
	// DTLS 1.2 transcripts: the version is pinned (1.3 is the default).
	cc := &Config{Rand: newSeededRand(name + "/client"), InsecureSkipVerify: true, MaxVersion: VersionDTLS12}
	sc := &Config{Rand: newSeededRand(name + "/server"), InsecureSkipVerify: true, MaxVersion: VersionDTLS12}
	var err error
	if cc.Certificate, err = GenerateCertificate(epoch0, KeyECDSAP256); err != nil {
		t.Fatal(err)
	}
	if sc.Certificate, err = GenerateCertificate(epoch0, KeyECDSAP256); err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(cc, sc)
	}
	p := newTestPair(t, cc, sc)
	var sb strings.Builder
	n := 0
	p.filter = func(fromClient bool, dg []byte) bool {
		n++
		dir := "server -> client"
		if fromClient {
			dir = "client -> server"
		}
		fmt.Fprintf(&sb, "\n## datagram %d: %s at +%v, %d bytes\n", n, dir, p.now.Sub(epoch0), len(dg))
		sb.WriteString(describeDatagram(dg))
		return true
	}
	mustHandshake(t, p)
	noErr(t, p.client.HandleWrite([]byte("hello from the client")))
	noErr(t, p.server.HandleWrite([]byte("hello from the server")))
	p.pump()
	noErr(t, p.client.Close())
	p.pump()
	st, _ := p.client.ConnectionState()
	head := fmt.Sprintf("# %s: DTLS 1.2 handshake with seeded randomness and a fixed clock (%s).\n"+
		"# Regenerate with: go test -run TestGolden -update\n"+
		"# negotiated: %v, %v, %v, extended_master_secret=%v\n"+
		"# SRTP keying material (EXTRACTOR-dtls_srtp): %X\n",
		name, epoch0.Format("2006-01-02T15:04:05Z"), st.CipherSuite, st.Group, srtpNames[st.SRTPProfile], st.ExtendedMasterSecret, srtpKeyingMaterial(t, p.client))
	return head + sb.String()
}

func TestGoldenTranscripts(t *testing.T) {
	cases := []struct {
		name  string
		tweak func(cc, sc *Config)
	}{
		{"ecdsa_x25519_aes128gcm", nil},
		{"hello_verify_mtu400", func(cc, sc *Config) {
			sc.HelloVerify = true
			cc.MTU, sc.MTU = 400, 400
		}},
		{"chacha20_p384", func(cc, sc *Config) {
			cc.CipherSuites = []CipherSuite{TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
			cc.Groups = []Group{GroupP384}
			cc.SRTPProfiles = []uint16{srtpAES128CMSHA1_80}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := goldenRun(t, tc.name, tc.tweak)
			// A second run must be byte-identical: nothing depends on
			// anything but the seeds and the clock.
			if again := goldenRun(t, tc.name, tc.tweak); again != got {
				t.Fatal("two seeded runs differ")
			}
			path := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(want) != got {
				t.Fatalf("transcript differs from %s (rerun with -update if the change is intended)\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n want %s\n got  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("length %d vs %d lines", len(al), len(bl))
}
