package stun

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"os"
	"testing"
)

type vectorFile struct {
	Vectors []struct {
		Name       string            `json:"name"`
		Parameters map[string]any    `json:"parameters"`
		MessageHex string            `json:"message_hex"`
		Header     map[string]any    `json:"header"`
		Attributes []json.RawMessage `json:"attributes"`
	} `json:"vectors"`
}

func loadRFC5769(t testing.TB) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc5769_stun_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 4 {
		t.Fatalf("want 4 vectors, got %d", len(f.Vectors))
	}
	return f
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 5769 §2.1: sample request with short-term credentials.
func TestRFC5769SampleRequest(t *testing.T) {
	v := loadRFC5769(t).Vectors[0]
	raw := mustHex(t, v.MessageHex)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != BindingRequest {
		t.Errorf("type %v", m.Type)
	}
	if got := m.TransactionID.String(); got != "b7e7a701bc34d686fa87dfae" {
		t.Errorf("tid %s", got)
	}
	if sw, err := m.Software(); err != nil || string(sw) != "STUN test client" {
		t.Errorf("software %q", sw)
	}
	if p, err := m.Priority(); err != nil || p != 0x6e0001ff {
		t.Errorf("priority %x", p)
	}
	if c, err := m.ICEControlled(); err != nil || c != 0x932ff9b151263b36 {
		t.Errorf("ice-controlled %x", c)
	}
	if u, err := m.Username(); err != nil || string(u) != "evtj:h6vY" {
		t.Errorf("username %q", u)
	}
	key, err := ShortTermKey("VOkJxbRl1RmTxUk/WvJxBt")
	if err != nil {
		t.Fatal(err)
	}
	in := NewIntegrity(key)
	if err := in.Check(&m); err != nil {
		t.Errorf("integrity: %v", err)
	}
	if err := m.CheckFingerprint(); err != nil {
		t.Errorf("fingerprint: %v", err)
	}
	if bad := NewIntegrity([]byte("wrong")); bad.Check(&m) != ErrIntegrityMismatch {
		t.Error("wrong key accepted")
	}
	// Re-encode: same attributes in the same order must give the same
	// bytes except for padding, which RFC 5769 fills with 0x20.
	b := NewBuilder(nil, m.Type, m.TransactionID)
	b.AddSoftware("STUN test client")
	b.AddPriority(0x6e0001ff)
	b.AddICEControlled(0x932ff9b151263b36)
	b.AddUsername("evtj:h6vY")
	b.AddMessageIntegrity(in)
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte(nil), raw...)
	copy(want[60+4+9:], []byte{0, 0, 0}) // USERNAME padding as zeros
	// Padding is covered by the HMAC and CRC, so compare the attribute
	// prefix and then check our integrity independently.
	if !bytes.Equal(out[:60+4+9], want[:60+4+9]) {
		t.Errorf("encode prefix mismatch\n got %x\nwant %x", out, want)
	}
	var m2 Message
	if err := Parse(out, &m2); err != nil {
		t.Fatal(err)
	}
	if in.Check(&m2) != nil || m2.CheckFingerprint() != nil {
		t.Error("re-encoded message does not verify")
	}
}

// RFC 5769 §2.2 and §2.3: responses with IPv4 and IPv6 XOR-MAPPED-ADDRESS;
// re-encoding with the RFC's 0x20 padding swapped for zeros must verify,
// and with the padding copied must reproduce the vector byte for byte.
func TestRFC5769Responses(t *testing.T) {
	f := loadRFC5769(t)
	for i, want := range []string{"192.0.2.1:32853", "[2001:db8:1234:5678:11:2233:4455:6677]:32853"} {
		v := f.Vectors[1+i]
		t.Run(v.Name, func(t *testing.T) {
			raw := mustHex(t, v.MessageHex)
			var m Message
			if err := Parse(raw, &m); err != nil {
				t.Fatal(err)
			}
			if m.Type != BindingSuccess {
				t.Errorf("type %v", m.Type)
			}
			ap, err := m.XORMappedAddress()
			if err != nil || ap.String() != want {
				t.Errorf("xor-mapped %v %v, want %s", ap, err, want)
			}
			in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
			if err := in.CheckSHA1(&m); err != nil {
				t.Error(err)
			}
			if err := m.CheckFingerprint(); err != nil {
				t.Error(err)
			}
			// Build the same message; patch the SOFTWARE padding to 0x20
			// as the RFC does and compare every byte.
			b := NewBuilder(nil, BindingSuccess, m.TransactionID)
			b.AddSoftware("test vector")
			b.AddXORMappedAddress(netip.MustParseAddrPort(want))
			out := built(t, &b)
			out[20+4+11] = 0x20
			b.buf = out
			b.AddMessageIntegrity(in)
			b.AddFingerprint()
			out, err = b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, raw) {
				t.Errorf("encode mismatch\n got %x\nwant %x", out, raw)
			}
		})
	}
}

