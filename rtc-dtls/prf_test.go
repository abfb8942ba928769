package dtls

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestPRFVectors checks the TLS 1.2 PRF (RFC 5246 §5) against the P_SHA256
// and P_SHA384 known-answer vectors (testdata/tls12_prf_vectors.json).
func TestPRFVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/tls12_prf_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Name, Hash, Secret, Label, Seed, Output string
			Length                                  int `json:"output_length_octets"`
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) != 2 {
		t.Fatalf("%d vectors", len(file.Vectors))
	}
	for _, v := range file.Vectors {
		h := sha256.New
		if v.Hash == "SHA-384" {
			h = sha512.New384
		}
		secret, err1 := hex.DecodeString(v.Secret)
		seed, err2 := hex.DecodeString(v.Seed)
		want, err3 := hex.DecodeString(v.Output)
		noErr(t, errors.Join(err1, err2, err3))
		if got := prf12(h, secret, v.Label, seed, v.Length); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got  %x\n want %x", v.Name, got, want)
		}
	}
}

func TestFingerprintFormat(t *testing.T) {
	der := []byte("not really a certificate")
	for _, alg := range []string{"sha-256", "sha-384", "sha-512"} {
		f, err := ComputeFingerprint(alg, der)
		if err != nil {
			t.Fatal(err)
		}
		s := f.String()
		if !strings.HasPrefix(s, alg+" ") || strings.ToUpper(s[len(alg):]) != s[len(alg):] {
			t.Fatalf("format %q", s)
		}
		for _, in := range []string{s, strings.ToLower(s), strings.ToUpper(alg) + " " + strings.ToLower(s[len(alg)+1:])} {
			g, err := ParseFingerprint(in)
			if err != nil || !g.Matches(der) || g.String() != s {
				t.Fatalf("parse %q: %v", in, err)
			}
		}
	}
	for _, bad := range []string{"", "sha-256", "md5 AB:CD", "sha-256 AB:CD", "sha-256 ZZ"} {
		if _, err := ParseFingerprint(bad); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	f, err := ComputeFingerprint("", []byte{1})
	noErr(t, err)
	if f.Algorithm != "sha-256" || len(f.Value) != 32 {
		t.Fatal("default algorithm")
	}
}
