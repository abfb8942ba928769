package turn_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	stun "github.com/sansrtc/rtc/rtc-stun"
	stunvectors "github.com/sansrtc/rtc/rtc-stun/stunvectors"
	turn "github.com/sansrtc/rtc/rtc-turn"
)

// The long-term credential vectors (stunvectors, the one copy), checked
// where the long-term credential code lives (moved from rtc-stun, issue 17).

// RFC 5769 §2.4: long-term credentials, MD5 key, SASLprep'd password.
func TestRFC5769LongTerm(t *testing.T) {
	vs, err := stunvectors.RFC5769()
	if err != nil {
		t.Fatal(err)
	}
	raw := vs[3].Message
	var m stun.Message
	if err := stun.Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	u, err := m.Username()
	turn.Must(t, err)
	r, err := m.Realm()
	turn.Must(t, err)
	n, err := m.Nonce()
	turn.Must(t, err)
	if string(u) != "マトリックス" || string(r) != "example.org" || string(n) != "f//499k954d6OL34oL9FSTvy64sA" {
		t.Errorf("username %q realm %q nonce %q", u, r, n)
	}
	pw, err := turn.SASLprep("The\u00adM\u00aatr\u2168")
	if err != nil || pw != "TheMatrIX" {
		t.Fatalf("SASLprep = %q, %v", pw, err)
	}
	key, err := turn.LongTermKey(stun.PasswordAlgorithmMD5, string(u), string(r), pw)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key) != "e8ca7ad59d5eb0518e312911d2dab2a9" {
		t.Errorf("key %x", key)
	}
	if err := stun.NewIntegrity(key).Check(&m); err != nil {
		t.Error(err)
	}
	if m.HasFingerprint() || m.CheckFingerprint() != stun.ErrNoFingerprint {
		t.Error("vector has no FINGERPRINT")
	}
	// Re-encode byte for byte (this vector pads with zeros).
	b := stun.NewBuilder(nil, stun.BindingRequest, m.TransactionID)
	b.AddUsername(string(u))
	b.AddNonce(string(n))
	b.AddRealm(string(r))
	b.AddMessageIntegrity(stun.NewIntegrity(key))
	out, err := b.Bytes()
	if err != nil || !bytes.Equal(out, raw) {
		t.Errorf("encode %v\n got %x\nwant %x", err, out, raw)
	}
}

// RFC 8489 Appendix B.1 as corrected by Errata 6268: USERHASH,
// PASSWORD-ALGORITHM and MESSAGE-INTEGRITY-SHA256 with a SHA-256 key.
func TestRFC8489B1Errata6268(t *testing.T) {
	raw, published, err := stunvectors.RFC8489B1()
	if err != nil {
		t.Fatal(err)
	}
	var m stun.Message
	if err := stun.Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	const username, realm, password = "マトリックス", "example.org", "TheMatrIX"
	uh, err := turn.Userhash(username, realm)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Userhash(); err != nil || !bytes.Equal(got, uh[:]) {
		t.Errorf("userhash %x want %x", got, uh)
	}
	if alg, err := m.PasswordAlgorithm(); err != nil || alg != stun.PasswordAlgorithmSHA256 {
		t.Errorf("password algorithm %v %v", alg, err)
	}
	key, err := turn.LongTermKey(stun.PasswordAlgorithmSHA256, username, realm, password)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key) != "dd295a613b9058c3c23d6dc7165bda072304d989c9d0af3a8c7e184b4f9bb4a1" {
		t.Errorf("key %x", key)
	}
	in := stun.NewIntegrity(key)
	if err := in.Check(&m); err != nil {
		t.Errorf("MESSAGE-INTEGRITY-SHA256: %v", err)
	}
	if err := in.CheckSHA1(&m); err != stun.ErrNoIntegrity {
		t.Errorf("CheckSHA1 = %v, want stun.ErrNoIntegrity", err)
	}
	// Re-encode byte for byte.
	nonce, err := m.Nonce()
	turn.Must(t, err)
	bb := stun.NewBuilder(nil, stun.BindingRequest, m.TransactionID)
	bb.AddUserhash(uh)
	bb.AddNonce(string(nonce))
	bb.AddRealm(realm)
	bb.AddPasswordAlgorithm(stun.PasswordAlgorithmSHA256)
	bb.AddMessageIntegritySHA256(in)
	out, err := bb.Bytes()
	if err != nil || !bytes.Equal(out, raw) {
		t.Errorf("encode %v\n got %x\nwant %x", err, out, raw)
	}
	// The published vector has a wrong header length and must be rejected.
	if err := stun.Parse(published, &m); err == nil {
		t.Error("published (uncorrected) B.1 vector parsed")
	}
}
