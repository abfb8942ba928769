package dtls

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
)

// An OpenSSL transcript: our side's configuration, what OpenSSL exported,
// and every datagram in order. Recorded by tools/interop/dtls
// (TestRecordGoldenOpenSSL -update, which needs openssl).
type opensslTranscript struct {
	ours    map[string]string // the "# ours:" key=value pairs
	peerFP  Fingerprint
	keying  []byte // EXTRACTOR-dtls_srtp as OpenSSL printed it
	flights []transcriptDatagram
}

type transcriptDatagram struct {
	ours bool // sent by our side (else by OpenSSL)
	b    []byte
}

func parseOpenSSLTranscript(text string) (*opensslTranscript, error) {
	tr := &opensslTranscript{ours: map[string]string{}}
	var cur *transcriptDatagram
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "# ours: "):
			for _, kv := range strings.Fields(strings.TrimPrefix(line, "# ours: ")) {
				k, v, _ := strings.Cut(kv, "=")
				tr.ours[k] = v
			}
		case strings.HasPrefix(line, "# peer fingerprint: "):
			f, err := ParseFingerprint(strings.TrimPrefix(line, "# peer fingerprint: "))
			if err != nil {
				return nil, err
			}
			tr.peerFP = f
		case strings.HasPrefix(line, "# openssl keying material"), strings.HasPrefix(line, "# keying material"):
			_, v, _ := strings.Cut(line, "): ")
			km, err := hex.DecodeString(v)
			if err != nil {
				return nil, err
			}
			tr.keying = km
		case strings.HasPrefix(line, "## datagram "):
			tr.flights = append(tr.flights, transcriptDatagram{ours: strings.Contains(line, ": ours -> ")})
			cur = &tr.flights[len(tr.flights)-1]
		case cur != nil && len(line) > 10 && line[8] == ' ' && line[9] == ' ':
			// A hex.Dump line: offset, then up to 16 bytes in columns
			// 10..58, then the ASCII column.
			for _, f := range strings.Fields(line[10:min(len(line), 59)]) {
				v, err := strconv.ParseUint(f, 16, 8)
				if err != nil {
					return nil, fmt.Errorf("hexdump %q: %w", line, err)
				}
				cur.b = append(cur.b, byte(v))
			}
		}
	}
	if len(tr.flights) == 0 || tr.keying == nil || tr.peerFP.Algorithm == "" {
		return nil, errors.New("incomplete transcript")
	}
	return tr, nil
}

// goldenOpenSSLConn builds our side as the recorder did (tools/interop/dtls
// golden_test.go): the same certificate (the first draw after
// cryptotest.SetGlobalRandom(1)), configuration, seed and fixed clock.
func goldenOpenSSLConn(t *testing.T, tr *opensslTranscript) (*Conn, shared.TransportContext) {
	t.Helper()
	cryptotest.SetGlobalRandom(t, 1)
	clock, err := time.Parse(time.RFC3339, tr.ours["clock"])
	noErr(t, err)
	cert, err := GenerateCertificate(clock, KeyECDSAP256)
	noErr(t, err)
	suite, err1 := strconv.ParseUint(tr.ours["suite"], 0, 16)
	srtp, err2 := strconv.ParseUint(tr.ours["srtp"], 0, 16)
	peer, err3 := netip.ParseAddrPort(tr.ours["peer"])
	noErr(t, errors.Join(err1, err2, err3))
	var groups []Group
	for _, g := range strings.Split(tr.ours["groups"], ",") {
		id, err := strconv.ParseUint(g, 10, 16)
		noErr(t, err)
		groups = append(groups, Group(id))
	}
	var seed [32]byte
	copy(seed[:], tr.ours["seed"])
	cfg := &Config{
		Certificate:      cert,
		PeerFingerprints: []Fingerprint{tr.peerFP},
		CipherSuites:     []CipherSuite{CipherSuite(suite)},
		Groups:           groups,
		SRTPProfiles:     []uint16{uint16(srtp)},
		HelloVerify:      tr.ours["hvr"] == "true",
		Rand:             mathrand.NewChaCha8(seed),
		// Recorded as DTLS 1.2 (the Chromium ClientHello offers 1.3 too):
		// pinned, since 1.3 is the default, unless the transcript says
		// version=1.3 (the Chromium DTLS 1.3 recording, issue 19).
		MaxVersion: VersionDTLS12,
	}
	if tr.ours["version"] == "1.3" {
		cfg.MaxVersion = VersionDTLS13
	}
	local := netip.MustParseAddrPort("127.0.0.1:1")
	var c *Conn
	if tr.ours["role"] == "client" {
		c, err = NewClient(clock, shared.TransportContext{Local: local, Peer: peer}, cfg)
	} else {
		c, err = NewServer(clock, shared.TransportContext{Local: local}, cfg)
	}
	noErr(t, err)
	return c, shared.TransportContext{Local: local, Peer: peer}
}