// RFC 5769 §2.4: long-term credentials, MD5 key, SASLprep'd password.
func TestRFC5769LongTerm(t *testing.T) {
	v := loadRFC5769(t).Vectors[3]
	raw := mustHex(t, v.MessageHex)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	u, err := m.Username()
	must(t, err)
	r, err := m.Realm()
	must(t, err)
	n, err := m.Nonce()
	must(t, err)
	if string(u) != "マトリックス" || string(r) != "example.org" || string(n) != "f//499k954d6OL34oL9FSTvy64sA" {
		t.Errorf("username %q realm %q nonce %q", u, r, n)
	}
	pw, err := SASLprep("The\u00adM\u00aatr\u2168")
	if err != nil || pw != "TheMatrIX" {
		t.Fatalf("SASLprep = %q, %v", pw, err)
	}
	key, err := LongTermKey(PasswordAlgorithmMD5, string(u), string(r), pw)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key) != "e8ca7ad59d5eb0518e312911d2dab2a9" {
		t.Errorf("key %x", key)
	}
	if err := NewIntegrity(key).Check(&m); err != nil {
		t.Error(err)
	}
	if m.HasFingerprint() || m.CheckFingerprint() != ErrNoFingerprint {
		t.Error("vector has no FINGERPRINT")
	}
	// Re-encode byte for byte (this vector pads with zeros).
	b := NewBuilder(nil, BindingRequest, m.TransactionID)
	b.AddUsername(string(u))
	b.AddNonce(string(n))
	b.AddRealm(string(r))
	b.AddMessageIntegrity(NewIntegrity(key))
	out, err := b.Bytes()
	if err != nil || !bytes.Equal(out, raw) {
		t.Errorf("encode %v\n got %x\nwant %x", err, out, raw)
	}
}

// RFC 8489 Appendix B.1 as corrected by Errata 6268: USERHASH,
// PASSWORD-ALGORITHM and MESSAGE-INTEGRITY-SHA256 with a SHA-256 key.
func TestRFC8489B1Errata6268(t *testing.T) {
	b, err := os.ReadFile("testdata/rfc8489_appendix_b1_sha256.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Published struct {
			MessageHex string `json:"message_hex"`
		} `json:"published_vector"`
		Errata struct {
			MessageHex string `json:"message_hex"`
		} `json:"errata_6268_vector"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	raw := mustHex(t, f.Errata.MessageHex)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	const username, realm, password = "マトリックス", "example.org", "TheMatrIX"
	uh, err := Userhash(username, realm)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Userhash(); err != nil || !bytes.Equal(got, uh[:]) {
		t.Errorf("userhash %x want %x", got, uh)
	}
	if alg, err := m.PasswordAlgorithm(); err != nil || alg != PasswordAlgorithmSHA256 {
		t.Errorf("password algorithm %v %v", alg, err)
	}
	key, err := LongTermKey(PasswordAlgorithmSHA256, username, realm, password)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key) != "dd295a613b9058c3c23d6dc7165bda072304d989c9d0af3a8c7e184b4f9bb4a1" {
		t.Errorf("key %x", key)
	}
	in := NewIntegrity(key)
	if err := in.Check(&m); err != nil {
		t.Errorf("MESSAGE-INTEGRITY-SHA256: %v", err)
	}
	if err := in.CheckSHA1(&m); err != ErrNoIntegrity {
		t.Errorf("CheckSHA1 = %v, want ErrNoIntegrity", err)
	}
	// Re-encode byte for byte.
	nonce, err := m.Nonce()
	must(t, err)
	bb := NewBuilder(nil, BindingRequest, m.TransactionID)
	bb.AddUserhash(uh)
	bb.AddNonce(string(nonce))
	bb.AddRealm(realm)
	bb.AddPasswordAlgorithm(PasswordAlgorithmSHA256)
	bb.AddMessageIntegritySHA256(in)
	out, err := bb.Bytes()
	if err != nil || !bytes.Equal(out, raw) {
		t.Errorf("encode %v\n got %x\nwant %x", err, out, raw)
	}
	// The published vector has a wrong header length and must be rejected.
	if err := Parse(mustHex(t, f.Published.MessageHex), &m); err == nil {
		t.Error("published (uncorrected) B.1 vector parsed")
	}
}