// replayOpenSSL feeds our side OpenSSL's datagrams and checks that ours
// are byte for byte the recorded ones. It returns the first difference.
func replayOpenSSL(t *testing.T, tr *opensslTranscript) (*Conn, error) {
	c, path := goldenOpenSSLConn(t, tr)
	clock := c.clock.Now()
	for i, dg := range tr.flights {
		if dg.ours {
			got, ok := c.PollWrite()
			if !ok {
				return c, fmt.Errorf("datagram %d: we sent nothing (state %v, err %v)", i+1, c.state, c.err)
			}
			if !bytes.Equal(got.Message, dg.b) {
				return c, fmt.Errorf("datagram %d differs from the recording:\n got  %x\n want %x", i+1, got.Message, dg.b)
			}
			continue
		}
		if err := c.HandleRead(shared.TaggedBytes{Now: clock, Transport: path, Message: dg.b}); err != nil {
			return c, fmt.Errorf("datagram %d from the peer: %w", i+1, err)
		}
	}
	if dg, ok := c.PollWrite(); ok {
		return c, fmt.Errorf("an extra datagram of %d bytes", len(dg.Message))
	}
	return c, nil
}

// TestGoldenOpenSSL replays handshakes recorded against OpenSSL 3.0 (as
// client against s_server, with its HelloVerifyRequest, and as server with
// our HelloVerifyRequest against s_client) and against headless Chromium
// (BoringSSL, as client; in DTLS 1.2 and, chromium13_*, in DTLS 1.3 with
// X25519MLKEM768): our side must send the recorded bytes, accept the
// peer's flights, verify its Finished, and export the keying material
// OpenSSL printed (for Chromium, which exports nothing to the page, the
// material we exported when it reported the same cipher). Unlike the sansrtc-against-sansrtc
// transcripts, this catches a change that breaks both of our sides the same
// way (the PRF, a transcript hash, a key schedule step).
func TestGoldenOpenSSL(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "openssl_*.txt"))
	noErr(t, err)
	browsers, err := filepath.Glob(filepath.Join("testdata", "golden", "chromium*_*.txt"))
	noErr(t, err)
	if len(paths) < 2 || len(browsers) < 2 {
		t.Fatalf("%d OpenSSL and %d Chromium transcripts", len(paths), len(browsers))
	}
	paths = append(paths, browsers...)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, err := os.ReadFile(path)
			noErr(t, err)
			tr, err := parseOpenSSLTranscript(string(text))
			noErr(t, err)
			c, err := replayOpenSSL(t, tr)
			noErr(t, err)
			if c.state != stateEstablished {
				t.Fatalf("state %v, err %v", c.state, c.err)
			}
			if tr.ours["version"] == "1.3" {
				// The browser's DTLS 1.3 handshake, replayed through the
				// 1.3 machine: the hybrid key exchange, the 1.3 key
				// schedule and exporter, and Chromium's Finished.
				if st, _ := c.ConnectionState(); st.Version != "DTLS 1.3" || st.Group != GroupX25519MLKEM768 {
					t.Fatalf("replayed %s with %v, want DTLS 1.3 with X25519MLKEM768", st.Version, st.Group)
				}
			}
			km, err := c.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", nil, len(tr.keying))
			noErr(t, err)
			if !bytes.Equal(km, tr.keying) {
				t.Fatalf("keying material %X, OpenSSL exported %X", km, tr.keying)
			}
			// OpenSSL's Finished is what our side verified: one bit
			// changed in OpenSSL's last datagram and the handshake fails.
			last := -1
			for i, dg := range tr.flights {
				if !dg.ours {
					last = i
				}
			}
			tr.flights[last].b = bytes.Clone(tr.flights[last].b)
			tr.flights[last].b[len(tr.flights[last].b)-1] ^= 1
			c, err = replayOpenSSL(t, tr)
			if err == nil || c.state == stateEstablished || !strings.Contains(err.Error(), fmt.Sprintf("datagram %d", last+1)) {
				t.Fatalf("a corrupted last flight from OpenSSL: %v (state %v)", err, c.state)
			}
			t.Logf("corrupted: %v", err)
		})
	}
}
